import type { Allocator } from "@rtos-sim/alloc";
import type { TaskContext } from "@rtos-sim/kernel";
import type { Prng } from "../shared/prng.js";

/** Pointer slots each stress task keeps (a table of live blocks in its own heap). */
export const SLOTS = 48;
/** Allocator operations per slice, then a sleep of 1..3 ms. */
export const OPS_PER_SLICE = 6;

/**
 * The kernel allocator calls a privileged driver makes (kmalloc, kfree, giving empty slabs back):
 * the app hands its tasks these functions, never the allocator object.
 */
export type Kmalloc = Pick<Allocator, "allocate" | "free" | "releaseEmpty">;

/** Counters of one stress task (the app's own results, kept in JS). */
export interface WorkloadCounters {
  /** Successful allocations. */
  mallocs: number;
  /** Frees. */
  frees: number;
  /** Successful reallocations (the block may have moved). */
  reallocs: number;
  /** Requests the allocator could not satisfy (returned 0/null). */
  failures: number;
  /** Blocks whose first word did not hold the marker written at allocation (should stay 0). */
  corrupted: number;
}

/** A new set of zero counters. */
export function newCounters(): WorkloadCounters {
  return { mallocs: 0, frees: 0, reallocs: 0, failures: 0, corrupted: 0 };
}

/** Request sizes: mostly small (8..128 B), one in five large (129..1024 B). */
export function pickSize(rng: Prng, max = 1024): number {
  return rng.chance(80) ? rng.int(8, 128) : rng.int(129, max);
}

const marker = (slot: number, stream: number) => (0xa5000000 | (stream << 8) | slot) >>> 0;

/**
 * A task-heap stress loop through the malloc/free/realloc syscalls: a random slot of its table
 * (in its heap) is filled with a new block of a random size when empty, else (one time in seven)
 * resized, else freed after checking the marker its first word got at allocation.
 */
export function* heapStress(
  t: TaskContext,
  rng: Prng,
  stream: number,
  c: WorkloadCounters,
): Generator<unknown, void, unknown> {
  const table = yield* t.malloc(4 * SLOTS, 4, "stress: pointer table");
  if (table === 0) return;
  t.fill(table, 0, 4 * SLOTS);
  for (;;) {
    for (let op = 0; op < OPS_PER_SLICE; op++) {
      const slot = rng.int(0, SLOTS - 1);
      const p = t.read32(table + 4 * slot);
      if (p === 0) {
        const q = yield* t.malloc(pickSize(rng));
        if (q === 0) {
          c.failures++;
          continue;
        }
        c.mallocs++;
        t.write32(q, marker(slot, stream));
        t.write32(table + 4 * slot, q);
      } else {
        if (t.read32(p) !== marker(slot, stream)) c.corrupted++;
        if (rng.chance(15)) {
          const q = yield* t.realloc(p, pickSize(rng));
          if (q === 0) c.failures++;
          else {
            c.reallocs++;
            t.write32(table + 4 * slot, q);
          }
        } else {
          yield* t.free(p);
          c.frees++;
          t.write32(table + 4 * slot, 0);
        }
      }
    }
    yield* t.sleep({ ms: rng.int(1, 3) });
  }
}

/**
 * A privileged driver's loop over a shared kernel allocator (the slab array): in the first half
 * of every `phaseMs` it mostly allocates, in the second half mostly frees, and at the end of a
 * phase it gives empty slabs back to the region manager, so the page map breathes.
 */
export function* kmallocStress(
  t: TaskContext,
  rng: Prng,
  stream: number,
  kmalloc: Kmalloc,
  c: WorkloadCounters,
  phaseMs: number,
): Generator<unknown, void, unknown> {
  const table = yield* t.malloc(4 * SLOTS, 4, "kmalloc: pointer table");
  if (table === 0) return;
  t.fill(table, 0, 4 * SLOTS);
  let lastPhase = 0;
  for (;;) {
    const now = (yield* t.info()).now;
    const phase = Math.floor(now / phaseMs);
    const growing = now - phase * phaseMs < phaseMs / 2;
    if (phase !== lastPhase) {
      kmalloc.releaseEmpty();
      lastPhase = phase;
    }
    for (let op = 0; op < OPS_PER_SLICE; op++) {
      const slot = rng.int(0, SLOTS - 1);
      const p = t.read32(table + 4 * slot);
      const allocate = p === 0 && rng.chance(growing ? 90 : 10);
      if (allocate) {
        const q = kmalloc.allocate(pickSize(rng, 512));
        if (q === null) {
          c.failures++;
          continue;
        }
        c.mallocs++;
        t.write32(q, marker(slot, stream));
        t.write32(table + 4 * slot, q);
      } else if (p !== 0 && rng.chance(growing ? 20 : 80)) {
        if (t.read32(p) !== marker(slot, stream)) c.corrupted++;
        kmalloc.free(p);
        c.frees++;
        t.write32(table + 4 * slot, 0);
      }
    }
    yield* t.sleep({ ms: rng.int(1, 3) });
  }
}
