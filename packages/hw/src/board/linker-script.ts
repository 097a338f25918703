import { HwError } from "../errors.js";
import { MAX_BOARD_REGIONS } from "./define.js";
import { positionOf, type TextPosition } from "./json-text.js";
import { parseSizeLiteral } from "./size.js";

/** One entry of a GNU ld `MEMORY` block. */
export interface LinkerMemoryRegion {
  /** Region name as written (`FLASH`, `RAM_D1`...). */
  readonly name: string;
  /** ORIGIN: first address. */
  readonly origin: number;
  /** LENGTH in bytes (> 0). */
  readonly length: number;
  /** One past the last byte (origin + length). */
  readonly end: number;
  /** The attribute letters as written between the parentheses (`"xrw"`, `"!w"`), `""` when none. */
  readonly attributes: string;
  /** Whether the region takes writable sections: `w` given (or no attribute list, or only negations without `!w`). */
  readonly writable: boolean;
  /** Whether the region takes code: `x` given (or no attribute list, or only negations without `!x`). */
  readonly executable: boolean;
  /** 1-based line and column of the region name. */
  readonly line: number;
  /** 1-based column of the region name. */
  readonly column: number;
}

const ATTRIBUTE_LETTERS = "rwxail";
const ORIGIN_WORDS = ["origin", "org", "o"];
const LENGTH_WORDS = ["length", "len", "l"];
const WORD = /[A-Za-z0-9_.$]/;
const PUNCT = "{}():=,+-*/%~!";
/** Deepest nesting of unary operators and parentheses in one expression (deeper overflowed the JS stack). */
const MAX_EXPRESSION_DEPTH = 64;

interface Token {
  /** "w" word (names, keywords, numbers), "p" punctuation, "e" end of block. */
  readonly t: "w" | "p" | "e";
  readonly s: string;
  readonly at: number;
}

/** Replaces comments with spaces (newlines kept) so offsets still map to lines and columns. */
function blankComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (text.startsWith("//", i)) {
      let end = text.indexOf("\n", i);
      if (end < 0) end = text.length;
      out += " ".repeat(end - i);
      i = end;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/**
 * Line and column of offsets in `text` by binary search over its line starts: positionOf for
 * each of thousands of regions scanned the text from its start each time (quadratic).
 */
function lineLocator(text: string): (offset: number) => TextPosition {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

function scriptError(text: string, at: number, message: string, extra: Record<string, unknown> = {}): HwError {
  const pos = positionOf(text, at);
  return new HwError("LINKER_SCRIPT", `line ${pos.line}, column ${pos.column}: ${message}`, {
    line: pos.line,
    column: pos.column,
    ...extra,
  });
}

/** Tokens of one MEMORY block body, from `from` (after `{`) to its `}`. */
function lexBlock(text: string, src: string, from: number, memoryAt: number): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = from;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "}") {
      tokens.push({ t: "e", s: "}", at: i });
      return { tokens, end: i + 1 };
    }
    if (/\s/.test(c)) {
      i++;
    } else if (WORD.test(c)) {
      const start = i;
      while (i < src.length && WORD.test(src[i]!)) i++;
      tokens.push({ t: "w", s: src.slice(start, i), at: start });
    } else if (PUNCT.includes(c)) {
      tokens.push({ t: "p", s: c, at: i });
      i++;
    } else {
      throw scriptError(text, i, `unexpected character ${JSON.stringify(c)} in the MEMORY block`);
    }
  }
  throw scriptError(text, memoryAt, "the MEMORY block is not closed: missing '}'");
}

/**
 * Reads the `MEMORY { ... }` block(s) of a GNU ld linker script: entries
 * `NAME (attrs) : ORIGIN = expr, LENGTH = expr` with the ORIGIN/org/o and LENGTH/len/l
 * spellings, numbers in decimal, `0x` hex or leading-`0` octal with an optional K/M suffix,
 * simple expressions (`+ - * / %`, unary `-`/`~`, parentheses, `ORIGIN(name)`, `LENGTH(name)`
 * of an earlier region), attribute letters R W X A I L in either case with `!` negating the
 * letters after it, block comments and `//` line comments, any number of entries per line. Several MEMORY
 * blocks are read as one, as ld does. Regions are returned in the order written.
 *
 * Throws {@link HwError} `LINKER_SCRIPT` with `context` `{ line, column, ... }` (1-based): no
 * MEMORY block, unclosed block, bad number or expression (one nested deeper than 64 operators
 * or parentheses, a value past 2^53 on the way, `~` of a value wider than 32 bits), unknown
 * attribute letter, missing ORIGIN or LENGTH, LENGTH 0, a region past 4 GiB, duplicate names,
 * more than {@link MAX_BOARD_REGIONS} regions, overlapping regions (at the later one, naming both).
 *
 * @example
 * ```ts
 * import { hex32, parseLinkerMemory } from "@rtos-sim/hw";
 * const [ram] = parseLinkerMemory(`MEMORY { RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 128K }`);
 * console.log(ram!.name, hex32(ram!.origin), hex32(ram!.length), hex32(ram!.end), ram!.attributes); // RAM 0x20000000 0x00020000 0x20020000 xrw
 * console.log(ram!.writable, ram!.executable, ram!.line, ram!.column); // true true 1 10
 * ```
 */
