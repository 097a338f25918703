import type { CheckerReport, FaultRecord, LeakCount, LeakSummaryInfo, MpuRegionInfo, RunResult } from "@rtos-sim/apps";
import { formatBytes, formatShare, formatTime, hex32 } from "@rtos-sim/apps";
import type { Style } from "../cli/io.js";
import { renderTable } from "../cli/table.js";
import { CFSR_MEANING, HFSR_MEANING } from "./cfsr.js";

/** A table of MPU regions (number, base, end, size, access, XN, memory type, purpose). */
export function mpuTable(regions: readonly MpuRegionInfo[], indent = "  "): string {
  return renderTable(
    [
      { header: "#", align: "right" },
      { header: "base" },
      { header: "end" },
      { header: "size", align: "right" },
      { header: "access" },
      { header: "exec" },
      { header: "type" },
      { header: "SRD" },
      { header: "for" },
    ],
    regions.map((r) => [
      String(r.number),
      hex32(r.base),
      hex32(r.base + r.size - 1),
      formatBytes(r.size),
      r.access,
      r.executable ? "yes" : "XN",
      r.memoryType,
      r.srd === 0 ? "-" : `0x${r.srd.toString(16).padStart(2, "0")}`,
      r.label,
    ]),
    indent,
  );
}

/** A fault decoded in full: exception, CFSR bits by name and meaning, MMFAR/BFAR, HFSR, the access, the MPU regions. */
export function formatFault(f: FaultRecord, style: Style): string {
  const head = `${style.bold(f.exceptionName)} (exception ${f.exception}) in ${style.bold(f.taskName)} at ${formatTime(f.t)}`;
  const tag = f.expected ? style.green("expected") : style.red("UNEXPECTED");
  let out = `${head}  [${tag}${f.note && f.note !== f.message ? `: ${f.note}` : ""}]\n`;
  if (!f.hardware) {
    out = `${style.bold(f.kind)} in ${style.bold(f.taskName)} at ${formatTime(f.t)}  [${tag}]\n  ${f.message}\n`;
    if (f.action) out += `  action: ${f.action}\n`;
    if (f.mpuRegions.length > 0) out += `  MPU regions of ${f.taskName}:\n${mpuTable(f.mpuRegions, "    ")}`;
    return out;
  }
  if (f.action) out += `  action: the task was ${f.action}\n`;
  if (f.escalated) out += `  escalated from ${f.cause} to HardFault (HFSR.FORCED)\n`;
  if (f.lockup) out += "  lockup: the fault happened at a negative execution priority\n";
  const priv = f.access.privileged ? "privileged" : "unprivileged";
  out += `  access: ${priv} ${f.access.kind} of ${f.access.size} byte(s) at ${hex32(f.access.address)}\n`;
  out += `  CFSR  ${hex32(f.cfsr)}\n`;
  for (const name of f.cfsrNames) out += `        ${name.padEnd(11)} ${CFSR_MEANING[name] ?? ""}\n`;
  if (f.mmfar !== null) out += `  MMFAR ${hex32(f.mmfar)}  (address of the access the MPU stopped)\n`;
  if (f.bfar !== null) out += `  BFAR  ${hex32(f.bfar)}  (address of the bus error)\n`;
  out += `  HFSR  ${hex32(f.hfsr)}${f.hfsrNames.length ? `  ${f.hfsrNames.join(" ")}` : ""}\n`;
  for (const name of f.hfsrNames) out += `        ${name.padEnd(11)} ${HFSR_MEANING[name] ?? ""}\n`;
  if (f.mpuRegions.length > 0) {
    out += `  MPU regions of ${f.taskName} when it faulted (higher number wins; background: privileged only):\n`;
    out += mpuTable(f.mpuRegions, "    ");
  }
  return out;
}

