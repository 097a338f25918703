import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ceilLog2, floorLog2, isPowerOfTwo, powerOfTwoAtLeast, powerOfTwoAtMost } from "./pow2.js";

describe("powers of two", () => {
  it("recognises powers of two up to 2^32 and nothing else", () => {
    expect([1, 2, 32, 1024, 2 ** 31, 2 ** 32].map(isPowerOfTwo)).toEqual([true, true, true, true, true, true]);
    expect([0, -2, 3, 96, 1.5, 2 ** 32 - 1, Number.NaN].map(isPowerOfTwo)).toEqual(Array(7).fill(false));
  });

  it("rounds up with a floor (an MPU region of at least 32 B) and down", () => {
    expect([1, 32, 33, 1000, 1024, 1025].map((n) => powerOfTwoAtLeast(n, 32))).toEqual([32, 32, 64, 1024, 1024, 2048]);
    expect(powerOfTwoAtLeast(0x60000)).toBe(0x80000);
    expect(powerOfTwoAtLeast(2 ** 32)).toBe(2 ** 32);
    const down = [1, 2, 3, 0x30000, 2 ** 32 - 1, 2 ** 32].map(powerOfTwoAtMost);
    expect(down).toEqual([1, 2, 2, 0x20000, 2 ** 31, 2 ** 32]);
    expect([1, 2, 3, 4, 5, 1024, 1025].map(ceilLog2)).toEqual([0, 1, 2, 2, 3, 10, 11]);
  });

  it("brackets every size from 1 to 2^32", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (n) => {
        const up = powerOfTwoAtLeast(n);
        const down = powerOfTwoAtMost(n);
        expect(isPowerOfTwo(up) && isPowerOfTwo(down)).toBe(true);
        expect(up >= n && up / 2 < n).toBe(true);
        expect(down <= n && down * 2 > n).toBe(true);
        expect(2 ** ceilLog2(n)).toBe(up);
      }),
      { seed: 0x5eed7 },
    );
  });

  it("stays exact past 2^32, where a float log2 rounds (V8: log2(2^49 - 1) is 49)", () => {
    expect(
      [1, 1.5, 3, 0x30000, 2 ** 32 - 1, 2 ** 32, 2 ** 33 - 1, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1].map(floorLog2),
    ).toEqual([0, 0, 1, 17, 31, 32, 32, 48, 49, 52]);
    expect(powerOfTwoAtMost(2 ** 49 - 1)).toBe(2 ** 48);
    expect(isPowerOfTwo(2 ** 49 - 1)).toBe(false);
    expect(isPowerOfTwo(2 ** 52)).toBe(true);
    expect(ceilLog2(2 ** 49 - 1)).toBe(49);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const k = floorLog2(n);
        expect(2 ** k <= n && 2 ** (k + 1) > n).toBe(true);
      }),
      { seed: 0x5eed8 },
    );
  });
});
