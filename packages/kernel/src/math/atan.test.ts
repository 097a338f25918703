import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detAtan, detAtan2 } from "./atan.js";

const bits = (v: number): string =>
  `0x${new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16).padStart(16, "0")}`;
/** Within 4e-16 of the engine's value, relative above 1 and absolute below. */
const close = (got: number, want: number): boolean => Math.abs(got - want) <= 4e-16 * Math.max(1, Math.abs(want));
const anyDouble = fc.double({ noNaN: true });

describe("detAtan", () => {
  it("pins exact bits for a handful of inputs (one in each reduction interval)", () => {
    const cases: [number, string][] = [
      [0.1, "0x3fb983e282e2cc4d"],
      [0.5, "0x3fddac670561bb4f"],
      [1, "0x3fe921fb54442d18"],
      [2, "0x3ff1b6e192ebbe44"],
      [100, "0x3ff8f905eb2def22"],
    ];
    for (const [x, want] of cases) {
      expect(bits(detAtan(x))).toBe(want);
      expect(bits(detAtan(-x))).toBe(bits(-detAtan(x)));
    }
  });

  it("handles zeros, infinities, NaN and tiny arguments like Math.atan", () => {
    expect(Object.is(detAtan(-0), -0)).toBe(true);
    expect(Object.is(detAtan(0), 0)).toBe(true);
    expect(detAtan(Number.POSITIVE_INFINITY)).toBe(Math.PI / 2);
    expect(detAtan(Number.NEGATIVE_INFINITY)).toBe(-Math.PI / 2);
    expect(detAtan(Number.NaN)).toBeNaN();
    expect(detAtan(1e-300)).toBe(1e-300);
    expect(detAtan(1e300)).toBe(Math.PI / 2);
  });

  it("agrees with Math.atan within 4e-16, relative", () => {
    fc.assert(
      fc.property(anyDouble, (x) => {
        expect(Math.abs(detAtan(x) - Math.atan(x))).toBeLessThanOrEqual(4e-16 * Math.abs(Math.atan(x)));
      }),
      { seed: 0x5eeda, numRuns: 5000 },
    );
    for (let x = -5; x <= 5; x += 1 / 1024) {
      expect(Math.abs(detAtan(x) - Math.atan(x))).toBeLessThanOrEqual(4e-16 * Math.abs(Math.atan(x)));
    }
  });
});

describe("detAtan2", () => {
  it("pins exact bits for a handful of inputs (all four quadrants, the estimator's scale)", () => {
    const cases: [number, number, string][] = [
      [1, 2, "0x3fddac670561bb4f"],
      [-3, -4, "0xc003fc176b7a8560"],
      [0.1, -10, "0x40090d809fb90e1d"],
      [4096, 410, "0x3ff78957c97c492d"],
    ];
    for (const [y, x, want] of cases) expect(bits(detAtan2(y, x))).toBe(want);
  });

  it("follows every special case of Math.atan2 (signed zeros, infinities, NaN) bit for bit", () => {
    const specials = [0, -0, 1, -1, 1e-310, -1e-310, 1e308, -1e308, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const y of specials) {
      for (const x of specials) expect([y, x, bits(detAtan2(y, x))]).toEqual([y, x, bits(Math.atan2(y, x))]);
      expect(detAtan2(y, Number.NaN)).toBeNaN();
      expect(detAtan2(Number.NaN, y)).toBeNaN();
    }
  });

  it("agrees with Math.atan2 within 4e-16 and gives the same bits twice", () => {
    fc.assert(
      fc.property(anyDouble, anyDouble, (y, x) => {
        expect(close(detAtan2(y, x), Math.atan2(y, x))).toBe(true);
        expect(bits(detAtan2(y, x))).toBe(bits(detAtan2(y, x)));
      }),
      { seed: 0x5eedb, numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        fc.double({ min: -5000, max: 5000, noNaN: true }),
        (y, x) => {
          expect(close(detAtan2(y, x), Math.atan2(y, x))).toBe(true);
        },
      ),
      { seed: 0x5eedc, numRuns: 5000 },
    );
  });
});
