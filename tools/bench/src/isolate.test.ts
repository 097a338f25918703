import { describe, expect, it } from "vitest";
import { medianDraw, roundOrder } from "./isolate.js";

describe("medianDraw", () => {
  it("reports the process with the median throughput and keeps every process's figure", () => {
    const draw = (opsPerSec: number, extra: number) => ({ name: "c", ops: 1, opsPerSec, runs: [opsPerSec], extra });
    const m = medianDraw([draw(40, 1), draw(34, 2), draw(45, 3)]);
    expect(m.opsPerSec).toBe(40);
    expect((m as unknown as { extra: number }).extra).toBe(1);
    expect(m.processes).toEqual([40, 34, 45]);
    expect(medianDraw([draw(2, 1), draw(1, 2)]).opsPerSec).toBe(1);
  });
});

describe("roundOrder", () => {
  it("runs every case once per round, so a case and its baseline are measured close in time", () => {
    expect(roundOrder(["base", "a", "b"], 2)).toEqual([
      [0, "base"],
      [0, "a"],
      [0, "b"],
      [1, "base"],
      [1, "a"],
      [1, "b"],
    ]);
  });
});

describe("medianDraw with paired baselines", () => {
  it("reports the process with the median ratio to its own baseline", () => {
    const draw = (opsPerSec: number, ratio: number) => ({
      name: "c",
      ops: 1,
      opsPerSec,
      runs: [opsPerSec],
      paired: { name: "raw", opsPerSec: opsPerSec / ratio, ratio },
    });
    const m = medianDraw([draw(40, 0.3), draw(50, 0.2), draw(45, 0.25)]);
    expect(m.paired?.ratio).toBe(0.25);
    expect(m.opsPerSec).toBe(45);
  });
});
