import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { APPS } from "@rtos-sim/apps";
import * as hw from "@rtos-sim/hw";
import * as kernel from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "./helpers.js";

const guide = readFileSync(join(REPO_DIR, "docs/contributing.md"), "utf8");

/** The rows of the guide's summary table: what to add, its file, its entry. */
function summaryRows(): { what: string; file: string; entry: string; table: string }[] {
  return guide.split("\n").flatMap((line) => {
    const m =
      /^\| (a board|a heap kind|a syscall|a device|an app|an MPU driver) +\| `([^`]+)` +\| `(\w+)` in `([^`]+)`/.exec(
        line,
      );
    return m ? [{ what: m[1]!, file: m[2]!, entry: m[3]!, table: m[4]! }] : [];
  });
}

describe("docs/contributing.md", () => {
  it("names one file and one table for each extension, and the tables exist under those names", () => {
    const rows = summaryRows();
    expect(rows.map((r) => r.what)).toEqual([
      "a board",
      "a heap kind",
      "a syscall",
      "a device",
      "an app",
      "an MPU driver",
    ]);
    const exported: Record<string, unknown> = { ...hw, ...kernel, APPS };
    for (const { entry, file, table } of rows) {
      expect(exported[entry], entry).toBeDefined();
      // The table's file sits in the folder of the new file (`board/builtin/table.ts`) or above it.
      const folder = file.slice(0, file.lastIndexOf("/"));
      const candidates = [folder, join(folder, ".."), join(folder, "../..")].map((d) =>
        join(REPO_DIR, d, table.slice(table.lastIndexOf("/") + 1)),
      );
      expect(
        candidates.some((c) => existsSync(c) && readFileSync(c, "utf8").includes(`export const ${entry}`)),
        `${entry} in ${table}`,
      ).toBe(true);
    }
  });

  it("every path it names exists: from the root, or inside a package (`heaps/table.ts`)", () => {
    const roots = [
      "",
      ...["hw", "kernel", "alloc"].map((p) => `packages/${p}/src`),
      "packages/kernel",
      "apps/workloads/src",
    ];
    const paths = [...guide.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:ts|md))`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths)
      expect(
        roots.some((r) => existsSync(join(REPO_DIR, r, p))),
        p,
      ).toBe(true);
  });

  it("is linked from the root README and is a page of the docs site", () => {
    expect(readFileSync(join(REPO_DIR, "README.md"), "utf8")).toContain("(docs/contributing.md)");
    const typedoc = JSON.parse(readFileSync(join(REPO_DIR, "typedoc.json"), "utf8")) as { projectDocuments: string[] };
    expect(typedoc.projectDocuments).toContain("docs/contributing.md");
  });
});
