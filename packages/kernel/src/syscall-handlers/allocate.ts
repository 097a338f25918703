import { hex32 } from "@rtos-sim/hw";
import { KernelError } from "../errors.js";
import { MAX_ALLOC, type RawRequest } from "./args.js";
import type { SyscallContext } from "./context.js";
import { blockAllocated } from "./heap-record.js";

/**
 * Whether `size` is above the largest allocation a heap syscall takes ({@link MAX_ALLOC}, the
 * largest task heap): then the request is refused before any allocator runs. By default the
 * call returns NULL and, with the checker, files `allocation-size-too-big` (ASan's report with
 * `allocator_may_return_null`); with the kernel option `allocationTooBig: "fault"` the caller
 * faults (`BAD_ARGUMENT`, the report attached).
 */
export function tooBig({ kernel }: SyscallContext, req: RawRequest, size: number): boolean {
  if (size <= MAX_ALLOC) return false;
  const message = `${req.op}: requested allocation size ${size} (${hex32(size)}) exceeds the maximum of ${MAX_ALLOC} bytes (16 MiB, the largest task heap)`;
  const report =
    kernel.checker?.allocationRefused("allocation-size-too-big", message, size, [
      `requested ${size} bytes, maximum ${MAX_ALLOC}`,
    ]) ?? null;
  if (kernel.options.allocationTooBig === "fault") {
    throw new KernelError("BAD_ARGUMENT", message, { op: req.op, field: "size", value: size, report });
  }
  return true;
}

/**
 * Allocates `size` bytes aligned on `align` from the caller's heap for `op` (its gate records the
 * block as live); `label` names the call site in checker reports. Returns
 * the address, or 0 (no heap, size 0, out of memory).
 */
export function heapAllocate(
  { kernel, caller }: SyscallContext,
  op: "malloc" | "calloc" | "realloc",
  size: number,
  align: number,
  label: string | undefined,
): number {
  if (!caller.heap || size === 0) return 0;
  if (label !== undefined) kernel.checker?.at(label);
  const p = caller.heap.allocator.allocate(size, align); // the gate: a size it never serves is null
  if (p === null) return 0;
  blockAllocated(kernel, caller, op, p, size);
  return p;
}
