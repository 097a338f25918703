import { describe, expect, it } from "vitest";
import { AP_NAMES, apPerm, backgroundPerm, defaultMapRange, defaultPerm, regionSizeBytes } from "./fields.js";
import { Perm } from "./perm.js";

describe("the default memory map (ARMv7-M B3.1): name, type and XN of each range, at both ends", () => {
  const table: [number, number, string, string, boolean][] = [
    [0x00000000, 0x1fffffff, "Code", "normal", false],
    [0x20000000, 0x3fffffff, "SRAM", "normal", false],
    [0x40000000, 0x5fffffff, "Peripheral", "device", true],
    [0x60000000, 0x9fffffff, "External RAM", "normal", false],
    [0xa0000000, 0xdfffffff, "External device", "device", true],
    [0xe0000000, 0xe00fffff, "PPB", "strongly-ordered", true],
    [0xe0100000, 0xffffffff, "Vendor system", "device", true],
  ];
  for (const [lo, hi, name, type, xn] of table) {
    it(`${name}: 0x${lo.toString(16)}-0x${hi.toString(16)}`, () => {
      expect(defaultMapRange(lo)).toEqual({ name, type, xn });
      expect(defaultMapRange(hi)).toEqual({ name, type, xn });
    });
  }

  it("permission bytes: all access, fetch where not XN, DEVICE where not Normal; background is privileged only", () => {
    const RW = Perm.PR | Perm.PW | Perm.UR | Perm.UW;
    const X = Perm.PX | Perm.UX;
    expect(table.map(([lo]) => defaultPerm(lo))).toEqual([
      RW | X,
      RW | X,
      RW | Perm.DEVICE,
      RW | X,
      RW | Perm.DEVICE,
      RW | Perm.DEVICE,
      RW | Perm.DEVICE,
    ]);
    expect(backgroundPerm(0x20000000)).toBe(Perm.PR | Perm.PW | Perm.PX);
    expect(backgroundPerm(0x40000000)).toBe(Perm.PR | Perm.PW | Perm.DEVICE);
  });
});

describe("RASR.AP", () => {
  it("names every value: 100 reserved, 110 and 111 both ro", () => {
    expect([...AP_NAMES]).toEqual(["none", "priv-rw", "priv-rw-user-ro", "rw", "reserved", "priv-ro", "ro", "ro"]);
  });

  it("gives each value's read/write bits (AP=100: none, the project's choice)", () => {
    const { PR, PW, UR, UW } = Perm;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(apPerm)).toEqual([
      0,
      PR | PW,
      PR | PW | UR,
      PR | PW | UR | UW,
      0,
      PR,
      PR | UR,
      PR | UR,
    ]);
  });
});

describe("regionSizeBytes", () => {
  it("is 2^(SIZE+1): 32 B at SIZE 4, 4 GiB at SIZE 31", () => {
    expect([4, 7, 31].map(regionSizeBytes)).toEqual([32, 256, 2 ** 32]);
  });
});
