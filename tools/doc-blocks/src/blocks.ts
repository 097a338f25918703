/**
 * The TypeScript blocks of a Markdown file and what the file says about each: the `check:`
 * comments around it (docs/contributing.md, "TypeScript blocks in the docs", is the reference) and
 * the output it shows.
 */

/** Hidden code from a `<!-- check: prelude` or `<!-- check: epilogue` comment, line by line. */
export interface HiddenCode {
  /** 1-based line in the Markdown file of each code line. */
  readonly lines: readonly number[];
  /** The code lines. */
  readonly text: readonly string[];
}

/** How a block is checked. */
export type BlockMode =
  /** Type-checked, then run (imported as a module); its output compared with the one shown. */
  | { readonly kind: "run" }
  /** Type-checked only: it needs what no hidden prelude can give (the reason says what). */
  | { readonly kind: "typecheck-only"; readonly reason: string }
  /** Its code lines appear, in order, in a file of the repository that is checked itself. */
  | { readonly kind: "excerpt"; readonly of: string }
  /** Not checked at all; the reason says why. */
  | { readonly kind: "skip"; readonly reason: string };

/** One ```ts block of a Markdown file. */
export interface DocBlock {
  /** The Markdown file, relative to the repository root, with `/`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly fenceLine: number;
  /** The block's code lines; `codeLine + i` is the Markdown line of `code[i]`. */
  readonly code: readonly string[];
  /** 1-based line of the first code line. */
  readonly codeLine: number;
  /** How it is checked. */
  readonly mode: BlockMode;
  /** Hidden code before the block (after its import declarations). */
  readonly prelude: HiddenCode;
  /** Hidden code after the block. */
  readonly epilogue: HiddenCode;
  /**
   * The repository path the block is checked as (its first line is `// <path>.ts`, as in the
   * contributing guide's worked examples): its relative imports resolve from there. Null otherwise.
   */
  readonly asFile: string | null;
  /**
   * What the block prints with `console.log`, line by line, as the doc shows it: its output
   * comments, then the lines of a ```text block right after it. Null when the doc shows none.
   */
  readonly expectedOutput: readonly string[] | null;
}

/** A `check:` comment the checker cannot use: always an error, so no directive is lost. */
export class DocBlockError extends Error {
  /** @param where `file:line` of the comment or block. */
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "DocBlockError";
  }
}

const NO_CODE: HiddenCode = { lines: [], text: [] };
const FENCE = /^```(\S*)\s*$/;
const CHECK = /^<!--\s*check:\s*(.*)$/;
const AS_FILE = /^\/\/ ((?:[\w.-]+\/)+[\w.-]+\.ts)\s*$/;

/** A `<!-- check: ... -->` comment: its first line's words and the lines up to `-->`. */
interface CheckComment {
  readonly line: number;
  readonly head: string;
  readonly body: HiddenCode;
  readonly endLine: number;
}

/** Reads the check comment starting at `lines[i]` (0-based), or null when there is none. */
function readComment(file: string, lines: readonly string[], i: number): CheckComment | null {
  const m = CHECK.exec(lines[i]!);
  if (!m) return null;
  const first = m[1]!;
  if (first.trimEnd().endsWith("-->")) {
    return { line: i + 1, head: first.trimEnd().slice(0, -3).trim(), body: NO_CODE, endLine: i };
  }
  const text: string[] = [];
  const at: number[] = [];
  for (let j = i + 1; j < lines.length; j++) {
    if (lines[j]!.trim() === "-->") return { line: i + 1, head: first.trim(), body: { lines: at, text }, endLine: j };
    text.push(lines[j]!);
    at.push(j + 1);
  }
  throw new DocBlockError(`${file}:${i + 1}`, "a check comment without its closing `-->` line");
}

/** The mode a comment head sets, or null for prelude/epilogue heads. */
function modeOf(where: string, head: string): BlockMode | "prelude" | "epilogue" {
  if (head === "prelude" || head === "epilogue") return head;
  const withReason = /^(skip|typecheck-only)\s*\((.+)\)$/.exec(head);
  if (withReason) {
    const kind = withReason[1] as "skip" | "typecheck-only";
    return { kind, reason: withReason[2]!.trim() };
  }
  const excerpt = /^excerpt of (\S+)$/.exec(head);
  if (excerpt) return { kind: "excerpt", of: excerpt[1]! };
  if (/^(skip|typecheck-only)\b/.test(head)) {
    throw new DocBlockError(where, `"check: ${head}" needs its reason in parentheses: check: ${head} (why)`);
  }
  throw new DocBlockError(
    where,
    `unknown "check: ${head}" (use prelude, epilogue, typecheck-only (why), skip (why) or excerpt of <path>)`,
  );
}

/** Whether a line ends a statement `console.log(...)` starts, or closes the loop or `try` around one. */
function printsOrCloses(line: string): boolean {
  const t = line.trim();
  return /^console\.log\(.*\);$/.test(t) || t === "}";
}

/**
 * The output comments of a block: the comment that ends a `console.log(...);` line, and the
 * whole-line comments right below (no blank line) a `console.log(...);` line or a `}` line.
 */
export function outputComments(code: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i++) {
    const line = code[i]!;
    const trailing = /^(\s*console\.log\(.*\);)\s*\/\/ ?(.*)$/.exec(line);
    if (trailing) {
      out.push(trailing[2]!);
      continue;
    }
    if (!printsOrCloses(line)) continue;
    for (let j = i + 1; j < code.length && /^\s*\/\//.test(code[j]!); j++) {
      out.push(code[j]!.replace(/^\s*\/\/ ?/, ""));
      i = j;
    }
  }
  return out;
}

/**
 * The ```ts blocks of a Markdown file, with their check comments and shown output.
 * Throws {@link DocBlockError} on a check comment it cannot attach or read.
 */
