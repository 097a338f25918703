import type { AppDescription } from "@rtos-sim/kernel";
import { allocStress } from "./alloc-stress/app.js";
import { flight } from "./flight/app.js";
import { heapBugs } from "./heap-bugs/app.js";
import { isolation } from "./isolation/app.js";

/** Every app of the package, in the order `rtos-sim apps` lists them (`flight` first: the default). */
export const APPS: readonly AppDescription[] = Object.freeze([flight, isolation, heapBugs, allocStress]);

/** Name of the default app. */
export const DEFAULT_APP = "flight";

/** An app by name (case-insensitive), or undefined. */
export function findApp(name: string): AppDescription | undefined {
  const n = name.toLowerCase();
  return APPS.find((a) => a.name === n);
}
