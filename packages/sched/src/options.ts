import type { Machine } from "@rtos-sim/hw";
import { SchedError } from "./errors.js";
import type { StateCause } from "./events.js";
import type { Scheduler } from "./scheduler.js";
import type { FaultReason, SyscallRequest, Task, TaskState } from "./task.js";

/** What the scheduler needs of a machine: the board clock, the core's cycle counter, its SysTick. */
export type SchedulerMachine = Pick<Machine, "board" | "core"> & {
  /** The SysTick timer the scheduler drives (`SchedulerOptions.driveSysTick`); optional. */
  readonly systick?: Machine["systick"] | undefined;
};

/**
 * The kernel's syscall handler, called for every request whose op is not a built-in one
 * (`yield`, `sleep`), while the task is `running`:
 * - return a value: the task continues at once (no switch) and its `yield` evaluates to it;
 * - or change the task's state through the scheduler before returning: `scheduler.yield(task)`,
 *   `scheduler.sleep(task, d)`, `waitQueue.block(task, timeout?)`, `scheduler.stop(task)`,
 *   `scheduler.fault(task, reason)`. The task then gives up the CPU; after a yield or a sleep it
 *   resumes with the returned value, after a block with the wake value (or {@link TIMEOUT});
 * - throw: the task is faulted with kind `syscall-error` and the thrown value as its error.
 */
export type SyscallHandler<D = unknown> = (task: Task<D>, request: SyscallRequest, scheduler: Scheduler<D>) => unknown;

/** A hook about one task. */
export type TaskHook<D = unknown> = (task: Task<D>, scheduler: Scheduler<D>) => void;

/** The `onState` hook: a task's change of state (the fields of a `state` event). */
export type StateHook<D = unknown> = (
  task: Task<D>,
  from: TaskState,
  to: TaskState,
  cause: StateCause,
  time: number,
  wakeTick: number | undefined,
) => void;

/** What `switchOut` is told about the slice that ends. */
export interface SliceInfo {
  /** Generator steps in the slice. */
  readonly steps: number;
  /** Cycles from the end of `switchIn` to the end of the slice. */
  readonly cycles: number;
  /** The task was restarted during the slice (its old context is gone). */
  readonly restarted: boolean;
}

/** What the idle hook is told: nothing is ready at `from`; time jumps to `to`, or the run ends (`to` null). */
export interface IdleInfo {
  /** Cycle at which nothing is ready. */
  readonly from: number;
  /**
   * Cycle time jumps to (the next timer's wake, capped at the run's `until`), or null: no timer pending, the run ends.
   */
  readonly to: number | null;
}

/** Cycles charged besides memory accesses. */
export interface SchedCosts {
  /** Per syscall request (SVC entry). Default 12 (Cortex-M3/M4 exception entry latency). */
  readonly syscall?: number | undefined;
  /**
   * Per context switch (the CPU passes to another task). Default 0: the kernel's stacking,
   * unstacking and MPU reload are real accesses the core charges; set this for a pure model.
   */
  readonly contextSwitch?: number | undefined;
}

/**
 * Watchdog budgets for one slice (from the task's dispatch until it gives up the CPU by yielding,
 * sleeping, blocking or finishing). Checked each time the task yields a request: JavaScript
 * cannot interrupt a generator, so a loop that never yields is never caught (it hangs the run);
 * a task that does yield is faulted at the first yield past the budget.
 */
export interface WatchdogOptions {
  /** Most cycles a slice may take (accesses, syscall costs, the kernel's work). Default: none. */
  readonly cycles?: number | undefined;
  /** Most generator steps a slice may take (catches tasks that never touch memory). Default: none. */
  readonly steps?: number | undefined;
}

