import type { Duration } from "./clock.js";
import { SchedError } from "./errors.js";
import { shape } from "./options.js";
import { ReadyQueue } from "./ready-queue.js";
import type { Scheduler } from "./scheduler.js";
import type { Task, Tcb } from "./task.js";

/**
 * The value a blocked task resumes with when its wait timed out (its `yield` evaluates to it).
 *
 * @example
 * ```ts
 * import { TIMEOUT, type SchedProgram } from "@rtos-sim/sched";
 * function* consumer(): SchedProgram {
 *   const got = yield { op: "sem-take", timeoutMs: 5 };
 *   if (got === TIMEOUT) return "no item within 5 ms";
 *   return got;
 * }
 * ```
 */
export const TIMEOUT: unique symbol = Symbol.for("rtos-sim.sched.timeout");

/** Order in which a {@link WaitQueue} wakes its tasks. */
export type WaitOrder = "priority" | "fifo";

/** Options of a {@link WaitQueue}. */
export interface WaitQueueOptions {
  /** Shown in reports. Default "wait". */
  readonly name?: string | undefined;
  /** `"priority"` (default): highest priority first, FIFO among equals; `"fifo"`: arrival order. */
  readonly order?: WaitOrder | undefined;
}

/**
 * Tasks waiting for something (a semaphore count, a queue slot, a message): the primitive the
 * kernel builds semaphores, mutexes and queues on. The kernel blocks the running task from its
 * syscall handler, and wakes one or all when the thing arrives; a wait with a timeout that
 * expires first resumes the task with {@link TIMEOUT}.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { Scheduler, TIMEOUT, WaitQueue } from "@rtos-sim/sched";
 * const buffer: unknown[] = [];
 * const sched = new Scheduler({
 *   machine: createMachine(STM32F407),
 *   // the syscall handler, for { op: "recv", timeoutMs }:
 *   syscall: (task, req) => {
 *     if (buffer.length > 0) return buffer.shift();
 *     items.block(task, { ms: Number(req.timeoutMs) }); // the task's yield gets the message or TIMEOUT
 *   },
 * });
 * const items = new WaitQueue(sched, { name: "rx" });
 * // when a message arrives:
 * const arrive = (msg: unknown) => {
 *   if (items.wakeOne(msg) === null) buffer.push(msg);
 * };
 * arrive("hello");
 * sched.spawn({
 *   name: "rx",
 *   priority: 1,
 *   *entry() {
 *     console.log(yield { op: "recv", timeoutMs: 5 }); // hello
 *     console.log((yield { op: "recv", timeoutMs: 5 }) === TIMEOUT); // true
 *   },
 * });
 * sched.run();
 * ```
 */
export class WaitQueue<D = unknown> {
  /** Shown in reports (option `name`, default "wait"). */
  readonly name: string;
  /** Wake order (option `order`, default "priority"). */
  readonly order: WaitOrder;
  /** @internal The waiting tasks (intrusive lists; a task is in one queue at a time). */
  readonly lists: ReadyQueue<Tcb<D>>;
  private readonly scheduler: Scheduler<D>;

  /**
   * Throws `SCHED_OPTION` for a scheduler that is not one, options that are not an object, a
   * name that is not a string or an order that is not `"priority"` or `"fifo"` (any other order
   * was taken as priority order, a missing scheduler or null options were TypeErrors).
   */
  constructor(scheduler: Scheduler<D>, options: WaitQueueOptions = {}) {
    const bad = (option: string, why: string, value: unknown) =>
      new SchedError("SCHED_OPTION", `wait queue: ${option} ${why}`, {
        option,
        value: typeof value === "string" ? value : shape(value),
      });
    if (typeof (scheduler as { blockOn?: unknown } | null)?.blockOn !== "function") {
      throw bad("scheduler", "must be a Scheduler", scheduler);
    }
    if (typeof options !== "object" || options === null) throw bad("options", "must be an object", options);
    if (options.name !== undefined && typeof options.name !== "string")
      throw bad("name", "must be a string", options.name);
    if (options.order !== undefined && options.order !== "priority" && options.order !== "fifo") {
      throw bad("order", 'must be "priority" or "fifo"', options.order);
    }
    this.scheduler = scheduler;
    this.name = options.name ?? "wait";
    this.order = options.order ?? "priority";
    this.lists = new ReadyQueue<Tcb<D>>(this.order === "fifo" ? 1 : scheduler.priorities);
  }

  /** Number of waiting tasks. */
  get length(): number {
    return this.lists.size;
  }

  /** The task {@link WaitQueue.wakeOne} would wake, or null. */
  peek(): Task<D> | null {
    return this.lists.peekHighest();
  }

  /** The level a task is filed under in this queue. */
  levelOf(task: Task<D>): number {
    return this.order === "fifo" ? 0 : task.priority;
  }

  /**
   * Blocks the running `task` here (call it from the syscall handler). With a timeout, the task
   * also sits in the timer queue and resumes with {@link TIMEOUT} when the tick comes first; a
   * timeout of 0 ticks times out at the next scheduling decision. Throws `TASK_STATE` unless the
   * task is running, `DURATION` for a bad timeout.
   */
  block(task: Task<D>, timeout?: Duration): void {
    this.scheduler.blockOn(this, task, timeout);
  }

  /** Wakes the first waiter; its `yield` evaluates to `value`. Returns it, or null when none waits. */
  wakeOne(value?: unknown): Task<D> | null {
    return this.scheduler.wakeFrom(this, value);
  }

  /** Wakes every waiter with `value`, in wake order. Returns how many. */
  wakeAll(value?: unknown): number {
    let n = 0;
    while (this.scheduler.wakeFrom(this, value) !== null) n++;
    return n;
  }
}
