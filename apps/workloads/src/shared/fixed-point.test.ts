import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accelAngles, atan2Milli, complementary, formatMilliDeg, gyroDeltaMilli, isqrt } from "./fixed-point.js";

describe("fixed-point helpers", () => {
  it("atan2Milli gives the quadrant angles", () => {
    expect(atan2Milli(0, 4096)).toBe(0);
    expect(atan2Milli(4096, 0)).toBe(90000);
    expect(atan2Milli(-4096, 0)).toBe(-90000);
    expect(atan2Milli(0, 0)).toBe(0);
    expect(Math.abs(atan2Milli(4096, 4096) - 45000)).toBeLessThanOrEqual(10);
    expect(Math.abs(atan2Milli(-1, -4096) + 180000)).toBeLessThanOrEqual(30);
  });

  it("atan2Milli is within 0.05 degree of Math.atan2", () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -32768, max: 32767 }), (y, x) => {
        fc.pre(Math.abs(x) + Math.abs(y) > 64);
        const ref = (Math.atan2(y, x) * 180000) / Math.PI;
        let d = Math.abs(atan2Milli(y, x) - ref);
        if (d > 180000) d = 360000 - d;
        return d <= 50;
      }),
      { seed: 0x5eed3 },
    );
  });

  it("isqrt is the exact floor", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        const r = isqrt(n);
        return r * r <= n && (r + 1) * (r + 1) > n;
      }),
      { seed: 0x5eed4 },
    );
  });

  it("filter, gyro scale and formatting", () => {
    expect(gyroDeltaMilli(16, 1000)).toBe(1); // 1 deg/s for 1 ms = 1 millidegree
    expect(gyroDeltaMilli(-800, 1000)).toBe(-50);
    expect(complementary(1000, 0, 0)).toBe(980);
    expect(complementary(0, 0, 10000)).toBe(200);
    expect(accelAngles(0, 0, 4096)).toEqual({ roll: 0, pitch: 0 });
    expect(formatMilliDeg(5714)).toBe("+5.71");
    expect(formatMilliDeg(-404)).toBe("-0.40");
    expect(formatMilliDeg(0)).toBe("+0.00");
  });
});
