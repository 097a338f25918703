import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import type { DocBlock } from "./blocks.js";
import { type BlockModule, blockModule } from "./module.js";

/** The workspace packages by name, each to its TypeScript entry (the `source` export). */
export function workspaceSources(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of ["packages", "apps", "tools"]) {
    for (const dir of readdirSync(join(root, group))) {
      const manifest = join(root, group, dir, "package.json");
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as {
        name: string;
        exports?: { ".": { source?: string } };
      };
      const source = pkg.exports?.["."]?.source;
      if (source) out[pkg.name] = resolve(root, group, dir, source);
    }
  }
  return out;
}

/** Where the type-checker sees a block: at its `asFile` path, else a path named after the Markdown file. */
export function virtualPath(block: DocBlock, root: string): string {
  if (block.asFile !== null) return resolve(root, block.asFile);
  return resolve(root, ".doc-blocks", `${block.file}.L${block.fenceLine}.ts`);
}

/**
 * Type-checks blocks in one program against the workspace packages' sources (the repository's
 * strict options, `@types/node`). Returns one line per error, `file.md:line:column - error TSn: ...`,
 * the position in the Markdown file; none when every block compiles.
 */
export function typecheckBlocks(blocks: readonly DocBlock[], root: string): string[] {
  const base = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.base.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!base) throw new Error("cannot read tsconfig.base.json");
  const paths: Record<string, string[]> = {};
  for (const [name, source] of Object.entries(workspaceSources(root))) paths[name] = [source];
  const options: ts.CompilerOptions = {
    ...base.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
    moduleDetection: ts.ModuleDetectionKind.Force,
    paths,
  };
  const modules = new Map<string, { block: DocBlock; module: BlockModule }>();
  for (const block of blocks) {
    const path = virtualPath(block, root);
    if (existsSync(path)) {
      throw new Error(`${block.file}:${block.fenceLine}: checked as ${block.asFile}, which exists: name a new file`);
    }
    if (modules.has(path)) throw new Error(`${block.file}:${block.fenceLine}: a second block checked as ${path}`);
    modules.set(path, { block, module: blockModule(block) });
  }
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => modules.has(resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => modules.get(resolve(f))?.module.text ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const virtual = modules.get(resolve(f));
    if (virtual) return ts.createSourceFile(f, virtual.module.text, language, true);
    return getSourceFile.call(host, f, language, onError, create);
  };
  const program = ts.createProgram({ rootNames: [...modules.keys()], options, host });
  const diagnostics: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const path of modules.keys()) {
    const sf = program.getSourceFile(path);
    if (!sf) throw new Error(`the program lost ${path}`);
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const virtual = modules.get(resolve(d.file.fileName));
    const where = virtual
      ? `${virtual.block.file}:${virtual.module.lines[line] ?? virtual.block.fenceLine}:${character + 1}`
      : `${d.file.fileName}:${line + 1}:${character + 1}`;
    return `${where} - error TS${d.code}: ${message}`;
  });
}
