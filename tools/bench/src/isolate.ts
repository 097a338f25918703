import { execFileSync } from "node:child_process";
import type { Measurement } from "./measure.js";
import { type BenchGroup, publish } from "./report.js";

/**
 * Runs every case in its own Node process (a fresh JIT: one case's type feedback cannot slow
 * another), collects the measurements, and publishes the groups `build` makes of them.
 *
 * The same script is re-run with `--case <name>`; in that mode it measures one case and prints
 * its measurement as JSON.
 */
export function benchMain(
  pkg: string,
  cases: Record<string, () => Measurement>,
  build: (m: Record<string, Measurement>) => BenchGroup[],
): void {
  const at = process.argv.indexOf("--case");
  if (at >= 0) {
    const name = process.argv[at + 1] ?? "";
    const run = cases[name];
    if (!run) throw new Error(`unknown bench case ${name}`);
    process.stdout.write(`${JSON.stringify(run())}\n`);
    return;
  }
  const only = process.env.BENCH_ONLY?.split(",");
  const results: Record<string, Measurement> = {};
  for (const name of Object.keys(cases)) {
    if (only && !only.includes(name)) continue;
    const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, "--case", name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = out.trim().split("\n").pop() ?? "{}";
    results[name] = JSON.parse(line) as Measurement;
    process.stderr.write(`  ${pkg}: ${name} done\n`);
  }
  publish(pkg, build(results));
}
