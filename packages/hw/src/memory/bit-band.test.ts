import { describe, expect, it } from "vitest";
import {
  type AccessHook,
  AccessKind,
  Cfsr,
  createMachine,
  defineBoard,
  HwError,
  MPS2_AN386,
  type Peripheral,
  Shcsr,
  STM32F407,
  STM32H743XI,
} from "../index.js";
import { trap } from "../test-util.js";
import { bitBandAliasOf, bitBandBit, bitBandByte, isBitBandAlias } from "./bit-band.js";

function machine(board = STM32F407) {
  const m = createMachine(board);
  m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
  return m;
}

/** A 16-byte peripheral that keeps its registers and logs every access. */
function registers(log: string[]): Peripheral {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  return {
    name: "REGS",
    size: 16,
    read(offset, size) {
      log.push(`read${size * 8} +${offset}`);
      return size === 4 ? view.getUint32(offset, true) : size === 2 ? view.getUint16(offset, true) : bytes[offset]!;
    },
    write(offset, size, value) {
      log.push(`write${size * 8} +${offset} = 0x${value.toString(16)}`);
      if (size === 4) view.setUint32(offset, value, true);
      else if (size === 2) view.setUint16(offset, value, true);
      else bytes[offset] = value;
    },
  };
}

describe("bit-band addresses", () => {
  it("maps an alias word to a byte and bit as the Cortex-M4 generic user guide's examples do", () => {
    // 0x23FFFFE0 -> bit 0 of 0x200FFFFF, 0x23FFFFFC -> bit 7 of it; 0x22000000 -> bit 0 of 0x20000000, 0x2200001C -> bit 7.
    expect([0x23ffffe0, 0x23fffffc, 0x22000000, 0x2200001c].map((a) => [bitBandByte(a), bitBandBit(a)])).toEqual([
      [0x200fffff, 0],
      [0x200fffff, 7],
      [0x20000000, 0],
      [0x20000000, 7],
    ]);
    expect([bitBandByte(0x42000000 + 0x20c14 * 32 + 12), bitBandBit(0x42000000 + 0x20c14 * 32 + 12)]).toEqual([
      0x40020c14, 3,
    ]);
    expect([bitBandAliasOf(0x200fffff, 0), bitBandAliasOf(0x40020c14, 3), bitBandAliasOf(0x20100000, 0)]).toEqual([
      0x23ffffe0,
      0x42000000 + 0x20c14 * 32 + 12,
      null,
    ]);
    expect(
      [0x21ffffff, 0x22000000, 0x23ffffff, 0x24000000, 0x42000000, 0x43ffffff, 0x44000000].map(isBitBandAlias),
    ).toEqual([false, true, true, false, true, true, false]);
  });
});

