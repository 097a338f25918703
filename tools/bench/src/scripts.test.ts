import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** Every workspace package's `bench` script, by package directory. */
function benchScripts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(ROOT, group))) {
      let pkg: { scripts?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(join(ROOT, group, name, "package.json"), "utf8"));
      } catch {
        continue;
      }
      const script = pkg.scripts?.bench;
      if (script !== undefined) out.set(`${group}/${name}`, script);
    }
  }
  return out;
}

describe("bench scripts", () => {
  // tsx applies a package's tsconfig only to the files its `include` names, so without the flag
  // the benches and every other package's sources compile with define semantics for class
  // fields, not the build's `useDefineForClassFields: false`, and measure slower code than the
  // one users run (docs/benchmarks.md).
  it("compile the sources with the project's tsconfig, as the build does", () => {
    const scripts = benchScripts();
    expect(scripts.size).toBeGreaterThanOrEqual(9);
    for (const [dir, script] of scripts) {
      expect(script, dir).toContain("tsx --tsconfig ../../tsconfig.base.json --conditions=source bench/index.ts");
    }
  });
});
