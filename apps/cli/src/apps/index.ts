/**
 * The app registry: the built-in apps `rtos-sim run <name>` knows, and the default app. The
 * kernel apps of `@rtos-sim/apps` (`flight`, the default, `isolation`, `heap-bugs`,
 * `alloc-stress`) run through {@link fromKernelApp}; `mpu-demo` drives the hardware model alone.
 */
import { allocStress, flight, heapBugs, isolation } from "@rtos-sim/apps";
import { fromKernelApp } from "./kernel-app.js";
import { mpuDemo } from "./mpu-demo/demo.js";
import type { AppDescription } from "./types.js";

/** Every built-in app, in the order `rtos-sim apps` lists them. */
export const APPS: readonly AppDescription[] = Object.freeze([
  fromKernelApp(flight),
  fromKernelApp(isolation),
  fromKernelApp(heapBugs),
  fromKernelApp(allocStress),
  mpuDemo,
]);

/** Name of the app `rtos-sim run` runs when no app is given. */
export const DEFAULT_APP = "flight";

/** Finds a built-in app by name (case-insensitive); undefined when unknown. */
export function findApp(name: string): AppDescription | undefined {
  const n = name.toLowerCase();
  return APPS.find((a) => a.name === n);
}

export { mpuDemo } from "./mpu-demo/demo.js";
export type { AppContext, AppDescription, AppRunOptions, HwApi } from "./types.js";
export { appProblems, defineApp } from "./types.js";
