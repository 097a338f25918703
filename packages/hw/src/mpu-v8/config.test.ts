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
