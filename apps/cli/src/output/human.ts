import type {
  CheckerReport,
  FaultRecord,
  LeakCount,
  LeakSummaryInfo,
  MemoryPeak,
  MpuRegionInfo,
  RunResult,
  TaskResult,
} from "@rtos-sim/apps";
import {
  CFSR_MEANING,
  faultAccess,
  formatAction,
  formatBytes,
  formatPeak,
  formatShare,
  formatTime,
  HEADROOM_SHARE,
  HFSR_MEANING,
  hex32,
  isNearlyFull,
  mpuRegionCells,
  mpuRegionGroups,
  recordingSummary,
  traceHash,
} from "@rtos-sim/apps";
import { CORE_PROFILES, type CoreKind, pmsaName } from "@rtos-sim/hw";
import type { Style } from "../cli/io.js";
import { renderTable } from "../cli/table.js";
import { printable } from "./printable.js";

/**
 * A table of MPU regions, in the columns of their architecture (`MPU_REGION_TABLES`): PMSAv7
 * RBAR/RASR with base, end, size, AP, XN, TEX/C/B/S and SRD; PMSAv8 RBAR/RLAR with base, limit,
 * AP, XN/PXN, SH and the MAIR attribute. Regions of another architecture start a new table.
 */
export function mpuTable(regions: readonly MpuRegionInfo[], indent = "  "): string {
  return mpuRegionGroups(regions)
    .map(({ table, regions: rows }) =>
      renderTable(
        table.columns.map((c) => ({ header: c.header, align: c.align ?? "left" })),
        rows.map((r) => mpuRegionCells(table, r)),
        indent,
      ),
    )
    .join("");
}

/**
 * The overlap rule of the regions' MPU architecture, for the line above a table of them. With
 * the board's `core`, PMSAv7 regions of an ARMv6-M core are named as its MPU is: PMSAv6.
 */
export function mpuRule(regions: readonly MpuRegionInfo[], core?: string): string {
  const groups = mpuRegionGroups(regions);
  // A run's JSON may come from elsewhere: an unknown core keeps the table's name.
  const known = core !== undefined && Object.hasOwn(CORE_PROFILES, core);
  const name = (table: string) => (known && table === "PMSAv7" ? pmsaName(core as CoreKind) : table);
  return groups.map((g) => `${name(g.table.name)}: ${g.table.rule}`).join("; ");
}

/** A fault decoded in full: exception, CFSR bits by name and meaning, MMFAR/BFAR, HFSR, the access, the MPU regions (named as `core`'s MPU when given: the run board's core). */
export function formatFault(f: FaultRecord, style: Style, core?: string): string {
  const head = `${style.bold(f.exceptionName)} (exception ${f.exception}) in ${style.bold(f.taskName)} at ${formatTime(f.t)}`;
  const tag = f.expected ? style.green("expected") : style.red("UNEXPECTED");
  let out = `${head}  [${tag}${f.note && f.note !== f.message ? `: ${printable(f.note)}` : ""}]\n`;
  if (!f.hardware) {
    out = `${style.bold(f.kind)} in ${style.bold(f.taskName)} at ${formatTime(f.t)}  [${tag}]\n  ${printable(f.message)}\n`;
    if (f.source !== null) out += `  at ${f.source}\n`;
    if (f.action) out += `  action: ${formatAction(f.action)}\n`;
    if (f.mpuRegions.length > 0) out += `  MPU regions of ${f.taskName}:\n${mpuTable(f.mpuRegions, "    ")}`;
    return out;
  }
  const diagnosis = kernelDiagnosis(f);
  if (diagnosis !== null) out += `  ${diagnosis}\n`;
  if (f.source !== null) out += `  at ${f.source}\n`;
  if (f.action) out += `  action: ${formatAction(f.action)}\n`;
  if (f.escalated) out += `  escalated from ${f.cause} to HardFault (HFSR.FORCED)\n`;
  if (f.lockup) out += "  lockup: the fault happened at a negative execution priority\n";
  out += `  access: ${faultAccess(f)}\n`;
  if (f.memory !== null) out += `  memory: ${f.memory}\n`;
  if (f.faultStatusRegisters) {
    out += `  CFSR  ${hex32(f.cfsr)}\n`;
    for (const name of f.cfsrNames) out += `        ${name.padEnd(11)} ${CFSR_MEANING[name] ?? ""}\n`;
    if (f.mmfar !== null) out += `  MMFAR ${hex32(f.mmfar)}  (address of the access the MPU stopped)\n`;
    if (f.bfar !== null) out += `  BFAR  ${hex32(f.bfar)}  (address of the bus error)\n`;
    out += `  HFSR  ${hex32(f.hfsr)}${f.hfsrNames.length ? `  ${f.hfsrNames.join(" ")}` : ""}\n`;
    for (const name of f.hfsrNames) out += `        ${name.padEnd(11)} ${HFSR_MEANING[name] ?? ""}\n`;
  } else {
    // ARMv6-M: what the silicon tells, then, apart, what only the simulator knows.
    out += "  silicon: HardFault; ARMv6-M has no CFSR, HFSR, MMFAR or BFAR: the handler sees only its stacked frame\n";
    const at = f.mmfar ?? f.bfar;
    out += `  simulator: ${f.cause}${at !== null ? ` at ${hex32(at)}` : ""} (what an ARMv7-M core's CFSR${at !== null ? ` and ${f.mmfar !== null ? "MMFAR" : "BFAR"}` : ""} would hold)\n`;
    for (const name of f.cfsrNames) out += `        ${name.padEnd(11)} ${CFSR_MEANING[name] ?? ""}\n`;
  }
  if (f.mpuRegions.length > 0) {
    out += `  MPU regions of ${f.taskName} when it faulted (${mpuRule(f.mpuRegions, core)}):\n`;
    out += mpuTable(f.mpuRegions, "    ");
  }
  return out;
}

