import { describe, expect, it } from "vitest";
import { AccessKind, ActorMode, makeActor } from "./access.js";
import { MPS2_AN386 } from "./board/builtin/mps2-an386.js";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { defineBoard } from "./board/define.js";
import { Cfsr, ExceptionNumber } from "./fault.js";
import { createMachine } from "./machine.js";
import { FAST_BLOCK } from "./memory/buffer-layout.js";
import { encodeRegion } from "./mpu/config.js";
import { Shcsr } from "./scs/scb.js";
import { trap } from "./test-util.js";

/**
 * The access path's own machinery: the bus buffer's block table, the access views and their
 * cache, the hook filter's state bytes, the cycle budget and alarm, and the float accessors.
 */

function machine(board = STM32F407) {
  const m = createMachine(board);
  m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
  return m;
}

/** A read at `address` is a MemManage DACCVIOL with MMFAR = `address`; the fault is then cleared. */
function expectReadViolation(m: ReturnType<typeof machine>, address: number): void {
  const f = trap(() => m.core.read32(address));
  expect([f.cfsr, m.scb.mmfar]).toEqual([Cfsr.DACCVIOL | Cfsr.MMARVALID, address]);
  m.core.clearFault();
  m.scb.cfsr = 0;
}

describe("the bus buffer", () => {
  it("places every segment at an offset congruent to its start modulo 64 KiB, after the trap block", () => {
    const m = machine();
    for (const s of m.bus.segments.slice(1)) {
      expect(s.offset % FAST_BLOCK).toBe(s.start % FAST_BLOCK);
      expect(s.offset).toBeGreaterThanOrEqual(FAST_BLOCK);
      expect(m.bus.offsetOf(s.start)).toBe(s.offset);
      expect(m.bus.offsetOf(s.end - 1)).toBe(s.offset + s.size - 1);
    }
    // Unmapped addresses and peripherals land in the trap block, at their offset within 64 KiB.
    expect(m.bus.offsetOf(0x30001234)).toBe(0x1234);
    expect(m.bus.offsetOf(0x40004404)).toBe(0x4404);
    expect(m.bus.offsetOf(0xe000ed94)).toBe(0xed94);
  });

  it("a segment's bytes are the bus buffer's bytes at its offset", () => {
    const m = machine();
    m.core.write32(0x20000100, 0x11223344);
    const off = m.bus.offsetOf(0x20000100);
    expect(Array.from(new Uint8Array(m.bus.buffer, off, 4))).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(m.bus.peek(0x20000100, 4)).toEqual(new Uint8Array([0x44, 0x33, 0x22, 0x11]));
  });

  it("two segments sharing a 64 KiB block both work (through the general path), with exact faults between them", () => {
    const board = defineBoard({
      name: "shared-block",
      core: "cortex-m4",
      memory: [
        { name: "A", start: 0x20000000, size: 0x800 },
        { name: "B", start: 0x20001000, size: 0x800, waitStates: 2 },
      ],
    });
    const m = machine(board);
    expect(m.bus.offsetOf(0x20000000)).toBe(0); // the trap block: no single owner
    m.core.write32(0x20000004, 0xaabbccdd);
    m.core.write32(0x20001004, 0x01020304);
    expect(m.core.read32(0x20000004)).toBe(0xaabbccdd);
    expect(m.core.read32(0x20001004)).toBe(0x01020304);
    const f = trap(() => m.core.read32(0x20000800));
    expect(f.cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
    expect(m.scb.bfar).toBe(0x20000800);
  });

  it("MPS2-AN386 (24 MiB of memory) maps all of its regions", () => {
    const m = machine(MPS2_AN386);
    for (const a of [0x00000000, 0x003ffffc, 0x01003ffc, 0x20000000, 0x21fffffc]) {
      m.core.write32(a, a ^ 0x5a5a5a5a);
      expect(m.core.read32(a)).toBe((a ^ 0x5a5a5a5a) >>> 0);
    }
  });
});

describe("access views", () => {
  it("stay right when more MPU configurations are used than there are view slots", () => {
    const m = machine();
    const slots = m.bus.bufferLayout.viewSlots;
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    // Configuration n allows SRAM block n (1 KiB) to unprivileged code; revisit them all twice.
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < slots + 8; n++) {
        const base = 0x20000000 + n * 0x400;
        m.mpu.setRegion(0, { base, size: 0x400, access: "rw" });
        m.core.write32(base + 8, n);
        expect(m.core.read32(base + 8)).toBe(n);
        expectReadViolation(m, base + 0x400);
      }
    }
  });

  it("stay right at every privilege when whole configurations are reloaded, more than there are view slots", () => {
    const m = machine();
    const slots = m.bus.bufferLayout.viewSlots;
    m.mpu.setControl({ enable: true, privdefena: true });
    // Program n: SRAM block n (1 KiB) read/write to unprivileged code, the rest privileged only.
    const programs = Array.from({ length: slots + 8 }, (_, n) => {
      const words: number[] = [];
      for (let r = 0; r < m.mpu.regionCount; r++) {
        words.push((r === 0 ? 0x20000000 + n * 0x400 : 0) | 0x10 | r, r === 0 ? 0x03000013 : 0);
      }
      return m.mpu.programPairs(words)!;
    });
    // As a context switch: load in Handler mode, a privileged store, then the task's accesses.
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < programs.length; n++) {
        const base = 0x20000000 + n * 0x400;
        m.core.mode = "handler";
        m.mpu.loadProgram(programs[n]!);
        m.core.write32(base + 0x400, n); // privileged: the next block too
        m.core.mode = "thread";
        m.core.controlNPriv = true;
        expect(m.core.read32(base)).toBe(n === 0 ? 0 : n - 1); // the previous task's privileged store
        m.core.write32(base + 4, n);
        expect(m.core.read32(base + 4)).toBe(n);
        expectReadViolation(m, base + 0x400);
        m.core.mode = "handler";
        expect(m.core.read32(base + 0x400)).toBe(n);
      }
    }
  });

  it("follow privilege changes without an MPU change", () => {
    const m = machine();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x400, access: "priv-rw" });
    m.mpu.setControl({ enable: true, privdefena: false });
    m.core.write32(0x20000000, 7); // privileged Thread mode
    m.core.controlNPriv = true;
    expect(trap(() => m.core.read32(0x20000000)).cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID);
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect(m.core.read32(0x20000000)).toBe(7);
    m.core.mode = "handler";
    m.core.controlNPriv = true;
    expect(m.core.read32(0x20000000)).toBe(7); // Handler mode is privileged whatever nPRIV says
  });
});

