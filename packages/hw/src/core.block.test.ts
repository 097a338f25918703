import { describe, expect, it } from "vitest";
import { type AccessHook, AccessKind, Cfsr, createMachine, defineBoard, Fault, Shcsr, STM32F407 } from "./index.js";
import { trap } from "./test-util.js";

function machine() {
  const m = createMachine(STM32F407);
  m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
  return m;
}

describe("block transfers are all-or-nothing", () => {
  it("a write running past the end of SRAM2 faults at the first unmapped byte and writes nothing", () => {
    const m = machine();
    const f = trap(() => m.core.writeBytes(0x2001fff0, new Uint8Array(32).fill(0xaa)));
    expect(f.exception).toBe(5);
    expect(f.cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
    expect(m.scb.bfar).toBe(0x20020000);
    expect(f.access).toMatchObject({ address: 0x2001fff0, size: 32, kind: AccessKind.Write });
    expect(Array.from(m.bus.peek(0x2001fff0, 16))).toEqual(new Array(16).fill(0));
  });

  it("a read of 2^32 bytes wrapping past the top of the address space faults at its first byte, allocating as it reads", () => {
    const m = machine();
    const f = trap(() => m.core.readBytes(0xfffff000, 0x100000000));
    expect(f.exception).toBe(5);
    expect(f.cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
    expect(m.scb.bfar).toBe(0xfffff000);
  });

  it("fill into flash is a BusFault at its start and changes nothing", () => {
    const m = machine();
    const f = trap(() => m.core.fill(0x080ffff0, 0x55, 8));
    expect(f.faultAddress).toBe(0x080ffff0);
    expect(Array.from(m.bus.peek(0x080ffff0, 8))).toEqual(new Array(8).fill(0xff));
  });

  it("a read across two regions that do not share a segment is one hook access and returns both sides", () => {
    // Two contiguous RAMs with different wait states: separate backing segments.
    const board = defineBoard({
      name: "two-rams",
      core: "cortex-m4",
      memory: [
        { name: "A", start: 0x20000000, size: 0x1000 },
        { name: "B", start: 0x20001000, size: 0x1000, waitStates: 1 },
      ],
    });
    const m = createMachine(board);
    m.bus.load(0x20000ffe, new Uint8Array([1, 2]));
    m.bus.load(0x20001000, new Uint8Array([3, 4]));
    const seen: [number, number, AccessKind][] = [];
    const hook: AccessHook = { onAccess: (a, s, k) => void seen.push([a, s, k]) };
    m.core.hook = hook;
    expect(Array.from(m.core.readBytes(0x20000ffe, 4))).toEqual([1, 2, 3, 4]);
    m.core.writeBytes(0x20000ffe, new Uint8Array([9, 8, 7, 6]));
    expect(seen).toEqual([
      [0x20000ffe, 4, AccessKind.Read],
      [0x20000ffe, 4, AccessKind.Write],
    ]);
    expect([...m.bus.peek(0x20000ffe, 2), ...m.bus.peek(0x20001000, 2)]).toEqual([9, 8, 7, 6]);
  });

  it("a vector-table read of unmapped memory names VECTTBL", () => {
    const m = machine();
    m.scb.vtor = 0x30000000;
    const f = trap(() => m.core.readVector(1));
    expect(f.exception).toBe(3);
    expect(f.message).toContain("VECTTBL");
  });
});

describe("debugAccess", () => {
  it("reads privileged memory from unprivileged state without cycles or hook, then restores everything", () => {
    const m = machine();
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.write32(0x20000100, 0xcafe);
    m.core.controlNPriv = true;
    m.core.countCycles = true;
    const seen: number[] = [];
    m.core.hook = { onAccess: (a) => void seen.push(a) };
    m.core.actor = 9;
    const before = m.core.cycles;
    expect(m.core.debugAccess(() => m.core.read32(0x20000100))).toBe(0xcafe);
    expect(m.core.cycles).toBe(before);
    expect(seen).toEqual([]);
    expect(m.core.privileged).toBe(false);
    expect(m.core.actor).toBe(9);
    expect(m.core.countCycles).toBe(true);
    expect(() => m.core.read32(0x20000100)).toThrow(Fault);
  });

  it("is not checked by the MPU (a debugger's access): a region denying even privileged reads does not fault it", () => {
    const m = machine();
    // AP = 000 over SRAM1: no access at all, a privileged load faults.
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "none" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.bus.load(0x20000100, new Uint8Array([0xfe, 0xca, 0, 0]));
    expect(m.core.debugAccess(() => [m.core.read32(0x20000100), m.core.read8(0x20000101)])).toEqual([0xcafe, 0xca]);
    m.core.debugAccess(() => m.core.write32(0x20000104, 0x1234));
    expect(Array.from(m.bus.peek(0x20000104, 4))).toEqual([0x34, 0x12, 0, 0]);
    expect(m.scb.cfsr).toBe(0);
    // The CPU's own accesses are checked again afterwards.
    const f = trap(() => m.core.read32(0x20000100));
    expect([f.exception, f.cfsr, m.scb.mmfar]).toEqual([4, Cfsr.DACCVIOL | Cfsr.MMARVALID, 0x20000100]);
  });
});

describe("block transfers take their length once, as a plain number", () => {
  it("a length that is not an integer in [0, 2^32] is ACCESS_SIZE; a valueOf never runs and nothing moves", () => {
    const m = machine();
    m.bus.load(0x20000000, new Uint8Array([1, 2, 3, 4]));
    let calls = 0;
    const sly = { valueOf: () => (++calls <= 2 ? 4 : 0x4000) } as unknown as number;
    const codes = [sly, Number.NaN, -1, 1.5, 2 ** 32 + 1].flatMap((n) =>
      [() => m.core.readBytes(0x20000000, n), () => m.core.fill(0x20000000, 0xab, n)].map((f) => {
        try {
          f();
          return "moved";
        } catch (e) {
          return (e as { code?: string }).code;
        }
      }),
    );
    expect(codes).toEqual(new Array(10).fill("ACCESS_SIZE"));
    expect(calls).toBe(0);
    expect(Array.from(m.bus.peek(0x20000000, 8))).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
  });

  it("readWords' count is an integer in [0, 2^30] (ACCESS_SIZE): never a RangeError, a 16 GiB array, or an empty read for NaN", () => {
    const m = machine();
    m.bus.load(0x20000000, new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]));
    const seen = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 30 + 1, "2" as unknown as number].map((n) => {
      try {
        return Array.from(m.core.readWords(0x20000000, n));
      } catch (e) {
        return [(e as Error).name, (e as { code?: string }).code];
      }
    });
    expect(seen).toEqual(new Array(6).fill(["HwError", "ACCESS_SIZE"]));
    expect(m.core.pendingFault).toBeNull();
    expect(Array.from(m.core.readWords(0x20000000, 2))).toEqual([1, 2]);
    expect(Array.from(m.core.readWords(0x20000000, 0))).toEqual([]);
  });

  it("writeBytes writes a copy taken at once: a Proxy or an own length cannot give the copy more bytes than were checked", () => {
    const m = machine();
    let reads = 0;
    const proxy = new Proxy({} as Uint8Array, {
      get(_, key) {
        if (key === "length") return reads++ === 0 ? 4 : 64;
        return typeof key === "string" && /^\d+$/.test(key) ? 0x41 : undefined;
      },
    });
    const shadowed = new Uint8Array(4).fill(0x42);
    Object.defineProperty(shadowed, "length", { get: () => (reads++ % 2 === 0 ? 4 : 64) });
    m.core.writeBytes(0x20000000, proxy);
    m.core.writeBytes(0x20000100, shadowed);
    expect(Array.from(m.bus.peek(0x20000000, 8))).toEqual([0x41, 0x41, 0x41, 0x41, 0, 0, 0, 0]);
    expect(Array.from(m.bus.peek(0x20000100, 8))).toEqual([0x42, 0x42, 0x42, 0x42, 0, 0, 0, 0]);
  });
});

describe("the bus's raw load", () => {
  it("crosses adjacent memory regions (SRAM1 into SRAM2) but not into unmapped space", () => {
    const m = createMachine(STM32F407);
    m.bus.load(0x2001bffe, new Uint8Array([1, 2, 3, 4]));
    expect([...m.bus.peek(0x2001bffe, 4)]).toEqual([1, 2, 3, 4]);
    expect(() => m.bus.load(0x2001fffe, new Uint8Array([1, 2, 3, 4]))).toThrow(/^ADDRESS_RANGE/);
  });
});
