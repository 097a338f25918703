import { heapAllocate, tooBig } from "./allocate.js";
import { badArgument, int, optionalInt, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";

/**
 * `malloc(size, align = 8, label?)`: a block of the caller's heap, or 0 (out of memory, a size
 * or an alignment the heap cannot hold, such as above 64 on a slab-array heap, size 0, no heap,
 * or above 16 MiB: `allocation-size-too-big`, see `tooBig`). Faults: size not a 32-bit unsigned
 * integer, align not a power of two in [1, 1024], label not a string. The label names the call
 * site in checker reports.
 */
export const malloc: SyscallHandler<"malloc"> = (ctx, req) => {
  const size = int(req, "size", 0, 0xffffffff);
  const align = optionalInt(req, "align", 1, 1024) ?? 8;
  if ((align & (align - 1)) !== 0) throw badArgument(req, "align", `must be a power of two, got ${align}`, align);
  const label = optionalString(req, "label");
  if (tooBig(ctx, req, size)) return 0;
  return heapAllocate(ctx, "malloc", size, align, label);
};
