import { valueText } from "@rtos-sim/hw";
import type { TaskSpec } from "./config.js";
import { DEVICE_GRANT_BYTES, type DevicePlacement } from "./devices/placement.js";
import type { DeviceRole } from "./devices/table.js";
import { KernelError } from "./errors.js";
import { checkPolicy } from "./fault-handler.js";
import { type FieldTable, fieldList, unknownField } from "./field-table.js";
import { HEAP_KIND_NAMES, isHeapKind } from "./heaps/table.js";
import type { MpuGrant } from "./mpu-plan.js";
import { GUARD_BYTES } from "./task-record.js";

const quoted = HEAP_KIND_NAMES.map((k) => JSON.stringify(k));
/** `"tlsf", "heap" or "slab-array"`: the heap kinds for error messages. */
const HEAP_KIND_LIST = `${quoted.slice(0, -1).join(", ")}${quoted.length > 1 ? " or " : ""}${quoted.at(-1)}`;

/** Most tasks a kernel holds. */
export const MAX_TASKS = 64;

/** What the spec check needs to know of the kernel. */
export interface SpecContext {
  /** Tasks the kernel holds already (a spec beyond {@link MAX_TASKS} is `BAD_TASK`). */
  readonly taskCount: number;
  /** SysTick rate: periods must be whole ticks. */
  readonly tickHz: number;
  /** Whether a task of that name exists (a spec of that name is then `DUPLICATE_TASK`). */
  hasTask(name: string): boolean;
  /** Whether a partition of that name exists (`UNKNOWN_PARTITION` otherwise). */
  hasPartition(name: string): boolean;
  /** The RAM regions tasks can be placed in (the region manager's), by name. */
  readonly regionNames: readonly string[];
  /** Whether a message queue of that name exists (`UNKNOWN_QUEUE` otherwise). */
  hasQueue(name: string): boolean;
  /** Whether a semaphore of that name exists (`UNKNOWN_SEMAPHORE` otherwise). */
  hasSemaphore(name: string): boolean;
  /** Whether a mutex of that name exists (`UNKNOWN_MUTEX` otherwise). */
  hasMutex(name: string): boolean;
  /** Throws `UNKNOWN_DEVICE` when the board has no such device. */
  device(role: DeviceRole): DevicePlacement;
}

/**
 * The kernel's own copy of a task description, taken once at spawn: its fields, and each object
 * or array field (rights, grants, devices, slab classes, delays, budgets) copied one level down,
 * all frozen. The task's code can reach the caller's object (as `this` of `main`, or through a
 * closure); the kernel reads only this copy, so a task cannot give itself rights afterwards.
 */
export function copySpec(spec: TaskSpec): TaskSpec {
  // Not an object: nothing to copy (checkSpec refuses it with BAD_TASK).
  if (typeof spec !== "object" || spec === null) return spec;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    // defineProperty: an own "__proto__" key (JSON.parse makes one) was assigned as the copy's
    // prototype, so its fields (`privileged: true`, partitions) passed unseen by the field check.
    Object.defineProperty(out, key, {
      value:
        value === null || typeof value !== "object"
          ? value
          : Object.freeze(Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }),
      enumerable: true,
    });
  }
  return Object.freeze(out) as unknown as TaskSpec;
}

/** Every field of a {@link TaskSpec} (the compiler holds this table to the interface, both ways). */
const TASK_SPEC_FIELDS: FieldTable<TaskSpec> = {
  name: true,
  priority: true,
  privileged: true,
  stackSize: true,
  heapSize: true,
  region: true,
  heap: true,
  slabClasses: true,
  code: true,
  partitions: true,
  queues: true,
  semaphores: true,
  mutexes: true,
  devices: true,
  faultPolicy: true,
  period: true,
  deadline: true,
  watchdogCycles: true,
  main: true,
};

