import { isKernelApp } from "./run/kernel-shape.js";

/**
 * The app a module exports: the default export or the `app` export; a CommonJS-wrapped module
 * (a `.ts` file outside an ESM package) nests them one level down in `default`. Prefers an
 * export that can run (a `run` function, or a kernel app description); undefined when the
 * module exports no app. Used by `rtos-sim run ./my-app.ts` and the playground's editor.
 */
export function appExportOf(mod: Record<string, unknown>): unknown {
  const inner = typeof mod.default === "object" && mod.default !== null ? (mod.default as Record<string, unknown>) : {};
  const candidates = [mod.default, mod.app, inner.default, inner.app].filter((c) => c !== undefined);
  const runnable = candidates.find((c) => typeof (c as { run?: unknown } | null)?.run === "function" || isKernelApp(c));
  if (runnable !== undefined) return runnable;
  const named = [inner.default, inner.app, mod.app].find((c) => c !== undefined);
  if (named !== undefined) return named;
  // A module namespace with no exports at all (or only unrelated ones) exports no app.
  const isNamespace =
    mod.default === undefined || (Object.keys(inner).length > 0 && !("name" in inner) && !("run" in inner));
  return isNamespace ? undefined : mod.default;
}
