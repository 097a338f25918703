import { type Bus, hex32 } from "@rtos-sim/hw";
import type { RegionManager } from "@rtos-sim/region";
import type { BoardLayout } from "./layout.js";
import { GUARD_BYTES } from "./task-record.js";

/** What {@link whoseMemory} reads: the kernel's records of who holds what. */
export interface MemoryOwners {
  /** The page allocator: the owner of every allocated block (read from its page metadata). */
  readonly regions: RegionManager;
  /** The bus: the board's memory regions and the devices attached. */
  readonly bus: Bus;
  /** Where the tasks' code lies. */
  readonly code: BoardLayout["code"];
  /** The task whose 4 KiB code region starts at a base (per-task code), if any. */
  readonly codeOwner: (regionBase: number) => string | undefined;
  /** Bytes of each task's code region (per-task code). */
  readonly codeRegionBytes: number;
}

/**
 * What the memory at `address` is, as the kernel knows it: `the stack of task "imu"` (or its
 * stack guard), `the heap of task "estimator"`, `partition "ring"`, `kernel memory`, `the code of
 * task "mixer"`, a reserved range, free pages or page metadata of a RAM region, another memory
 * region of the board, a device, the System Control Space, or `no memory or device`. A fault
 * record names it beside MMFAR/BFAR: whose memory a task reached for.
 *
 * @example
 * ```ts
 * import { type MemoryOwners, whoseMemory } from "@rtos-sim/kernel";
 * function describe(owners: MemoryOwners): string {
 *   return whoseMemory(0x10001b10, owners); // 'the stack of task "imu"', when it is
 * }
 * ```
 */
export function whoseMemory(address: number, o: MemoryOwners): string {
  const a = address >>> 0;
  const page = o.regions.pageInfo(a);
  if (page !== null) {
    if (page.state === "allocated") return ownedBy(page.owner ?? "", a, page.block.address);
    if (page.state === "reserved") return `${page.owner} (reserved in ${page.region})`;
    if (page.state === "metadata") return `the page metadata of ${page.region}`;
    return `free pages of ${page.region}`;
  }
  const code = o.code;
  if (a >= code.base && a - code.base < code.size) {
    const base = a - ((a - code.base) % o.codeRegionBytes);
    const task = o.codeOwner(base);
    return task !== undefined ? `the code of task "${task}"` : `code memory (${code.name})`;
  }
  const region = o.bus.regionAt(a);
  if (region !== undefined) return `memory region ${region.name}`;
  const hit = o.bus.peripheralAt(a);
  if (hit !== undefined) {
    return hit.device !== null
      ? `device ${hit.device.name} (${hit.range.name})`
      : `peripheral range ${hit.range.name}, no device`;
  }
  if (a >>> 12 === 0xe000e) return "the System Control Space (SCB, MPU, SysTick)";
  if (a >>> 20 === 0xe00) return "the Private Peripheral Bus";
  return `no memory or device at ${hex32(a)}`;
}

/** An allocated block by its owner label (`kernel`, `stack:<task>`, `heap:<task>`, `partition:<name>`). */
function ownedBy(owner: string, address: number, blockBase: number): string {
  const colon = owner.indexOf(":");
  const what = colon < 0 ? owner : owner.slice(0, colon);
  const name = owner.slice(colon + 1);
  if (owner === "kernel") return "kernel memory";
  if (what === "stack") {
    return address - blockBase < GUARD_BYTES ? `the stack guard of task "${name}"` : `the stack of task "${name}"`;
  }
  if (what === "heap") return `the heap of task "${name}"`;
  if (what === "partition") return `partition "${name}"`;
  return `pages of "${owner}"`;
}
