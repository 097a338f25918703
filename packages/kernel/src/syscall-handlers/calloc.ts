import { heapAllocate, tooBig } from "./allocate.js";
import { int, optionalString } from "./args.js";
import type { SyscallHandler } from "./context.js";

/**
 * `calloc(n, size, label?)`: `n * size` zeroed bytes of the caller's heap, or 0. When
 * `n * size` does not fit 32 bits (a hand-written `malloc(n * size)` would quietly wrap and
 * allocate too little) it returns 0 and, with the checker, files `calloc-overflow`, as ASan
 * does; above 16 MiB it is `allocation-size-too-big` as for malloc. The kernel zeroes the block
 * with the caller's privilege. Faults: n or size not a 32-bit unsigned integer, label not a string.
 */
export const calloc: SyscallHandler<"calloc"> = (ctx, req) => {
  const n = int(req, "n", 0, 0xffffffff);
  const size = int(req, "size", 0, 0xffffffff);
  const label = optionalString(req, "label");
  const total = n * size; // exact: below 2^64, a double holds it to the unit below 2^53 and says > 2^32 above
  if (total > 0xffffffff) {
    ctx.kernel.checker?.allocationRefused(
      "calloc-overflow",
      `calloc parameters overflow: count * size (${n} * ${size}) cannot be represented in 32 bits`,
      0,
      [`count ${n}, size ${size}: the product wraps to ${(Math.imul(n, size) >>> 0).toString()} in 32 bits`],
    );
    return 0;
  }
  if (tooBig(ctx, req, total)) return 0;
  const p = heapAllocate(ctx, "calloc", total, 8, label);
  if (p !== 0) ctx.kernel.machine.core.fill(p, 0, total, !ctx.caller.privileged);
  return p;
};