describe("loaded values", () => {
  it("are unsigned from the general path and the fast path alike (words at or above 2^31, top bits set)", () => {
    const m = machine();
    const a = 0x20000400;
    m.core.write32(a, 0xfffffffd);
    m.core.write32(a + 4, 0x80000000);
    m.core.write32(a + 8, 0x0000ffff);
    m.core.write32(a + 12, 0x000000ff);
    const loads = () => [
      m.core.read32(a),
      m.core.read32(a + 4),
      m.core.read16(a + 8),
      m.core.read8(a + 12),
      m.core.readF32(a + 4),
    ];
    const expected = [0xfffffffd, 0x80000000, 0xffff, 0xff, -0];
    // An MPU change closes the views: the first loads go through the general path, which reopens.
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x1000, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(loads()).toEqual(expected);
    expect(loads()).toEqual(expected); // the fast path
    // Unprivileged, through a misaligned word (always the general path): still unsigned.
    m.core.controlNPriv = true;
    m.core.write32(a + 18, 0xfedcba98);
    expect(m.core.read32(a + 18)).toBe(0xfedcba98);
    expect(m.core.read16(a + 19)).toBe(0xdcba);
  });
});

describe("the hook filter's state", () => {
  it("is one byte per memory byte at the memory's buffer offsets; passing words spare the hook", () => {
    const m = machine();
    const seen: number[] = [];
    const actor = makeActor(ActorMode.User, 3);
    const masks = new Int32Array(16);
    masks[actor] = 0x0f0f0f0f;
    m.core.hook = { onAccess: (a) => seen.push(a), filter: { filterMasks: masks } };
    m.core.actor = actor;
    const s = m.core.filterState;
    const off = m.bus.offsetOf(0x20000040);
    s.fill(0xf0, off, off + 8); // two words that pass with the actor's mask
    m.core.read32(0x20000040); // the first access after a hook change takes the general path
    seen.length = 0;
    m.core.read32(0x20000040);
    m.core.write16(0x20000044, 1);
    m.core.read8(0x20000047);
    expect(seen).toEqual([]);
    s[off + 5] = 0xe0; // one byte of the second word no longer passes
    m.core.read8(0x20000047);
    m.core.read32(0x20000040);
    expect(seen).toEqual([0x20000047]);
    m.core.actor = makeActor(ActorMode.User, 2); // no mask: never passes
    m.core.read32(0x20000040);
    expect(seen).toEqual([0x20000047, 0x20000040]);
  });
});

