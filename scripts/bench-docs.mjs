#!/usr/bin/env node
// Renders bench-results/summary.json (written by `pnpm bench`) into the "Every row" section of
// docs/benchmarks.md, so the docs page shows the figures of the last run. Run after `pnpm bench`:
//   node scripts/bench-docs.mjs
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url).pathname;
const summary = JSON.parse(readFileSync(`${root}bench-results/summary.json`, "utf8"));
const page = `${root}docs/benchmarks.md`;
const text = readFileSync(page, "utf8");
const marker = "## Every row";
const at = text.indexOf(marker);
if (at < 0) throw new Error(`${page} has no "${marker}" section`);

const rate = (x) => {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(1)} /s`;
};
const target = (t) =>
  t === undefined
    ? ""
    : [t.ratio === undefined ? null : `>= ${t.ratio}x`, t.opsPerSec === undefined ? null : `>= ${rate(t.opsPerSec)}`]
        .filter(Boolean)
        .join(" ");
const extra = (e) =>
  e === undefined
    ? ""
    : Object.entries(e)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  return [line(head), `| ${w.map((n) => "-".repeat(n)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

const sections = [];
for (const doc of [...summary.packages].sort((a, b) => a.package.localeCompare(b.package))) {
  for (const g of doc.groups) {
    const rows = g.rows.map((r) => [
      r.name,
      rate(r.opsPerSec),
      r.ratio == null ? "" : `${r.ratio.toFixed(3)}x`,
      target(r.target),
      r.pass === undefined ? "" : r.pass ? "yes" : "NO",
      extra(r.extra),
    ]);
    sections.push(
      `### ${doc.package} / ${g.group} (baseline: ${g.baseline})\n\n${table(["case", "throughput", "ratio", "target", "met", "extra"], rows)}`,
    );
  }
}
writeFileSync(page, `${text.slice(0, at)}${marker}\n\n${sections.join("\n\n")}\n`);
console.log(`docs/benchmarks.md: ${sections.length} groups from bench-results/summary.json`);
