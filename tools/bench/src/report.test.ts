import { describe, expect, it } from "vitest";
import { row } from "./report.js";

const m = (opsPerSec: number) => ({ name: "x", ops: 1, opsPerSec, runs: [opsPerSec] });

describe("rows", () => {
  it("flag a figure within 10% of its target as marginal, on either side", () => {
    const base = m(1000);
    expect(row(m(260), base, { ratio: 0.25 })).toMatchObject({ pass: true, marginal: true });
    expect(row(m(240), base, { ratio: 0.25 })).toMatchObject({ pass: false, marginal: true });
    expect(row(m(300), base, { ratio: 0.25 })).toMatchObject({ pass: true });
    expect(row(m(300), base, { ratio: 0.25 }).marginal).toBeUndefined();
    expect(row(m(200), base, { ratio: 0.25 })).toMatchObject({ pass: false });
    expect(row(m(14.5e6), null, { opsPerSec: 15e6 })).toMatchObject({ pass: false, marginal: true });
  });
});
