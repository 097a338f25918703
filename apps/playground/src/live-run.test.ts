import { ColourMap, timelineSvg } from "@rtos-sim/apps";
import { describe, expect, it } from "vitest";
import { LiveRun } from "./live-run.js";
import { PlaygroundSession } from "./session.js";
import { DEFAULT_STATE } from "./state.js";

describe("LiveRun", () => {
  it("adds up deltas into the run so far; the end replaces it with the worker's result", () => {
    const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "flight", durationMs: 250 });
    const live = new LiveRun(s.info);
    live.apply(s.delta(true));
    expect(live.pageMaps.length).toBeGreaterThan(0);
    const maps = live.pageMaps;
    let deltas = 0;
    while (!s.advance(40)) {
      live.apply(s.delta(false));
      deltas++;
    }
    live.apply(s.delta(false));
    expect(deltas).toBeGreaterThan(5);
    expect(live.pageMaps).toBe(maps); // kept until new maps arrive
    const { result } = s.finish(0);
    const sofar = live.asResult();
    expect(sofar.uart).toEqual(result.uart);
    // The close adds only the slices still open at the end (at most one per task).
    expect(result.slices.slice(0, sofar.slices.length)).toEqual(sofar.slices);
    expect(result.slices.length - sofar.slices.length).toBeLessThanOrEqual(result.tasks.length);
    expect(sofar.faults).toEqual(result.faults);
    expect(sofar.counters.map((c) => c.name)).toEqual(result.counters.map((c) => c.name));
    expect(sofar.counters[0]!.samples.length).toBeGreaterThan(10);
    expect(timelineSvg(sofar, new ColourMap())).toContain('class="slice"');
    live.finish({ result, eventCount: result.events.length, hash: "h" });
    expect(live.asResult()).toBe(result);
    expect(live.tasks).toBe(result.tasks);
  });

  it("takes a delta of a whole run's 200,000 slices and samples (no argument spread)", () => {
    const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "flight", durationMs: 10 });
    const live = new LiveRun(s.info);
    const d = s.delta(true);
    const many = Array.from({ length: 200_000 }, (_, i) => ({ task: 1, start: 2 * i, end: 2 * i + 1 }));
    const samples = Array.from({ length: 200_000 }, (_, i) => ({ t: i, values: { x: i } }));
    live.apply({ ...d, slices: many, counters: [{ name: "c", unit: "B", samples }] });
    expect(live.slices).toHaveLength(200_000);
    expect(live.counterSeries().find((c) => c.name === "c")!.samples).toHaveLength(200_000);
  });

  it("the editor points at the first exception the app did not plan, else at the last", () => {
    const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "flight", durationMs: 10 });
    const live = new LiveRun(s.info);
    expect(live.shownAppError()).toBeNull();
    const d = s.delta(true);
    const error = (task: string, t: number, expected: boolean) => ({
      line: t,
      column: 1,
      t,
      task,
      message: `${task} failed`,
      expected,
    });
    live.apply({ ...d, appErrors: [error("rogue", 1, true)] });
    expect(live.shownAppError()?.task).toBe("rogue");
    live.apply({ ...d, appErrors: [error("worker", 2, false), error("rogue-2", 3, true), error("other", 4, false)] });
    expect(live.shownAppError()?.task).toBe("worker");
  });
});
