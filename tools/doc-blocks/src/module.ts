import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DocBlock } from "./blocks.js";

/** A block as a TypeScript module: its text and, per line, the Markdown line it comes from. */
export interface BlockModule {
  /** The module's source text. */
  readonly text: string;
  /** For each 0-based line of `text`, the 1-based Markdown line it comes from. */
  readonly lines: readonly number[];
}

/** How many leading lines of the block are comments, blank lines and import declarations. */
function importHead(code: readonly string[]): number {
  let n = 0;
  while (n < code.length) {
    const line = code[n]!.trim();
    if (line === "" || line.startsWith("//")) {
      n++;
    } else if (/^import\b/.test(line)) {
      while (n < code.length && !code[n]!.trimEnd().endsWith(";")) n++;
      n++;
    } else {
      break;
    }
  }
  return Math.min(n, code.length);
}

/**
 * The module a block is checked as: its import declarations, the hidden prelude, the rest of the
 * block, the hidden epilogue (so a prelude may open a function the epilogue closes).
 */
export function blockModule(block: DocBlock): BlockModule {
  const head = importHead(block.code);
  const text: string[] = [];
  const lines: number[] = [];
  const add = (code: readonly string[], at: (i: number) => number) => {
    code.forEach((c, i) => {
      text.push(c);
      lines.push(at(i));
    });
  };
  add(block.code.slice(0, head), (i) => block.codeLine + i);
  add(block.prelude.text, (i) => block.prelude.lines[i]!);
  add(block.code.slice(head), (i) => block.codeLine + head + i);
  add(block.epilogue.text, (i) => block.epilogue.lines[i]!);
  return { text: `${text.join("\n")}\n`, lines };
}

/**
 * The module's text for running it from another directory: the relative imports of a block
 * checked as a repository file (`asFile`) become absolute paths of the TypeScript sources.
 */
export function runnableText(block: DocBlock, module: BlockModule, root: string): string {
  if (block.asFile === null) return module.text;
  const dir = dirname(resolve(root, block.asFile));
  return module.text.replace(/(from\s+["'])(\.\.?\/[^"']+)(["'])/g, (_all, open: string, path: string, end: string) => {
    const abs = resolve(dir, path);
    const ts = abs.replace(/\.js$/, ".ts");
    return `${open}${existsSync(ts) ? ts : abs}${end}`;
  });
}
