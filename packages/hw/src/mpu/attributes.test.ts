import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import type { ConfigWarning } from "../events.js";
import { Fault } from "../fault.js";
import { createMachine } from "../machine.js";
import { decodeMemoryAttributes, type MemoryAttributes } from "./fields.js";
import { Perm } from "./perm.js";

/** TEX/C/B/S decoding (ARMv7-M table B3-13) and what the memory type does to accesses. */

const NC = "non-cacheable";
const WBWA = "write-back, write and read allocate";
const WT = "write-through, no write-allocate";
const WB = "write-back, no write-allocate";
const POLICY = [NC, WBWA, WT, WB];

const so = (reserved = false): MemoryAttributes => ({
  type: "strongly-ordered",
  shareable: true,
  inner: null,
  outer: null,
  reserved,
});
const device = (shareable: boolean): MemoryAttributes => ({
  type: "device",
  shareable,
  inner: null,
  outer: null,
  reserved: false,
});
const normal = (inner: string, outer: string, shareable: boolean): MemoryAttributes => ({
  type: "normal",
  shareable,
  inner,
  outer,
  reserved: false,
});

/** The expected decoding, written row by row from the ARMv7-M ARM's TEX, C, B, S encoding table. */
function expected(tex: number, c: boolean, b: boolean, s: boolean): MemoryAttributes {
  const cb = (c ? 2 : 0) | (b ? 1 : 0);
  if (tex === 0 && cb === 0) return so();
  if (tex === 0 && cb === 1) return device(true);
  if (tex === 0 && cb === 2) return normal(WT, WT, s);
  if (tex === 0 && cb === 3) return normal(WB, WB, s);
  if (tex === 1 && cb === 0) return normal(NC, NC, s);
  if (tex === 1 && cb === 3) return normal(WBWA, WBWA, s);
  if (tex === 2 && cb === 0) return device(false);
  if (tex >= 4) return normal(POLICY[cb]!, POLICY[tex & 3]!, s);
  return so(true);
}

const RESERVED: [number, number][] = [
  [1, 1],
  [1, 2],
  [2, 1],
  [2, 2],
  [2, 3],
  [3, 0],
  [3, 1],
  [3, 2],
  [3, 3],
];

describe("decodeMemoryAttributes", () => {
  for (let tex = 0; tex < 8; tex++) {
    for (let cb = 0; cb < 4; cb++) {
      const c = (cb & 2) !== 0;
      const b = (cb & 1) !== 0;
      for (const s of [false, true]) {
        const want = expected(tex, c, b, s);
        it(`TEX=${tex.toString(2).padStart(3, "0")} C=${+c} B=${+b} S=${+s}: ${want.reserved ? "reserved" : want.type}`, () => {
          expect(decodeMemoryAttributes(tex, c, b, s)).toEqual(want);
        });
      }
    }
  }

  it("spot checks against the table's notes", () => {
    expect(decodeMemoryAttributes(0b101, false, true, true)).toEqual(normal(WBWA, WBWA, true)); // 1BB=01, AA=01
    expect(decodeMemoryAttributes(0b110, true, true, false)).toEqual(normal(WB, WT, false)); // outer WT, inner WB
    expect(decodeMemoryAttributes(0b100, false, false, false)).toEqual(normal(NC, NC, false));
    expect(decodeMemoryAttributes(0, false, false, false).shareable).toBe(true); // S ignored
    expect(decodeMemoryAttributes(0, false, true, false).shareable).toBe(true);
    expect(RESERVED.every(([t, cb]) => decodeMemoryAttributes(t, (cb & 2) !== 0, (cb & 1) !== 0, false).reserved)).toBe(
      true,
    );
  });
});

