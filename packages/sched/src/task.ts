import type { QueueNode, ReadyQueue } from "./ready-queue.js";
import type { TimerNode } from "./timer-heap.js";

/**
 * A task's state.
 * - `ready`: in the ready queue of its priority.
 * - `running`: the task the scheduler is stepping now (at most one).
 * - `sleeping`: in the timer queue until its wake tick.
 * - `blocked`: in a {@link WaitQueue}, and in the timer queue too when the wait has a timeout.
 * - `faulted`: stopped by a fault; it runs no more code until restarted.
 * - `stopped`: finished (its generator returned) or killed.
 */
export type TaskState = "ready" | "running" | "sleeping" | "blocked" | "faulted" | "stopped";

/**
 * What a task yields: a plain object naming the operation. The scheduler itself interprets
 * `{ op: "yield" }` and `{ op: "sleep", ticks }` / `{ op: "sleep", ms }`; every other op goes to
 * the kernel's {@link SyscallHandler}.
 */
export interface SyscallRequest {
  /** The operation: `yield` and `sleep` are the scheduler's, any other goes to the {@link SyscallHandler}. */
  readonly op: string;
  readonly [field: string]: unknown;
}

/**
 * A task body as the scheduler runs it: a generator yielding syscall requests and receiving
 * their results. Its return value becomes `task.exitValue`. (Task code written for the kernel
 * is a `TaskProgram` of `@rtos-sim/kernel`, which yields the kernel's syscalls: a different type.)
 *
 * TypeScript wants a `return` in a generator function declared to return `SchedProgram` (the
 * return type is `unknown`); a body that ends without one declares
 * `Generator<SyscallRequest, void, unknown>`, which is a `SchedProgram` too.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { Scheduler, type SyscallRequest, type SchedProgram } from "@rtos-sim/sched";
 * function* blink(times: number): Generator<SyscallRequest, void, unknown> {
 *   for (let i = 0; i < times; i++) yield { op: "sleep", ms: 500 };
 * }
 * function* worker(): SchedProgram {
 *   const got = yield { op: "recv" };
 *   return got; // task.exitValue
 * }
 * const sched = new Scheduler({ machine: createMachine(STM32F407) });
 * sched.spawn({ name: "blink", priority: 1, entry: () => blink(3) });
 * ```
 */
export type SchedProgram = Generator<SyscallRequest, unknown, unknown>;

/** Makes a fresh task body (called at spawn and at each restart). */
export type TaskEntry = () => SchedProgram;

/**
 * Why a task was faulted. The scheduler raises `watchdog`, `uncaught` (the generator threw),
 * `bad-syscall` (a yielded value that is not a request, or a bad sleep), `unknown-syscall` (no
 * handler for the op), `syscall-error` (the handler threw) and `kernel-error` (a hook threw);
 * the kernel passes its own kinds (e.g. `memmanage`, `busfault`, `checker`).
 */
export interface FaultReason {
  /** Short machine-readable kind. */
  readonly kind: string;
  /**
   * One line a person can read, e.g.
   * `watchdog: task "spin" ran 5000 cycles (budget 4000) without yielding the CPU`.
   */
  readonly message: string;
  /** The underlying error (a hw `Fault`, a thrown value), when there is one. */
  readonly error?: unknown;
}

/** Per-task counters, all since spawn or the last restart. */
export interface TaskStats {
  /** Times the task was dispatched (given the CPU). */
  readonly slices: number;
  /** Generator resumptions (`next`/`throw`/`return` calls). */
  readonly steps: number;
  /** Syscall requests yielded. */
  readonly syscalls: number;
  /** Cycles charged while the task held the CPU (its accesses, syscalls, the kernel's work for it). */
  readonly cycles: number;
}

/** The read-only view of a task the scheduler hands out. `D` is the kernel's per-task data. */
export interface Task<D = unknown> {
  /** Unique, in spawn order from 1. */
  readonly id: number;
  /** The name given at spawn (as a string). */
  readonly name: string;
  /** 0 (lowest) .. priorities-1 (highest). */
  readonly priority: number;
  /** Current state (see {@link TaskState}). */
  readonly state: TaskState;
  /** The kernel's data for this task (MPU configuration, heap...), as given to spawn. */
  readonly data: D;
  /** Why the task faulted (state `faulted`), else null. */
  readonly fault: FaultReason | null;
  /** The generator's return value once it finished, else undefined. */
  readonly exitValue: unknown;
  /** Wake tick while sleeping or blocked with a timeout, else null. */
  readonly wakeAt: number | null;
  /** The name of the {@link WaitQueue} the task is blocked in (e.g. the kernel's `sem:lock`), else null. */
  readonly waitQueue: string | null;
  /** True between `stop(task)` and the end of its unwinding (its `finally` blocks). */
  readonly stopping: boolean;
  /** Times the task was restarted. */
  readonly restarts: number;
  /** Counters since spawn or the last restart. */
  readonly stats: TaskStats;
}

/**
 * The scheduler's own record of a task (the task control block), owned by the scheduler's task
 * table: the table changes its state and queue links, the dispatcher its per-slice fields
 * (resume value, counters). Not exported from the package.
 */
export class Tcb<D = unknown> implements Task<D>, QueueNode, TimerNode, TaskStats {
  readonly id: number;
  readonly name: string;
  priority: number;
  state: TaskState = "ready";
  data: D;
  fault: FaultReason | null = null;
  exitValue: unknown = undefined;
  stopping = false;
  restarts = 0;
  readonly entry: TaskEntry;
  program: SchedProgram;
  /** The task table holding it (a task of another scheduler is refused with `TASK_UNKNOWN`). */
  readonly owner: object;

  // ready queue / wait queue links
  qNext: QueueNode | null = null;
  qPrev: QueueNode | null = null;
  qOwner: ReadyQueue<QueueNode> | null = null;
  qLevel = 0;
  // timer heap
  wakeTick = 0;
  timerSeq = 0;
  heapIndex = -1;
  /** The wait queue the task is blocked on. */
  waitingOn: { readonly lists: ReadyQueue<Tcb<D>>; readonly name: string } | null = null;

  /** Value the next `next()` passes in. */
  resumeValue: unknown = undefined;
  /** Set by a block: the handler's return value must not overwrite the wake value. */
  valueLocked = false;
  /** Error to deliver with `throw()` at the next resume. */
  pendingThrow: { readonly error: unknown } | null = null;

  /** The task's own watchdog budgets (`SpawnOptions.watchdog`; 0 is none), else null: the scheduler's. */
  budgets: { readonly budgetCycles: number; readonly budgetSteps: number } | null = null;

  /** Cycles and steps of a slice a run's time limit paused (or a halt ended): its watchdog budget goes on from there when it resumes. */
  carryCycles = 0;
  carrySteps = 0;

  slices = 0;
  steps = 0;
  syscalls = 0;
  cycles = 0;

  constructor(owner: object, id: number, name: string, priority: number, entry: TaskEntry, data: D) {
    this.owner = owner;
    this.id = id;
    this.name = name;
    this.priority = priority;
    this.entry = entry;
    this.data = data;
    this.program = entry();
  }

  get stats(): TaskStats {
    return { slices: this.slices, steps: this.steps, syscalls: this.syscalls, cycles: this.cycles };
  }

  /** Wake tick while in the timer heap. */
  get wakeAt(): number | null {
    return this.heapIndex >= 0 ? this.wakeTick : null;
  }

  get waitQueue(): string | null {
    return this.waitingOn?.name ?? null;
  }
}
