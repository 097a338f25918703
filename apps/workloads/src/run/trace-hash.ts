import { maskSourceSites } from "@rtos-sim/memcheck";
import { canonicalHash } from "@rtos-sim/sched";
import type { RunResult } from "./result.js";

/**
 * The trace hash of a run: 64-bit FNV-1a (16 hex digits, `@rtos-sim/sched`'s `canonicalHash`) of
 * the canonical JSON of everything the run recorded: tasks, run slices, events, UART lines, faults,
 * checker reports, page maps, counters, checks, the board and the options. Left out: the wall
 * time (not deterministic), where the app came from (built in or a file path), a `traceHash`
 * field (the one `rtos-sim run --json` adds) and the checker's source sites (`#0 file:line:column`,
 * masked by `maskSourceSites`: their path is relative to the CLI's working directory, and a
 * browser names its bundle's minified positions), so a run of the same app, board, seed and options
 * has the same hash in `rtos-sim run` (its summary prints it, its JSON document carries it) and
 * in the playground, and a change of behaviour anywhere shows as a new hash.
 *
 * @example
 * ```ts
 * const hash = traceHash(finishRun(prepared, wallMs)); // e.g. "3f0c9d1e2a4b5c6d"
 * ```
 */
export function traceHash(result: RunResult): string {
  // `rtos-sim run --json` adds the hash itself (`traceHash`): the hash of that document is the same.
  const { wallMs: _wall, app, traceHash: _hash, ...rest } = result as RunResult & { traceHash?: unknown };
  // Hashed as it is walked, source sites masked on the way: no copy of the run and no string of
  // it (a long run's canonical JSON is hundreds of megabytes).
  return canonicalHash({ ...rest, app: { name: app.name, summary: app.summary } }, maskSourceSites);
}
