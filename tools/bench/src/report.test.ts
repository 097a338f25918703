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

describe("rows with a paired baseline", () => {
  it("take the ratio measured in the case's own process and show that baseline's throughput", () => {
    const paired = { ...m(300), paired: { name: "raw", opsPerSec: 1500, ratio: 0.2 } };
    const r = row(paired, m(1000), { ratio: 0.25 });
    expect(r.ratio).toBe(0.2);
    expect(r.pass).toBe(false);
    expect(r.extra).toEqual({ "baseline here": "1.5 k/s" });
  });
});
