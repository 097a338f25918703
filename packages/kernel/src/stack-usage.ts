import type { Bus } from "@rtos-sim/hw";
import type { GUARD_BYTES } from "./task-record.js";

/**
 * The byte a task's stack is painted with when the task is created (and again when a fault
 * policy restarts it), below its first exception frame: FreeRTOS's `tskSTACK_FILL_BYTE`. What the
 * task's code, its call frames and its exception frames overwrite is the stack it has used.
 */
export const STACK_FILL = 0xa5;

/**
 * How much of a task's stack it has used: the stack's size and its peak (high-water mark), found
 * as FreeRTOS's `uxTaskGetStackHighWaterMark` finds it, by scanning the painted stack from its
 * bottom for the first byte that is no longer {@link STACK_FILL}.
 *
 * The scan is a debugger read: it costs no simulated time and the checker does not see it. Like
 * FreeRTOS's, it cannot tell a byte the task wrote with the fill value from one it never wrote:
 * a frame whose deepest bytes were stored as 0xA5 reads as slightly less deep.
 */
export interface StackUsage {
  /** Bytes the task's stack holds, above its guard (the block from the region manager, minus {@link GUARD_BYTES}). */
  readonly size: number;
  /**
   * The deepest the stack has been: bytes from its top down to the lowest byte written, over
   * every run of the task (a restart paints its stack again; the peak is kept). `size` when the
   * stack's last byte was written: a full stack, the next push lands in the guard.
   */
  readonly peak: number;
}

/** Paints `size` bytes at `base` (a stack above its guard) with {@link STACK_FILL}, as a debugger write. */
export function paintStack(bus: Bus, base: number, size: number): void {
  bus.load(base, new Uint8Array(size).fill(STACK_FILL));
}

/** The bytes of a painted stack [base, base + size) used so far: size minus the painted bytes left at its bottom. */
export function stackPeak(bus: Bus, base: number, size: number): number {
  const bytes = bus.peek(base, size);
  let i = 0;
  while (i < size && bytes[i] === STACK_FILL) i++;
  return size - i;
}
