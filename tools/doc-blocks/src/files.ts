import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The user documentation whose ```ts blocks are checked, relative to the repository root: the
 * root README, docs/*.md, and the README of every package, app and tool.
 */
export function docFiles(root: string): string[] {
  const files = ["README.md"];
  files.push(
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  );
  for (const group of ["packages", "apps", "tools"]) {
    for (const dir of readdirSync(join(root, group)).sort()) {
      if (existsSync(join(root, group, dir, "README.md"))) files.push(`${group}/${dir}/README.md`);
    }
  }
  return files;
}