/**
 * Checks a task description field by field (typed `BAD_TASK` naming the field, an unknown one too,
 * `DUPLICATE_TASK`, `UNKNOWN_PARTITION`, `UNKNOWN_DEVICE`, `UNKNOWN_QUEUE`,
 * `UNKNOWN_SEMAPHORE`, `UNKNOWN_MUTEX`); changes nothing.
 */
export function checkSpec(spec: TaskSpec, kernel: SpecContext): void {
  const bad = (field: string, why: string) =>
    new KernelError("BAD_TASK", `task ${valueText(spec?.name)}: ${field} ${why}`, { task: spec?.name, field });
  if (typeof spec !== "object" || spec === null) throw bad("spec", "must be an object");
  if (typeof spec.name !== "string" || !/^[A-Za-z0-9_.-]{1,32}$/.test(spec.name)) {
    throw bad("name", "must be 1-32 letters, digits, _ . -");
  }
  const unknown = unknownField(spec, TASK_SPEC_FIELDS);
  if (unknown !== null) {
    throw bad(
      unknown.field,
      `is not a task field${unknown.meant === null ? "" : ` (did you mean ${unknown.meant}?)`}: TaskSpec has ${fieldList(TASK_SPEC_FIELDS)}`,
    );
  }
  if (kernel.hasTask(spec.name))
    throw new KernelError("DUPLICATE_TASK", `task ${spec.name} exists`, { task: spec.name });
  if (kernel.taskCount >= MAX_TASKS) throw bad("name", `cannot be added: at most ${MAX_TASKS} tasks`);
  if (typeof spec.main !== "function") throw bad("main", "must be a generator function");
  // A truthy non-boolean (1, "false") would make a privileged task: only the booleans are taken.
  if (spec.privileged !== undefined && typeof spec.privileged !== "boolean")
    throw bad("privileged", "must be true or false");
  const p = spec.priority ?? 1;
  if (!Number.isInteger(p) || p < 0 || p > 31) throw bad("priority", "must be an integer 0..31");
  const st = spec.stackSize ?? 1024;
  if (!Number.isInteger(st) || st < 128 || st > 1024 * 1024) throw bad("stackSize", "must be an integer 128..1 MiB");
  const hs = spec.heapSize ?? 4096;
  if (!Number.isInteger(hs) || hs < 0 || hs > 16 * 1024 * 1024 || (hs > 0 && hs < 1024)) {
    throw bad("heapSize", "must be 0 or an integer 1 KiB..16 MiB");
  }
  if (spec.region !== undefined && (typeof spec.region !== "string" || !kernel.regionNames.includes(spec.region))) {
    throw bad("region", `must be one of the board's RAM regions: ${kernel.regionNames.join(", ")}`);
  }
  if (spec.heap !== undefined && !isHeapKind(spec.heap)) throw bad("heap", `must be ${HEAP_KIND_LIST}`);
  if (spec.slabClasses !== undefined) {
    const c = spec.slabClasses;
    const ok =
      Array.isArray(c) &&
      c.length > 0 &&
      c.every((x, i) => Number.isInteger(x) && x >= 8 && x % 8 === 0 && x <= 1024 && (i === 0 || x > c[i - 1]!));
    if (!ok) throw bad("slabClasses", "must be ascending multiples of 8 in 8..1024");
  }
  if (spec.code !== undefined && (!Number.isInteger(spec.code) || spec.code < 0 || spec.code > 0xffffffff)) {
    throw bad("code", "must be a 32-bit address");
  }
  const parts: unknown = spec.partitions;
  // Object.entries would take 5, true or an array as no partitions (or a string's characters as names).
  if (parts !== undefined && (typeof parts !== "object" || parts === null || Array.isArray(parts)))
    throw bad("partitions", 'must be an object of name: "ro" or "rw"');
  for (const [name, access] of Object.entries(spec.partitions ?? {})) {
    if (!kernel.hasPartition(name)) {
      throw new KernelError("UNKNOWN_PARTITION", `task ${spec.name}: no partition ${name}`, {
        task: spec.name,
        partition: name,
      });
    }
    if (access !== "ro" && access !== "rw") throw bad(`partitions.${name}`, 'must be "ro" or "rw"');
  }
  if (spec.devices !== undefined && !Array.isArray(spec.devices))
    throw bad("devices", "must be an array of device roles");
  // A hole or a non-string is a malformed list (BAD_TASK), not a device the board lacks ("no undefined").
  const roles: readonly unknown[] = spec.devices ?? [];
  for (let i = 0; i < roles.length; i++) {
    const role = roles[i];
    if (typeof role !== "string") throw bad(`devices[${i}]`, "must be a device role (a string)");
    kernel.device(role as DeviceRole);
  }
  // Each role is one device and one MPU grant: a role named twice took a second region for nothing.
  const twice = (spec.devices ?? []).find((role, i, all) => all.indexOf(role) !== i);
  if (twice !== undefined) throw bad("devices", `names "${twice}" twice`);
  checkRights(spec, "queues", ["send", "receive", "both"], kernel.hasQueue, "UNKNOWN_QUEUE", bad);
  checkRights(spec, "semaphores", ["give", "take", "both"], kernel.hasSemaphore, "UNKNOWN_SEMAPHORE", bad);
  if (spec.mutexes !== undefined) {
    if (!Array.isArray(spec.mutexes)) throw bad("mutexes", "must be an array of mutex names");
    const names: readonly unknown[] = spec.mutexes;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (typeof name !== "string") throw bad(`mutexes[${i}]`, "must be a mutex name (a string)");
      if (!kernel.hasMutex(name)) {
        throw new KernelError("UNKNOWN_MUTEX", `task ${spec.name}: no mutex ${String(name)}`, {
          task: spec.name,
          mutex: name,
        });
      }
    }
  }
  checkPolicy(spec.faultPolicy, bad);
  if (spec.period !== undefined) {
    const ticks = delayTicks(spec.period, kernel.tickHz);
    if (ticks === null || !Number.isInteger(ticks) || ticks < 1 || ticks > 0x7fffffff) {
      throw bad(
        "period",
        `must be { ticks } or { ms } of a whole number of ticks, at least 1 (a tick is ${+(1000 / kernel.tickHz).toPrecision(6)} ms: tickHz ${kernel.tickHz}), got ${describeDelay(spec.period, ticks)}`,
      );
    }
  }
  if (spec.deadline !== undefined) {
    const ticks = delayTicks(spec.deadline, kernel.tickHz);
    if (ticks === null || !Number.isFinite(ticks) || ticks <= 0)
      throw bad("deadline", "must be { ticks } or { ms } > 0");
  }
  const w = spec.watchdogCycles;
  if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > Number.MAX_SAFE_INTEGER)) {
    throw bad("watchdogCycles", "must be an integer >= 0");
  }
}