/** Options of the {@link Scheduler}; each field documents its default. */
export interface SchedulerOptions<D = unknown> {
  /** The machine: `board.clockHz` sets the cycle rate, `core.cycles` is charged per access. */
  readonly machine: SchedulerMachine;
  /** SysTick rate in ticks per second. Default 1000. `clockHz / tickHz` must be an integer in 1..2^24. */
  readonly tickHz?: number | undefined;
  /** Number of priority levels, 1..32 (0 lowest). Default 32. */
  readonly priorities?: number | undefined;
  /**
   * Round-robin timeslice in ticks, or `"none"` (default): cooperative, a task runs until it
   * yields, sleeps, blocks or ends. With a number, the running task is preempted at its next
   * syscall once a higher-priority task is ready, or once it has run that many ticks' worth of
   * cycles in this slice and a task of its own priority is ready.
   */
  readonly timeslice?: "none" | number | undefined;
  /** Cycles charged per syscall and per context switch. Default `{ syscall: 12, contextSwitch: 0 }`. */
  readonly costs?: SchedCosts | undefined;
  /** Default: no watchdog. */
  readonly watchdog?: WatchdogOptions | undefined;
  /** The kernel's syscalls. Default: none (any op but yield and sleep faults the task). */
  readonly syscall?: SyscallHandler<D> | undefined;
  /** Turn on `core.countCycles` so accesses are charged. Default true. */
  readonly countCycles?: boolean | undefined;
  /** Program the machine's SysTick (RVR = cyclesPerTick - 1, enabled) and advance it with time. Default true. */
  readonly driveSysTick?: boolean | undefined;
  /** A task receives the CPU (after the switch is counted, before its first step): load its MPU config, unstack. */
  readonly switchIn?: ((task: Task<D>, from: Task<D> | null, scheduler: Scheduler<D>) => void) | undefined;
  /**
   * A task gives up the CPU (its state says why): stack its frame. `slice.restarted` is true when
   * the context `switchIn` loaded was discarded by `restart()` during the slice (the kernel has
   * already built the new one: do not stack the old one over it).
   */
  readonly switchOut?: ((task: Task<D>, scheduler: Scheduler<D>, slice: SliceInfo) => void) | undefined;
  /**
   * A run's time limit paused the running task's slice: it keeps the CPU, in state `running`,
   * and its slice goes on at the next `run()` or `step()` with no switch (as a debugger halting
   * the core: no context is saved). The kernel disarms the watchdog and leaves the core in its
   * own state, so code between runs does not act as the task.
   */
  readonly pause?: TaskHook<D> | undefined;
  /** The paused slice goes on (see `pause`): the task's core state back, before its next step. */
  readonly resume?: TaskHook<D> | undefined;
  /** Before each generator step (e.g. the instruction-fetch check at the task's code address). */
  readonly beforeStep?: TaskHook<D> | undefined;
  /**
   * After each generator step, before its request is carried out (also when the step threw):
   * the kernel checks `core.pendingFault` and calls `scheduler.fault(task, reason)`, so a task
   * that caught its own fault does not go on.
   */
  readonly afterStep?: TaskHook<D> | undefined;
  /**
   * Every change of a task's state, as it happens and before the `state` event's listeners (the
   * kernel's own bookkeeping, which is always on): the fields of that event, with no event
   * object built, so a switch that nobody else observes allocates nothing for it. `time` is the
   * clock's cycle count; `wakeTick` is set for `timer`/`timeout` wakes only.
   */
  readonly onState?: StateHook<D> | undefined;
  /** Every fault, after the task entered `faulted` (the kernel's fault policy: restart, stop, halt). */
  readonly onFault?: ((task: Task<D>, reason: FaultReason, scheduler: Scheduler<D>) => void) | undefined;
  /**
   * Every {@link Scheduler.restart}, whoever calls it, after its checks and before the task gets
   * its fresh generator (its `stats` are still those of the run that ended): the kernel frees
   * what the task held and writes its first frame again here.
   */
  readonly beforeRestart?: TaskHook<D> | undefined;
  /** Nothing is ready. The hook may make a task ready (e.g. a device interrupt); then time does not jump. */
  readonly idle?: ((info: IdleInfo, scheduler: Scheduler<D>) => void) | undefined;
}

/** Validated numeric options. */
export interface ResolvedOptions {
  readonly tickHz: number;
  readonly priorities: number;
  /** Ticks of a timeslice, or 0 for cooperative. */
  readonly timesliceTicks: number;
  readonly syscallCost: number;
  readonly switchCost: number;
  readonly budgetCycles: number;
  readonly budgetSteps: number;
}

