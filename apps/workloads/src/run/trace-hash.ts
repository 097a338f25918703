import { withoutSourceSites } from "@rtos-sim/memcheck";
import { canonicalHash } from "@rtos-sim/sched";
import type { RunResult } from "./result.js";

/**
 * The trace hash of a run: 64-bit FNV-1a (16 hex digits, `@rtos-sim/sched`'s `canonicalHash`) of
 * the canonical JSON of everything the run recorded: tasks, run slices, events, UART lines, faults,
 * checker reports, page maps, counters, checks, the board and the options. Left out: the wall
 * time (not deterministic), where the app came from (built in or a file path), a `traceHash`
 * field (the one `rtos-sim run --json` adds) and the source sites of checker reports, fault records,
 * dumps and checks (`#0 file:line:column`, `at ...`, a fault's `source`: left out by
 * `withoutSourceSites`, lines and all). A site depends on the host, not on the run: its path is
 * relative to the CLI's working directory, a browser names its bundle's minified positions, and
 * a browser served without the bundle's source maps finds no site at all. So a run of the same
 * app, board, seed and options has the same hash in `rtos-sim run` (its summary prints it, its
 * JSON document carries it) and in the playground, and a change of behaviour anywhere shows as a
 * new hash.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { finishRun, mpuDemo, prepareRun, traceHash } from "@rtos-sim/apps";
 * const prepared = prepareRun(mpuDemo, STM32F407, { seed: 1, durationMs: 1000, memcheck: false });
 * await mpuDemo.run(prepared.ctx);
 * const hash = traceHash(finishRun(prepared, 0)); // 16 hex digits, as `rtos-sim run mpu-demo` prints it
 * ```
 */
export function traceHash(result: RunResult): string {
  // `rtos-sim run --json` adds the hash itself (`traceHash`): the hash of that document is the same.
  const { wallMs: _wall, app, traceHash: _hash, ...rest } = result as RunResult & { traceHash?: unknown };
  // Hashed as it is walked, source sites left out on the way: no copy of the run and no string of
  // it (a long run's canonical JSON is hundreds of megabytes). Only the faults and the reports,
  // whose sites are fields and lines of their own, are copied (both lists are bounded).
  const faults = rest.faults.map((f) => (f.source === null ? f : { ...f, source: null }));
  const reports = rest.reports.map((r) => ({ ...r, details: linesWithoutSites(r.details) }));
  return canonicalHash({ ...rest, faults, reports, app: { name: app.name, summary: app.summary } }, withoutSourceSites);
}

/** A report's lines without its sites' lines (and the labels before them), as `withoutSourceSites` leaves a text. */
function linesWithoutSites(lines: readonly string[]): readonly string[] {
  if (lines.length === 0) return lines;
  return withoutSourceSites(lines.join("\n")).split("\n");
}
