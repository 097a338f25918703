import { KernelError } from "../errors.js";
import { tooBig } from "./allocate.js";
import { int, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { allocEvent, blockAllocated } from "./heap-record.js";

/**
 * `realloc(ptr, size, label?)`: the new address, or 0 (out of memory, a size the heap can never
 * hold such as one above a slab array's largest class, or above 16 MiB: `allocation-size-too-big`
 * as for malloc; the old block stays). `realloc(0, n)` is `malloc(n)`, `realloc(p, 0)` frees p
 * and returns 0. A pointer that is not a live block (by the kernel's record) faults the caller as
 * `free` does (a task without a heap: `BAD_ARGUMENT`); nothing changes then. The allocator, and
 * the copy when the block moves, run with the caller's privilege. The label names the call site
 * in checker reports.
 */
export const realloc: SyscallHandler<"realloc"> = (ctx, req) => {
  const { kernel, caller } = ctx;
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const size = int(req, "size", 0, 0xffffffff);
  const label = optionalString(req, "label");
  if (!caller.heap) {
    if (ptr !== 0) throw new KernelError("BAD_ARGUMENT", "realloc: the task has no heap", { op: "realloc", ptr });
    return 0; // malloc without a heap: no memory
  }
  const gate = caller.heap.allocator;
  if (label !== undefined) kernel.checker?.at(label);
  if (ptr !== 0) gate.checkLive(ptr, "realloc"); // not a live block: refused (a fault), nothing changed
  if (tooBig(ctx, req, size)) return 0;
  if (ptr === 0) {
    const p = size === 0 ? null : gate.allocate(size, 8);
    if (p === null) return 0;
    blockAllocated(kernel, caller, "realloc", p, size);
    return p;
  }
  if (size === 0) {
    gate.free(ptr);
    allocEvent(kernel, caller, "free", ptr, 0);
    return 0;
  }
  const p = gate.resize(ptr, size);
  if (p === null) return 0;
  blockAllocated(kernel, caller, "realloc", p, size);
  return p;
};