/**
 * What the kernel made of a hardware fault, when it says more than the decoded registers: a
 * stack overflow into the guard or below PSPLIM, a corrupt stack pointer (kernel README, "Faults
 * and policies"), with the kind an app's `expectFault` sees when it is not the exception's own.
 * Null for a plain fault, whose message is the hardware model's (`Fault`: the cause first).
 */
function kernelDiagnosis(f: FaultRecord): string | null {
  if (f.message.startsWith(`${f.cause} `) || f.message.startsWith("Lockup: ")) return null;
  const message = printable(f.message);
  return f.kind === f.cause.toLowerCase() ? message : `${message} (kind ${f.kind})`;
}

/** A memory checker report in full. */
export function formatReport(r: CheckerReport, style: Style): string {
  const tag = r.expected
    ? style.green("expected")
    : r.severity === "error"
      ? style.red("ERROR")
      : style.yellow("warning");
  let out = `${style.bold(r.kind)} at ${formatTime(r.t)} [${tag}]\n  ${printable(r.message)}\n`;
  for (const d of r.details) out += `  ${printable(d)}\n`;
  return out;
}

/**
 * The memory checker's leak summary at the end of the run, as Valgrind prints it, with the
 * blocks of tasks still running (or stopped by a fault) that it could not decide.
 */
export function formatLeaks(l: LeakSummaryInfo, style: Style, reachableListed = false): string {
  const line = (name: string, c: LeakCount) => `  ${name.padStart(20)}: ${c.bytes} bytes in ${c.blocks} blocks\n`;
  let out = `${style.bold("LEAK SUMMARY")}\n`;
  out += line("definitely lost", l.definite);
  out += line("indirectly lost", l.indirect);
  out += line("possibly lost", l.possible);
  out += line("still reachable", l.reachable);
  // As Valgrind's default: counted, not listed, and says how to list them.
  if (l.reachable.blocks > 0 && !reachableListed) {
    out = `${out.trimEnd()}${style.dim("  (not listed: --show-reachable lists them)")}\n`;
  }
  if (l.held.blocks > 0) {
    out += `${line("held, task not ended", l.held).trimEnd()}${style.dim("  (maybe in its registers: not decided)")}\n`;
  }
  return out;
}

/** A response time or a jitter for the task table ("-" when there is none). */
function usCell(us: number | null): string {
  return us === null ? "-" : formatTime(us);
}