export function parseLinkerMemory(text: string): LinkerMemoryRegion[] {
  if (typeof text !== "string") {
    throw new HwError("LINKER_SCRIPT", `the linker script must be text, not ${text === null ? "null" : typeof text}`, {
      line: 1,
      column: 1,
    });
  }
  const src = blankComments(text);
  const locate = lineLocator(text);
  const regions: LinkerMemoryRegion[] = [];
  const re = /(?<![A-Za-z0-9_.$])MEMORY(?![A-Za-z0-9_.$])/g;
  let found = false;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    let j = m.index + 6;
    while (j < src.length && /\s/.test(src[j]!)) j++;
    if (src[j] !== "{") throw scriptError(text, j, "expected '{' after MEMORY");
    found = true;
    const { tokens, end } = lexBlock(text, src, j + 1, m.index);
    parseEntries(text, tokens, regions, locate);
    re.lastIndex = end;
  }
  if (!found) throw scriptError(text, 0, "no MEMORY { ... } block in the linker script");
  checkOverlaps(text, regions);
  return regions;
}

function parseEntries(
  text: string,
  tokens: Token[],
  regions: LinkerMemoryRegion[],
  locate: (offset: number) => TextPosition,
): void {
  let k = 0;
  const peek = (): Token => tokens[k]!;
  const next = (): Token => tokens[k++]!;
  const describe = (tok: Token): string => (tok.t === "e" ? "'}'" : JSON.stringify(tok.s));
  const expect = (s: string, what: string): Token => {
    const tok = next();
    if (tok.s !== s || tok.t === "w") throw scriptError(text, tok.at, `expected ${what}, found ${describe(tok)}`);
    return tok;
  };

  /** Refuses a value past 2^53 at its operator: a double rounded it, giving a wrong, accepted address. */
  const exact = (v: number, op: Token): number => {
    if (!Number.isSafeInteger(v)) {
      throw scriptError(text, op.at, `the value of '${op.s}' exceeds 2^53: the expression overflows`);
    }
    return v;
  };
  const primary = (depth: number): number => {
    const tok = next();
    if (tok.t === "p" && (tok.s === "(" || tok.s === "-" || tok.s === "~") && depth >= MAX_EXPRESSION_DEPTH) {
      throw scriptError(
        text,
        tok.at,
        `expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels (operators or parentheses)`,
      );
    }
    if (tok.t === "p" && tok.s === "(") {
      const v = expr(depth + 1);
      expect(")", "')'");
      return v;
    }
    if (tok.t === "p" && tok.s === "-") return -primary(depth + 1);
    if (tok.t === "p" && tok.s === "~") {
      const v = primary(depth + 1);
      // ~ works on 32 bits: a wider operand lost its high bits (~0x100000000 was 0xFFFFFFFF).
      if (v < -0x8000_0000 || v > 0xffff_ffff) {
        throw scriptError(text, tok.at, `~ of ${v}, which is not a 32-bit value`, { value: v });
      }
      return ~v >>> 0;
    }
    if (tok.t === "w" && /^[0-9]/.test(tok.s)) {
      const r = parseSizeLiteral(tok.s, { octal: true });
      if (!r.ok) throw scriptError(text, tok.at, `bad number: ${r.reason}`, { value: tok.s });
      return r.value;
    }
    const fn = tok.s.toLowerCase();
    if (tok.t === "w" && (ORIGIN_WORDS.includes(fn) || LENGTH_WORDS.includes(fn)) && peek().s === "(") {
      next();
      const ref = next();
      const region = regions.find((r) => r.name === ref.s);
      if (ref.t !== "w" || !region) {
        throw scriptError(text, ref.at, `${tok.s}(${ref.s}): no region named ${describe(ref)} defined before`);
      }
      expect(")", "')'");
      return ORIGIN_WORDS.includes(fn) ? region.origin : region.length;
    }
    throw scriptError(text, tok.at, `bad number: expected a number or expression, found ${describe(tok)}`, {
      value: tok.s,
    });
  };
  const term = (depth: number): number => {
    let v = primary(depth);
    for (;;) {
      const op = peek();
      if (op.t !== "p" || !"*/%".includes(op.s)) return v;
      next();
      const rhs = primary(depth);
      if ((op.s === "/" || op.s === "%") && rhs === 0) throw scriptError(text, op.at, "division by zero");
      v = exact(op.s === "*" ? v * rhs : op.s === "/" ? Math.floor(v / rhs) : v % rhs, op);
    }
  };
  const expr = (depth: number): number => {
    let v = term(depth);
    for (;;) {
      const op = peek();
      if (op.t !== "p" || (op.s !== "+" && op.s !== "-")) return v;
      next();
      const rhs = term(depth);
      v = exact(op.s === "+" ? v + rhs : v - rhs, op);
    }
  };

  for (;;) {
    while (peek().s === "," && peek().t === "p") next();
    const nameTok = next();
    if (nameTok.t === "e") return;
    if (nameTok.t !== "w" || /^[0-9]/.test(nameTok.s)) {
      throw scriptError(text, nameTok.at, `expected a memory region name, found ${describe(nameTok)}`);
    }
    const name = nameTok.s;
    if (regions.length >= MAX_BOARD_REGIONS) {
      throw scriptError(
        text,
        nameTok.at,
        `region ${name}: more than ${MAX_BOARD_REGIONS} regions in the MEMORY block`,
        {
          region: name,
        },
      );
    }
    if (regions.some((r) => r.name === name)) {
      throw scriptError(text, nameTok.at, `region ${name} is defined twice`, { region: name });
    }
    let attributes = "";
    let writable = true;
    let executable = true;
    if (peek().s === "(" && peek().t === "p") {
      next();
      const pos = new Set<string>();
      const neg = new Set<string>();
      let negate = false;
      for (let tok = next(); !(tok.t === "p" && tok.s === ")"); tok = next()) {
        if (tok.t === "p" && tok.s === "!") {
          negate = true;
          attributes += "!";
          continue;
        }
        if (tok.t !== "w") throw scriptError(text, tok.at, `expected attribute letters or ')', found ${describe(tok)}`);
        for (let c = 0; c < tok.s.length; c++) {
          const letter = tok.s[c]!.toLowerCase();
          if (!ATTRIBUTE_LETTERS.includes(letter)) {
            throw scriptError(
              text,
              tok.at + c,
              `region ${name}: unknown attribute letter ${JSON.stringify(tok.s[c])} (known: R W X A I L and !)`,
              { region: name, value: tok.s[c] },
            );
          }
          (negate ? neg : pos).add(letter);
        }
        attributes += tok.s;
      }
      writable = pos.size === 0 ? !neg.has("w") : pos.has("w") && !neg.has("w");
      executable = pos.size === 0 ? !neg.has("x") : pos.has("x") && !neg.has("x");
    }
    expect(":", `':' after region ${name}`);
    let origin: number | undefined;
    let length: number | undefined;
    for (let n = 0; n < 2; n++) {
      while (n > 0 && peek().s === "," && peek().t === "p") next();
      const key = peek();
      const word = key.t === "w" ? key.s.toLowerCase() : "";
      const isOrigin = ORIGIN_WORDS.includes(word);
      const isLength = LENGTH_WORDS.includes(word);
      if (!isOrigin && !isLength) {
        const missing =
          origin === undefined && length === undefined
            ? "ORIGIN and LENGTH"
            : origin === undefined
              ? "ORIGIN"
              : "LENGTH";
        throw scriptError(text, key.at, `region ${name}: missing ${missing} (found ${describe(key)})`, {
          region: name,
        });
      }
      if ((isOrigin && origin !== undefined) || (isLength && length !== undefined)) {
        throw scriptError(text, key.at, `region ${name}: ${key.s} given twice`, { region: name });
      }
      next();
      expect("=", `'=' after ${key.s}`);
      const at = peek().at;
      // + 0: -0 (ORIGIN = -0, -4 % 4) is 0.
      const v = expr(0) + 0;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw scriptError(text, at, `region ${name}: ${key.s} = ${v} is outside 0..0xFFFFFFFF`, {
          region: name,
          value: v,
        });
      }
      if (isOrigin) origin = v;
      else {
        if (v === 0) throw scriptError(text, at, `region ${name}: LENGTH must be > 0`, { region: name, value: v });
        length = v;
      }
    }
    if (origin! + length! > 0x1_0000_0000) {
      throw scriptError(text, nameTok.at, `region ${name}: ORIGIN + LENGTH runs past 4 GiB`, { region: name });
    }
    const pos = locate(nameTok.at);
    regions.push(
      Object.freeze({
        name,
        origin: origin!,
        length: length!,
        end: origin! + length!,
        attributes,
        writable,
        executable,
        line: pos.line,
        column: pos.column,
      }),
    );
  }
}

function checkOverlaps(text: string, regions: readonly LinkerMemoryRegion[]): void {
  for (let i = 1; i < regions.length; i++) {
    const b = regions[i]!;
    const a = regions.slice(0, i).find((r) => b.origin < r.end && r.origin < b.end);
    if (a) {
      const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;
      const lines = text.split("\n");
      let at = 0;
      for (let l = 0; l < b.line - 1; l++) at += lines[l]!.length + 1;
      throw scriptError(
        text,
        at + b.column - 1,
        `region ${b.name} [${hex(b.origin)}, ${hex(b.end)}) overlaps region ${a.name} [${hex(a.origin)}, ${hex(a.end)}) (line ${a.line})`,
        { region: b.name, other: a.name },
      );
    }
  }
}