describe("bit-banding on the STM32F407", () => {
  it("a store to an alias word sets or clears one bit of SRAM (bit 0 of the value decides); a load reads it into bit 0", () => {
    const m = machine();
    m.bus.load(0x20000100, new Uint8Array([0xa0]));
    const alias = bitBandAliasOf(0x20000100, 3)!;
    expect(alias).toBe(0x2200200c);
    m.core.write32(alias, 0xff); // bit 0 set: the bit becomes 1
    expect([...m.bus.peek(0x20000100, 1)]).toEqual([0xa8]);
    expect([m.core.read32(alias), m.core.read16(alias), m.core.read8(alias)]).toEqual([1, 1, 1]);
    m.core.write32(alias, 0x0e); // bit 0 clear: the bit becomes 0, whatever bits 31:1 say
    expect([...m.bus.peek(0x20000100, 1)]).toEqual([0xa0]);
    expect(m.core.read32(alias)).toBe(0);
    m.core.write8(bitBandAliasOf(0x20000103, 7)!, 1); // a byte store: bit 31 of the word at 0x20000100
    expect([...m.bus.peek(0x20000100, 4)]).toEqual([0xa0, 0, 0, 0x80]);
    expect(m.core.read32(bitBandAliasOf(0x20000103, 7)!)).toBe(1);
  });

  it("a peripheral bit is a read-modify-write of the register at the access's size", () => {
    const m = machine();
    const log: string[] = [];
    m.bus.attach(0x40000400, registers(log)); // TIM3's address, inside the APB1 range
    const bit = (byte: number, n: number) => bitBandAliasOf(byte, n)!;
    m.core.write32(bit(0x40000404, 2), 1);
    m.core.write16(bit(0x40000409, 1), 1); // the halfword at +8, bit 9
    expect(m.core.read32(bit(0x40000404, 2))).toBe(1);
    expect(log).toEqual(["read32 +4", "write32 +4 = 0x4", "read16 +8", "write16 +8 = 0x200", "read32 +4"]);
  });

  it("the MPU checks the alias address: an SRAM region does not cover its alias, and an alias region bypasses a privileged-only one", () => {
    const m = machine();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x1000, access: "rw" });
    m.mpu.setRegion(1, { base: 0x20000800, size: 0x100, access: "priv-rw" }); // the kernel's bytes
    m.mpu.setControl({ enable: true, privdefena: true });
    const kernelBit = bitBandAliasOf(0x20000800, 0)!;
    expect(trap(() => m.core.write32(kernelBit, 1, true))).toMatchObject({ cfsr: Cfsr.DACCVIOL | Cfsr.MMARVALID });
    expect(m.scb.mmfar).toBe(kernelBit);
    m.core.clearFault();
    expect(trap(() => m.core.write32(0x20000800, 1, true)).faultAddress).toBe(0x20000800);
    m.core.clearFault();
    // A region over the alias window opens every bit of SRAM's first MiB to the task.
    m.mpu.setRegion(2, { base: 0x22000000, size: 0x2000000, access: "rw" });
    m.core.write32(kernelBit, 1, true);
    expect([...m.bus.peek(0x20000800, 1)]).toEqual([1]);
  });

  it("a bit of an unmapped byte or of read-only memory is a precise BusFault at the alias address; a fetch from the alias is not remapped", () => {
    const m = machine();
    const beyond = bitBandAliasOf(0x20020000, 0)!; // past SRAM2
    expect(trap(() => m.core.read32(beyond))).toMatchObject({ cfsr: Cfsr.PRECISERR | Cfsr.BFARVALID });
    expect(m.scb.bfar).toBe(beyond);
    m.core.clearFault();
    expect(trap(() => m.core.fetch(0x22000000))).toMatchObject({ cfsr: Cfsr.IBUSERR, faultAddress: null });
    // A custom Cortex-M3 with a ROM in the SRAM bit-band region: its bits read, a store faults.
    const rom = createMachine(
      defineBoard({
        name: "rom-in-sram",
        core: "cortex-m3",
        bitBand: true,
        memory: [{ name: "ROM", kind: "rom", start: 0x20000000, size: 0x1000 }],
      }),
    );
    rom.scb.shcsr = Shcsr.BUSFAULTENA;
    rom.bus.load(0x20000000, new Uint8Array([0x04]));
    expect(rom.core.read32(bitBandAliasOf(0x20000000, 2)!)).toBe(1);
    expect(trap(() => rom.core.write32(0x22000008, 0))).toMatchObject({
      cfsr: Cfsr.PRECISERR | Cfsr.BFARVALID,
      faultAddress: 0x22000008,
    });
    expect([...rom.bus.peek(0x20000000, 1)]).toEqual([0x04]);
  });

  it("the hook sees a one-byte access to the bit's byte; cycles are the target's, twice for a store", () => {
    const m = machine();
    const seen: [number, number, AccessKind][] = [];
    const hook: AccessHook = { onAccess: (a, s, k) => void seen.push([a, s, k]) };
    m.core.hook = hook;
    m.core.countCycles = true;
    const alias = bitBandAliasOf(0x20000102, 5)!;
    const before = m.core.cycles;
    m.core.write32(alias, 1);
    const afterStore = m.core.cycles;
    m.core.read32(alias);
    expect([afterStore - before, m.core.cycles - afterStore]).toEqual([2, 1]); // SRAM: 1 cycle per access
    expect(seen).toEqual([
      [0x20000102, 1, AccessKind.Write],
      [0x20000102, 1, AccessKind.Read],
    ]);
  });

  it("a block transfer into an alias window is one byte store per byte: four stores to each bit, the last one wins", () => {
    const m = machine();
    // Bits [1:0] of an alias address are ignored: the bytes at +0..+3 all store bit 0, +4..+7 bit 1.
    m.core.writeBytes(bitBandAliasOf(0x20000200, 0)!, new Uint8Array([0, 0, 0, 1, 1, 0, 0, 1]));
    expect([...m.bus.peek(0x20000200, 1)]).toEqual([0x03]);
  });

  it("a block through an alias is all-or-nothing too: a bit nothing decodes faults before any bit moves", () => {
    // 0x223FFFFC is bit 7 of SRAM2's last byte (0x2001FFFF); the next alias word, 0x22400000,
    // stands for 0x20020000, which nothing decodes. The block's first four stores used to set the
    // bit before the BusFault at the fifth.
    const m = machine();
    m.bus.load(0x2001ffff, new Uint8Array([0x00]));
    const f = trap(() => m.core.writeBytes(0x223ffffc, new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1])));
    expect([f.cfsr, m.scb.bfar]).toEqual([Cfsr.PRECISERR | Cfsr.BFARVALID, 0x22400000]);
    expect([...m.bus.peek(0x2001ffff, 1)]).toEqual([0x00]);
    // fill: bits 4-7 of the same byte, then the same undecoded bit: nothing set either.
    const g = trap(() => machine().core.fill(0x223ffff0, 1, 32));
    expect(g.cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
    const n = machine();
    n.bus.load(0x2001ffff, new Uint8Array([0x00]));
    trap(() => n.core.fill(0x223ffff0, 1, 32));
    expect([n.scb.bfar, ...n.bus.peek(0x2001ffff, 1)]).toEqual([0x22400000, 0x00]);
  });
});

