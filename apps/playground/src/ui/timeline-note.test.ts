import { RunRecorder } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { timelineNote } from "./timeline-note.js";

function recorder(limit: number) {
  return new RunRecorder({
    app: { name: "x", summary: "s", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 1, memcheck: false },
    limit,
  });
}
const end = { simulatedUs: 1000, cycles: 0, wallMs: 1, memcheckActive: false };
const NOTE =
  '<p class="empty">The run keeps its first 2 run slices: the lanes end at 20 us, not where the tasks stopped (the task table and the verdict cover the whole run).</p>';

describe("the note under the playground's timeline", () => {
  it("is empty while the slices are within the limit", () => {
    const rec = recorder(2);
    const t = rec.addTask("t");
    rec.slice(t, 0, 10);
    expect(timelineNote(rec.finish(end))).toBe("");
  });

  it("says where the kept slices end, for a finished run past its limit and for a run in progress at it", () => {
    const rec = recorder(2);
    const t = rec.addTask("t");
    for (let i = 0; i < 3; i++) rec.slice(t, 10 * i, 10 * i + 10);
    const r = rec.finish(end);
    expect(r.recording?.dropped.slices).toBe(1);
    expect(timelineNote(r)).toBe(NOTE);
    // In progress: no recording info yet, the playground's limit is given.
    const { recording: _, ...inProgress } = r;
    expect(timelineNote(inProgress, 2)).toBe(NOTE);
    expect(timelineNote(inProgress, 3)).toBe("");
  });
});