/** The task table: with timing columns (jobs, response max, jitter, missed) when the run measured jobs. */
export function taskTable(result: RunResult, style: Style): string {
  const timed = result.tasks.some((t) => t.timing !== null);
  const stacks = result.tasks.some((t) => t.stack !== null);
  const heaps = result.tasks.some((t) => t.heap !== null);
  const peakCell = (use: MemoryPeak | null) => (isNearlyFull(use) ? style.yellow(formatPeak(use)) : formatPeak(use));
  const state = (t: TaskResult) => (t.state === "faulted" || t.state === "killed" ? style.yellow(t.state) : t.state);
  const missed = (t: TaskResult) => {
    if (!t.timing) return "-";
    const m = String(t.timing.missed);
    return t.timing.missed > 0 ? style.red(m) : m;
  };
  return renderTable(
    [
      { header: "task" },
      { header: "state" },
      { header: "CPU share", align: "right" },
      ...(timed
        ? ([
            { header: "jobs", align: "right" },
            { header: "response max", align: "right" },
            { header: "jitter", align: "right" },
            { header: "missed", align: "right" },
          ] as const)
        : []),
      { header: "faults", align: "right" },
      ...(stacks ? ([{ header: "stack peak", align: "right" }] as const) : []),
      ...(heaps ? ([{ header: "heap peak", align: "right" }] as const) : []),
      { header: "memory held", align: "right" },
      { header: "MPU regions", align: "right" },
    ],
    result.tasks.map((t) => [
      t.name,
      state(t),
      formatShare(t.cpuShare),
      ...(timed
        ? [
            t.timing ? String(t.timing.jobs) : "-",
            usCell(t.timing?.responseMaxUs ?? null),
            usCell(t.timing?.jitterUs ?? null),
            missed(t),
          ]
        : []),
      String(t.faults),
      ...(stacks ? [peakCell(t.stack)] : []),
      ...(heaps ? [peakCell(t.heap)] : []),
      formatBytes(t.memoryHeld),
      String(t.mpuRegions.length),
    ]),
  );
}

/**
 * The lines under the task table for stacks that peaked at {@link HEADROOM_SHARE} of their
 * size or more (empty when none did): a deeper call or one more exception frame reaches the guard.
 */
export function stackHeadroomLines(result: RunResult, style: Style): string {
  let out = "";
  for (const t of result.tasks) {
    if (!isNearlyFull(t.stack) || t.stack === null) continue;
    const { peak, size } = t.stack;
    const overflowed =
      result.faults.some((f) => f.task === t.id && f.kind === "stack-overflow") ||
      result.reports.some((r) => r.task === t.id && r.kind === "stack-overflow");
    // The peak counts bytes written: a frame that moved the stack pointer into the guard
    // without writing its lowest locals overflowed below what the peak shows.
    const what = overflowed
      ? `overflowed its ${formatBytes(size)} stack (see below); its deepest write was ${formatPeak(t.stack)} down`
      : peak >= size
        ? `used its whole ${formatBytes(size)} stack`
        : `used ${formatPeak(t.stack)} of its ${formatBytes(size)} stack: ${formatBytes(size - peak)} left before the guard`;
    out += `${style.yellow("stack")}  ${t.name} ${what}\n`;
  }
  return out;
}

/**
 * The lines under the task table for tasks that missed deadlines (empty when none did): missed
 * deadlines do not fail a run (an app that requires its timing checks it), so the table's red
 * count would be the only sign of them.
 */
export function deadlineLines(result: RunResult, style: Style): string {
  let out = "";
  for (const t of result.tasks) {
    const timing = t.timing;
    if (timing === null || timing.missed === 0) continue;
    const deadline = timing.deadlineUs === null ? "" : ` of ${formatTime(timing.deadlineUs)}`;
    const worst = timing.responseMaxUs === null ? "" : `; response max ${formatTime(timing.responseMaxUs)}`;
    // Jobs released and not completed by the end count as missed once their deadline has passed
    // (a periodic task overrunning piles up releases), so `missed` can exceed the completed jobs.
    const count =
      timing.missed <= timing.jobs
        ? `${timing.missed} of ${timing.jobs} deadline(s)${deadline}`
        : `${timing.missed} deadline(s)${deadline}, more than the ${timing.jobs} job(s) it completed: releases not completed by the end count once their deadline has passed`;
    out += `${style.yellow("deadline")}  ${t.name} missed ${count}${worst}\n`;
  }
  return out;
}

/**
 * The most faults, checker reports and verdict problems the summary shows each (in full for
 * faults and reports); a line then counts the rest, which the JSON document and the report keep.
 * A fault storm keeps up to 10,000 faults of about 1.5 KB each in the summary's form.
 */
export const SUMMARY_LIMIT = 50;

