import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Prng } from "./prng.js";

describe("Prng", () => {
  it("gives the same sequence for the same seed and stream, another for another stream", () => {
    const a = new Prng(1, 0);
    const b = new Prng(1, 0);
    const c = new Prng(1, 1);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
  });

  it("draws the pinned sequences (the workloads' trace hashes depend on them)", () => {
    const a = new Prng(1, 0);
    const b = new Prng(7, 3);
    expect([a.next(), a.next(), a.next()]).toEqual([4027581232, 1838486351, 2329261511]);
    expect([b.next(), b.next()]).toEqual([2383328928, 2103345316]);
  });

  it("int stays within its bounds", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), (seed, min, span) => {
        const r = new Prng(seed);
        for (let i = 0; i < 20; i++) {
          const v = r.int(min, min + span);
          if (v < min || v > min + span || !Number.isInteger(v)) return false;
        }
        return true;
      }),
      { seed: 0x5eed5 },
    );
  });
});
