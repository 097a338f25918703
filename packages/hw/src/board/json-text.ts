import { HwError } from "../errors.js";

/** A position in a text: 0-based offset, 1-based line and column. */
export interface TextPosition {
  /** 0-based offset in the text (UTF-16 code units). */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (UTF-16 code units from the line's start). */
  readonly column: number;
}

/** Line and column (1-based) of a 0-based offset in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * A strict RFC 8259 JSON reader that reports the exact line and column of an error (engines'
 * `JSON.parse` messages differ and some omit the position) and refuses duplicate keys (which
 * `JSON.parse` silently resolves to the last one). Throws {@link HwError} `BOARD_JSON` with
 * `context` `{ offset, line, column }`.
 */
export function parseJsonText(text: string): unknown {
  let i = 0;

  const fail = (message: string, at = i): never => {
    const pos = positionOf(text, at);
    throw new HwError("BOARD_JSON", `malformed JSON at line ${pos.line}, column ${pos.column}: ${message}`, { ...pos });
  };
  const found = (): string => (i >= text.length ? "end of input" : JSON.stringify(text[i]));
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };

  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          const h = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("bad \\u escape in string", i);
          out += String.fromCharCode(Number.parseInt(h, 16));
          i += 6;
          continue;
        }
        const r = e === undefined ? undefined : ESCAPES[e];
        if (r === undefined) fail(`bad escape \\${e ?? ""} in string`, i);
        out += r;
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail("control character in string (escape it)", i);
      out += c;
      i++;
    }
  };

  const value = (depth: number): unknown => {
    if (depth > 64) fail("nesting deeper than 64 levels");
    ws();
    const c = text[i];
    if (c === "{") return object(depth);
    if (c === "[") return array(depth);
    if (c === '"') return string();
    if (c === "t" && text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (c === "f" && text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (c === "n" && text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(`expected a value, found ${found()}`);
  };

  const object = (depth: number): Record<string, unknown> => {
    i++; // {
    const out: Record<string, unknown> = {};
    ws();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${found()}`);
      const keyAt = i;
      const key = string();
      if (Object.hasOwn(out, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      ws();
      if (text[i] !== ":") fail(`expected ':' after property name, found ${found()}`);
      i++;
      // defineProperty: a "__proto__" key stays an ordinary property.
      Object.defineProperty(out, key, {
        value: value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail(`expected ',' or '}' after property value, found ${found()}`);
    }
  };

  const array = (depth: number): unknown[] => {
    i++; // [
    const out: unknown[] = [];
    ws();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(depth + 1));
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail(`expected ',' or ']' after array element, found ${found()}`);
    }
  };

  const result = value(0);
  ws();
  if (i < text.length) fail(`unexpected ${found()} after the JSON value`);
  return result;
}
