import { describe, expect, it } from "vitest";
import { STUCK_MS } from "./answer-watch.js";
import { StallWatch } from "./stall-watch.js";

describe("StallWatch", () => {
  it("stalled once the progress count has not changed for the limit, counted from its last change", () => {
    const w = new StallWatch();
    expect(w.limitMs).toBe(STUCK_MS);
    expect([w.stalled(0, 1000), w.stalled(0, 5999), w.stalled(0, 6000)]).toEqual([false, false, true]);
    // Progress restarts the wait.
    expect([w.stalled(10, 6500), w.stalled(10, 11_499), w.stalled(10, 11_500)]).toEqual([false, false, true]);
  });

  it("a run that keeps moving never stalls, however long it takes", () => {
    const w = new StallWatch(100);
    const seen: boolean[] = [];
    for (let t = 0; t <= 10_000; t += 50) seen.push(w.stalled(t * 3, t));
    expect(seen.every((s) => !s)).toBe(true);
    expect([w.stalled(30_000, 10_099), w.stalled(30_000, 10_100)]).toEqual([false, true]);
  });
});