/** "... and N more <what> (...)" under a list the summary cut at {@link SUMMARY_LIMIT}. */
function more(total: number, what: string, style: Style): string {
  return total > SUMMARY_LIMIT
    ? `\n${style.dim(`... and ${total - SUMMARY_LIMIT} more ${what}, not shown here (every one is in --json and --report)`)}\n`
    : "";
}

/**
 * The end-of-run summary: header, task table, faults and reports in full (the first
 * {@link SUMMARY_LIMIT} of each), leaks, checks, verdict, trace hash (`hash` when the caller has
 * it: computing it walks the whole run).
 */
export function formatSummary(result: RunResult, style: Style, hash: string = traceHash(result)): string {
  const b = result.board;
  const ratio = result.wallMs > 0 ? result.simulatedUs / 1000 / result.wallMs : 0;
  const speed = ratio > 0 ? ` (${ratio >= 10 ? Math.round(ratio) : ratio.toPrecision(2)}x real time)` : "";
  let out = `\n${style.bold(`${result.app.name} on ${b.name}`)}: ${formatTime(result.simulatedUs)} simulated in ${Math.round(
    result.wallMs,
  )} ms${speed}, seed ${result.options.seed}, memory checker ${
    result.memcheckActive ? "on" : result.options.memcheck ? "requested (not available in this app yet)" : "off"
  }${result.cpuLoad === null ? "" : `, CPU load ${formatShare(result.cpuLoad)}`}\n\n`;
  out += taskTable(result, style);
  const headroom = stackHeadroomLines(result, style) + deadlineLines(result, style);
  if (headroom) out += `\n${headroom}`;
  if (result.faults.length > 0) {
    out += `\n${style.bold(`Faults (${result.faults.length})`)}\n`;
    for (const f of result.faults.slice(0, SUMMARY_LIMIT)) out += `\n${formatFault(f, style, result.board.core)}`;
    out += more(result.faults.length, "faults", style);
  }
  if (result.reports.length > 0) {
    out += `\n${style.bold(`Memory checker reports (${result.reports.length})`)}\n`;
    for (const r of result.reports.slice(0, SUMMARY_LIMIT)) out += `\n${formatReport(r, style)}`;
    out += more(result.reports.length, "checker reports", style);
  }
  if (result.leaks) out += `\n${formatLeaks(result.leaks, style, result.options.showReachable === true)}`;
  if (result.checks.length > 0) {
    out += `\n${style.bold("Checks")}\n`;
    for (const c of result.checks) {
      const mark = c.skipped ? style.yellow("skip") : c.passed ? style.green("pass") : style.red("FAIL");
      out += `  ${mark}  ${printable(c.name)}${c.detail ? style.dim(`  (${printable(c.detail)})`) : ""}\n`;
    }
  }
  if (result.warnings.length > 0) {
    out += `\n${style.bold("Configuration warnings")}\n`;
    for (const w of result.warnings) out += `  ${w}\n`;
  }
  if (result.recording) out += `\n${style.bold("Recording limit")}: ${recordingSummary(result.recording)}\n`;
  const expected = result.faults.filter((f) => f.expected).length;
  const skipped = result.checks.filter((c) => c.skipped).length;
  if (result.verdict.ok) {
    out += `\n${style.green("OK")}: no unexpected fault, no checker error, ${result.checks.length - skipped} check(s) passed${
      expected ? ` (${expected} expected fault(s) stopped as planned)` : ""
    }\n`;
  } else {
    out += `\n${style.red("PROBLEMS")} (exit code 1):\n`;
    const problems = result.verdict.problems;
    for (const p of problems.slice(0, SUMMARY_LIMIT)) out += `  - ${printable(p)}\n`;
    if (problems.length > SUMMARY_LIMIT) out += `  - ... and ${problems.length - SUMMARY_LIMIT} more (in --json)\n`;
  }
  if (skipped > 0) {
    // In whole microseconds, as the skipped checks' own details say it (not 0.6595238095238095 ms).
    out += `${style.yellow(`${skipped} check(s) skipped`)}: what they check had not happened when the run ended at ${
      Math.round(result.simulatedUs) / 1000
    } ms; a longer --duration makes them\n`;
  }
  out += `${style.dim(`trace hash ${hash} (the same app, board, seed and options give the same hash)`)}\n`;
  return out;
}
