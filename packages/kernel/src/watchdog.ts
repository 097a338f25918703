import { ActorMode, actorMode, type Core } from "@rtos-sim/hw";
import { KernelError } from "./errors.js";

/**
 * The kernel's watchdog interrupt, on the core's cycle alarm (`Core.setAlarm`): JavaScript
 * cannot interrupt a generator, but every memory access and every charged computation of a task
 * goes through the core, so a task that runs past its budget without giving up the CPU is
 * stopped at the first access (or `t.compute`) past it, like a watchdog interrupt preempting it.
 * The error is latched on the core, so a task that catches it cannot go on. Kernel and allocator
 * work (a syscall working for the task) is never interrupted, so its metadata stays consistent:
 * the alarm waits for the task's own next access. It costs nothing per access (the core's fast
 * paths already count down to the next alarm).
 *
 * @example
 * ```ts
 * const dog = new Watchdog(machine.core, 84_000);
 * dog.arm("sensor"); // at a switch to the task
 * dog.disarm();      // at the switch away
 * ```
 */
export class Watchdog {
  /** Name of the running task (for the message). */
  task = "";
  /** Cycle count when the running task got the CPU. */
  start = 0;
  private readonly fire = (): void => this.check();

  constructor(
    private readonly core: Core,
    /** Cycles a task may run without giving up the CPU. */
    readonly budget: number,
  ) {}

  /** A task gets the CPU: its budget starts now. */
  arm(task: string): void {
    this.task = task;
    this.start = this.core.cycles;
    this.core.setAlarm(this.start + this.budget, this.fire);
  }

  /** No task runs. */
  disarm(): void {
    this.core.setAlarm(Number.POSITIVE_INFINITY, null);
  }

  /** The alarm: trips on the task's own code, else waits for its next access. */
  private check(): void {
    if (actorMode(this.core.actor) !== ActorMode.User) {
      this.core.setAlarm(this.core.cycles, this.fire);
      return;
    }
    const used = this.core.cycles - this.start;
    const err = new KernelError(
      "WATCHDOG",
      `watchdog: task "${this.task}" ran ${used} cycles (budget ${this.budget}) without yielding the CPU`,
      { task: this.task, cycles: used, budget: this.budget },
    );
    this.core.latch(err);
    throw err;
  }
}
