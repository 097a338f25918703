/**
 * A reader of source maps (version 3, the format esbuild writes): decodes the VLQ `mappings`
 * and finds the source position of a generated one, as a stack trace names it. Enough for the
 * worker to map its bundle's stack frames back to the packages' and apps' TypeScript (see
 * `bundle-frames.ts`); no `sourcesContent`, no index maps (`sections`).
 */

/** A position in a source file, as a stack trace names one (1-based line and column). */
export interface SourcePoint {
  /** The source's path: the map's `sourceRoot` and `sources[i]` joined, `.` and `..` resolved. */
  readonly source: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * The values of one segment of `mappings` (base64 VLQ: 5 bits a digit, least significant first,
 * bit 5 "more follows"; the first value's lowest bit is the sign). Null on a bad digit.
 */
export function decodeVlq(segment: string): number[] | null {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const d = DIGIT.get(c);
    if (d === undefined) return null;
    value += (d & 31) * 2 ** shift;
    shift += 5;
    if (d & 32) continue;
    out.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return shift === 0 ? out : null;
}

/** `path` with `.` and `..` segments resolved (`a/b/../c` is `a/c`); `..` past the start is kept. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "." || (part === "" && out.length > 0)) continue;
    if (part === ".." && out.length > 0 && out.at(-1) !== ".." && out.at(-1) !== "") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/** A generated line's segments: [generated column, source, source line, source column] each, 0-based; sorted by column. */
type Line = readonly (readonly [number, number, number, number])[];

/** A decoded source map: {@link SourceMap.lookup} finds the source position of a generated one. */
export class SourceMap {
  private constructor(
    private readonly sources: readonly string[],
    private readonly lines: readonly Line[],
  ) {}

  /**
   * Reads a source map's JSON text. Null when it is not one this reader knows: not JSON, not
   * version 3, no `sources` or `mappings`, or a malformed segment.
   */
  static parse(text: string): SourceMap | null {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return null;
    }
    const m = raw as { version?: unknown; sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
    if (m === null || typeof m !== "object" || m.version !== 3 || typeof m.mappings !== "string") return null;
    if (!Array.isArray(m.sources)) return null;
    const root = typeof m.sourceRoot === "string" && m.sourceRoot !== "" ? m.sourceRoot.replace(/\/?$/, "/") : "";
    const sources = m.sources.map((s) => normalizePath(root + (typeof s === "string" ? s : "")));
    const lines: Line[] = [];
    // Source index, line and column are relative to the previous segment's across lines; the
    // generated column restarts at each line.
    let source = 0;
    let line = 0;
    let column = 0;
    for (const lineText of m.mappings.split(";")) {
      const segments: [number, number, number, number][] = [];
      let generated = 0;
      for (const seg of lineText === "" ? [] : lineText.split(",")) {
        const v = decodeVlq(seg);
        if (v === null || (v.length !== 1 && v.length !== 4 && v.length !== 5)) return null;
        generated += v[0]!;
        if (v.length === 1) {
          segments.push([generated, -1, 0, 0]); // a generated column with no source
          continue;
        }
        source += v[1]!;
        line += v[2]!;
        column += v[3]!;
        segments.push([generated, source, line, column]);
      }
      segments.sort((a, b) => a[0] - b[0]);
      lines.push(segments);
    }
    return new SourceMap(sources, lines);
  }

  /**
   * The source position of the generated `line` and `column` (1-based, as a stack trace names
   * them): that of the last segment at or before the column on that line, as V8 and Node map a
   * stack frame. Null when the line has no segment there or it has no source.
   */
  lookup(line: number, column: number): SourcePoint | null {
    const segments = this.lines[line - 1];
    if (segments === undefined) return null;
    const c = column - 1;
    let lo = 0;
    let hi = segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid]![0] <= c) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const [, source, srcLine, srcColumn] = segments[found]!;
    const name = this.sources[source];
    if (source < 0 || name === undefined) return null;
    return { source: name, line: srcLine + 1, column: srcColumn + 1 };
  }
}
