import { isBoard } from "@rtos-sim/hw";
import type { SourceSiteOptions } from "@rtos-sim/memcheck";
import { SchedError, SimClock } from "@rtos-sim/sched";
import type {
  KernelMemcheckOptions,
  KernelOptions,
  MutexSpec,
  PartitionSpec,
  QueueSpec,
  SemaphoreSpec,
} from "./config.js";
import { KernelError } from "./errors.js";
import type { FaultSiteOptions } from "./fault-site.js";
import { type FieldTable, fieldList, unknownField } from "./field-table.js";
import { KERNEL_COSTS } from "./timing/kernel-costs.js";

/**
 * The shape of the kernel options, checked before anything is built (`BAD_CONFIG` naming the
 * field): each field's own values are checked where it is used, but a missing board, a
 * partition list that is not an array or an entry that is null failed with a TypeError; a field
 * `KernelOptions` (or `costs`, `KernelCosts`) lacks was dropped and its default applied.
 */
export function checkOptionShape(options: KernelOptions): void {
  const bad = (field: string, why: string, value: unknown) =>
    new KernelError("BAD_CONFIG", `${field} ${why}`, {
      field,
      value: typeof value === "object" && value !== null ? (Array.isArray(value) ? "array" : "object") : value,
    });
  if (typeof options !== "object" || options === null) throw bad("options", "must be an object", options);
  // A misspelt option (`watchdogCycle: 5000`) was dropped and its default applied.
  const unknownOption = unknownField(options, KERNEL_OPTION_FIELDS);
  if (unknownOption !== null) {
    const meant = unknownOption.meant === null ? "" : ` (did you mean ${unknownOption.meant}?)`;
    throw bad(
      unknownOption.field,
      `is not a kernel option${meant}: KernelOptions has ${fieldList(KERNEL_OPTION_FIELDS)}`,
      (options as unknown as Record<string, unknown>)[unknownOption.field],
    );
  }
  if (!isBoard(options.board)) {
    throw bad("board", "must be a board (defineBoard, boardFromJson or a built-in)", options.board);
  }
  for (const [field, [type, fields]] of Object.entries(OBJECT_SPEC_FIELDS)) {
    const list = options[field as keyof typeof OBJECT_SPEC_FIELDS] as unknown;
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw bad(field, "must be an array", list);
    // By index: forEach skipped a sparse list's holes, and boot skipped them too (a hole was no entry).
    for (let i = 0; i < list.length; i++) {
      const entry: unknown = list[i];
      if (typeof entry !== "object" || entry === null) throw bad(`${field}[${i}]`, "must be an object", entry);
      // A misspelt field (`inital`) would be dropped and its default would apply.
      const unknown = unknownField(entry, fields);
      if (unknown !== null) {
        const meant = unknown.meant === null ? "" : ` (did you mean ${unknown.meant}?)`;
        throw bad(
          `${field}[${i}].${unknown.field}`,
          `is not a ${type} field${meant}: ${type} has ${fieldList(fields)}`,
          entry,
        );
      }
    }
  }
  for (const field of ["memcheck", "frames", "costs"] as const) {
    const v = options[field] as unknown;
    if (v === undefined || (field === "memcheck" && typeof v === "boolean")) continue;
    if (typeof v !== "object" || v === null) {
      throw bad(field, field === "memcheck" ? "must be a boolean or an object" : "must be an object", v);
    }
  }
  // The objects' own fields, misspelt (`costs.svcentry`, `memcheck.quarantine`), were dropped too.
  const nested: [string, string, unknown, object][] = [
    ["costs", "KernelCosts", options.costs, KERNEL_COSTS],
    ["memcheck", "KernelMemcheckOptions", options.memcheck, MEMCHECK_OPTION_FIELDS],
    ["faultSites", "FaultSiteOptions", options.faultSites, FAULT_SITE_OPTION_FIELDS],
  ];
  for (const [field, type, value, table] of nested) {
    const unknown = typeof value === "object" && value !== null ? unknownField(value, table) : null;
    if (unknown !== null) {
      const meant = unknown.meant === null ? "" : ` (did you mean ${unknown.meant}?)`;
      throw bad(
        `${field}.${unknown.field}`,
        `is not a ${type} field${meant}: ${type} has ${fieldList(table)}`,
        undefined,
      );
    }
  }
}

/**
 * The values of the options that nothing else checks (`BAD_CONFIG` naming the field): a NaN
 * `tickHz` was reported as a bad `watchdogCycles`, and the others were taken as something else
 * (a seed of NaN or "7" as 1, `watchdogInterrupt: "no"` as on, `allocationTooBig: "Fault"` as
 * "null", a NaN `kernelHeapSize` as a heap no TCB fitted in).
 */
