import type { Kernel } from "../kernel.js";
import type { KTask } from "../task-record.js";

/**
 * The kernel's record of a task's live heap blocks (`KTask.live`, which the task cannot write):
 * what a restart frees, and what the heap syscalls report as `alloc` events.
 */
export function blockAllocated(
  kernel: Kernel,
  k: KTask,
  op: "malloc" | "calloc" | "realloc",
  address: number,
  size: number,
): void {
  k.live.set(address, size);
  k.heapInUse += size;
  allocEvent(kernel, k, op, address, size);
}

/** Forgets a freed block (no event: the caller says whether it was a free). */
export function blockFreed(k: KTask, address: number): void {
  const size = k.live.get(address) ?? 0;
  k.live.delete(address);
  k.heapInUse -= size;
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
