import { SlabAllocator } from "@rtos-sim/alloc";
import type { MemoryPort } from "@rtos-sim/hw";
import { HeapBlockSource, type TaskContext } from "@rtos-sim/kernel";

/** Bytes of one log record (see {@link LogRecord}). */
export const RECORD_BYTES = 32;
/** Page order of the log slab's pages (512 B). */
export const SLAB_PAGE_ORDER = 9;
/** Slab order of the log slab: one page, a 512 B slab of 15 records. */
export const SLAB_ORDER = 0;
/** Bytes of the heap block the slab lives in (one slab; it must be aligned on its size). */
export const SLAB_BYTES = 2 ** (SLAB_PAGE_ORDER + SLAB_ORDER);

/**
 * Offsets of a log record in simulated memory: u32 time (ms), i32 roll/pitch/yaw
 * (millidegrees), four u16 motor duties, u32 IMU samples used, u32 samples lost.
 */
export const LogRecord = {
  TIME: 0x00,
  ROLL: 0x04,
  PITCH: 0x08,
  YAW: 0x0c,
  MOTORS: 0x10,
  USED: 0x18,
  LOST: 0x1c,
} as const;

/**
 * The telemetry task's memory port: its own checked loads and stores (unprivileged, MPU and
 * checker see them as the task's). `actor` is the slab's bookkeeping tag only; the core keeps
 * the task's real actor.
 */
function taskPort(t: TaskContext): MemoryPort {
  return {
    actor: 0,
    read8: (a) => t.read8(a),
    read16: (a) => t.read16(a),
    read32: (a) => t.read32(a),
    write8: (a, v) => t.write8(a, v),
    write16: (a, v) => t.write16(a, v),
    write32: (a, v) => t.write32(a, v),
  };
}

/**
 * A slab of fixed-size log records inside one block of the telemetry task's own heap: the
 * `SlabAllocator` of `@rtos-sim/alloc` (slab header, free bitmap and records all in that block)
 * run with the task's own unprivileged accesses, as a user-space record pool would be. The kernel
 * has no slab task heap (`TaskSpec.heap` is "tlsf" or "heap"), so the block comes from the task's
 * TLSF heap by `malloc(SLAB_BYTES, SLAB_BYTES)` (a slab is aligned on its size, as the region
 * manager's blocks are) and the slab carves it.
 *
 * @example
 * ```ts
 * const block = yield* t.malloc(SLAB_BYTES, SLAB_BYTES, "log slab");
 * const slab = logSlab(t, block);
 * const rec = slab.allocate(RECORD_BYTES)!;
 * ```
 */
export function logSlab(t: TaskContext, block: number): SlabAllocator {
  return new SlabAllocator({
    name: `log:${t.name}`,
    pages: new HeapBlockSource(block, SLAB_ORDER, SLAB_PAGE_ORDER),
    memory: taskPort(t),
    blockSize: RECORD_BYTES,
    slabOrder: SLAB_ORDER,
  });
}
