/**
 * The app registry: every built-in app `rtos-sim run <name>` knows, in the order `rtos-sim apps`
 * lists them. Adding a built-in app is one file (the app) and one entry here.
 */
import type { AppDescription } from "@rtos-sim/kernel";
import { allocStress } from "./alloc-stress/app.js";
import { dma } from "./dma/app.js";
import { flight } from "./flight/app.js";
import { heapBugs } from "./heap-bugs/app.js";
import { isolation } from "./isolation/app.js";
import type { MachineApp } from "./machine-app.js";
import { mpuDemo } from "./mpu-demo/app.js";
import { priorityInversion } from "./priority-inversion/app.js";
import { fromKernelApp } from "./run/kernel-app.js";
import { stackOverflow } from "./stack-overflow/app.js";

/**
 * A built-in app, tagged with its kind: a kernel app (`@rtos-sim/kernel`'s `AppDescription`:
 * tasks on the kernel) or a {@link MachineApp} (drives the hardware model alone).
 */
export type BuiltinApp =
  | {
      /** A kernel app. */
      readonly kind: "kernel";
      /** Its description (`@rtos-sim/kernel`'s `AppDescription`). */
      readonly app: AppDescription;
    }
  | {
      /** A machine app. */
      readonly kind: "machine";
      /** The app. */
      readonly app: MachineApp;
    };

/** Every built-in app, in the order `rtos-sim apps` lists them (`flight` first: the default). */
export const APPS: readonly BuiltinApp[] = Object.freeze([
  { kind: "kernel", app: flight },
  { kind: "kernel", app: isolation },
  { kind: "kernel", app: heapBugs },
  { kind: "kernel", app: allocStress },
  { kind: "machine", app: mpuDemo },
  { kind: "kernel", app: priorityInversion },
  { kind: "kernel", app: stackOverflow },
  { kind: "kernel", app: dma },
]);

/** Name of the app `rtos-sim run` runs when no app is given. */
export const DEFAULT_APP = "flight";

/**
 * A built-in app by name (case-insensitive), or undefined.
 *
 * @example
 * ```ts
 * import { runApp } from "@rtos-sim/kernel";
 * import { findApp } from "@rtos-sim/apps";
 * const entry = findApp("flight");
 * if (entry?.kind === "kernel") runApp(entry.app, { seed: 1 });
 * ```
 */
export function findApp(name: string): BuiltinApp | undefined {
  const n = name.toLowerCase();
  return APPS.find((a) => a.app.name === n);
}

/**
 * The {@link MachineApp} a run of a built-in app executes: a machine app as it is, a kernel app
 * through {@link fromKernelApp} (its `run` boots the kernel on the chosen board).
 */
export function runnableApp(entry: BuiltinApp): MachineApp {
  return entry.kind === "kernel" ? fromKernelApp(entry.app) : entry.app;
}
