import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mulberry32, mulberry32Words } from "./mulberry32.js";

describe("mulberry32", () => {
  it("gives the reference sequence for seed 1", () => {
    const next = mulberry32Words(1);
    expect([next(), next(), next()]).toEqual([2693262067, 11749833, 2265367787]);
    const random = mulberry32(1);
    expect([random(), random(), random()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it("takes the seed as a 32-bit integer", () => {
    const a = mulberry32Words(-1);
    const b = mulberry32Words(0xffffffff);
    for (let i = 0; i < 4; i++) expect(a()).toBe(b());
  });

  it("floats are the words over 2^32, in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 64 }), (seed, n) => {
        const words = mulberry32Words(seed);
        const floats = mulberry32(seed);
        for (let i = 0; i < n; i++) {
          const w = words();
          const f = floats();
          expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
          expect(f).toBe(w / 2 ** 32);
          expect(f >= 0 && f < 1).toBe(true);
        }
      }),
      { seed: 0x5eee3 },
    );
  });
});