export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  let pending: CheckComment[] = [];
  for (let i = 0; i < lines.length; i++) {
    const comment = readComment(file, lines, i);
    if (comment) {
      pending.push(comment);
      i = comment.endLine;
      continue;
    }
    if (/^\s+```ts\b/.test(lines[i]!)) {
      throw new DocBlockError(`${file}:${i + 1}`, "an indented ```ts block: start it at the margin so it is checked");
    }
    const fence = FENCE.exec(lines[i]!);
    if (!fence) {
      if (lines[i]!.trim() !== "" && pending.length > 0) {
        throw new DocBlockError(`${file}:${pending[0]!.line}`, "a check comment must come right before a ```ts block");
      }
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (close < 0) throw new DocBlockError(`${file}:${i + 1}`, "a fenced block that is never closed");
    if (fence[1] !== "ts") {
      if (pending.length > 0) {
        throw new DocBlockError(`${file}:${pending[0]!.line}`, "check comments apply to ```ts blocks only");
      }
      i = close;
      continue;
    }
    const code = lines.slice(i + 1, close);
    const where = `${file}:${i + 1}`;
    let mode: BlockMode = { kind: "run" };
    let prelude = NO_CODE;
    for (const c of pending) {
      const m = modeOf(`${file}:${c.line}`, c.head);
      if (m === "epilogue") throw new DocBlockError(`${file}:${c.line}`, "an epilogue goes after its block");
      if (m === "prelude") prelude = c.body;
      else if (mode.kind !== "run") throw new DocBlockError(where, "more than one of skip, typecheck-only, excerpt");
      else mode = m;
    }
    pending = [];
    // After the block: an optional epilogue, then its output as a ```text block (one line of text
    // such as "prints:" may stand between them).
    let j = close + 1;
    const skipBlank = () => {
      while (j < lines.length && lines[j]!.trim() === "") j++;
    };
    skipBlank();
    let epilogue = NO_CODE;
    let end = close;
    const after = j < lines.length ? readComment(file, lines, j) : null;
    if (after && modeOf(`${file}:${after.line}`, after.head) === "epilogue") {
      epilogue = after.body;
      end = after.endLine;
      j = end + 1;
      skipBlank();
    }
    if (j < lines.length && !FENCE.test(lines[j]!) && !/^[#<|]/.test(lines[j]!) && lines[j + 1]?.trim() === "") {
      j++; // the one line of text before the output ("prints:")
      skipBlank();
    }
    const shownFence = j < lines.length ? FENCE.exec(lines[j]!) : null;
    let shown: string[] | null = null;
    if (shownFence && (shownFence[1] === "text" || shownFence[1] === "")) {
      const last = lines.findIndex((l, e) => e > j && /^```\s*$/.test(l));
      shown = lines.slice(j + 1, last);
    }
    const comments = outputComments(code);
    const expectedOutput = comments.length > 0 || shown ? [...comments, ...(shown ?? [])] : null;
    const asFile = AS_FILE.exec(code[0] ?? "")?.[1] ?? null;
    blocks.push({
      file,
      fenceLine: i + 1,
      code,
      codeLine: i + 2,
      mode,
      prelude,
      epilogue,
      asFile,
      expectedOutput,
    });
    i = end;
  }
  if (pending.length > 0) {
    throw new DocBlockError(`${file}:${pending[0]!.line}`, "a check comment must come right before a ```ts block");
  }
  return blocks;
}
