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
    );
  });
});
