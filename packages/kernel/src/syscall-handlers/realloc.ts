import { KernelError } from "../errors.js";
import { int, MAX_ALLOC } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { allocEvent, blockAllocated } from "./heap-record.js";

/**
 * `realloc(ptr, size)`: the new address, or 0 (out of memory: the old block stays). `realloc(0, n)`
 * is `malloc(n)`, `realloc(p, 0)` frees p and returns 0. A pointer that is not a live block (by
 * the kernel's record) faults the caller as `free` does (a task without a heap: `BAD_ARGUMENT`);
 * nothing changes then. The allocator, and the copy when the block moves, run with the caller's
 * privilege.
 */
export const realloc: SyscallHandler<"realloc"> = ({ kernel, caller }, req) => {
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const size = int(req, "size", 0, MAX_ALLOC);
  if (!caller.heap) {
    if (ptr !== 0) throw new KernelError("BAD_ARGUMENT", "realloc: the task has no heap", { op: "realloc", ptr });
    return 0; // malloc without a heap: no memory
  }
  const gate = caller.heap.allocator;
  if (ptr === 0) {
    const p = size === 0 ? null : gate.allocate(size, 8);
    if (p === null) return 0;
    blockAllocated(kernel, caller, "realloc", p, size);
    return p;
  }
  if (size === 0) {
    gate.free(ptr); // refused (a fault, nothing changed) unless ptr is a live block
    allocEvent(kernel, caller, "free", ptr, 0);
    return 0;
  }
  const p = gate.resize(ptr, size);
  if (p === null) return 0;
  blockAllocated(kernel, caller, "realloc", p, size);
  return p;
};
