import { describe, expect, it } from "vitest";
import docs from "../../../docs/checker-reports.md?raw";
import readme from "../README.md?raw";
import { REPORT_KINDS } from "./report.js";

/** The kinds in the first column of a Markdown table that has ASan, Valgrind and KASAN columns. */
function tableKinds(text: string): string[] {
  const at = text.indexOf("| kind ");
  const rows = text.slice(at).split("\n");
  expect(rows[0]).toMatch(/\| ASan +\| Valgrind Memcheck +\| KASAN/);
  const out: string[] = [];
  for (const row of rows.slice(2)) {
    const m = /^\| `([a-z-]+)` +\|/.exec(row);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

describe("the docs list every report kind, beside the ASan, Valgrind and KASAN names", () => {
  it("the README's table", () => {
    expect(tableKinds(readme)).toEqual([...REPORT_KINDS]);
  });

  it("docs/checker-reports.md's table, and a report of each kind", () => {
    expect(tableKinds(docs)).toEqual([...REPORT_KINDS]);
    for (const kind of REPORT_KINDS) expect(docs, kind).toContain(`==memcheck== ERROR: ${kind} `);
  });
});
