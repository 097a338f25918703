import { calloc } from "./calloc.js";
import type { KernelSyscallOp, SchedulerOp, SyscallHandler } from "./context.js";
import { dmaCopy } from "./dma-copy.js";
import { exit } from "./exit.js";
import { free } from "./free.js";
import { grant } from "./grant.js";
import { info } from "./info.js";
import { malloc } from "./malloc.js";
import { mutexLock } from "./mutex-lock.js";
import { mutexUnlock } from "./mutex-unlock.js";
import { nextPeriod } from "./next-period.js";
import { print } from "./print.js";
import { realloc } from "./realloc.js";
import { receive } from "./receive.js";
import { semGive } from "./sem-give.js";
import { semTake } from "./sem-take.js";
import { send } from "./send.js";

/**
 * The kernel's syscalls: one handler (and one file) per op. The mapped type makes a missing or
 * mistyped handler a compile error: every op of `SyscallRequests` but the scheduler's own
 * ({@link SCHEDULER_OPS}) must be here, taking that op's request and returning its result.
 * Adding a syscall is its request and result in `syscalls.ts`, one file here, one line in this
 * table, a typed helper on `TaskContext`, and a row in the kernel README (checked by a test).
 */
export const SYSCALL_HANDLERS = {
  malloc,
  calloc,
  free,
  realloc,
  /** The `sem-take` handler: takes a unit or blocks the caller. */
  "sem-take": semTake,
  /** The `sem-give` handler: gives a unit to a taker or to the count. */
  "sem-give": semGive,
  /** The `mutex-lock` handler: locks a mutex or blocks the caller, its owner inheriting the caller's priority. */
  "mutex-lock": mutexLock,
  /** The `mutex-unlock` handler: hands the mutex to its highest-priority waiter, or frees it. */
  "mutex-unlock": mutexUnlock,
  send,
  receive,
  print,
  /** The `dma-copy` handler: checks both buffers, programs the DMA, waits for it. */
  "dma-copy": dmaCopy,
  grant,
  info,
  exit,
  /** The `next-period` handler: ends a periodic task's job and sleeps until its next release. */
  "next-period": nextPeriod,
} as const satisfies { readonly [K in KernelSyscallOp]: SyscallHandler<K> };

/** The syscalls the scheduler carries out itself (yield and sleep): the kernel's table leaves them out. */
export const SCHEDULER_OPS = {
  /** `yield`: the scheduler puts the caller back in the ready queue. */
  yield: "scheduler",
  /** `sleep`: the scheduler blocks the caller for whole ticks. */
  sleep: "scheduler",
} as const satisfies Readonly<Record<SchedulerOp, "scheduler">>;

/** Every syscall op: the scheduler's, then the kernel's in table order. */
export const SYSCALL_OPS: readonly (SchedulerOp | KernelSyscallOp)[] = Object.freeze([
  ...(Object.keys(SCHEDULER_OPS) as SchedulerOp[]),
  ...(Object.keys(SYSCALL_HANDLERS) as KernelSyscallOp[]),
]);

/** The handler of `op`, or undefined (unknown op, or one the scheduler carries out). */
export function handlerFor(op: string): SyscallHandler<KernelSyscallOp> | undefined {
  return Object.hasOwn(SYSCALL_HANDLERS, op)
    ? (SYSCALL_HANDLERS[op as KernelSyscallOp] as SyscallHandler<KernelSyscallOp>)
    : undefined;
}