describe("region attributes through the registers", () => {
  it("mpu.region(n).attributes decodes RASR as written", () => {
    const m = createMachine(STM32F407);
    for (let tex = 0; tex < 8; tex++) {
      for (let cb = 0; cb < 4; cb++) {
        const rasr = ((0b011 << 24) | (tex << 19) | (1 << 18) | (cb << 16) | (7 << 1) | 1) >>> 0;
        m.core.write32(0xe000ed98, 1);
        m.core.write32(0xe000eda0, rasr);
        const v = m.mpu.region(1);
        expect(v.tex).toBe(tex);
        expect(v.c).toBe((cb & 2) !== 0);
        expect(v.b).toBe((cb & 1) !== 0);
        expect(v.s).toBe(true);
        expect(v.attributes).toEqual(expected(tex, (cb & 2) !== 0, (cb & 1) !== 0, true));
      }
    }
  });

  it("the typed API's memory names encode the table's rows", () => {
    const m = createMachine(STM32F407);
    const rows = [
      ["strongly-ordered", 0, 0, so()],
      ["device", 0, 1, device(true)],
      ["device-nonshareable", 2, 0, device(false)],
      ["normal-wt", 0, 2, normal(WT, WT, false)],
      ["normal-wb", 0, 3, normal(WB, WB, false)],
      ["normal-nc", 1, 0, normal(NC, NC, false)],
      ["normal-wbwa", 1, 3, normal(WBWA, WBWA, false)],
    ] as const;
    for (const [memory, tex, cb, attrs] of rows) {
      m.mpu.setRegion(0, { base: 0x20000000, size: 256, access: "rw", memory });
      expect((m.mpu.rawRegion(0).rasr >>> 16) & 0x3f).toBe((tex << 3) | cb);
      expect(m.mpu.region(0).attributes).toEqual(attrs);
    }
    m.mpu.setRegion(0, {
      base: 0x20000000,
      size: 256,
      access: "rw",
      memory: { tex: 6, c: false, b: true },
      shareable: true,
    });
    expect(m.mpu.region(0).attributes).toEqual(normal(WBWA, WT, true));
  });
});

describe("memory type and alignment", () => {
  function unalignedRead(tex: number, cb: number): { result: number | Fault; warnings: ConfigWarning[] } {
    const m = createMachine(STM32F407);
    m.scb.shcsr = 0x70000;
    const warnings: ConfigWarning[] = [];
    m.events.on("warning", (w) => warnings.push(w));
    m.bus.load(0x20000000, new Uint8Array([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]));
    m.core.write32(0xe000ed98, 0);
    m.core.write32(0xe000ed9c, 0x20000000);
    m.core.write32(0xe000eda0, ((0b011 << 24) | (tex << 19) | (cb << 16) | (9 << 1) | 1) >>> 0);
    m.core.write32(0xe000ed94, 1);
    try {
      return { result: m.core.read32(0x20000003), warnings };
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      expect(m.scb.cfsr).toBe(0x01000000);
      expect(m.core.permissionAt(0x20000000) & Perm.DEVICE).toBe(Perm.DEVICE);
      return { result: e, warnings };
    }
  }

  for (let tex = 0; tex < 8; tex++) {
    for (let cb = 0; cb < 4; cb++) {
      const want = expected(tex, (cb & 2) !== 0, (cb & 1) !== 0, false);
      const faults = want.type !== "normal";
      it(`TEX=${tex} C=${cb >> 1} B=${cb & 1}: unaligned word read ${faults ? "UsageFault UNALIGNED" : "allowed"}`, () => {
        const { result, warnings } = unalignedRead(tex, cb);
        if (faults) {
          expect(result).toBeInstanceOf(Fault);
          expect((result as Fault).exception).toBe(6);
          expect((result as Fault).cfsr).toBe(0x01000000);
          expect((result as Fault).faultAddress).toBe(null);
        } else {
          expect(result).toBe(0x16151413);
        }
        if (want.reserved) {
          expect(warnings).toEqual([
            {
              code: "MPU_TEX_RESERVED",
              message: `region 0: TEX=${tex} C=${cb >> 1} B=${cb & 1} is reserved: invalid configuration, treated as Strongly-ordered (project choice)`,
              region: 0,
              field: "RASR.TEX",
              value: tex,
            },
          ]);
        } else {
          expect(warnings).toEqual([]);
        }
      });
    }
  }
});
