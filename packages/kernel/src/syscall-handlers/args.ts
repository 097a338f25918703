import { ActorMode, makeActor } from "@rtos-sim/hw";
import { checkBuffer } from "../buffer-check.js";
import { KernelError } from "../errors.js";
import type { Delay } from "../syscalls.js";
import type { SyscallContext } from "./context.js";

/** A request as the validators read it: its op and fields of unknown type. */
export interface RawRequest {
  readonly op: string;
  readonly [field: string]: unknown;
}

/**
 * Largest size a heap syscall allocates (the largest task heap): 16 MiB. A larger request (up
 * to 2^32 - 1) is refused with NULL and an `allocation-size-too-big` report (see `tooBig`).
 */
export const MAX_ALLOC = 16 * 1024 * 1024;

/** A `BAD_ARGUMENT` error naming the op and the field (the caller faults; nothing changed). */
export function badArgument(req: RawRequest, field: string, why: string, value?: unknown): KernelError {
  return new KernelError("BAD_ARGUMENT", `${req.op}: ${field} ${why}`, { op: req.op, field, value });
}

/** An integer field in [min, max] (`BAD_ARGUMENT` otherwise). */
export function int<Q extends RawRequest>(req: Q, field: keyof Q & string, min: number, max: number): number {
  const v = req[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw badArgument(req, field, `must be an integer in [${min}, ${max}], got ${String(v)}`, v);
  }
  return v;
}

/** An optional integer field in [min, max]. */
export function optionalInt<Q extends RawRequest>(
  req: Q,
  field: keyof Q & string,
  min: number,
  max: number,
): number | undefined {
  return req[field] === undefined ? undefined : int(req, field, min, max);
}

/** Longest name of a partition, semaphore or queue (characters): what a syscall may name. */
export const MAX_OBJECT_NAME = 64;

/** Whether `v` can name a kernel object: a string of 1-{@link MAX_OBJECT_NAME} characters. */
export function isObjectName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_OBJECT_NAME;
}

/** An object name: a string of 1-64 characters. */
export function name<Q extends RawRequest>(req: Q, field: keyof Q & string): string {
  const v = req[field];
  if (!isObjectName(v)) {
    throw new KernelError("BAD_ARGUMENT", `${req.op}: ${field} must be a name`, { op: req.op, field, value: v });
  }
  return v;
}

/** An optional string field. */
export function optionalString<Q extends RawRequest>(req: Q, field: keyof Q & string): string | undefined {
  const v = req[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badArgument(req, field, "must be a string", v);
  return v;
}

/** One of the given strings. */
export function oneOf<Q extends RawRequest, const V extends string>(
  req: Q,
  field: keyof Q & string,
  values: readonly V[],
): V {
  const v = req[field];
  if (typeof v !== "string" || !values.includes(v as V)) {
    throw badArgument(req, field, `must be ${values.map((x) => JSON.stringify(x)).join(" or ")}`, v);
  }
  return v as V;
}

/** An optional timeout: `{ ticks }` (an integer >= 0) or `{ ms }` (>= 0). */
export function timeout<Q extends RawRequest & { readonly timeout?: unknown }>(req: Q): Delay | undefined {
  const t = req.timeout as { ticks?: unknown; ms?: unknown } | undefined;
  if (t === undefined) return undefined;
  if (typeof t === "object" && t !== null) {
    if (typeof t.ticks === "number" && Number.isInteger(t.ticks) && t.ticks >= 0) return { ticks: t.ticks };
    if (typeof t.ms === "number" && Number.isFinite(t.ms) && t.ms >= 0) return { ms: t.ms };
  }
  throw new KernelError("BAD_ARGUMENT", `${req.op}: timeout must be { ticks } or { ms } >= 0`, {
    op: req.op,
    field: "timeout",
  });
}

/**
 * Whether a wait of `wait` ends before it starts: a timeout of 0 ticks (`{ ticks: 0 }`,
 * `{ ms: 0 }`), which polls, as FreeRTOS's `xSemaphoreTake(s, 0)` and `xQueueReceive(q, p, 0)`
 * return at once instead of blocking (no switch, no SysTick wake). A wait too long for the
 * clock does not poll (blocking on it is what refuses it, only when the task would block).
 */
export function polls(sched: SyscallContext["sched"], wait: Delay | undefined): boolean {
  if (wait === undefined) return false;
  try {
    return sched.clock.ticksFor(wait) === 0;
  } catch {
    return false;
  }
}

/**
 * The caller's buffer [ptr, ptr + length), read for a syscall as the kernel reads a task's
 * buffer: checked as {@link accessible} (`BAD_POINTER` for a buffer the caller may not read),
 * then with the checker on its bytes are the syscall's input, checked as Memcheck checks a
 * syscall's parameters (an uninitialized byte is an `uninitialized-read` report naming
 * `<op>(ptr)`, which stops the caller only under the checker's "stop" policy), and read
 * unprivileged (LDRT) for a task that is not privileged, as a copy: passing the bytes on is no
 * further use of them.
 */
export function readBuffer(ctx: SyscallContext, req: RawRequest, ptr: number, length: number): Uint8Array {
  accessible(ctx, req, ptr, length, "read");
  const { kernel, caller } = ctx;
  const checker = kernel.checker;
  const unprivileged = !caller.privileged;
  if (checker === null) return kernel.machine.core.readBytes(ptr, length, unprivileged);
  checker.checkSyscallParam(makeActor(ActorMode.User, caller.id), ptr, length, `${String(req.op)}(ptr)`);
  return checker.readAsCopy(ptr, length, unprivileged);
}

/**
 * Checks the caller may `kind` the buffer [ptr, ptr + length) itself, by its own MPU view (and
 * the checker's byte states): `BAD_POINTER` otherwise, nothing touched. When the MPU allows it
 * and the checker does not (a freed block, a redzone), the checker files the report the task's
 * own access would have made (`use-after-free` with the block's sites...) and the error carries
 * it (`context.report`), so the fault record shows the diagnosis.
 */
export function accessible(
  ctx: SyscallContext,
  req: RawRequest,
  ptr: number,
  length: number,
  kind: "read" | "write",
): void {
  const { kernel, caller } = ctx;
  const why = kernel.validateBuffer(caller, ptr, length, kind);
  if (why === null) return;
  const checker = kernel.checker;
  const byChecker = checker !== null && checkBuffer(kernel.machine, null, caller, ptr, length, kind) === null;
  const report = byChecker ? checker.diagnoseBuffer(makeActor(ActorMode.User, caller.id), ptr, length, kind) : null;
  throw new KernelError("BAD_POINTER", `${req.op}: task ${caller.name} passed a buffer it may not ${kind}: ${why}`, {
    op: req.op,
    ptr,
    length,
    ...(report ? { report } : {}),
  });
}
