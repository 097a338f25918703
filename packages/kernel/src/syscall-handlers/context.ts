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
export type Untrusted<R> = { readonly op: string } & { readonly [F in Exclude<keyof R, "op">]?: unknown };

/** What every handler is given: the kernel, the caller (kernel record and scheduler task), the scheduler. */
export interface SyscallContext {
  readonly kernel: Kernel;
  readonly caller: KTask;
  readonly task: Task<KTask>;
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
