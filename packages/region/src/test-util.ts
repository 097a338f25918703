/**
 * Helpers shared by the package's tests (not exported from the index).
 */
import type { Bus } from "@rtos-sim/hw";
import type { RegionManager } from "./region-manager.js";

/** A copy of every managed region's bytes, read with the debugger's raw access. */
export function snapshot(bus: Bus, rm: RegionManager): Uint8Array[] {
  return rm.regions().map((r) => bus.peek(r.start, r.end - r.start));
}

/** Index of the first differing byte over all snapshots, or -1 when equal. */
export function firstDifference(a: readonly Uint8Array[], b: readonly Uint8Array[]): number {
  let base = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return base;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return base + j;
    base += x.length;
  }
  return -1;
}