describe("cycles", () => {
  it("charge() and accesses add up; countCycles off charges nothing for accesses", () => {
    const m = machine();
    m.core.countCycles = true;
    m.core.read32(0x20000000); // SRAM: 1 cycle
    m.core.read32(0x08000000); // flash: 1 + 5 wait states
    m.core.charge(100);
    expect(m.core.cycles).toBe(107);
    m.core.countCycles = false;
    m.core.read32(0x20000000);
    m.core.charge(3);
    expect(m.core.cycles).toBe(110);
    m.core.cycles = 5;
    m.core.countCycles = true;
    m.core.write8(0x20000000, 1);
    expect(m.core.cycles).toBe(6);
  });

  it("an alarm fires at the first charge passing its cycle, before that access moves a byte", () => {
    const m = machine();
    m.core.countCycles = true;
    for (let i = 0; i < 4; i++) m.core.read32(0x20000000); // warm: the fast paths decide
    const fired: number[] = [];
    m.core.setAlarm(m.core.cycles + 10, (due) => {
      fired.push(m.core.cycles, due);
      const e = new Error("watchdog");
      m.core.latch(e);
      throw e;
    });
    let writes = 0;
    expect(() => {
      for (;;) {
        m.core.write32(0x20000100, writes + 1);
        writes++;
      }
    }).toThrow("watchdog");
    // 10 one-cycle stores fit up to the alarm's cycle; the 11th would pass it: not performed, not charged.
    const start = fired[0]! - 10;
    expect(fired[1]).toBe(start + 11); // the count the 11th store would have brought
    expect(writes).toBe(10);
    expect(m.core.cycles).toBe(start + 10);
    m.core.clearFault();
    expect(m.core.read32(0x20000100)).toBe(10);
  });

  it("an alarm cleared (or set again) does not fire; one in the past fires at the next charge", () => {
    const m = machine();
    m.core.countCycles = true;
    let fired = 0;
    m.core.setAlarm(m.core.cycles + 5, () => fired++);
    m.core.setAlarm(Number.POSITIVE_INFINITY, null);
    for (let i = 0; i < 10; i++) m.core.read32(0x20000000);
    expect(fired).toBe(0);
    m.core.setAlarm(m.core.cycles - 1, () => fired++);
    m.core.read8(0x20000000);
    m.core.read8(0x20000000);
    expect(fired).toBe(1);
  });

  it("what an alarm charges and accesses itself (an interrupt taken there) comes before the access that waited", () => {
    const m = machine();
    m.core.countCycles = true;
    for (let i = 0; i < 4; i++) m.core.read32(0x20000000); // warm: the fast paths decide
    const start = m.core.cycles;
    const seen: number[] = [];
    m.core.setAlarm(start + 3, (due) => {
      seen.push(m.core.cycles, due);
      m.core.charge(40); // the handler's own cycles
      m.core.write32(0x20000200, 0xabcd); // and an access of its own (1 cycle)
      seen.push(m.core.cycles);
    });
    for (let i = 0; i < 4; i++) m.core.write32(0x20000100, i);
    // 3 stores fit; the 4th waits for the handler: 3 + 40 + 1, then the store's 1
    expect(seen).toEqual([start + 3, start + 4, start + 44]);
    expect(m.core.cycles).toBe(start + 45);
    expect(m.core.read32(0x20000100)).toBe(3);
    expect(m.core.read32(0x20000200)).toBe(0xabcd);
  });

  it("an alarm set again by its own fn at the count it runs at fires at the next charge, once per charge", () => {
    const m = machine();
    m.core.countCycles = true;
    const start = m.core.cycles;
    const at: number[] = [];
    const fn = (): void => {
      at.push(m.core.cycles);
      if (at.length < 3) m.core.setAlarm(m.core.cycles, fn);
    };
    m.core.setAlarm(start + 5, fn);
    m.core.charge(10); // fires once: the alarm it sets again waits for the next charge
    expect(at).toEqual([start]);
    expect(m.core.cycles).toBe(start + 10);
    m.core.charge(2);
    m.core.charge(2);
    m.core.charge(2);
    expect(at).toEqual([start, start + 10, start + 12]);
    expect(m.core.cycles).toBe(start + 16);
  });
});

describe("addresses as registers", () => {
  it("a single access converts its address to 32 bits (ToUint32): wrapped, fraction dropped, NaN as 0", () => {
    const m = machine();
    m.core.write32(0x20000004, 7);
    expect(m.core.read32(0x20000004 + 2 ** 32)).toBe(7);
    expect(m.core.read32(0x20000004 + 0.7)).toBe(7);
    m.core.write16(0x20000008 - 2 ** 32, 0xbeef);
    expect(m.core.read16(0x20000008)).toBe(0xbeef);
    // NaN is address 0, which the F407 does not map: a precise BusFault at 0.
    const f = trap(() => m.core.read8(Number.NaN));
    expect([f.cfsr, f.faultAddress]).toEqual([Cfsr.PRECISERR | Cfsr.BFARVALID, 0]);
  });
});