/** How a value that is not the object asked for is named in an error's context: `null`, or its type. */
export function shape(v: unknown): string {
  return v === null ? "null" : typeof v;
}

function count(value: unknown, option: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new SchedError("SCHED_OPTION", `${option} must be an integer >= ${min}`, { option, value });
  }
  return value;
}

/**
 * Watchdog budgets checked and resolved (`SCHED_OPTION` when the option is not an object of
 * `cycles` and `steps`, or one is not an integer >= 1; absent is 0, none).
 */
export function resolveBudgets(
  w: WatchdogOptions | undefined,
  option: string,
): { readonly budgetCycles: number; readonly budgetSteps: number } {
  // Anything but `{ cycles?, steps? }` read as `{}`, no budget: `watchdog: 5000` or a misspelt
  // `{ cycle: 5000 }` turned the watchdog off.
  if (w !== undefined) {
    if (typeof w !== "object" || w === null) {
      throw new SchedError("SCHED_OPTION", `${option} must be an object { cycles?, steps? }`, {
        option,
        value: shape(w),
      });
    }
    for (const key of Object.keys(w)) {
      if (key !== "cycles" && key !== "steps") {
        throw new SchedError("SCHED_OPTION", `${option}.${key} is not a watchdog option: it has cycles and steps`, {
          option: `${option}.${key}`,
        });
      }
    }
  }
  return {
    budgetCycles: w?.cycles === undefined ? 0 : count(w.cycles, `${option}.cycles`, 1),
    budgetSteps: w?.steps === undefined ? 0 : count(w.steps, `${option}.steps`, 1),
  };
}

/** The options that are the kernel's hooks: each a function when given. */
const HOOKS = [
  "syscall",
  "switchIn",
  "switchOut",
  "pause",
  "resume",
  "beforeStep",
  "afterStep",
  "onState",
  "onFault",
  "beforeRestart",
  "idle",
] as const satisfies readonly (keyof SchedulerOptions<unknown>)[];

/**
 * Checks every option (throws `SCHED_OPTION`); budgets of 0 mean "none". A hook that is not a
 * function, or a flag that is not a boolean, failed with a TypeError in the middle of a run (a
 * syscall handler: a task faulted for the scheduler's own mistake).
 */
export function resolveOptions<D>(o: SchedulerOptions<D>): ResolvedOptions {
  // Without these two checks a missing options object or machine was a TypeError.
  if (typeof o !== "object" || o === null) {
    throw new SchedError("SCHED_OPTION", "the options must be an object", { option: "options", value: shape(o) });
  }
  const m = o.machine as Partial<SchedulerMachine> | null | undefined;
  if (
    typeof m !== "object" ||
    m === null ||
    typeof m.core !== "object" ||
    m.core === null ||
    typeof m.board?.clockHz !== "number"
  ) {
    throw new SchedError("SCHED_OPTION", "machine must be a machine (createMachine): its board and core", {
      option: "machine",
      value: shape(m),
    });
  }
  for (const hook of HOOKS) {
    const f = o[hook];
    if (f !== undefined && typeof f !== "function") {
      throw new SchedError("SCHED_OPTION", `${hook} must be a function`, { option: hook, value: shape(f) });
    }
  }
  for (const flag of ["countCycles", "driveSysTick"] as const) {
    const v = o[flag];
    if (v !== undefined && typeof v !== "boolean") {
      throw new SchedError("SCHED_OPTION", `${flag} must be a boolean`, { option: flag, value: shape(v) });
    }
  }
  const priorities = count(o.priorities ?? 32, "priorities", 1);
  if (priorities > 32)
    throw new SchedError("SCHED_OPTION", "at most 32 priorities", { option: "priorities", value: priorities });
  const ts = o.timeslice ?? "none";
  const timesliceTicks = ts === "none" ? 0 : count(ts, "timeslice", 1);
  return {
    tickHz: o.tickHz ?? 1000,
    priorities,
    timesliceTicks,
    syscallCost: count(o.costs?.syscall ?? 12, "costs.syscall", 0),
    switchCost: count(o.costs?.contextSwitch ?? 0, "costs.contextSwitch", 0),
    ...resolveBudgets(o.watchdog, "watchdog"),
  };
}
