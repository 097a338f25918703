/**
 * Source sites: the line of a task's code that made an access, an allocation or a free, found in
 * the JS call stack. Task code is JavaScript run by the host, so its "program counter" is the
 * JS stack: the first frame that is not the simulator's own code is the task's line, the way
 * ASan prints `#0 main heap-overflow.c:9`. The stack's positions are those the JS engine prints:
 * mapped through source maps when the host has them enabled (tsx and vitest do; the CLI turns
 * Node's on), so a TypeScript app shows its own `.ts` file, line and column. A host whose engine
 * names bundled code (a browser) maps each frame itself first (`SourceSiteOptions.map`).
 *
 * Capturing is cheap-ish (an `Error` object; V8 formats its `stack` only when read); formatting
 * and mapping happen only when a report needs the site. Browser-safe: string parsing only.
 */

/** A line of source code, as the JS engine's stack names it. */
export interface SourceSite {
  /** File path or URL (a `file://` URL as its decoded path; relative to the `root` option when given). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The function as the engine names it (e.g. `body`, `Object.main`), or null. */
  readonly function: string | null;
}

/** A JS call stack captured by {@link captureStack}: an `Error` whose `stack` is formatted when first read. */
export interface StackCapture {
  /** The stack's text (formatted on first read), or undefined when the engine gives none. */
  readonly stack?: string | undefined;
}

/** Options of source sites (`CheckerOptions.sourceSites`). */
export interface SourceSiteOptions {
  /**
   * Frames to pass over, by file: the simulator's own code. Default {@link isSimulatorFrame}
   * (the packages hw, region, alloc, memcheck, sched and kernel, from `src` or `dist`, but not
   * their tests).
   */
  readonly skip?: ((file: string) => boolean) | undefined;
  /** File names are shown relative to this directory (e.g. the working directory). Default: as the stack has them. */
  readonly root?: string | undefined;
  /**
   * Maps each parsed frame to its original position before the {@link SourceSiteOptions.skip}
   * test: a host whose engine names bundled, minified code (the playground's worker) maps the
   * frame through the bundle's source map to the file, line and column of its source, so the
   * simulator's own frames are skipped and the task's line is named. It returns a frame it
   * cannot map as it is. Called only when a report needs a site. Default: frames as the engine
   * gives them.
   *
   * @example
   * ```ts
   * import type { StackFrame } from "@rtos-sim/memcheck";
   * // a frame of an app whose code was evaluated with two lines of wrapper before it
   * const map = (f: StackFrame) => (f.file === "app.ts" ? { ...f, line: f.line - 2 } : f);
   * ```
   */
  readonly map?: ((frame: StackFrame) => StackFrame) | undefined;
}

/** One frame of a JS stack. */
export interface StackFrame {
  /** File path or URL (a `file://` URL as its decoded path). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The function as the engine names it, or null for an anonymous frame. */
  readonly function: string | null;
}

const SIMULATOR =
  /(?:^|[\\/])(?:packages|@rtos-sim)[\\/](?:hw|region|alloc|memcheck|sched|kernel)[\\/](?:src|dist)[\\/]/;
const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;

/**
 * Whether a frame's file is the simulator's own code (never a task's line): the packages hw,
 * region, alloc, memcheck, sched and kernel (`packages/<name>/src|dist/...` in the repository,
 * also as a path relative to its root, `@rtos-sim/<name>/...` when installed), Node's internals, native and anonymous frames. Test
 * files are task code for this purpose.
 */
export function isSimulatorFrame(file: string): boolean {
  if (file.startsWith("node:") || file === "native" || file.startsWith("<")) return true;
  return SIMULATOR.test(file) && !TEST_FILE.test(file);
}

/**
 * How many frames a capture keeps (V8's default of 10 may stop inside the simulator). A checked
 * copy's read of its source reaches the hook 16 frames below the task's `t.memcpy` line
 * (packages/kernel/src/call-sites.test.ts): 16 cut that line off; 24 leaves room.
 */
const CAPTURE_DEPTH = 24;

/**
 * Captures the JS call stack now (its text is formatted only when read).
 *
 * @example
 * ```ts
 * import { captureStack, firstSourceSite } from "@rtos-sim/memcheck";
 * const stack = captureStack();
 * firstSourceSite(stack.stack ?? ""); // { file: ".../app.ts", line: 12, column: 5, function: "main" }
 * ```
 */
