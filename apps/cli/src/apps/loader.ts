import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  APPS,
  appExportOf,
  findApp,
  fromKernelApp,
  isKernelApp,
  type MachineApp,
  machineAppProblems,
  runnableApp,
} from "@rtos-sim/apps";
import { CliError } from "../cli/errors.js";

/** Extensions `rtos-sim run <file>` loads: TypeScript through tsx, JavaScript by plain import. */
export const APP_FILE_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** An app resolved from the command line: built-in, or loaded from a file; run as a machine app. */
export interface ResolvedApp {
  /** The app to run, as a machine app (a kernel app is wrapped into one). */
  readonly app: MachineApp;
  /** `builtin` for a name from the registry, `file` for an app loaded from a path. */
  readonly source: "builtin" | "file";
  /** Absolute path of the app file, or null for a built-in app. */
  readonly file: string | null;
}

/** Whether a `run` argument names a file rather than a built-in app. */
export function looksLikeFile(arg: string): boolean {
  return /[/\\]/.test(arg) || APP_FILE_EXTENSIONS.includes(extname(arg).toLowerCase());
}

/** Whether an exported app is shaped as a kernel app description: it has `tasks` and no `run`. */
function looksLikeKernelApp(candidate: unknown): boolean {
  return typeof candidate === "object" && candidate !== null && "tasks" in candidate && !("run" in candidate);
}

let typeScript: Promise<void> | null = null;
let packages: Promise<void> | null = null;

/**
 * A module resolution hook, registered after tsx's: a `.ts` file outside `node_modules` is an
 * ES module whatever the `"type"` of its package. Node would hand one in a CommonJS package to
 * `require`, whose `require("@rtos-sim/kernel")` gets a CommonJS copy of the kernel, not the
 * one the CLI runs.
 */
const TS_AS_ESM_HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.format === "commonjs" && /\\.tsx?$/.test(new URL(r.url).pathname) && !r.url.includes("/node_modules/")) {
    return { ...r, format: "module" };
  }
  return r;
}`;

/**
 * A module resolution hook for every app file: an `@rtos-sim/*` import that does not resolve
 * where the importing file lies (an app in a scratch directory, outside the repository and any
 * project that installs the packages) resolves from the CLI's own packages instead, tried in
 * the order of the `parents` URLs it is initialized with. The file then gets the very modules the
 * CLI runs (the kernel knows its `fn()` types and struct layouts), as an app inside the
 * repository does. An import that resolves where the file lies is left alone, and one the CLI
 * lacks too fails with Node's own error.
 */
const PACKAGES_FALLBACK_HOOK = `let parents = [];
export function initialize(data) { parents = data.parents; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!specifier.startsWith("@rtos-sim/") || e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
    for (const parentURL of parents) {
      try {
        return await next(specifier, { ...context, parentURL });
      } catch {}
    }
    throw e;
  }
}`;

/**
 * Where the fallback of {@link PACKAGES_FALLBACK_HOOK} resolves `@rtos-sim/*` from: this module
 * (the CLI: `@rtos-sim/apps`, `hw`, `kernel`), then the kernel and the apps package, whose own
 * dependencies are the other packages (`region`, `alloc`, `memcheck`, `sched`, `prng`).
 */
function packageParents(): string[] {
  return [import.meta.url, import.meta.resolve("@rtos-sim/kernel"), import.meta.resolve("@rtos-sim/apps")];
}

/** Registers {@link PACKAGES_FALLBACK_HOOK} for this process, once. */
function registerPackages(): Promise<void> {
  packages ??= import("node:module").then((mod) => {
    mod.register(`data:text/javascript,${encodeURIComponent(PACKAGES_FALLBACK_HOOK)}`, {
      data: { parents: packageParents() },
    });
  });
  return packages;
}

/**
 * Registers tsx's TypeScript loaders for this process, once: the ES module hooks (no tsconfig:
 * a user's paths do not apply), the CommonJS ones (a `.cts` file), then {@link TS_AS_ESM_HOOK}.
 */
function registerTypeScript(): Promise<void> {
  typeScript ??= Promise.all([import("tsx/esm/api"), import("tsx/cjs/api"), import("node:module")]).then(
    ([esm, cjs, mod]) => {
      esm.register({ tsconfig: false });
      cjs.register();
      mod.register(`data:text/javascript,${encodeURIComponent(TS_AS_ESM_HOOK)}`);
    },
  );
  return typeScript;
}

/**
 * Parses an app file with esbuild (what tsx runs) without running it: a syntax error throws
 * esbuild's "Transform failed" error, which names the file, line and column. Imported with a
 * syntax error, a TypeScript file's error names none (Node reports a `require()` cycle), nor
 * does a JavaScript file's on Node 20 (`Unexpected token ';'`).
 */
async function checkSyntax(file: string, ext: string): Promise<void> {
  const { transform } = await import("esbuild");
  await transform(readFileSync(file, "utf8"), {
    loader: ext.endsWith("ts") ? "ts" : "js",
    format: ext === ".cts" || ext === ".cjs" ? "cjs" : "esm",
    sourcefile: file,
    logLevel: "silent",
  });
}

