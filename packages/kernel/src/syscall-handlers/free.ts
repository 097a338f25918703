import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import { int, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { allocEvent } from "./heap-record.js";

/**
 * `free(ptr, label?)`: OK; `free(0)` is OK. A pointer that is not a live block of the caller's
 * heap (by the kernel's record, which the task cannot forge) faults it: `INVALID_FREE` (`heap`
 * fault) or, with the checker, its report (`checker` fault, the task's in user mode "in syscall
 * free"); a task without a heap faults with `BAD_ARGUMENT`. Nothing is freed then. The allocator
 * runs with the caller's privilege. The label names the call site in checker reports.
 */
export const free: SyscallHandler<"free"> = ({ kernel, caller }, req) => {
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const label = optionalString(req, "label");
  if (ptr === 0) return Errno.OK; // free(NULL)
  if (!caller.heap) throw new KernelError("BAD_ARGUMENT", "free: the task has no heap", { op: "free", ptr });
  if (label !== undefined) kernel.checker?.at(label);
  caller.heap.allocator.free(ptr); // validated by the heap's gate: a typed error, nothing changed
  allocEvent(kernel, caller, "free", ptr, 0);
  return Errno.OK;
};
