import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import { appExportOf, finishRun, fromKernelApp, isKernelApp, type MachineApp, prepareRun } from "@rtos-sim/apps";
import { findBoard } from "@rtos-sim/hw";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type DocBlock, extractBlocks } from "./blocks.js";
import { docFiles, sourceFiles } from "./files.js";
import { blockModule, runnableText } from "./module.js";
import { publicNames } from "./public-names.js";
import { extractExamples } from "./tsdoc.js";
import { typecheckBlocks } from "./typecheck.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DOC_BLOCKS = docFiles(ROOT).flatMap((file) => extractBlocks(file, readFileSync(join(ROOT, file), "utf8")));
/** The ```ts blocks of the TSDoc `@example`s of the packages' and apps' exported declarations. */
const EXAMPLES = sourceFiles(ROOT).flatMap((file) => extractExamples(file, readFileSync(join(ROOT, file), "utf8")));
const BLOCKS = [...DOC_BLOCKS, ...EXAMPLES];
const name = (b: DocBlock) => `${b.file}:${b.fenceLine}`;
const ofKind = (kind: DocBlock["mode"]["kind"]) => BLOCKS.filter((b) => b.mode.kind === kind);

const tmp = mkdtempSync(join(tmpdir(), "rtos-sim-doc-blocks-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Lines as the docs show them: no trailing blanks, no blank lines at the end. */
function lines(text: string): string[] {
  const out = text.split("\n").map((l) => l.trimEnd());
  while (out.length > 0 && out.at(-1) === "") out.pop();
  return out;
}

/** Runs an app the way `rtos-sim run ./file.ts` does (its defaults, seed 1) and returns whether it passed. */
async function runAsCli(candidate: unknown): Promise<{ ok: boolean; problems: unknown }> {
  const app: MachineApp = isKernelApp(candidate) ? fromKernelApp(candidate) : (candidate as MachineApp);
  const board = findBoard(app.defaultBoard ?? "stm32f407");
  if (!board) throw new Error(`no board ${app.defaultBoard}`);
  const options = { seed: 1, durationMs: app.defaultDurationMs ?? 1000, memcheck: app.defaultMemcheck ?? true };
  const prepared = prepareRun(app, board, options, { source: "file", file: null });
  await app.run(prepared.ctx);
  const result = finishRun(prepared, 0);
  return { ok: result.verdict.ok, problems: result.verdict };
}

describe("the ```ts blocks of the docs and of the TSDoc examples", () => {
  it("are all found (a block the extraction misses is not checked)", () => {
    const count: Record<string, number> = {};
    for (const b of DOC_BLOCKS) count[b.file] = (count[b.file] ?? 0) + 1;
    expect(count).toEqual({
      "docs/contributing.md": 6,
      "docs/writing-an-app.md": 9,
      "packages/alloc/README.md": 1,
      "packages/hw/README.md": 6,
      "packages/kernel/README.md": 2,
      "packages/memcheck/README.md": 1,
      "packages/prng/README.md": 1,
      "packages/region/README.md": 2,
      "packages/sched/README.md": 1,
      "apps/cli/README.md": 1,
      "apps/workloads/README.md": 2,
    });
    // Per package or app: an @example without a ```ts block fails the extraction itself.
    const examples: Record<string, number> = {};
    for (const b of EXAMPLES) {
      const at = b.file.split("/").slice(0, 2).join("/");
      examples[at] = (examples[at] ?? 0) + 1;
    }
    expect(examples).toEqual({
      "packages/alloc": 10,
      "packages/hw": 35,
      "packages/kernel": 41,
      "packages/memcheck": 13,
      "packages/prng": 3,
      "packages/region": 4,
      "packages/sched": 13,
      "apps/cli": 9,
      "apps/playground": 11,
      "apps/workloads": 22,
    });
  });

  it("of public names import the packages' public names only (a user cannot import a relative path)", () => {
    const publicOf = publicNames(ROOT);
    const relative = EXAMPLES.filter((b) => {
      const names = publicOf.get(b.file.split("/").slice(0, 2).join("/"));
      const isPublic = b.declaration === "" || names?.has(b.declaration) === true;
      return isPublic && b.code.some((line) => /\bfrom\s+["']\.\.?\//.test(line));
    });
    expect(
      relative.map((b) => `${name(b)} (${b.declaration || "the package's entry"}) imports a relative path`),
    ).toEqual([]);
  });

  it("compile, all in one program, against the workspace packages (strict)", () => {
    const checked = BLOCKS.filter((b) => b.mode.kind === "run" || b.mode.kind === "typecheck-only");
    expect(typecheckBlocks(checked, ROOT).join("\n")).toBe("");
  });

  it.each(ofKind("excerpt").map((b) => [name(b), b] as const))(
    "%s is an excerpt of the file it names, in order",
    (_, block) => {
      if (block.mode.kind !== "excerpt") throw new Error("not an excerpt");
      // Lines compared without indentation and end-of-line comments; the file may have more lines between.
      const strip = (l: string) => l.replace(/\s*\/\/.*$/, "").trim();
      const source = readFileSync(join(ROOT, block.mode.of), "utf8").split("\n").map(strip);
      let at = 0;
      block.code.forEach((line, i) => {
        if (strip(line) === "") return;
        const found = source.indexOf(strip(line), at);
        expect(
          found,
          `${block.file}:${block.codeLine + i} is not in ${block.mode.kind === "excerpt" ? block.mode.of : ""} (after its previous line)`,
        ).toBeGreaterThanOrEqual(0);
        at = found + 1;
      });
    },
  );

  const runs = ofKind("run").map(
    (b) => [`${name(b)} runs${b.expectedOutput === null ? "" : " and prints what the doc shows"}`, b] as const,
  );
  it.each(runs)("%s", async (_, block) => {
    const module = blockModule(block);
    const file = join(tmp, `${block.file.replaceAll("/", "_")}-L${block.fenceLine}.ts`);
    writeFileSync(file, runnableText(block, module, ROOT));
    const printed: string[] = [];
    // A source site the block prints (a fault record's `at file:line:column`) names the module's
    // temporary file: it is shown as the doc's own file and line, relative to the repository.
    const site = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`, "g");
    const docSite = (_all: string, at: string) => `${block.file}:${module.lines[Number(at) - 1] ?? block.fenceLine}`;
    const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(...lines(format(...args).replaceAll(site, docSite)));
    });
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      const app = appExportOf(mod);
      // A module that exports an app (its default or `app` export) runs as `rtos-sim run` runs a file.
      if (app !== undefined) {
        const run = await runAsCli(app);
        expect(run.problems, `${name(block)}: its app's run fails`).toMatchObject({ ok: true });
      }
    } catch (e) {
      // Point at the Markdown: the module's lines are the doc's lines (hidden ones included).
      if (e instanceof Error && e.stack) {
        const stack = e.stack.replaceAll(site, (all, at: string) => join(ROOT, docSite(all, at)));
        // An error whose stack is read-only (the packages' errors freeze theirs) gets a new one.
        if (Object.getOwnPropertyDescriptor(e, "stack")?.writable === false)
          throw Object.assign(new Error(e.message), { stack, cause: e });
        e.stack = stack;
      }
      throw e;
    } finally {
      log.mockRestore();
      stdout.mockRestore();
    }
    if (block.expectedOutput !== null) expect(printed).toEqual(lines(block.expectedOutput.join("\n")));
  });
});
