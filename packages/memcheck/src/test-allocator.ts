/**
 * A small size-class allocator used by memcheck's tests and benchmark while `@rtos-sim/alloc`
 * has none: not exported from the package. Its state is in simulated memory, reached through
 * the core in allocator mode: a control area (bump pointer, one free-list head per 8-byte size
 * class up to 2 KiB), an 8-byte header in front of each block (class | LIVE, magic), and the
 * free-list link inside each free block. Alignment up to 8.
 */
import { ActorMode, type Core, withActorMode } from "@rtos-sim/hw";
import type { BlockObserverLike } from "./checked-allocator.js";

const CLASSES = 256;
const CONTROL = 4 + 4 * CLASSES;
const LIVE = 0x80000000;
const MAGIC = 0xa110c8ed;

/** Error thrown by the test allocator on a bad free (code "BAD_FREE"). */
export class TestAllocatorError extends Error {
  readonly code = "BAD_FREE";
}

/** O(1) size-class allocator over one arena of simulated memory (test double). */
export class TestAllocator {
  readonly name: string;
  readonly kind: "heap" | "slab-array";
  observer: BlockObserverLike | null = null;
  private readonly core: Core;
  private readonly base: number;
  private readonly end: number;
  private live = 0;
  private allocations = 0;
  private frees = 0;

  constructor(core: Core, base: number, size: number, name = "heap", kind: "heap" | "slab-array" = "heap") {
    this.core = core;
    this.base = base;
    this.end = base + size;
    this.name = name;
    this.kind = kind;
    this.asAllocator(() => {
      core.write32(base, base + ((CONTROL + 7) & ~7));
      for (let c = 0; c < CLASSES; c++) core.write32(base + 4 + 4 * c, 0);
    });
  }

  private asAllocator<T>(fn: () => T): T {
    const saved = this.core.actor;
    this.core.actor = withActorMode(saved, ActorMode.Allocator);
    try {
      return fn();
    } finally {
      this.core.actor = saved;
    }
  }

  /** Allocates at least `size` bytes (at most 2 KiB), 8-aligned; null when the arena is full. */
  allocate(size: number, align = 8): number | null {
    if (align > 8 || size > CLASSES * 8) return null;
    const cls = Math.max(1, Math.ceil(size / 8)) - 1;
    const core = this.core;
    const p = this.asAllocator(() => {
      const headAt = this.base + 4 + 4 * cls;
      let block = core.read32(headAt);
      if (block !== 0) {
        core.write32(headAt, core.read32(block));
      } else {
        const bump = core.read32(this.base);
        const next = bump + 8 + (cls + 1) * 8;
        if (next > this.end) return null;
        core.write32(this.base, next);
        block = bump + 8;
      }
      core.write32(block - 8, (cls | LIVE) >>> 0);
      core.write32(block - 4, MAGIC);
      return block;
    });
    if (p === null) return null;
    this.live++;
    this.allocations++;
    this.observer?.blockAllocated(p, size, this.name);
    return p;
  }

  private header(address: number): number | undefined {
    if (address < this.base + CONTROL + 8 || address >= this.end || (address & 7) !== 0) return undefined;
    return this.asAllocator(() => {
      if (this.core.read32(address - 4) !== MAGIC) return undefined;
      const h = this.core.read32(address - 8);
      return (h & LIVE) !== 0 ? h : undefined;
    });
  }

  /** Frees a live block; a TestAllocatorError (and no change) otherwise. */
  free(address: number): void {
    const h = this.header(address);
    if (h === undefined) throw new TestAllocatorError(`not a live block: ${address.toString(16)}`);
    const cls = h & 0xff;
    this.observer?.blockFreed(address, (cls + 1) * 8, this.name);
    this.asAllocator(() => {
      const headAt = this.base + 4 + 4 * cls;
      this.core.write32(address - 8, cls);
      this.core.write32(address, this.core.read32(headAt));
      this.core.write32(headAt, address);
    });
    this.live--;
    this.frees++;
  }

  /** Whether `address` is a live block. */
  owns(address: number): boolean {
    return this.header(address) !== undefined;
  }

  /** Usable size of the live block at `address`. */
  blockSize(address: number): number | undefined {
    const h = this.header(address);
    return h === undefined ? undefined : ((h & 0xff) + 1) * 8;
  }

  /** Counters. */
  stats(): { liveBlocks: number; allocations: number; frees: number } {
    return { liveBlocks: this.live, allocations: this.allocations, frees: this.frees };
  }

  /** Never returns pages. */
  releaseEmpty(): number {
    return 0;
  }
}
