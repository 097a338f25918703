import { describe, expect, it } from "vitest";
import { HwError } from "../errors.js";
import { decodeRegionV8, encodeRegionV8, type MpuV8RegionSettings } from "./config.js";
import { RbarV8, Rlar } from "./fields.js";

/** The error code and field of `encodeRegionV8(0, 8, s, pxn)`, or the encoded registers. */
function encode(s: MpuV8RegionSettings, pxn = false): string | { rbar: number; rlar: number } {
  try {
    return encodeRegionV8(0, 8, s, pxn);
  } catch (e) {
    if (!(e instanceof HwError)) throw e;
    return `${e.code} ${String(e.context.field)}`;
  }
}

const RW = { access: "rw" } as const;

describe("encodeRegionV8: names are the tables' own", () => {
  it("an access or shareability named after an Object.prototype member is refused, not encoded as 0", () => {
    for (const name of ["toString", "constructor", "__proto__", "valueOf"]) {
      expect(encode({ ...RW, base: 0, size: 32, access: name as never })).toBe("MPU_FIELD_RESERVED RBAR.AP");
      expect(encode({ ...RW, base: 0, size: 32, shareability: name as never })).toBe("MPU_FIELD_RESERVED RBAR.SH");
    }
  });
});

describe("encodeRegionV8: each bound of each field", () => {
  it("base: a 32-bit multiple of 32 (0 and 0xffffffe0 are the ends)", () => {
    expect(encode({ ...RW, base: 0, size: 32 })).toEqual({ rbar: 0x3, rlar: 0x1 });
    expect(encode({ ...RW, base: 0xffffffe0, size: 32 })).toEqual({ rbar: 0xffffffe3, rlar: 0xffffffe1 });
    for (const base of [-32, 2 ** 32, 0x100000000 + 32, 32.5, Number.NaN, 16])
      expect(encode({ ...RW, base, size: 32 })).toBe("MPU_ALIGNMENT RBAR.BASE");
  });

  it("the base in the message: hex when it is a non-negative integer, else as given", () => {
    expect(() => encodeRegionV8(0, 8, { ...RW, base: -32, size: 32 }, false)).toThrow(
      "RBAR.BASE: base -32 must be a 32-bit multiple of 32",
    );
    expect(() => encodeRegionV8(0, 8, { ...RW, base: 1.5, size: 32 }, false)).toThrow(
      "RBAR.BASE: base 1.5 must be a 32-bit multiple of 32",
    );
  });

  it("size: a multiple of 32, at least 32, ending at or below 2^32", () => {
    expect(encode({ ...RW, base: 0xffffff00, size: 0x100 })).toEqual({ rbar: 0xffffff03, rlar: 0xffffffe1 });
    for (const [base, size] of [
      [0, 0],
      [0, -32],
      [0, 31],
      [0, 64.5],
      [0xffffff00, 0x120],
      [0x20, 2 ** 32],
    ] as const)
      expect(encode({ ...RW, base, size })).toBe("MPU_SIZE RLAR.LIMIT");
  });

  it("attrIndex: an integer 0..7", () => {
    expect(encode({ ...RW, base: 0, size: 32, attrIndex: 7 })).toEqual({ rbar: 0x3, rlar: (7 << 1) | 1 });
    for (const attrIndex of [-1, 8, 1.5, Number.NaN])
      expect(encode({ ...RW, base: 0, size: 32, attrIndex })).toBe("MPU_FIELD_RESERVED RLAR.AttrIndx");
  });

  it("shareability: one of the three names", () => {
    expect(encode({ ...RW, base: 0, size: 32, shareability: "outer" })).toEqual({ rbar: 0x13, rlar: 0x1 });
    expect(encode({ ...RW, base: 0, size: 32, shareability: "reserved" as never })).toBe("MPU_FIELD_RESERVED RBAR.SH");
    expect(encode({ ...RW, base: 0, size: 32, shareability: "toString" as never })).toBe("MPU_FIELD_RESERVED RBAR.SH");
  });

  it("XN, PXN and EN follow executable, privilegedExecuteNever and enabled", () => {
    const r = (s: Partial<MpuV8RegionSettings>, pxn = true) =>
      encode({ ...RW, base: 0x20000000, size: 64, ...s }, pxn) as { rbar: number; rlar: number };
    expect(r({})).toEqual({ rbar: 0x20000000 | (1 << 1) | RbarV8.XN, rlar: 0x20000020 | Rlar.EN });
    expect(r({ executable: true })).toEqual({ rbar: 0x20000000 | (1 << 1), rlar: 0x20000020 | Rlar.EN });
    expect(r({ privilegedExecuteNever: true }).rlar).toBe(0x20000020 | Rlar.PXN | Rlar.EN);
    expect(r({ privilegedExecuteNever: false }, false).rlar).toBe(0x20000020 | Rlar.EN);
    expect(r({ enabled: false }).rlar).toBe(0x20000020);
  });

  it("a PXN request without PXN names the field and its value", () => {
    try {
      encodeRegionV8(2, 8, { ...RW, base: 0, size: 32, privilegedExecuteNever: true }, false);
      expect.unreachable();
    } catch (e) {
      expect((e as HwError).context).toEqual({ field: "RLAR.PXN", value: true, region: 2 });
    }
  });
});

describe("decodeRegionV8", () => {
  it("XN and PXN clear decode as false", () => {
    const v = decodeRegionV8(0, 0x20000000 | (1 << 1), 0x20000020 | Rlar.EN, 0xff);
    expect([v.xn, v.pxn, v.enabled, v.size]).toEqual([false, false, true, 64]);
  });

  it("Normal memory is shareable for SH outer and inner, not for non-shareable; Device keeps the MAIR's", () => {
    const sh = (bits: number, attr: number) =>
      decodeRegionV8(0, 0x20000000 | (bits << RbarV8.SH_SHIFT), 0x20000000 | Rlar.EN, attr).attributes.shareable;
    expect([0, 2, 3].map((b) => sh(b, 0xff))).toEqual([false, true, true]);
    expect(sh(0, 0x04)).toBe(true); // Device-nGnRE: shareable whatever SH says
  });
});
