import { describe, expect, it } from "vitest";
import { measure } from "./measure.js";

describe("measure with a paired baseline", () => {
  it("times the baseline before every run, in the same process, and reports the median ratio", () => {
    const order: string[] = [];
    const m = measure(
      "case",
      1000,
      () => {
        order.push("case");
        return 0;
      },
      {
        runs: 3,
        warmup: 1,
        baseline: {
          name: "raw",
          ops: 1000,
          run: () => {
            order.push("base");
            return 0;
          },
        },
      },
    );
    // Warm-up: one of each; then every timed run follows at least one timing of the baseline.
    expect(order.slice(0, 2)).toEqual(["base", "case"]);
    const runs = order
      .slice(2)
      .join(" ")
      .split("case")
      .filter((s) => s.trim() !== "");
    expect(runs).toHaveLength(3);
    for (const r of runs)
      expect(
        r
          .trim()
          .split(" ")
          .every((x) => x === "base"),
      ).toBe(true);
    expect(m.runs).toHaveLength(3);
    expect(m.paired?.name).toBe("raw");
    expect(m.paired!.ratio).toBeGreaterThan(0);
    expect(m.paired!.opsPerSec).toBeGreaterThan(0);
  });

  it("has no paired figures without a baseline", () => {
    expect(measure("case", 1, () => 0, { runs: 1, warmup: 0 }).paired).toBeUndefined();
  });
});
