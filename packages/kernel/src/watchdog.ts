import { ActorMode, actorMode, type Core } from "@rtos-sim/hw";
import type { AlarmSlot } from "./alarm-mux.js";
import { KernelError } from "./errors.js";

/** The default watchdog budget, in SysTick periods (`KernelOptions.watchdogCycles`). */
export const WATCHDOG_TICKS = 10;

/**
 * The kernel's watchdog interrupt, on the core's cycle alarm (`Core.setAlarm`, or the channel of
 * it the kernel's `AlarmMux` gives it beside the SysTick's): JavaScript
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
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { Watchdog } from "@rtos-sim/kernel";
 * const machine = createMachine(STM32F407);
 * const dog = new Watchdog(machine.core);
 * dog.arm("sensor", 1_680_000); // at a switch to the task: its budget in cycles
 * dog.disarm(); // at the switch away
 * ```
 */
export class Watchdog {
  /** Name of the running task (for the message). */
  task = "";
  /** Cycle count when the running task got the CPU. */
  start = 0;
  /** The running task's budget in cycles (0: none). */
  budget = 0;
  private readonly fire = (due: number): void => this.check(due);

  /** `alarm`: where the interrupt's alarm is set (the core's own slot by default). */
  constructor(
    private readonly core: Core,
    private readonly alarm: AlarmSlot = core,
  ) {}

  /** A task gets the CPU: its budget of `cycles` (0: none) starts now. */
  arm(task: string, cycles: number): void {
    this.task = task;
    this.budget = cycles;
    this.start = this.core.cycles;
    if (cycles > 0) this.alarm.setAlarm(this.start + cycles, this.fire);
    else this.disarm();
  }

  /**
   * A task's slice paused by a run's time limit goes on: its budget of `cycles` (0: none) less the `used`
   * cycles the slice already ran (the budget is not renewed by running in time windows, as the
   * scheduler's is not).
   */
  resume(task: string, cycles: number, used: number): void {
    this.arm(task, cycles);
    this.start -= used;
    if (cycles > 0) this.alarm.setAlarm(this.start + cycles, this.fire);
  }

  /** Cycles since the running task's budget started (what its slice has used). */
  used(): number {
    return this.core.cycles - this.start;
  }

  /** No task runs. */
  disarm(): void {
    this.alarm.setAlarm(Number.POSITIVE_INFINITY, null);
  }

  /** The alarm (`due`: the count the access would bring): trips on the task's own code, else waits for its next access. */
  private check(due: number): void {
    if (actorMode(this.core.actor) !== ActorMode.User) {
      this.alarm.setAlarm(this.core.cycles, this.fire);
      return;
    }
    const used = due - this.start;
    const err = new KernelError(
      "WATCHDOG",
      `task "${this.task}" would run ${used} cycles (budget ${this.budget}) without yielding the CPU`,
      { task: this.task, cycles: used, budget: this.budget },
    );
    this.core.latch(err);
    throw err;
  }
}
