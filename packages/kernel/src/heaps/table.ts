import { firstFitHeap } from "./first-fit.js";
import { slabArrayHeap } from "./slab-array.js";
import { tlsfHeap } from "./tlsf.js";
import type { HeapKindEntry } from "./types.js";

/**
 * The task heap kinds (`TaskSpec.heap`), one entry and one file each: the page source inside the
 * task's heap block and the allocator over it. `TaskSpec.heap`'s type and its check at spawn come
 * from this table, so adding a heap kind is one file with its {@link HeapKindEntry} and one line
 * here.
 */
export const HEAP_KINDS = {
  /** TLSF (two-level segregated fit): O(1) good fit over the whole block. The default. */
  tlsf: tlsfHeap,
  /** First fit over the whole block (a FreeRTOS heap_4-style free list). */
  heap: firstFitHeap,
  /** A slab per size class over a region manager nested in the block (`TaskSpec.slabClasses`). */
  "slab-array": slabArrayHeap,
} as const satisfies Readonly<Record<string, HeapKindEntry>>;

/** Heap allocators a task can have (the keys of {@link HEAP_KINDS}); "tlsf" by default. */
export type HeapKind = keyof typeof HEAP_KINDS;

/** Every heap kind, in table order. */
export const HEAP_KIND_NAMES: readonly HeapKind[] = Object.freeze(Object.keys(HEAP_KINDS) as HeapKind[]);

/** Whether `value` names a heap kind of the table. */
export function isHeapKind(value: unknown): value is HeapKind {
  return typeof value === "string" && Object.hasOwn(HEAP_KINDS, value);
}
