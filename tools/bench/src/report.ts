import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Measurement } from "./measure.js";

/** A row of a benchmark report: a measurement, its ratio to the baseline, and an optional target. */
export interface BenchRow {
  readonly name: string;
  readonly opsPerSec: number;
  /**
   * opsPerSec / baseline opsPerSec, measured in the same run; for a case measured with a paired
   * baseline (`Measurement.paired`), the median run-by-run ratio to it in the case's own process.
   */
  readonly ratio: number | null;
  /** The figure the issue asks for, if any, e.g. { ratio: 0.25 } or { opsPerSec: 5e6 }. */
  readonly target?: { readonly ratio?: number; readonly opsPerSec?: number };
  /** Whether the target is met (absent when there is no target). */
  readonly pass?: boolean;
  /** The figure is within 10% of its target (either side): met or missed by load alone. */
  readonly marginal?: boolean;
  /** Extra figures (fragmentation, bytes...). */
  readonly extra?: Record<string, number | string>;
  /** Each process's throughput when the case ran in several (the row shows the median one). */
  readonly processes?: readonly number[];
}

/** A whole group of rows sharing one baseline. */
export interface BenchGroup {
  readonly group: string;
  readonly baseline: string;
  readonly rows: readonly BenchRow[];
}

/** A figure closer than this to its target (relative, either side) is flagged marginal. */
export const MARGIN = 0.1;

/** Builds a row from a measurement, a baseline and an optional target. */
export function row(
  m: Measurement,
  baseline: Measurement | null,
  target?: BenchRow["target"],
  extra?: BenchRow["extra"],
): BenchRow {
  const ratio = m.paired ? m.paired.ratio : baseline ? m.opsPerSec / baseline.opsPerSec : null;
  const more = m.paired ? { ...extra, "baseline here": fmtRate(m.paired.opsPerSec) } : extra;
  let pass: boolean | undefined;
  let marginal = false;
  if (target) {
    pass = true;
    if (target.ratio !== undefined && (ratio === null || ratio < target.ratio)) pass = false;
    if (target.opsPerSec !== undefined && m.opsPerSec < target.opsPerSec) pass = false;
    const near = (x: number | null, t: number | undefined) =>
      t !== undefined && x !== null && Math.abs(x / t - 1) < MARGIN;
    marginal = near(ratio, target.ratio) || near(m.opsPerSec, target.opsPerSec);
  }
  return {
    name: m.name,
    opsPerSec: m.opsPerSec,
    ratio,
    ...(target ? { target, pass, ...(marginal ? { marginal } : {}) } : {}),
    ...(more ? { extra: more } : {}),
    ...(m.processes ? { processes: m.processes } : {}),
  };
}

function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(1)} /s`;
}

function fmtTarget(t: BenchRow["target"]): string {
  if (!t) return "";
  const parts: string[] = [];
  if (t.ratio !== undefined) parts.push(`>= ${t.ratio}x`);
  if (t.opsPerSec !== undefined) parts.push(`>= ${fmtRate(t.opsPerSec)}`);
  return parts.join(", ");
}

/** Renders groups as a plain-text table. */
export function renderTable(pkg: string, groups: readonly BenchGroup[]): string {
  const lines: string[] = [];
  for (const g of groups) {
    lines.push(`${pkg} / ${g.group} (baseline: ${g.baseline})`);
    const header = ["case", "throughput", "ratio", "target", "ok", "extra"];
    const body = g.rows.map((r) => [
      r.name,
      fmtRate(r.opsPerSec),
      r.ratio === null ? "-" : `${r.ratio.toFixed(3)}x`,
      fmtTarget(r.target),
      r.pass === undefined ? "" : `${r.pass ? "yes" : "NO"}${r.marginal ? " (marginal)" : ""}`,
      r.extra
        ? Object.entries(r.extra)
            .map(([k, v]) => `${k}=${typeof v === "number" ? +v.toFixed(4) : v}`)
            .join(" ")
        : "",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
    const fmt = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd();
    lines.push(fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...body.map(fmt), "");
  }
  return lines.join("\n");
}

/** The machine's load averages (1, 5, 15 minutes) when a package's benchmarks started and ended. */
export interface LoadAverages {
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/** The machine's load averages now (`os.loadavg()`), rounded to two decimals. */
export function loadNow(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** One line for the table: load averages at start and end, and the CPU count. */
export function formatLoad(l: LoadAverages): string {
  return `machine load average (1/5/15 min): ${l.start.join(" / ")} at start, ${l.end.join(" / ")} at end, on ${cpus().length} CPUs`;
}

/** The repository's `bench-results/` folder. */
export function resultsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../../bench-results");
}

/**
 * Prints the table and writes `bench-results/<pkg>.json` (machine-readable: every row with its
 * throughput, ratio to the same-run baseline, target and pass flag, plus Node version).
 */
export function publish(pkg: string, groups: readonly BenchGroup[], load?: LoadAverages): void {
  process.stdout.write(`${renderTable(pkg, groups)}\n`);
  if (load) process.stdout.write(`${formatLoad(load)}\n`);
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${pkg.replace(/[^a-z0-9-]/gi, "_")}.json`);
  const doc = {
    package: pkg,
    node: process.version,
    arch: process.arch,
    cpus: cpus().length,
    ...(load ? { load } : {}),
    groups,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
