import { badArgument, int, MAX_ALLOC, optionalInt, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { blockAllocated } from "./heap-record.js";

/**
 * `malloc(size, align = 8, label?)`: a block of the caller's heap, or 0 (out of memory, size 0,
 * no heap). Faults: size not an integer in [0, 16 MiB], align not a power of two in [1, 1024],
 * label not a string. The label names the call site in checker reports.
 */
export const malloc: SyscallHandler<"malloc"> = ({ kernel, caller }, req) => {
  const size = int(req, "size", 0, MAX_ALLOC);
  const align = optionalInt(req, "align", 1, 1024) ?? 8;
  if ((align & (align - 1)) !== 0) throw badArgument(req, "align", `must be a power of two, got ${align}`, align);
  const label = optionalString(req, "label");
  if (!caller.heap || size === 0) return 0;
  if (label !== undefined) kernel.checker?.at(label);
  const p = caller.heap.allocator.allocate(size, align);
  if (p === null) return 0;
  blockAllocated(kernel, caller, "malloc", p, size);
  return p;
};