/**
 * A period or deadline as an error message shows it: `{ ms: 2.5 } (2.5 ticks)`, or what it is
 * when it is no `{ ticks }` or `{ ms }` of a number. Reads only the two fields, as plain data.
 */
function describeDelay(d: unknown, ticks: number | null): string {
  if (ticks === null)
    return typeof d === "object" && d !== null ? "an object without a number in ticks or ms" : typeof d;
  const o = d as { ticks?: unknown; ms?: unknown };
  return typeof o.ticks === "number" ? `{ ticks: ${o.ticks} }` : `{ ms: ${String(o.ms)} } (${ticks} ticks)`;
}

/** A delay in (possibly fractional) ticks at `tickHz`, or null when it is not `{ ticks }` or `{ ms }` of a number. */
export function delayTicks(d: unknown, tickHz: number): number | null {
  if (typeof d !== "object" || d === null) return null;
  const o = d as { ticks?: unknown; ms?: unknown };
  if (typeof o.ticks === "number" && o.ms === undefined) return o.ticks;
  if (typeof o.ms === "number" && o.ticks === undefined) return Math.round(((o.ms * tickHz) / 1000) * 1e9) / 1e9;
  return null;
}

/** Checks one table of IPC rights: every name exists, every right is one of `rights`. */
function checkRights(
  spec: TaskSpec,
  field: "queues" | "semaphores",
  rights: readonly string[],
  exists: (name: string) => boolean,
  code: "UNKNOWN_QUEUE" | "UNKNOWN_SEMAPHORE",
  bad: (field: string, why: string) => KernelError,
): void {
  const table: unknown = spec[field];
  if (table === undefined) return;
  if (typeof table !== "object" || table === null) throw bad(field, "must be an object of name: right");
  for (const [name, right] of Object.entries(table)) {
    const what = field === "queues" ? "queue" : "semaphore";
    if (!exists(name))
      throw new KernelError(code, `task ${spec.name}: no ${what} ${name}`, { task: spec.name, [what]: name });
    if (!rights.includes(right as string))
      throw bad(`${field}.${name}`, `must be ${rights.map((r) => JSON.stringify(r)).join(", ")}`);
  }
}