export function captureStack(): StackCapture {
  const E = Error as { stackTraceLimit?: number | undefined };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = CAPTURE_DEPTH;
  const e = new Error("call site");
  E.stackTraceLimit = limit;
  return e;
}

/**
 * How many frames {@link currentSourceSite} captures first. A task's read or write reaches the
 * access hook about 12 frames below its line (TaskContext, Core, the checker, the reporter), and
 * formatting a frame is most of a site's cost (a host with source maps maps each one), so a
 * bad access repeated in a loop formats about half the frames a full capture would.
 */
const SHALLOW_DEPTH = 14;

/**
 * The site of the call stack now: the same as `siteOfCapture(captureStack(), options)`, found
 * in a shallow capture first and in a full one only when the shallow one holds no task frame
 * (the first frame a search accepts is the same in both, so is the site).
 */
export function currentSourceSite(options: SourceSiteOptions = {}): SourceSite | null {
  const E = Error as { stackTraceLimit?: number | undefined };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = SHALLOW_DEPTH;
  const shallow = new Error("call site");
  E.stackTraceLimit = limit;
  const site = firstSourceSite(shallow.stack ?? "", options);
  if (site !== null) return site;
  E.stackTraceLimit = CAPTURE_DEPTH;
  const full = new Error("call site");
  E.stackTraceLimit = limit;
  return firstSourceSite(full.stack ?? "", options);
}

const V8_FRAME = /^\s*at (?:(?:async )?(.*?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
const SPIDERMONKEY_FRAME = /^\s*(.*?)@(.+?):(\d+):(\d+)\s*$/;

/**
 * A frame's file: a `file://` URL as its path (`file://` stripped, `%20` and the other escapes of
 * the URL decoded, as the working directory names it), anything else as it is.
 */
function filePath(file: string): string {
  if (!file.startsWith("file://")) return file;
  const path = file.slice("file://".length);
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // a malformed escape: the URL's text
  }
}

/** The frames of a stack's text (V8's `at f (file:line:col)` and Firefox/Safari's `f@file:line:col`). */
export function parseFrames(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const frame of frames(stack)) out.push(frame);
  return out;
}

/** The frames of a stack's text, parsed one at a time as they are asked for (a search stops early). */
function* frames(stack: string): Generator<StackFrame> {
  let start = 0;
  while (start <= stack.length) {
    let end = stack.indexOf("\n", start);
    if (end < 0) end = stack.length;
    const text = stack.slice(start, end);
    start = end + 1;
    const m = V8_FRAME.exec(text) ?? SPIDERMONKEY_FRAME.exec(text);
    if (!m) continue;
    const file = filePath(m[2]!);
    yield { file, line: Number(m[3]), column: Number(m[4]), function: m[1] ? m[1] : null };
  }
}

/**
 * The first frame of `stack` that is not skipped (the task's line), each frame mapped first by
 * `options.map`, or null. With `until`, the search ends (null) at the first frame it accepts: the
 * frames below it called into the code that ran the task (a kernel passes its scheduler, so the
 * line of whatever called the kernel is never taken for the task's).
 */
export function firstSourceSite(
  stack: string,
  options: SourceSiteOptions = {},
  until?: (file: string) => boolean,
): SourceSite | null {
  const skip = options.skip ?? isSimulatorFrame;
  for (const frame of frames(stack)) {
    const f = options.map ? options.map(frame) : frame;
    if (until?.(f.file)) return null;
    if (skip(f.file)) continue;
    const file = options.root ? relativeTo(options.root, f.file) : f.file;
    return { file, line: f.line, column: f.column, function: f.function };
  }
  return null;
}

/**
 * `file` relative to the directory `root` ("../" where it lies outside), when both are absolute
 * paths of one file system; else `file` as it is.
 */
export function relativeTo(root: string, file: string): string {
  // The file system of an absolute path: "/" (POSIX) or its drive ("c:"); null when relative.
  const fs = (p: string) => (p.startsWith("/") ? "/" : /^[A-Za-z]:[\\/]/.test(p) ? p.slice(0, 2).toLowerCase() : null);
  const system = fs(root);
  if (system === null || system !== fs(file)) return file;
  const a = root.split(/[\\/]+/).filter((x) => x !== "");
  const b = file.split(/[\\/]+/).filter((x) => x !== "");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...Array<string>(a.length - i).fill(".."), ...b.slice(i)].join("/");
}

/** The site of a capture, or null (no capture, or no frame outside the simulator). */
export function siteOfCapture(capture: StackCapture | null, options: SourceSiteOptions = {}): SourceSite | null {
  return capture === null ? null : firstSourceSite(capture.stack ?? "", options);
}

