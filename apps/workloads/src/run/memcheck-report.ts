import type { LeakSummary, MemoryChecker, MemReport } from "@rtos-sim/memcheck";
import { formatReport } from "@rtos-sim/memcheck";
import type { RunRecorder } from "./recorder.js";
import type { CheckerReport, LeakSummaryInfo } from "./result.js";

/** Kinds the memory checker reports that are warnings rather than errors (they do not fail a run). */
export const WARNING_KINDS: ReadonlySet<string> = new Set(["leak-reachable"]);

/**
 * A `@rtos-sim/memcheck` report as a {@link CheckerReport}: the time in simulated microseconds
 * (from the checker's clock unit; cycles need the board clock), the first line of the checker's
 * ASan-like text as the message, the rest (block, sites, region, state dump) as details.
 */
export function checkerReportFrom(r: MemReport, options: { clockHz: number; expected?: boolean }): CheckerReport {
  const t = r.timeUnit === "us" ? r.time : r.timeUnit === "ms" ? r.time * 1000 : (r.time * 1e6) / options.clockHz;
  const [first = "", ...details] = formatReport(r).split("\n");
  return {
    t,
    task: r.task,
    kind: r.kind,
    severity: WARNING_KINDS.has(r.kind) ? "warning" : "error",
    message: first.replace(/^==memcheck== ERROR: /, ""),
    address: r.address,
    details,
    expected: options.expected ?? false,
  };
}

/**
 * Records every report a memory checker makes from now on in a run. `expected(report)` says
 * which reports the app planned (e.g. the heap-bugs app's deliberate bugs). Returns a function
 * that stops recording.
 *
 * @example
 * ```ts
 * import type { MemoryChecker } from "@rtos-sim/memcheck";
 * import { type MachineAppContext, recordCheckerReports } from "@rtos-sim/apps";
 * function recordReports(ctx: MachineAppContext, checker: MemoryChecker): () => void {
 *   return recordCheckerReports(ctx.record, checker, { clockHz: ctx.board.clockHz }); // call it to stop
 * }
 * ```
 */
export function recordCheckerReports(
  record: RunRecorder,
  checker: MemoryChecker,
  options: { clockHz: number; expected?: (r: MemReport) => boolean },
): () => void {
  const listener = (r: MemReport) => {
    record.report(checkerReportFrom(r, { clockHz: options.clockHz, expected: options.expected?.(r) ?? false }));
  };
  checker.events.on("report", listener);
  return () => {
    checker.events.off("report", listener);
  };
}

/**
 * The checker's leak summary as the run's {@link LeakSummaryInfo}: bytes and blocks per category.
 *
 * @example
 * ```ts
 * import type { Kernel } from "@rtos-sim/kernel";
 * import { leakSummaryFrom, type MachineAppContext } from "@rtos-sim/apps";
 * function recordLeaks(ctx: MachineAppContext, kernel: Kernel): void {
 *   ctx.record.leaks(leakSummaryFrom(kernel.checkLeaks()!));
 * }
 * ```
 */
export function leakSummaryFrom(s: LeakSummary): LeakSummaryInfo {
  return {
    definite: { bytes: s.definiteBytes, blocks: s.definite.length },
    indirect: { bytes: s.indirectBytes, blocks: s.indirect.length },
    possible: { bytes: s.possibleBytes, blocks: s.possible.length },
    reachable: { bytes: s.reachableBytes, blocks: s.reachable.length },
    held: { bytes: s.heldBytes, blocks: s.held.length },
  };
}