describe("boards and bit-banding", () => {
  it("the STM32F407 and the MPS2-AN386 have it, the Cortex-M7 STM32H743 has no alias windows", () => {
    expect([STM32F407.bitBand, MPS2_AN386.bitBand, STM32H743XI.bitBand]).toEqual([true, true, false]);
    const m = machine(STM32H743XI);
    expect(trap(() => m.core.read32(0x22000000))).toMatchObject({ cfsr: Cfsr.PRECISERR | Cfsr.BFARVALID });
  });

  it("a board asking for it on a core without the option, or with memory in an alias window, is refused", () => {
    const spec = { name: "b", memory: [{ name: "RAM", start: 0x20000000, size: 0x1000 }], bitBand: true } as const;
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof HwError ? [e.code, e.message] : e;
      }
      return "accepted";
    };
    expect(refused(() => defineBoard({ ...spec, core: "cortex-m33" }))).toEqual([
      "BOARD_FIELD",
      'BOARD_FIELD: board "b": bitBand is an option of the Cortex-M3 and M4 cores only, not the cortex-m33',
    ]);
    expect(
      refused(() =>
        defineBoard({
          ...spec,
          core: "cortex-m4",
          memory: [...spec.memory, { name: "PSRAM", start: 0x21000000, size: 0x2000000 }],
        }),
      ),
    ).toEqual([
      "BOARD_OVERLAP",
      'BOARD_OVERLAP: board "b": bitBand needs the SRAM alias window 0x22000000-0x23ffffff free, but PSRAM lies in it',
    ]);
    expect(refused(() => defineBoard({ ...spec, core: "cortex-m4", bitBand: "yes" as never }))).toEqual([
      "BOARD_FIELD",
      'BOARD_FIELD: board "b": bitBand must be a boolean',
    ]);
    expect(defineBoard({ ...spec, core: "cortex-m3" }).bitBand).toBe(true);
    expect(defineBoard({ ...spec, core: "cortex-m3", bitBand: undefined }).bitBand).toBe(false);
  });
});