/**
 * The one line of an error for the user: its message's first non-empty line. esbuild's (tsx's)
 * "Transform failed with 1 error:" is followed by the error itself (`file:line:column: ERROR:
 * what`), which is the line kept, without the `ERROR:` tag. A thrown non-Error is shown as text.
 *
 * @example
 * ```ts
 * import { errorLine } from "./loader.js";
 * console.log(errorLine(new Error('Transform failed with 1 error:\n/a/app.ts:1:63: ERROR: Unexpected ";"')));
 * // /a/app.ts:1:63: Unexpected ";"
 * ```
 */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (/^Transform failed with \d+ errors?:$/.test(lines[0] ?? "") && lines[1] !== undefined) {
    return lines[1].replace(/: ERROR: /, ": ");
  }
  return lines[0] ?? text.trim();
}

/**
 * Imports an app file and returns its app (the default export, or the `app` export), validated:
 * a machine app (`run(ctx)`) or a kernel app description (`tasks`, adapted by `fromKernelApp`
 * of `@rtos-sim/apps`). A file's export is untagged, so the two are told apart by shape
 * (`isKernelApp`); built-in apps are tagged in the registry.
 * Every file is a plain dynamic import (a `.ts` file once tsx's loader is registered), so the
 * packages it imports are the ones the CLI runs: `fn()` types, struct views and `Errno` values of
 * the app are those the kernel knows. (tsx's `tsImport` loads a file's imports again in a
 * namespace of their own: a second `@rtos-sim/kernel`, whose function types the kernel running
 * the app refuses as forged.)
 * Throws {@link CliError} `APP_FILE_MISSING`, `APP_FILE_BROKEN` or `APP_INVALID` (exit 3).
 */
export async function loadAppFile(path: string, cwd: string): Promise<ResolvedApp> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new CliError("APP_FILE_MISSING", `app file not found: ${path}`, { file }, "run");
  const stat = statSync(file);
  if (!stat.isFile()) {
    const what = stat.isDirectory() ? "a directory" : "not a regular file";
    throw new CliError(
      "APP_FILE_MISSING",
      `not an app file: ${path} is ${what} (give the app's .ts or .js file)`,
      { file },
      "run",
    );
  }
  const ext = extname(file).toLowerCase();
  if (!APP_FILE_EXTENSIONS.includes(ext)) {
    throw new CliError(
      "APP_FILE_BROKEN",
      `cannot load app file ${path}: unsupported extension "${ext}" (use ${APP_FILE_EXTENSIONS.join(", ")})`,
      { file },
      "run",
    );
  }
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(file).href;
    await checkSyntax(file, ext);
    if (ext === ".ts" || ext === ".mts" || ext === ".cts") await registerTypeScript();
    await registerPackages();
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new CliError("APP_FILE_BROKEN", `cannot load app file ${path}: ${errorLine(e)}`, { file }, "run");
  }
  const candidate = appExportOf(mod);
  if (candidate === undefined) {
    throw new CliError(
      "APP_INVALID",
      `app file ${path} exports no app: add \`export default { name, description, tasks }\` (a kernel app) or \`export default { name, summary, run(ctx) { ... } }\` (a machine app), or export it as \`app\``,
      { file },
      "run",
    );
  }
  // A description with `tasks` (and no `run`) is meant as a kernel app even when a field is
  // wrong: the kernel's own validation names it, not the machine app's missing `summary`/`run`.
  if (isKernelApp(candidate) || looksLikeKernelApp(candidate)) {
    try {
      // fromKernelApp validates the description (the kernel's defineApp) before it adapts it.
      return { app: fromKernelApp(candidate as Parameters<typeof fromKernelApp>[0]), source: "file", file };
    } catch (e) {
      throw new CliError("APP_INVALID", `app file ${path}: ${errorLine(e)}`, { file }, "run");
    }
  }
  const problems = machineAppProblems(candidate);
  if (problems.length > 0) {
    throw new CliError("APP_INVALID", `app file ${path}: ${problems.join("; ")}`, { file, problems }, "run");
  }
  return { app: candidate as MachineApp, source: "file", file };
}

/**
 * Resolves the app argument of `rtos-sim run`: a built-in app name, or a path to an app file.
 * Throws {@link CliError} `UNKNOWN_APP` (exit 3) listing the built-in apps.
 */
export async function resolveApp(arg: string, cwd: string): Promise<ResolvedApp> {
  const builtin = findApp(arg);
  if (builtin && !looksLikeFile(arg)) return { app: runnableApp(builtin), source: "builtin", file: null };
  if (looksLikeFile(arg) || existsSync(resolve(cwd, arg))) return loadAppFile(arg, cwd);
  throw new CliError(
    "UNKNOWN_APP",
    `unknown app "${arg}" (built-in apps: ${APPS.map((a) => a.app.name).join(", ")}; or give a path like ./my-app.ts)`,
    { app: arg },
    "run",
  );
}
