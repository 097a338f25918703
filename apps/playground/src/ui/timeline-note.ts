/**
 * The line under the playground's timeline once a run has more run slices than it keeps (its
 * recording limit): the lanes end where the kept slices end, which is not where the tasks
 * stopped. A plain string, so it is tested without a page.
 */
import { formatTime, RECORD_LIMIT, type RunResult } from "@rtos-sim/apps";

/**
 * The note's HTML, or "" while the run's slices are within the limit. `limit` is the run's
 * (a run in progress does not say it: the playground's runs keep `RECORD_LIMIT`).
 *
 * @example
 * ```ts
 * import { ColourMap, timelineSvg } from "@rtos-sim/apps";
 * import { DEFAULT_STATE, PlaygroundSession } from "@rtos-sim/playground";
 * import { timelineNote } from "./timeline-note.js";
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "isolation", seed: 3 });
 * const { result } = s.finish(0);
 * const html = timelineSvg(result, new ColourMap()) + timelineNote(result); // byId("timeline").innerHTML = html
 * ```
 */
export function timelineNote(r: RunResult, limit: number = RECORD_LIMIT): string {
  const kept = r.recording?.limit ?? limit;
  const past = r.recording ? r.recording.dropped.slices > 0 : r.slices.length >= kept;
  let end = 0;
  for (const s of r.slices) if (s.end > end) end = s.end;
  if (!past || r.slices.length === 0) return "";
  return `<p class="empty">The run keeps its first ${kept.toLocaleString("en")} run slices: the lanes end at ${formatTime(end)}, not where the tasks stopped (the task table and the verdict cover the whole run).</p>`;
}