/** A block of memory as a grant needs it (a stack, a heap, a partition). */
export interface PartitionBlock {
  /** Its first address (stack, heap and partition blocks are aligned on their size). */
  readonly base: number;
  /** Its size in bytes (one MPU region covers it). */
  readonly size: number;
}

/** A partition as its grant needs it: its block and its identity. */
export interface GrantedPartition extends PartitionBlock {
  /** The partition's id (`Partition.id`). */
  readonly id: number;
}

/**
 * One grant of a task's MPU plan. A partition's grant carries the partition's identity, which is
 * what the kernel matches (the label is for reports only).
 */
export interface TaskGrant extends MpuGrant {
  /** The id of the partition granted (partition grants only). */
  readonly partition?: number;
}

/**
 * A task's MPU grants in order: its stack (RW, XN) with a guard of {@link GUARD_BYTES} at the
 * bottom (the MPU driver realises it: on PMSAv7 a privileged read-only region over the lowest
 * bytes, overriding the stack's, as Zephyr's guard; on PMSAv8 the stack limit register), heap
 * (RW, XN), its own code region with per-task code (RO, executable), partitions (RO or RW,
 * XN), granted peripherals (RW, Device, XN).
 */
export function taskGrants(
  spec: TaskSpec,
  stack: PartitionBlock,
  heap: PartitionBlock | null,
  code: PartitionBlock | null,
  partition: (name: string) => GrantedPartition,
  device: (role: DeviceRole) => DevicePlacement,
): TaskGrant[] {
  const grants: TaskGrant[] = [
    { id: "stack", label: "stack", base: stack.base, size: stack.size, access: "rw", guard: GUARD_BYTES },
  ];
  if (heap) grants.push({ id: "heap", label: "heap", base: heap.base, size: heap.size, access: "rw" });
  if (code)
    grants.push({ id: "code", label: "code", base: code.base, size: code.size, access: "ro", executable: true });
  for (const [name, access] of Object.entries(spec.partitions ?? {}))
    grants.push(partitionGrant(name, access, partition(name)));
  for (const role of spec.devices ?? []) {
    const d = device(role);
    grants.push({
      id: `device:${role}`,
      label: `${d.name} (${role})`,
      base: d.base,
      size: DEVICE_GRANT_BYTES,
      access: "rw",
      memory: "device",
    });
  }
  return grants;
}

/** The grant of one partition: id `partition:<id>`, the partition's id, label `partition <name> (<access>)`. */
export function partitionGrant(name: string, access: "ro" | "rw", p: GrantedPartition): TaskGrant {
  return {
    id: `partition:${p.id}`,
    label: `partition ${name} (${access})`,
    partition: p.id,
    base: p.base,
    size: p.size,
    access: access === "rw" ? "rw" : "ro",
  };
}
