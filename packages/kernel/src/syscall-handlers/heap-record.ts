import type { Kernel } from "../kernel.js";
import type { KTask } from "../task-record.js";

/**
 * A block handed to the task by a heap syscall: its `alloc` event (the heap's gate keeps the
 * kernel's record of live blocks).
 */
export function blockAllocated(
  kernel: Kernel,
  k: KTask,
  op: "malloc" | "calloc" | "realloc",
  address: number,
  size: number,
): void {
  allocEvent(kernel, k, op, address, size);
}

/** Emits an `alloc` event when someone listens. */
export function allocEvent(
  kernel: Kernel,
  k: KTask,
  op: "malloc" | "calloc" | "free" | "realloc",
  address: number,
  size: number,
): void {
  if (kernel.events.watched.alloc && kernel.events.listenerCount("alloc") > 0) {
    kernel.events.emit("alloc", { ...kernel.stamp(), task: k.name, op, address, size });
  }
}