/** A memory checker report in full. */
export function formatReport(r: CheckerReport, style: Style): string {
  const tag = r.expected
    ? style.green("expected")
    : r.severity === "error"
      ? style.red("ERROR")
      : style.yellow("warning");
  let out = `${style.bold(r.kind)} at ${formatTime(r.t)} [${tag}]\n  ${r.message}\n`;
  for (const d of r.details) out += `  ${d}\n`;
  return out;
}

/**
 * The memory checker's leak summary at the end of the run, as Valgrind prints it, with the
 * blocks of tasks still running (or stopped by a fault) that it could not decide.
 */
export function formatLeaks(l: LeakSummaryInfo, style: Style): string {
  const line = (name: string, c: LeakCount) => `  ${name.padStart(20)}: ${c.bytes} bytes in ${c.blocks} blocks\n`;
  let out = `${style.bold("LEAK SUMMARY")}\n`;
  out += line("definitely lost", l.definite);
  out += line("indirectly lost", l.indirect);
  out += line("possibly lost", l.possible);
  out += line("still reachable", l.reachable);
  if (l.held.blocks > 0) {
    out += `${line("held, task not ended", l.held).trimEnd()}${style.dim("  (maybe in its registers: not decided)")}\n`;
  }
  return out;
}

/** The end-of-run summary: header, task table, faults and reports in full, leaks, checks, verdict. */
export function formatSummary(result: RunResult, style: Style): string {
  const b = result.board;
  const ratio = result.wallMs > 0 ? result.simulatedUs / 1000 / result.wallMs : 0;
  const speed = ratio > 0 ? ` (${ratio >= 10 ? Math.round(ratio) : ratio.toPrecision(2)}x real time)` : "";
  let out = `\n${style.bold(`${result.app.name} on ${b.name}`)}: ${formatTime(result.simulatedUs)} simulated in ${Math.round(
    result.wallMs,
  )} ms${speed}, seed ${result.options.seed}, memory checker ${
    result.memcheckActive ? "on" : result.options.memcheck ? "requested (not available in this app yet)" : "off"
  }\n\n`;
  out += renderTable(
    [
      { header: "task" },
      { header: "state" },
      { header: "CPU share", align: "right" },
      { header: "faults", align: "right" },
      { header: "memory held", align: "right" },
      { header: "MPU regions", align: "right" },
    ],
    result.tasks.map((t) => [
      t.name,
      t.state === "faulted" || t.state === "killed" ? style.yellow(t.state) : t.state,
      formatShare(t.cpuShare),
      String(t.faults),
      formatBytes(t.memoryHeld),
      String(t.mpuRegions.length),
    ]),
  );
  if (result.faults.length > 0) {
    out += `\n${style.bold(`Faults (${result.faults.length})`)}\n`;
    for (const f of result.faults) out += `\n${formatFault(f, style)}`;
  }
  if (result.reports.length > 0) {
    out += `\n${style.bold(`Memory checker reports (${result.reports.length})`)}\n`;
    for (const r of result.reports) out += `\n${formatReport(r, style)}`;
  }
  if (result.leaks) out += `\n${formatLeaks(result.leaks, style)}`;
  if (result.checks.length > 0) {
    out += `\n${style.bold("Checks")}\n`;
    for (const c of result.checks) {
      out += `  ${c.passed ? style.green("pass") : style.red("FAIL")}  ${c.name}${c.detail ? style.dim(`  (${c.detail})`) : ""}\n`;
    }
  }
  if (result.warnings.length > 0) {
    out += `\n${style.bold("Configuration warnings")}\n`;
    for (const w of result.warnings) out += `  ${w}\n`;
  }
  const expected = result.faults.filter((f) => f.expected).length;
  if (result.verdict.ok) {
    out += `\n${style.green("OK")}: no unexpected fault, no checker error, ${result.checks.length} check(s) passed${
      expected ? ` (${expected} expected fault(s) stopped as planned)` : ""
    }\n`;
  } else {
    out += `\n${style.red("PROBLEMS")} (exit code 1):\n`;
    for (const p of result.verdict.problems) out += `  - ${p}\n`;
  }
  return out;
}
