import { execFileSync } from "node:child_process";
import type { Measurement } from "./measure.js";
import { type BenchGroup, loadNow, publish } from "./report.js";

/** Processes per case unless `BENCH_PROCESSES` says otherwise. */
export const DEFAULT_PROCESSES = 3;

/**
 * Runs every case in its own Node processes (a fresh JIT each time: one case's type feedback
 * cannot slow another), collects the measurements, and publishes the groups `build` makes of
 * them. Each case runs in `BENCH_PROCESSES` processes (default {@link DEFAULT_PROCESSES}), in
 * rounds (see {@link roundOrder}), and reports the process with the median throughput: background JIT compilation makes whole
 * processes settle a few percent apart, and one process is one draw of that.
 *
 * The same script is re-run with `--case <name>`; in that mode it measures one case and prints
 * its measurement as JSON. A case may be async (e.g. one that drives a browser).
 */
export function benchMain(
  pkg: string,
  cases: Record<string, () => Measurement | Promise<Measurement>>,
  build: (m: Record<string, Measurement>) => BenchGroup[],
): void {
  const at = process.argv.indexOf("--case");
  if (at >= 0) {
    const name = process.argv[at + 1] ?? "";
    const run = cases[name];
    if (!run) throw new Error(`unknown bench case ${name}`);
    void Promise.resolve(run()).then((m) => process.stdout.write(`${JSON.stringify(m)}\n`));
    return;
  }
  const start = loadNow();
  const only = process.env.BENCH_ONLY?.split(",");
  const count = Math.max(1, Number.parseInt(process.env.BENCH_PROCESSES ?? "", 10) || DEFAULT_PROCESSES);
  const names = Object.keys(cases).filter((name) => !only || only.includes(name));
  const draws = new Map<string, Measurement[]>(names.map((name) => [name, []]));
  for (const [round, name] of roundOrder(names, count)) {
    draws.get(name)!.push(runCase(name));
    if (round === count - 1) {
      const rates = draws.get(name)!.map((d) => d.opsPerSec);
      process.stderr.write(`  ${pkg}: ${name} done (${rates.map(fmtShort).join(", ")})\n`);
    }
  }
  const results: Record<string, Measurement> = {};
  for (const name of names) results[name] = medianDraw(draws.get(name)!);
  publish(pkg, build(results), { start, end: loadNow() });
}

/**
 * The order the case processes run in: round by round, every case once per round, so a case and
 * its baseline are measured close together in time and a change in the machine's load (other
 * processes starting or ending) falls on both alike instead of on one case's every process.
 */
export function roundOrder(names: readonly string[], rounds: number): [number, string][] {
  const order: [number, string][] = [];
  for (let round = 0; round < rounds; round++) for (const name of names) order.push([round, name]);
  return order;
}

/** One measurement of case `name` in a child process. */
function runCase(name: string): Measurement {
  const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, "--case", name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.trim().split("\n").pop() ?? "{}";
  return JSON.parse(line) as Measurement;
}

/**
 * The draw with the median throughput (with a paired baseline: the median ratio to it), with
 * every draw's throughput in `processes`.
 */
export function medianDraw(draws: readonly Measurement[]): Measurement {
  const key = (d: Measurement) => d.paired?.ratio ?? d.opsPerSec;
  const sorted = [...draws].sort((a, b) => key(a) - key(b));
  const median = sorted[(sorted.length - 1) >> 1]!;
  return { ...median, processes: draws.map((d) => d.opsPerSec) };
}

function fmtShort(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`;
}
