import type { MemoryPort } from "@rtos-sim/hw";
import type { RegionPlan } from "./bootstrap.js";
import type { BuddyAllocator } from "./buddy.js";
import { hex, RegionError } from "./errors.js";
import { PageState } from "./layout.js";
import type { PageListAllocator } from "./page-list.js";

/** A region as the manager holds it: its bootstrap plan and its page allocator. */
export interface ManagedRegion {
  readonly plan: RegionPlan;
  readonly alloc: BuddyAllocator | PageListAllocator;
  readonly pfn0: number;
  readonly pfn1: number;
  readonly maxOrder: number;
}

function hexOf(n: number): string {
  return typeof n === "number" && Number.isFinite(n) ? hex(n) : String(n);
}

/** Validates a free of `order` at `address` in `r` (reads only); returns the block's owner id. */
export function checkFree(m: MemoryPort, r: ManagedRegion, address: number, order: number, pageSize: number): number {
  // Fast path: an allocated block start of the right order, aligned on it (one read, no allocation).
  if (address % pageSize === 0 && order <= r.maxOrder) {
    const pfn = address / pageSize;
    const e = m.read32(r.alloc.entryAddress(pfn));
    if ((e & 7) === PageState.Allocated && ((e >>> 4) & 31) === order && (pfn & ((1 << order) - 1)) === 0)
      return e >>> 16;
  }
  return classifyFree(m, r, address, order, pageSize);
}

/** The full classification of a free, raising the error that fits (returns the owner id when valid). */
function classifyFree(m: MemoryPort, r: ManagedRegion, address: number, order: number, pageSize: number): number {
  const ctx = { address, order, region: r.plan.name };
  if (address % pageSize !== 0) {
    throw new RegionError("NOT_BLOCK_START", `${hexOf(address)} is not page-aligned`, ctx);
  }
  if (order > r.maxOrder) {
    throw new RegionError("BAD_ORDER", `region "${r.plan.name}" holds blocks up to order ${r.maxOrder}`, {
      ...ctx,
      maxOrder: r.maxOrder,
    });
  }
  const pfn = address / pageSize;
  const ea = r.alloc.entryAddress(pfn);
  const e = m.read32(ea);
  const state = e & 7;
  if (state === PageState.Allocated) {
    const actual = (e >>> 4) & 31;
    if (actual !== order) {
      throw new RegionError("WRONG_ORDER", `the block at ${hexOf(address)} has order ${actual}, not ${order}`, {
        ...ctx,
        allocatedOrder: actual,
      });
    }
    // Blocks start on a multiple of their size: an entry saying otherwise was written by someone
    // else (a region nested in a task's heap), and releasing it would merge with the wrong buddies.
    if ((pfn & ((1 << order) - 1)) !== 0) {
      throw new RegionError(
        "METADATA_CORRUPT",
        `page entry at ${hexOf(ea)} says a block of order ${order} starts on a page not aligned on it`,
        {
          ...ctx,
          address: ea,
        },
      );
    }
    return e >>> 16;
  }
  if (state === PageState.Reserved || state === PageState.Metadata) {
    const what = state === PageState.Metadata ? "metadata" : (r.plan.reserved[e >>> 16]?.label ?? "reserved");
    throw new RegionError("RESERVED", `${hexOf(address)} is a ${what} page`, { ...ctx, reserved: what });
  }
  if (state === PageState.Free) {
    throw freedError(e, ctx);
  }
  if (state === PageState.Tail) {
    const [head, he] = headOf(m, r, pfn, pageSize);
    if ((he & 7) === PageState.Allocated) {
      throw new RegionError("NOT_BLOCK_START", `${hexOf(address)} is inside the block at ${hexOf(head * pageSize)}`, {
        ...ctx,
        blockStart: head * pageSize,
        blockOrder: (he >>> 4) & 31,
      });
    }
    throw freedError(e, ctx);
  }
  throw new RegionError("METADATA_CORRUPT", `page entry at ${hexOf(ea)} has state ${state}`, { ...ctx, address: ea });
}

function freedError(entry: number, ctx: Record<string, unknown>): RegionError {
  const a = hexOf(ctx.address as number);
  return (entry & 8) !== 0
    ? new RegionError("DOUBLE_FREE", `the block at ${a} was already freed`, ctx)
    : new RegionError("NOT_ALLOCATED", `${a} is free and was never allocated`, ctx);
}

/**
 * The head page of the block holding page `pfn`, and its entry: tries the aligned candidates
 * pfn, pfn & ~1, pfn & ~3, ... (one read per order); `METADATA_CORRUPT` when none holds it.
 */
export function headOf(m: MemoryPort, r: ManagedRegion, pfn: number, pageSize: number): [number, number] {
  for (let j = 0; j <= r.maxOrder; j++) {
    const h = Math.floor(pfn / 2 ** j) * 2 ** j;
    if (h < r.pfn0) break;
    const ea = r.alloc.entryAddress(h);
    const e = m.read32(ea);
    const state = e & 7;
    if (state === PageState.Tail) continue;
    const order = r.plan.kind === "buddy" && state <= PageState.Allocated ? (e >>> 4) & 31 : 0;
    if (state <= PageState.Metadata && pfn < h + 2 ** order) return [h, e];
    break;
  }
  const ea = r.alloc.entryAddress(pfn);
  throw new RegionError("METADATA_CORRUPT", `page ${hexOf(pfn * pageSize)} belongs to no block`, {
    address: ea,
    page: pfn * pageSize,
  });
}
