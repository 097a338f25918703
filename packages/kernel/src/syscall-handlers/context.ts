import type { Scheduler, Task } from "@rtos-sim/sched";
import type { Kernel } from "../kernel.js";
import type { SyscallOf, SyscallOp, SyscallResults } from "../syscalls.js";
import type { KTask } from "../task-record.js";

/** Syscalls the scheduler carries out itself (the kernel's handler never sees them). */
export type SchedulerOp = "yield" | "sleep";

/** Syscalls the kernel's handler table carries out. */
export type KernelSyscallOp = Exclude<SyscallOp, SchedulerOp>;

/**
 * What a handler returns when its caller does not resume with a value now: it blocked (it gets
 * the wake value or `TIMEOUT` later) or it stopped.
 */
export const SUSPENDED: unique symbol = Symbol("rtos-sim.kernel.suspended");

/** The type of {@link SUSPENDED}. */
export type Suspended = typeof SUSPENDED;

/** A request as it arrives: its op is known (the dispatcher chose the handler by it), every other field is untrusted. */
export type Untrusted<R> = {
  /** The syscall's op (a string: the handler for it was chosen by it). */
  readonly op: string;
} & { readonly [F in Exclude<keyof R, "op">]?: unknown };

/** What every handler is given: the kernel, the caller (kernel record and scheduler task), the scheduler. */
export interface SyscallContext {
  /** The kernel. */
  readonly kernel: Kernel;
  /** The calling task's kernel record (its rights, heap, plan, TCB). */
  readonly caller: KTask;
  /** The calling task as the scheduler knows it (what blocking, waking and stopping take). */
  readonly task: Task<KTask>;
  /** The scheduler (time, sleeps, faults). */
  readonly sched: Scheduler<KTask>;
}

/**
 * One syscall's handler, run in Handler mode with the caller's MPU plan loaded: it validates
 * every field of the untrusted request (a malformed one faults the caller, see the kernel
 * README's rule for bad arguments) and returns the syscall's result, typed by
 * {@link SyscallResults}, or {@link SUSPENDED}.
 */
export type SyscallHandler<K extends KernelSyscallOp> = (
  ctx: SyscallContext,
  req: Untrusted<SyscallOf<K>>,
) => SyscallResults[K] | Suspended;
