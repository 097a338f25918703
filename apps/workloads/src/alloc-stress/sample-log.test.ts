import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SampleLog } from "./sample-log.js";

describe("SampleLog", () => {
  it("keeps every sample up to its limit, then every 2nd, 4th... from the first, and the latest apart", () => {
    const log = new SampleLog<number>(4);
    for (let i = 0; i < 4; i++) log.add(i);
    expect([log.kept, log.stride]).toEqual([[0, 1, 2, 3], 1]);
    log.add(4);
    expect([log.kept, log.stride]).toEqual([[0, 2, 4], 2]);
    for (let i = 5; i < 10; i++) log.add(i);
    expect([log.kept, log.stride, log.latest, log.count]).toEqual([[0, 4, 8], 4, 9, 10]);
  });

  it("holds at most `limit` samples, evenly spaced from the first, for any count (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 5000 }), (half, n) => {
        const log = new SampleLog<number>(2 * half);
        for (let i = 0; i < n; i++) log.add(i);
        expect(log.kept.length).toBeLessThanOrEqual(2 * half);
        expect(log.kept).toEqual(Array.from({ length: log.kept.length }, (_, k) => k * log.stride));
        // Nothing kept that the stride could hold: the next kept sample would be past the last taken.
        expect(log.kept.length * log.stride).toBeGreaterThanOrEqual(n);
        expect(log.latest).toBe(n === 0 ? undefined : n - 1);
      }),
      { seed: 0x5eed2 },
    );
  });

  it("refuses a limit it cannot halve", () => {
    for (const bad of [0, 1, 3, 2.5, Number.NaN]) expect(() => new SampleLog(bad)).toThrow(RangeError);
  });
});
