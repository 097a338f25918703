/**
 * The app registry: the built-in apps `rtos-sim run <name>` knows, and the default app.
 * Kernel-based apps (`flight`, `isolation`, `heap-bugs`, `alloc-stress`) are added here when
 * `@rtos-sim/kernel` lands; `flight` then becomes the default.
 */
import { mpuDemo } from "./mpu-demo/demo.js";
import type { AppDescription } from "./types.js";

/** Every built-in app, in the order `rtos-sim apps` lists them. */
export const APPS: readonly AppDescription[] = Object.freeze([mpuDemo]);

/** Name of the app `rtos-sim run` runs when no app is given. */
export const DEFAULT_APP = "mpu-demo";

/** Finds a built-in app by name (case-insensitive); undefined when unknown. */
export function findApp(name: string): AppDescription | undefined {
  const n = name.toLowerCase();
  return APPS.find((a) => a.name === n);
}

export { mpuDemo } from "./mpu-demo/demo.js";
export type { AppContext, AppDescription, AppRunOptions, HwApi } from "./types.js";
export { appProblems, defineApp } from "./types.js";
