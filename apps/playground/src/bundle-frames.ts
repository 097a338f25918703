/**
 * Stack frames of the playground's bundle mapped back to their TypeScript source, for the
 * checker's source sites (`SourceSiteOptions.map` of `@rtos-sim/memcheck`, docs/checker-reports.md
 * "Source lines"). The bundle is minified and puts the simulator's packages and the built-in apps
 * in the same chunks, so a frame as the browser names it (`.../chunk-X.js:1:62906`) says neither
 * whose code it is nor which line. The build writes a source map beside each script, whose
 * sources are paths from the repository's root (`packages/memcheck/src/checker.ts`,
 * `apps/workloads/src/heap-bugs/app.ts`): mapped, the simulator's frames are skipped and the
 * task's line is named as the CLI names it.
 */
import type { StackFrame } from "@rtos-sim/memcheck";
import { SourceMap } from "./source-map.js";

/** A frame's file that is a script whose map may sit beside it: a path or URL ending in .js, .mjs or .cjs. */
const SCRIPT = /\.[cm]?js$/;

/**
 * A frame map: a frame of a script is mapped through the source map at `<script>.map`, read by
 * `load` (its text, or null when there is none) on the first frame of that script and kept; a
 * script without a map (load returned null or threw, or the text is no version 3 map), a
 * position the map does not cover, and a frame of anything else (the edited app's `app.ts`,
 * `native`) stay as they are. The function name is the engine's.
 *
 * @example
 * ```ts
 * import { bundleFrameMap } from "./bundle-frames.js";
 * // The playground's bundle chunk and its source map (one mapping: column 1 of line 1 is app.ts:63:9).
 * const maps: Record<string, string> = {
 *   "http://h/chunk-A.js.map": JSON.stringify({ version: 3, sources: ["apps/workloads/src/heap-bugs/app.ts"], names: [], mappings: "AA8DQ" }),
 * };
 * const map = bundleFrameMap((url) => maps[url] ?? null);
 * const frame = map({ file: "http://h/chunk-A.js", line: 1, column: 1, function: "Object.body" });
 * console.log(frame.file, frame.line, frame.column, frame.function); // apps/workloads/src/heap-bugs/app.ts 63 9 Object.body
 * ```
 */
export function bundleFrameMap(load: (url: string) => string | null): (frame: StackFrame) => StackFrame {
  const maps = new Map<string, SourceMap | null>();
  return (frame) => {
    if (!SCRIPT.test(frame.file)) return frame;
    let map = maps.get(frame.file);
    if (map === undefined) {
      let text: string | null = null;
      try {
        text = load(`${frame.file}.map`);
      } catch {
        text = null;
      }
      map = text === null ? null : SourceMap.parse(text);
      maps.set(frame.file, map);
    }
    const at = map?.lookup(frame.line, frame.column);
    return at ? { file: at.source, line: at.line, column: at.column, function: frame.function } : frame;
  };
}

/**
 * The text at `url` by a synchronous GET, or null when the answer is not 200. Synchronous
 * requests are allowed in a worker (not in a page): a source site is resolved while the checker
 * builds a report, which cannot wait.
 */
export function syncFetchText(url: string): string | null {
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  request.send();
  return request.status === 200 ? request.responseText : null;
}
