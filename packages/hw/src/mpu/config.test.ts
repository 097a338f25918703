import { describe, expect, it } from "vitest";
import { HwError } from "../errors.js";
import { encodeRegion, type MpuRegionSettings } from "./config.js";

/** The error code and field of `encodeRegion(0, 8, s)`, or the encoded registers. */
function encode(s: MpuRegionSettings): string | { rbar: number; rasr: number } {
  try {
    return encodeRegion(0, 8, s);
  } catch (e) {
    if (!(e instanceof HwError)) throw e;
    return `${e.code} ${String(e.context.field)}`;
  }
}

describe("encodeRegion: names are the table's own", () => {
  it("an access named after an Object.prototype member is refused, not encoded as AP=000", () => {
    for (const access of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"])
      expect(encode({ base: 0x20000000, size: 256, access: access as never })).toBe("MPU_FIELD_RESERVED RASR.AP");
    expect(encode({ base: 0x20000000, size: 256, access: "none" })).toEqual({ rbar: 0x20000000, rasr: 0x1003000f });
  });

  it("so is a memory type of that kind", () => {
    for (const memory of ["toString", "constructor", "__proto__"])
      expect(encode({ base: 0x20000000, size: 256, access: "rw", memory: memory as never })).toBe(
        "MPU_FIELD_RESERVED RASR.TEX",
      );
  });
});
