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

/**
 * The TypeScript sources whose TSDoc `@example` blocks are checked, relative to the repository
 * root: every `.ts` file under `packages/<p>/src` and `apps/<a>/src` but the tests (`*.test.ts`).
 */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts")) {
        files.push(path);
      }
    }
  };
  for (const group of ["packages", "apps"]) {
    for (const dir of readdirSync(join(root, group)).sort()) {
      if (existsSync(join(root, group, dir, "src"))) walk(`${group}/${dir}/src`);
    }
  }
  return files;
}
