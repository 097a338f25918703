import { KernelError } from "../errors.js";
import { orNull, tooBig } from "./allocate.js";
import { int, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { allocEvent, blockAllocated, blockFreed } from "./heap-record.js";

/**
 * `realloc(ptr, size, label?)`: the new address, or 0 (out of memory, or above 16 MiB:
 * `allocation-size-too-big` as for malloc, the block unchanged). `realloc(0, n)` is
 * `malloc(n)`, `realloc(p, 0)` frees p and returns 0. A size the heap can never hold (above a slab array's
 * largest class) is out of memory too. A pointer that is not a live block faults
 * the caller as `free` does (a task without a heap: `BAD_ARGUMENT`); nothing changes then.
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
  const a = caller.heap.allocator;
  if (label !== undefined) kernel.checker?.at(label);
  if (ptr !== 0 && !a.owns(ptr)) {
    a.free(ptr); // not a live block: the allocator (or the checker) reports it and changes nothing
    throw new KernelError("BAD_ARGUMENT", "realloc: not a live block", { op: "realloc", ptr });
  }
  if (tooBig(ctx, req, size)) return 0;
  if (ptr !== 0 && size === 0) {
    a.free(ptr);
    blockFreed(caller, ptr);
    allocEvent(kernel, caller, "free", ptr, 0);
    return 0;
  }
  const core = kernel.machine.core;
  let p: number | null;
  if (ptr === 0) p = size === 0 ? null : orNull(() => a.allocate(size, 8));
  else if (typeof a.resize === "function") p = orNull(() => a.resize!(ptr, size));
  else {
    const old = a.blockSize(ptr) ?? 0;
    p = orNull(() => a.allocate(size, 8));
    if (p !== null) {
      const n = Math.min(old, size);
      if (kernel.checker) kernel.checker.memcpy(p, ptr, n);
      else core.writeBytes(p, core.readBytes(ptr, n));
      a.free(ptr);
    }
  }
  if (p === null) return 0;
  if (ptr !== 0) blockFreed(caller, ptr);
  blockAllocated(kernel, caller, "realloc", p, size);
  return p;
};
