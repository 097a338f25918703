import { describe, expect, it } from "vitest";
import { piScaled, twoOverPiScaled } from "./pi-bits.js";

describe("piScaled / twoOverPiScaled", () => {
  it("gives π and 2/π to the bit (checked against their known hexadecimal expansions)", () => {
    // π = 3.243F6A8885A308D313198A2E03707344A..., 2/π = 0.A2F9836E4E441529FC2757D1F534DDC0...
    expect(piScaled(128).toString(16)).toBe("3243f6a8885a308d313198a2e03707344");
    expect(twoOverPiScaled(128).toString(16)).toBe("a2f9836e4e441529fc2757d1f534ddc0");
    expect(piScaled(2)).toBe(12n);
  });

  it("gives the split constants of reduce.ts and atan.ts: π/2 = P1 + P2 + P3, P1 and P2 of 30 bits", () => {
    const B = 200;
    const pio2 = piScaled(B) / 2n;
    const d = (v: bigint) => Number(v) / 2 ** B;
    const p1 = (pio2 >> BigInt(B - 29)) << BigInt(B - 29);
    const p2 = ((pio2 - p1) >> BigInt(B - 59)) << BigInt(B - 59);
    expect([d(p1), d(p2), d(pio2 - p1 - p2)]).toEqual([
      1.570796325802803, 9.920935791635221e-10, 5.170182981794105e-19,
    ]);
    expect(d(pio2 - BigInt(Number(pio2)))).toBe(6.123233995736766e-17);
  });
});
