/**
 * The edited app: its transpiled code evaluated as a CommonJS module whose `require` knows the
 * rtos-sim packages bundled in the page, its export picked and checked as `rtos-sim run
 * ./my-app.ts` does, and errors pointed at their line in the editor.
 */
import * as apps from "@rtos-sim/apps";
import { appExportOf, type BuiltinApp, isKernelApp, type MachineApp, machineAppProblems } from "@rtos-sim/apps";
import * as hw from "@rtos-sim/hw";
import * as kernel from "@rtos-sim/kernel";
import type { StackFrame } from "@rtos-sim/memcheck";
import { PlaygroundError, type SourcePosition } from "./errors.js";

/** The file name the edited app's frames carry in stack traces. */
export const APP_FILE = "app.ts";

/** The modules an edited app may import (at run time; type imports are erased). */
export const APP_MODULES: Readonly<Record<string, unknown>> = Object.freeze({
  "@rtos-sim/kernel": kernel,
  "@rtos-sim/hw": hw,
  "@rtos-sim/apps": apps,
});

/**
 * An edited app, loaded: a kernel app description (steppable) or a machine app (runs in one go),
 * tagged as a built-in app is, from the app's default export.
 */
export type UserApp = BuiltinApp;

/** Lines the engine puts before the body of a `new Function` (measured once: engines differ). */
let wrapperLines: number | null = null;

function frameLine(stack: string): { line: number; column: number } | null {
  // "(app.ts:3:7)" or "at app.ts:3:7" (V8), "@app.ts:3:7" (SpiderMonkey, JavaScriptCore); not "…/src/app.ts:…"
  const at = new RegExp(`(?:^|[\\s(@])${APP_FILE.replace(".", "\\.")}:(\\d+):(\\d+)`, "m").exec(stack);
  return at ? { line: Number(at[1]), column: Number(at[2]) } : null;
}

function bodyOffset(): number {
  if (wrapperLines === null) {
    try {
      new Function("exports", "require", "module", `throw new Error("probe");\n//# sourceURL=${APP_FILE}`)();
    } catch (e) {
      wrapperLines = (frameLine(String((e as Error).stack ?? ""))?.line ?? 1) - 1;
    }
  }
  return wrapperLines ?? 0;
}

/**
 * Where an error thrown by the edited app's code points in the editor (its first stack frame in
 * the app), or nulls when no frame of the app is on the stack.
 */
export function errorPosition(error: unknown): SourcePosition {
  const stack = error instanceof Error ? String(error.stack ?? "") : "";
  const at = frameLine(stack);
  if (!at) return { line: null, column: null };
  return { line: Math.max(1, at.line - bodyOffset()), column: at.column };
}

/**
 * A stack frame of the edited app's code (file {@link APP_FILE}) with the line the editor shows
 * (the lines the engine puts before a `new Function` body taken off), for the checker's source
 * sites; any other frame as it is.
 */
export function editorFrame(frame: StackFrame): StackFrame {
  return frame.file === APP_FILE ? { ...frame, line: Math.max(1, frame.line - bodyOffset()) } : frame;
}

/** First line of an error's message. */
export function firstLine(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  return (text.split("\n").find((l) => l.trim() !== "") ?? text).trim();
}

/** Module wrappers, one per module: reading a name the module does not export throws. */
const checkedModules = new Map<string, object>();

/**
 * `module` as the edited app's `require` gives it: a missing named import (`import { foo }`,
 * transpiled to a read of `foo` where it is used) is `APP_LOAD` naming the module and the name,
 * not "Cannot read properties of undefined (reading 'call')".
 */
function exportsOf(name: string, module: object): object {
  let checked = checkedModules.get(name);
  if (checked === undefined) {
    checked = new Proxy(module, {
      get(target, key, receiver) {
        if (typeof key === "string" && key !== "__esModule" && key !== "then" && !(key in target)) {
          throw new PlaygroundError("APP_LOAD", `"${name}" has no export named "${key}"`, { module: name, name: key });
        }
        return Reflect.get(target, key, receiver);
      },
    });
    checkedModules.set(name, checked);
  }
  return checked;
}

/**
 * Evaluates transpiled CommonJS code (see `transpile`) and returns the app it exports: a kernel
 * app description (`name`, `description`, `tasks`) or a machine app (`name`, `summary`,
 * `run(ctx)`), told apart by shape as the CLI does. Throws {@link PlaygroundError}:
 * `APP_LOAD` (it threw while loading, with the line; or imports an unknown module) or
 * `APP_INVALID` (no app, or a malformed one).
 */
export function loadUserApp(code: string): UserApp {
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string): unknown => {
    const m = APP_MODULES[name];
    if (m === undefined) {
      throw new PlaygroundError(
        "APP_LOAD",
        `cannot import "${name}": the playground has ${Object.keys(APP_MODULES).join(", ")}`,
        { module: name },
      );
    }
    return exportsOf(name, m as object);
  };
  try {
    new Function("exports", "require", "module", `${code}\n//# sourceURL=${APP_FILE}`)(module.exports, require, module);
  } catch (e) {
    const where = errorPosition(e);
    if (e instanceof PlaygroundError) throw new PlaygroundError(e.code, e.detail, { ...e.context, ...where });
    throw new PlaygroundError(
      "APP_LOAD",
      `the app threw while loading${where.line === null ? "" : ` (line ${where.line})`}: ${firstLine(e)}`,
      where,
    );
  }
  const candidate = appExportOf(module.exports);
  if (candidate === undefined) {
    throw new PlaygroundError(
      "APP_INVALID",
      "the app exports no app: end it with `export default app` (a kernel app { name, description, tasks } or a machine app { name, summary, run(ctx) })",
    );
  }
  if (isKernelApp(candidate)) {
    try {
      kernel.defineApp(candidate);
    } catch (e) {
      throw new PlaygroundError("APP_INVALID", firstLine(e).replace(/^\w+: BAD_CONFIG: /, ""));
    }
    return { kind: "kernel", app: candidate };
  }
  const problems = machineAppProblems(candidate);
  if (problems.length > 0) throw new PlaygroundError("APP_INVALID", problems.join("; "), { problems });
  return { kind: "machine", app: candidate as MachineApp };
}