describe("float accessors", () => {
  it("write and read IEEE 754 singles and doubles little-endian (doubles as two words, low first)", () => {
    const m = machine();
    m.core.writeF32(0x20000010, 1.5);
    expect(m.core.read32(0x20000010)).toBe(0x3fc00000);
    expect(m.core.readF32(0x20000010)).toBe(1.5);
    m.core.writeF64(0x20000018, -2.25);
    expect([m.core.read32(0x20000018), m.core.read32(0x2000001c)]).toEqual([0x00000000, 0xc0020000]);
    expect(m.core.readF64(0x20000018)).toBe(-2.25);
  });

  it("VLDR/VSTR need word alignment whatever CCR.UNALIGN_TRP says: UsageFault UNALIGNED, nothing moved", () => {
    const m = machine();
    m.core.writeF64(0x20000018, -2.25);
    const before = [...m.bus.peek(0x20000010, 24)];
    for (const [access, kind, size] of [
      [() => m.core.readF32(0x20000012), AccessKind.Read, 4],
      [() => m.core.writeF32(0x20000011, 1), AccessKind.Write, 4],
      [() => m.core.readF64(0x2000001a), AccessKind.Read, 8],
      [() => m.core.writeF64(0x20000016, 1), AccessKind.Write, 8],
    ] as const) {
      const f = trap(access);
      expect([f.exception, f.cfsr, f.faultAddress, f.access.kind, f.access.size]).toEqual([
        ExceptionNumber.UsageFault,
        Cfsr.UNALIGNED,
        null,
        kind,
        size,
      ]);
      m.core.clearFault();
      m.scb.cfsr = 0;
    }
    expect([...m.bus.peek(0x20000010, 24)]).toEqual(before);
    // Word-aligned doubles need no more (VLDR.64 is two word accesses).
    expect(m.core.readF64(0x2000001c - 4)).toBe(-2.25);
    // The integer loads of the same addresses stay unaligned accesses (CCR.UNALIGN_TRP clear).
    expect(m.core.read32(0x20000012)).toBe(0x00000000);
  });

  it("a double whose second word is denied faults there, with MMFAR at that word", () => {
    const m = machine();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: false });
    m.core.controlNPriv = true;
    const f = trap(() => m.core.readF64(0x2000001c));
    expect([f.cfsr, m.scb.mmfar, f.access.kind]).toEqual([Cfsr.DACCVIOL | Cfsr.MMARVALID, 0x20000020, AccessKind.Read]);
  });
});

describe("device registers", () => {
  const REG = 0x40004400; // USART2's first register on the STM32F407 (decoded, nothing attached: reads 0)

  it("the MPU's decision for a register follows every reconfiguration: register writes, pair loads, programs", () => {
    const m = machine();
    const region = (access: "rw" | "priv-rw") => {
      const { rbar, rasr } = encodeRegion(0, m.mpu.regionCount, { base: 0x40004000, size: 0x1000, access });
      return [rbar | 0x10, rasr];
    };
    m.mpu.setRegion(0, { base: 0x40004000, size: 0x1000, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    expect([m.core.read32(REG), m.core.read32(REG + 4)]).toEqual([0, 0]);
    m.mpu.setRegion(0, { base: 0x40004000, size: 0x1000, access: "priv-rw" });
    expectReadViolation(m, REG);
    m.mpu.loadPairs(region("rw"));
    expect(m.core.read32(REG)).toBe(0);
    const words = [...region("priv-rw")];
    for (let n = 1; n < m.mpu.regionCount; n++) words.push(n | 0x10, 0);
    m.mpu.loadProgram(m.mpu.programPairs(words)!);
    expectReadViolation(m, REG);
    m.mpu.setControl({ enable: false, privdefena: false });
    expect(m.core.read32(REG)).toBe(0);
    // a neighbouring granule the region never covered: the background map, privileged only
    m.mpu.setControl({ enable: true, privdefena: true });
    expectReadViolation(m, 0x40003ffc);
  });

  it("Bus.isPeripheral says whether an address is in one of the board's peripheral ranges", () => {
    const m = machine();
    const at = [0x3fffffff, 0x40000000, 0x40007fff, 0x40008000, 0x5006ffff, 0x50070000, 0xe000ed00];
    expect(at.map((a) => m.bus.isPeripheral(a))).toEqual([false, true, true, false, true, false, false]);
    expect(at.map((a) => m.bus.peripheralAt(a) !== undefined)).toEqual(at.map((a) => m.bus.isPeripheral(a)));
  });

  it("a load from Normal memory running off the end of a peripheral range is a precise BusFault at its address", () => {
    const m = machine();
    // Normal on both sides of APB1's end (0x40008000), so the unaligned load reaches the bus
    m.mpu.setRegion(0, { base: 0x40000000, size: 0x10000, access: "rw", memory: "normal-wb" });
    m.mpu.setControl({ enable: true, privdefena: true });
    const f = trap(() => m.core.read32(0x40007ffe));
    expect([f.cfsr, m.scb.bfar]).toEqual([Cfsr.PRECISERR | Cfsr.BFARVALID, 0x40007ffe]);
  });
});
