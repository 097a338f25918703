/**
 * The in-page transpiler: sucrase strips TypeScript types and turns `import`/`export` into
 * CommonJS `require`/`exports`, keeping every line where it was (sucrase's design), so a line in
 * an error is a line of the editor. Loaded on demand: only a run of the edited app needs it.
 */
import { transform } from "sucrase";
import { PlaygroundError } from "./errors.js";

/**
 * TypeScript (or JavaScript) module source to CommonJS JavaScript with the same lines. Throws
 * {@link PlaygroundError} `APP_SYNTAX` with the line and column of a syntax error.
 *
 * @example
 * ```ts
 * import { transpile } from "@rtos-sim/playground";
 * console.log(transpile('import { sys } from "@rtos-sim/kernel";\nconst n: number = 1;\nexport default n;'));
 * // "use strict";Object.defineProperty(exports, "__esModule", {value: true});
 * // const n = 1;
 * // exports. default = n;
 * ```
 */
export function transpile(source: string): string {
  try {
    return transform(source, { transforms: ["typescript", "imports"], filePath: "app.ts", production: true }).code;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // sucrase's parse errors carry loc { line, column } (both 1-based) and end with "(line:column)"
    const loc = (e as { loc?: { line?: unknown; column?: unknown } }).loc;
    const line = typeof loc?.line === "number" ? loc.line : null;
    const column = typeof loc?.column === "number" ? loc.column : null;
    const text = message.replace(/\s*\(\d+:\d+\)\s*$/, "").replace(/^Error transforming app\.ts:\s*/, "");
    throw new PlaygroundError("APP_SYNTAX", `syntax error${line === null ? "" : ` on line ${line}`}: ${text}`, {
      line,
      column,
    });
  }
}
