import { type AccessHook, type AccessKind, ActorMode, type Core } from "@rtos-sim/hw";
import { KernelError } from "./errors.js";

/**
 * The kernel's watchdog as an access hook: JavaScript cannot interrupt a generator, but every
 * memory access of a task goes through the core, so a task that loops touching memory past its
 * cycle budget is stopped at its next access, like a watchdog interrupt preempting it. The error
 * is latched on the core, so a task that catches it cannot go on. Kernel and allocator accesses
 * (a syscall working for the task) are never interrupted: their metadata stays consistent.
 * Accesses then go on to the inner hook (the memory checker), when there is one. Installed with
 * the kernel option `watchdogInterrupt` (every access of a task then calls it; it offers no
 * filter, since a filtered access would escape the budget check).
 */
export class WatchdogHook implements AccessHook {
  /** Core cycle count past which the running task's next access trips the watchdog. */
  deadline = Number.POSITIVE_INFINITY;
  /** Name of the running task (for the message). */
  task = "";
  /** Cycle count when the running task got the CPU. */
  start = 0;

  constructor(
    private readonly core: Core,
    /** Cycles a task may run without giving up the CPU. */
    readonly budget: number,
    /** The next hook (the memory checker), or null. */
    readonly inner: AccessHook | null,
  ) {}

  /** A task gets the CPU: its budget starts now. */
  arm(task: string): void {
    this.task = task;
    this.start = this.core.cycles;
    this.deadline = this.start + this.budget;
  }

  /** No task runs. */
  disarm(): void {
    this.deadline = Number.POSITIVE_INFINITY;
  }

  /** Trips on a task (user-mode) access past the deadline, then passes the access to the inner hook. */
  onAccess(address: number, size: number, kind: AccessKind, privileged: boolean, actor: number): void {
    if ((actor & 3) === ActorMode.User && this.core.cycles > this.deadline) this.trip();
    if (this.inner !== null) this.inner.onAccess(address, size, kind, privileged, actor);
  }

  private trip(): never {
    const used = this.core.cycles - this.start;
    this.deadline = Number.POSITIVE_INFINITY;
    const err = new KernelError(
      "WATCHDOG",
      `watchdog: task "${this.task}" ran ${used} cycles (budget ${this.budget}) without yielding the CPU`,
      { task: this.task, cycles: used, budget: this.budget },
    );
    this.core.latch(err);
    throw err;
  }
}
