/**
 * Test helpers (not exported): an STM32F407 whose RAM regions are run by a real region manager,
 * the allocators' page source in every test, and a block observer that logs transitions.
 */
import { createMachine, type Machine, STM32F407 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import type { BlockObserver } from "./allocator.js";

/** An STM32F407 with a region manager over its RAM regions, for tests. */
export function f407(): { m: Machine; rm: RegionManager; freePages: (region?: string) => number } {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
  const freePages = (region = "SRAM1") => rm.stats().find((s) => s.name === region)!.freePages;
  return { m, rm, freePages };
}

/** A block observer that records every transition as a string. */
export function recorder(): BlockObserver & { log: string[] } {
  const log: string[] = [];
  const h = (n: number) => `0x${n.toString(16)}`;
  return {
    log,
    blockAllocated: (a, s, who) => log.push(`alloc ${h(a)} ${s} ${who}`),
    blockFreed: (a, s, who) => log.push(`free ${h(a)} ${s} ${who}`),
    blockResized: (a, s, b, t, who) => log.push(`resize ${h(a)} ${s} -> ${h(b)} ${t} ${who}`),
  };
}
