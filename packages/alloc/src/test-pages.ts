/**
/**
 * Test-only helpers (not exported): a one-block page source (a task heap's); a memory port fenced
 * to one arena; an STM32F407 whose RAM regions are run by a real region manager; a recording
 * block observer; the check that a forgery is refused with nothing changed.
 */

import type { MemoryPort } from "@rtos-sim/hw";
import { type Core, createMachine, type Machine, STM32F407 } from "@rtos-sim/hw";
import { type PageRequest, type PageSource, RegionManager } from "@rtos-sim/region";
import { expect } from "vitest";
import type { Allocator, BlockObserver, ResizableAllocator } from "./allocator.js";
import type { ArenaAllocatorOptions } from "./arena-allocator.js";
import { AllocError } from "./errors.js";
import { HeapAllocator } from "./heap.js";
import { TlsfAllocator } from "./tlsf.js";

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

/**
 * A page source that lends one block of 2^order pages, once, for a request of exactly that order
 * (as the kernel's task-heap block source does: the whole block is the heap's one arena).
 */
export class BlockSource implements PageSource {
  private lent = false;

  constructor(
    readonly base: number,
    readonly order: number,
    readonly pageOrder = 10,
  ) {}

  allocPages(order: number, _request: PageRequest): number | null {
    if (this.lent || order !== this.order) return null;
    this.lent = true;
    return this.base;
  }

  freePages(address: number, order: number): void {
    if (!this.lent || address !== this.base || order !== this.order) throw new Error("block not lent");
    this.lent = false;
  }
}

/** A {@link MemoryPort} that lets accesses through only inside an arena, and logs the others. */
export interface FencedPort extends MemoryPort {
  /** Every access outside [start, end), as "write32 0xe000ed94" (not performed; reads return 0). */
  readonly outside: string[];
  /** Accesses since the last reset of this counter (a runaway walk shows as a huge count). */
  accesses: number;
}

/**
 * Wraps `core` for an allocator whose whole state must stay inside [start, end): every access
 * outside is logged and not performed, and more than `budget` accesses without a reset of
 * `accesses` throw (an operation that loops forever).
 */
export function fencedPort(core: Core, start: number, end: number, budget = 1_000_000): FencedPort {
  const outside: string[] = [];
  const fence = (kind: string, a: number, n: number): boolean => {
    if (++port.accesses > budget) throw new Error(`more than ${budget} accesses in one operation`);
    if (a >= start && a + n <= end) return true;
    outside.push(`${kind}${8 * n} 0x${(a >>> 0).toString(16)}`);
    return false;
  };
  const port: FencedPort = {
    outside,
    accesses: 0,
    get actor() {
      return core.actor;
    },
    set actor(v: number) {
      core.actor = v;
    },
    get actorObserved() {
      return core.actorObserved;
    },
    read8: (a) => (fence("read", a, 1) ? core.read8(a) : 0),
    read16: (a) => (fence("read", a, 2) ? core.read16(a) : 0),
    read32: (a) => (fence("read", a, 4) ? core.read32(a) : 0),
    write8: (a, v) => {
      if (fence("write", a, 1)) core.write8(a, v);
    },
    write16: (a, v) => {
      if (fence("write", a, 2)) core.write16(a, v);
    },
    write32: (a, v) => {
      if (fence("write", a, 4)) core.write32(a, v);
    },
  };
  return port;
}

/**
 * Runs `f` and expects `HEAP_CORRUPTION` at `address`, with the arena's bytes `[base, base +
 * bytes)` and the allocator's stats unchanged and no access outside the fence.
 */
export function expectCorruption(
  m: Machine,
  a: Allocator,
  port: FencedPort,
  arena: { readonly base: number; readonly bytes: number },
  f: () => unknown,
  address: number,
): void {
  const before = m.bus.peek(arena.base, arena.bytes);
  const stats = a.stats();
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AllocError);
  expect((err as AllocError).code).toBe("HEAP_CORRUPTION");
  expect(((err as AllocError).context.address as number).toString(16)).toBe(address.toString(16));
  expect(m.bus.peek(arena.base, arena.bytes)).toEqual(before);
  expect(a.stats()).toEqual(stats);
  expect(port.outside).toEqual([]);
}

/** Page order and bytes of {@link fencedHeap}'s arena: one 16 KiB block. */
export const HEAP_ORDER = 4;
export const HEAP_BYTES = 16384;

/**
 * A task heap: TLSF or the first-fit heap on one 16 KiB block of SRAM1 as its only arena,
 * behind a fence; `poke`/`peek` are the task's own stores and loads (anywhere in its heap), and
 * `expectCorruption` is {@link expectCorruption} on this arena.
 */
export function fencedHeap(kind: "tlsf" | "heap") {
  const { m, rm } = f407();
  const base = rm.allocPages(HEAP_ORDER, { owner: "task", region: "SRAM1" })!;
  const port = fencedPort(m.core, base, base + HEAP_BYTES);
  const o: ArenaAllocatorOptions = { pages: new BlockSource(base, HEAP_ORDER), memory: port, arenaOrder: HEAP_ORDER };
  const a: ResizableAllocator = kind === "tlsf" ? new TlsfAllocator(o) : new HeapAllocator(o);
  return {
    m,
    base,
    port,
    a,
    poke: (address: number, value: number) => m.core.write32(address, value),
    peek: (address: number) => m.core.read32(address),
    expectCorruption: (f: () => unknown, address: number) =>
      expectCorruption(m, a, port, { base, bytes: HEAP_BYTES }, f, address),
  };
}
