#!/usr/bin/env node
// The packages as a user installs them: `pnpm pack` of every published package (packages/*),
// the tarballs installed with npm into an empty project, the kernel README's quick example
// type-checked against the packed .d.ts (strict, NodeNext and Bundler resolution, no
// skipLibCheck) and run with Node. Catches what the workspace hides: `exports`/`files` that leave something out (or
// ship more than the build), a `workspace:` range left in, a missing `engines`, types that only resolve through the sources.
// Usage: node scripts/pack-check.mjs (after the build; CI runs it after the docs build).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pnpm = ["-y", "pnpm@10.34.8"];
const work = mkdtempSync(join(tmpdir(), "rtos-sim-pack-"));
const rootEngines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines.node;
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

try {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packages = readdirSync(join(root, "packages")).sort();
  for (const name of packages) {
    const dir = join(root, "packages", name);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (manifest.private) continue;
    run("npx", [...pnpm, "pack", "--pack-destination", tarballs], dir);
  }
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  for (const f of files) {
    const manifest = JSON.parse(run("tar", ["-xzOf", f, "package/package.json"], work));
    const deps = JSON.stringify(manifest.dependencies ?? {});
    if (deps.includes("workspace:"))
      throw new Error(`${manifest.name}: a workspace: range in its dependencies ${deps}`);
    // The workspace's `source` condition (src/index.ts) stays out of the published exports
    // (`publishConfig.exports`): a user whose own monorepo sets `customConditions: ["source"]`
    // got the package's TypeScript sources, type-checked under their compiler options.
    if (JSON.stringify(manifest.exports ?? {}).includes('"source"'))
      throw new Error(`${manifest.name}: the "source" condition in its published exports`);
    // The Node versions the repository supports, stated where npm warns a user of an older one.
    if (manifest.engines?.node !== rootEngines)
      throw new Error(`${manifest.name}: engines.node ${manifest.engines?.node} (the repository's: ${rootEngines})`);
    // Only the build and the README: the source maps carry the sources (sourcesContent), and
    // `src` shipped the packages' test helpers (and a README test, which npm includes by name).
    const shipped = run("tar", ["-tzf", f], work).trim().split("\n");
    const extra = shipped.filter(
      (p) => !/^package\/(package\.json|README\.md|dist\/index\.(js|js\.map|d\.ts))$/.test(p),
    );
    if (extra.length > 0) throw new Error(`${manifest.name}: the tarball ships ${extra.join(", ")}`);
    // Declarations tagged @internal stay out of the published types (tsup's dts: stripInternal),
    // as they stay out of the docs site.
    const types = run("tar", ["-xzOf", f, "package/dist/index.d.ts"], work);
    if (types.includes("@internal")) throw new Error(`${manifest.name}: its .d.ts keeps @internal declarations`);
  }

  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], app);

  // The kernel README's first example, as a user would paste it.
  const readme = readFileSync(join(root, "packages/kernel/README.md"), "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!example) throw new Error("packages/kernel/README.md has no ts example");
  writeFileSync(join(app, "main.ts"), example);
  const strict = {
    target: "ES2022",
    lib: ["ES2022", "DOM"],
    types: [],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: false,
  };
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { ...strict, module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" },
      files: ["main.ts"],
    }),
  );
  // The same under a bundler's resolution, as a monorepo with its own `source` condition sets it.
  writeFileSync(
    join(app, "tsconfig.bundler.json"),
    JSON.stringify({
      compilerOptions: {
        ...strict,
        module: "ESNext",
        moduleResolution: "Bundler",
        customConditions: ["source"],
        noEmit: true,
      },
      files: ["main.ts"],
    }),
  );
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  run("node", [tsc, "-p", "."], app);
  run("node", [tsc, "-p", "tsconfig.bundler.json"], app);
  const out = run("node", ["out/main.js"], app);
  if (!out.includes("no-tasks [ 'tick 0', 'tick 1', 'tick 2' ]") || !out.includes("MemManage DACCVIOL")) {
    throw new Error(`the README example printed something else:\n${out}`);
  }
  console.log(
    `pack-check: ${files.length} packages packed, installed with npm, the kernel README example type-checked and run`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
