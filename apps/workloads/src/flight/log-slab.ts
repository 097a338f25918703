import { SlabAllocator } from "@rtos-sim/alloc";
import type { MemoryPort } from "@rtos-sim/hw";
import { array, HeapBlockSource, i32, struct, type TaskContext, u16, u32 } from "@rtos-sim/kernel";

/**
 * A log record in simulated memory: time (ms), roll, pitch and yaw (millidegrees), the four motor
 * duties, IMU samples used and lost. 32 bytes.
 */
export const LogRecord = struct("LogRecord", {
  /** Milliseconds since the start: the telemetry period times the line number. */
  time: u32,
  /** Roll in millidegrees. */
  roll: i32,
  /** Pitch in millidegrees. */
  pitch: i32,
  /** Yaw in millidegrees. */
  yaw: i32,
  /** The four motor duties (ESC pulse microseconds). */
  motors: array(u16, 4),
  /** IMU samples the estimator had used. */
  used: u32,
  /** IMU samples it had lost. */
  lost: u32,
});

/** Bytes of one log record. */
export const RECORD_BYTES = LogRecord.size;
/** Page order of the log slab's pages (512 B). */
export const SLAB_PAGE_ORDER = 9;
/** Slab order of the log slab: one page, a 512 B slab of 15 records. */
export const SLAB_ORDER = 0;
/** Bytes of the heap block the slab lives in (one slab; it must be aligned on its size). */
export const SLAB_BYTES = 2 ** (SLAB_PAGE_ORDER + SLAB_ORDER);

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
 * import type { TaskContext } from "@rtos-sim/kernel";
 * import { LogRecord, logSlab, RECORD_BYTES, SLAB_BYTES } from "@rtos-sim/apps";
 * function* logger(t: TaskContext) {
 *   const block = yield* t.malloc(SLAB_BYTES, SLAB_BYTES, "log slab");
 *   const slab = logSlab(t, block);
 *   const rec = LogRecord.at(t, slab.allocate(RECORD_BYTES)!);
 * }
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
