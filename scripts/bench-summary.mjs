#!/usr/bin/env node
// Collects bench-results/<package>.json (written by each package's `bench` script) into
// bench-results/summary.json and prints one table of every row with its target.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = new URL("../bench-results/", import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && f !== "summary.json")
  .sort();
const rows = [];
const docs = [];
for (const f of files) {
  const doc = JSON.parse(readFileSync(join(dir, f), "utf8"));
  docs.push(doc);
  for (const g of doc.groups) {
    for (const r of g.rows) rows.push({ pkg: doc.package, group: g.group, baseline: g.baseline, ...r });
  }
}
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`);
const table = rows.map((r) => [
  `${r.pkg}/${r.group}`,
  r.name,
  fmt(r.opsPerSec),
  r.ratio == null ? "-" : `${r.ratio.toFixed(3)}x`,
  r.pass === undefined ? "" : `${r.pass ? "yes" : "NO"}${r.marginal ? " (marginal)" : ""}`,
]);
const head = ["group", "case", "throughput", "ratio", "target met"];
const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (c) =>
  c
    .map((x, i) => x.padEnd(w[i]))
    .join("  ")
    .trimEnd();
console.log(`\nSummary (${rows.length} rows; JSON: bench-results/summary.json)`);
console.log(line(head));
console.log(line(w.map((n) => "-".repeat(n))));
for (const t of table) console.log(line(t));
writeFileSync(join(dir, "summary.json"), `${JSON.stringify({ packages: docs }, null, 2)}\n`);
for (const d of docs) {
  if (d.load)
    console.log(
      `${d.package}: load average ${d.load.start.join("/")} at start, ${d.load.end.join("/")} at end (${d.cpus} CPUs)`,
    );
}
const marginal = rows.filter((r) => r.marginal);
if (marginal.length)
  console.log(
    `\n${marginal.length} row(s) within 10% of their target (marginal): ${marginal.map((r) => r.name).join(", ")}`,
  );
const failed = rows.filter((r) => r.pass === false);
if (failed.length) console.log(`\n${failed.length} row(s) below target: ${failed.map((r) => r.name).join(", ")}`);
