import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import { int } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { allocEvent, blockFreed } from "./heap-record.js";

/**
 * `free(ptr)`: OK; `free(0)` is OK. A pointer that is not a live block of the caller's heap
 * faults it: the allocator's typed error (`heap` fault) or, with the checker, its report
 * (`checker` fault); a task without a heap faults with `BAD_ARGUMENT`. Nothing is freed then.
 */
export const free: SyscallHandler<"free"> = ({ kernel, caller }, req) => {
  const ptr = int(req, "ptr", 0, 0xffffffff);
  if (ptr === 0) return Errno.OK; // free(NULL)
  if (!caller.heap) throw new KernelError("BAD_ARGUMENT", "free: the task has no heap", { op: "free", ptr });
  caller.heap.allocator.free(ptr); // validated by the allocator (or the checker): a typed error, nothing changed
  blockFreed(caller, ptr);
  allocEvent(kernel, caller, "free", ptr, 0);
  return Errno.OK;
};