/** "file:line:column in function", as a report prints a site. */
export function formatSourceSite(s: SourceSite): string {
  return `${s.file}:${s.line}:${s.column}${s.function ? ` in ${s.function}` : ""}`;
}

/** What {@link maskSourceSites} puts in place of a site. */
export const MASKED_SOURCE_SITE = "<source>";

/**
 * A site as {@link formatSourceSite} prints it: a file (a path or URL with an extension), line,
 * column, function. Right after "#0 ", "at ", "in ", ", " or at the start of a line, where the
 * printers put a site, its path may hold spaces (a directory "my apps", "C:\\Program Files": a
 * path relative to another working directory must not leave a word of it unmasked); the words
 * "in" and "at" never belong to it. The function may be V8's `new Foo` or `Foo.bar [as baz]`: a
 * bundle renames it, so all of it is masked.
 */
const PRINTED_SITE =
  /(^|[\s,(]#\d+ |[\s,(])(?:[A-Za-z][\w+.-]*:\/\/)?(?:(?<=^|#\d+ |\bat |\bin |, )(?:(?!(?:in|at) )[^\s;,()]+ )*)?[^\s;,()]*\.[A-Za-z]\w*:\d+:\d+(?: in (?:new )?[^\s;,()]+(?: \[as [^\s;,()\]]+\])?)?/gm;
/** Text that may hold a site (`:line:column`): other text is returned as it is without a search for sites. */
const MAYBE_SITE = /:\d+:\d+/;

/**
 * `text` (a report's lines, a fault dump, a check's detail) with every source site printed by
 * {@link formatSourceSite} (`file:line:column in fn`, after `#0 `, at the end of a `SUMMARY:`
 * line, or after "in") replaced by {@link MASKED_SOURCE_SITE}. A site depends on the host, not on
 * the run: the working directory the path is relative to, and the engine's positions (a browser
 * names its bundled chunk's minified line), so a run's trace hash leaves sites out this way.
 *
 * @example
 * ```ts
 * import { maskSourceSites } from "@rtos-sim/memcheck";
 * console.log(maskSourceSites("    #0 ../app.ts:63:9 in Object.body")); //     #0 <source>
 * ```
 */
export function maskSourceSites(text: string): string {
  if (!MAYBE_SITE.test(text)) return text;
  return text.replace(PRINTED_SITE, `$1${MASKED_SOURCE_SITE}`);
}

/** A line that is only a masked site (a frame `#0 <source>`, a dump's `at <source>`, a bare site). */
const SITE_LINE = /^\s*(?:#\d+ |at )?<source>\s*$/;
/** A masked site mid-line with the words that lead to it (`, <source>`, ` in <source>`, ` at <source>`). */
const SITE_CLAUSE = /(?:,| in| at)? <source>|<source>/g;
/** A label printed only before a site's line ("allocated here:", "freed here:", "returned here:"). */
const SITE_LABEL = /\bhere:\s*$/;

/**
 * `text` with every source site left out, as if the host had found none: each site masked by
 * {@link maskSourceSites}, then a line that was only a site dropped (and the "allocated here:"
 * label a report prints before it), and a site mid-line dropped with the words that lead to it
 * (", ", " in ", " at "). Whether a site is found depends on the host too (a browser served
 * without its bundle's source maps finds none), so a run's trace hash reads its text this way:
 * the same run gives the same hash with its sites, with other sites, or with none.
 *
 * @example
 * ```ts
 * import { withoutSourceSites } from "@rtos-sim/memcheck";
 * withoutSourceSites("READ of size 4\n    #0 app.ts:63:9 in main\nallocated here:\n    #0 app.ts:60:2 in main");
 * // "READ of size 4"
 * withoutSourceSites("overflow at 0x10000830 in app.ts:63:9 in main; task faulted");
 * // "overflow at 0x10000830; task faulted"
 * ```
 */
export function withoutSourceSites(text: string): string {
  const masked = maskSourceSites(text);
  if (!masked.includes(MASKED_SOURCE_SITE)) return masked;
  const kept: string[] = [];
  for (const line of masked.split("\n")) {
    if (SITE_LINE.test(line)) {
      // The label that introduced this site goes with it.
      if (kept.length > 0 && SITE_LABEL.test(kept[kept.length - 1]!)) kept.pop();
      continue;
    }
    kept.push(line.replace(SITE_CLAUSE, ""));
  }
  return kept.join("\n");
}