export function checkOptionValues(options: KernelOptions): void {
  const bad = (field: string, why: string, value: unknown) =>
    new KernelError("BAD_CONFIG", `${field} ${why}`, {
      field,
      value: typeof value === "object" ? String(value) : value,
    });
  const { tickHz, seed, kernelHeapSize, imageSize, watchdogInterrupt, allocationTooBig, faultSites } = options;
  if (faultSites !== undefined && typeof faultSites !== "boolean") {
    if (typeof faultSites !== "object" || faultSites === null) {
      throw bad(
        "faultSites",
        "must be a boolean or fault-site options ({ root?, map?, skip?, syscalls? })",
        faultSites,
      );
    }
    const { root, map, skip, syscalls } = faultSites;
    if (syscalls !== undefined && typeof syscalls !== "boolean") {
      throw bad("faultSites.syscalls", "must be a boolean", syscalls);
    }
    if (root !== undefined && typeof root !== "string") throw bad("faultSites.root", "must be a string", root);
    if (map !== undefined && typeof map !== "function") throw bad("faultSites.map", "must be a function", map);
    if (skip !== undefined && typeof skip !== "function") throw bad("faultSites.skip", "must be a function", skip);
  }
  if (tickHz !== undefined && (typeof tickHz !== "number" || !Number.isInteger(tickHz) || tickHz < 1)) {
    throw bad("tickHz", "must be an integer >= 1 (ticks per second)", tickHz);
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw bad("seed", "must be an integer", seed);
  if (
    kernelHeapSize !== undefined &&
    (typeof kernelHeapSize !== "number" || !Number.isInteger(kernelHeapSize) || kernelHeapSize < 1)
  ) {
    throw bad("kernelHeapSize", "must be an integer >= 1 (bytes)", kernelHeapSize);
  }
  if (imageSize !== undefined && (typeof imageSize !== "number" || !Number.isInteger(imageSize) || imageSize < 1)) {
    throw bad("imageSize", "must be an integer >= 1 (bytes)", imageSize);
  }
  if (watchdogInterrupt !== undefined && typeof watchdogInterrupt !== "boolean") {
    throw bad("watchdogInterrupt", "must be a boolean", watchdogInterrupt);
  }
  if (allocationTooBig !== undefined && allocationTooBig !== "null" && allocationTooBig !== "fault") {
    throw bad("allocationTooBig", 'must be "null" or "fault"', allocationTooBig);
  }
}

/**
 * `BAD_CONFIG` naming `tickHz` unless a SysTick period is a whole number of core cycles the
 * 24-bit reload value holds (1..2^24): the scheduler's clock decides (`SimClock`, its
 * `SCHED_OPTION`), checked before anything is built, so `bootKernel` raises the kernel's error
 * for the kernel's option.
 */
export function checkTickRate(clockHz: number, tickHz: number): void {
  try {
    new SimClock(clockHz, tickHz);
  } catch (e) {
    if (!(e instanceof SchedError) || e.code !== "SCHED_OPTION") throw e;
    const cycles = clockHz / tickHz;
    throw new KernelError(
      "BAD_CONFIG",
      `tickHz ${tickHz} gives ${cycles} core cycles per tick at clockHz ${clockHz}: a tick must be a whole number of cycles in 1..2^24 (SysTick's 24-bit reload)`,
      { field: "tickHz", value: tickHz, clockHz, cyclesPerTick: cycles },
    );
  }
}

/** Every field of {@link KernelMemcheckOptions} (the compiler holds this table to the interface, both ways). */
const MEMCHECK_OPTION_FIELDS: FieldTable<KernelMemcheckOptions> = {
  redzone: true,
  quarantineBytes: true,
  onError: true,
  sourceSites: true,
  stackRedzone: true,
  stackUseAfterReturn: true,
};

/** Every field of `SourceSiteOptions` (the compiler holds this table to the interface, both ways). */
const SOURCE_SITE_OPTION_FIELDS: FieldTable<SourceSiteOptions> = { root: true, map: true, skip: true };
/** Every field of `FaultSiteOptions`. */
const FAULT_SITE_OPTION_FIELDS: FieldTable<FaultSiteOptions> = { ...SOURCE_SITE_OPTION_FIELDS, syscalls: true };

/** @internal Every field of {@link KernelOptions} (the compiler holds this table to the interface, both ways). */
export const KERNEL_OPTION_FIELDS: FieldTable<KernelOptions> = {
  board: true,
  pageOrder: true,
  tickHz: true,
  memcheck: true,
  allocationTooBig: true,
  faultSites: true,
  seed: true,
  partitions: true,
  semaphores: true,
  mutexes: true,
  queues: true,
  watchdogCycles: true,
  watchdogInterrupt: true,
  codeIsolation: true,
  imageSize: true,
  kernelHeapSize: true,
  costs: true,
  frames: true,
};

/** Every field of a {@link MutexSpec} (the compiler holds this table to the interface, both ways). */
export const MUTEX_SPEC_FIELDS: FieldTable<MutexSpec> = { name: true };

/** The entries of the kernel options' object lists, per list: their type's name and every field. */
const OBJECT_SPEC_FIELDS: {
  readonly partitions: readonly ["PartitionSpec", FieldTable<PartitionSpec>];
  readonly semaphores: readonly ["SemaphoreSpec", FieldTable<SemaphoreSpec>];
  readonly mutexes: readonly ["MutexSpec", FieldTable<MutexSpec>];
  readonly queues: readonly ["QueueSpec", FieldTable<QueueSpec>];
} = {
  partitions: ["PartitionSpec", { name: true, size: true, region: true }],
  semaphores: ["SemaphoreSpec", { name: true, initial: true, max: true }],
  mutexes: ["MutexSpec", MUTEX_SPEC_FIELDS],
  queues: ["QueueSpec", { name: true, messageSize: true, capacity: true }],
};
