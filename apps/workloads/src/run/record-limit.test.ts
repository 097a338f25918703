import { describe, expect, it } from "vitest";
import { RECORD_LIMIT, recordingSummary, SampleSeries } from "./record-limit.js";

describe("SampleSeries: a counter series within a limit", () => {
  it("keeps every sample (copied) while under the limit", () => {
    const s = new SampleSeries(4);
    const v = { a: 1 };
    s.add(0, v);
    v.a = 99;
    s.add(5, { a: 2 });
    expect(s.samples()).toEqual([
      { t: 0, values: { a: 1 } },
      { t: 5, values: { a: 2 } },
    ]);
    expect(s.merged).toBe(0);
  });

  it("at the limit merges neighbouring pairs (first time, larger value, keys of both), then takes two per sample", () => {
    const s = new SampleSeries(4);
    s.add(0, { imu: 10 });
    s.add(1, { mixer: 600 });
    s.add(2, { imu: 30 });
    s.add(3, { imu: 20 });
    expect(s.samples()).toEqual([
      { t: 0, values: { imu: 10, mixer: 600 } },
      { t: 2, values: { imu: 30 } },
    ]);
    s.add(4, { imu: 5 });
    // A partial merge shows as the last sample.
    expect(s.samples()).toEqual([
      { t: 0, values: { imu: 10, mixer: 600 } },
      { t: 2, values: { imu: 30 } },
      { t: 4, values: { imu: 5 } },
    ]);
    expect(s.merged).toBe(2);
    s.add(5, { imu: 7 });
    expect(s.samples()).toEqual([
      { t: 0, values: { imu: 10, mixer: 600 } },
      { t: 2, values: { imu: 30 } },
      { t: 4, values: { imu: 7 } },
    ]);
    expect(s.merged).toBe(3);
  });

  it("stays within the limit and spans the whole run however many samples come (peaks kept)", () => {
    const s = new SampleSeries(8);
    for (let t = 0; t < 1000; t++) s.add(t, { v: t === 637 ? 1e6 : t % 7 });
    const out = s.samples();
    expect(out.length).toBeLessThanOrEqual(8);
    expect(out[0]!.t).toBe(0);
    expect(out.at(-1)!.t).toBeGreaterThan(800);
    expect(Math.max(...out.map((x) => x.values.v!))).toBe(1e6);
    expect(out.length + s.merged).toBe(1000);
    // Strictly increasing times.
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t);
  });

  it("says what a run did not keep, faults with their own limit", () => {
    const dropped = { slices: 12, events: 3, uart: 0, faults: 7, reports: 0 };
    expect(recordingSummary({ limit: 200_000, faultLimit: 10_000, dropped, samplesMerged: 4 })).toBe(
      "the run kept the first 200,000 run slices (12 more not kept), events (3 more not kept) and the first 10,000 faults (7 more not kept); " +
        "counter samples were merged in pairs (the larger value kept) to stay within 200,000 per series; " +
        "the task table, the CPU load and the verdict cover the whole run",
    );
  });

  it("RECORD_LIMIT is even, as the series needs", () => {
    expect(RECORD_LIMIT % 2).toBe(0);
  });
});
