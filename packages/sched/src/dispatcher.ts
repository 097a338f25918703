import type { Duration, Instant, Now } from "./clock.js";
import { SchedError } from "./errors.js";
import type { SchedEmitter } from "./events.js";
import type { ResolvedOptions, SchedulerOptions } from "./options.js";
import { copyRequest } from "./request.js";
import type { Scheduler } from "./scheduler.js";
import type { SyscallRequest, Task, Tcb } from "./task.js";
import type { TaskTable } from "./task-table.js";
import type { Timekeeper } from "./timekeeper.js";

/** What the dispatcher's own step answers for a slice that ran (the public result is built from it). */
const RAN = Symbol("ran");

/** Most `return()` calls spent unwinding a killed task (each `yield` inside a `finally` costs one). */
const MAX_UNWIND = 64;

/**
 * The scheduler's decision (Tock's `next()`): run a task (with a timeslice in cycles, or
 * `"none"` when cooperative), or sleep until a cycle (null: nothing will ever wake).
 */
export type Decision<D = unknown> =
  | {
      /** A task is ready. */
      readonly kind: "run";
      /** The highest-priority ready task (the head of its ready queue). */
      readonly task: Task<D>;
      /** Cycles of a round-robin timeslice, or `"none"` when cooperative. */
      readonly timeslice: number | "none";
    }
  | {
      /** Nothing is ready. */
      readonly kind: "sleep";
      /** Cycle of the next timer's wake, or null: no timer is pending. */
      readonly until: number | null;
    };

/** What one {@link Scheduler.step} did. */
export type StepResult<D = unknown> =
  /** `task` held the CPU for one slice; its `state` says how the slice ended. */
  | {
      /** A task ran. */
      readonly kind: "ran";
      /** The task that held the CPU. */
      readonly task: Task<D>;
    }
  /** Nothing was ready: time went from `from` to `to` (cycles). */
  | {
      /** Nothing was ready. */
      readonly kind: "idle";
      /** Cycle the idle period began at. */
      readonly from: number;
      /** Cycle it ended at (the clock now). */
      readonly to: number;
    }
  /** Nothing is ready and no timer is pending: `blocked` if some task waits forever. */
  | {
      /** Nothing can run any more. */
      readonly kind: "done";
      /** `blocked`: some task waits on a queue with no timeout; `no-tasks`: none does. */
      readonly reason: "no-tasks" | "blocked";
    }
  /** The scheduler was halted ({@link Scheduler.halt}). */
  | {
      /** Halted: no task runs. */
      readonly kind: "halted";
      /** The reason given to {@link Scheduler.halt}. */
      readonly reason: string;
    };

/** Why {@link Scheduler.run} returned. */
export type RunEnd = "until" | "slices" | "no-tasks" | "blocked" | "halted";

/** Limits of a {@link Scheduler.run}. */
export interface RunOptions {
  /** Absolute simulated time to stop at (a slice in progress ends at its next syscall). Default: none. */
  readonly until?: Instant | undefined;
  /** Most slices to dispatch. Default: none. */
  readonly slices?: number | undefined;
}

/** The end of a run. */
export interface RunResult {
  /** Why the run returned. */
  readonly reason: RunEnd;
  /** Simulated time at the end of the run. */
  readonly now: Now;
  /** Context switches since the scheduler was created. */
  readonly switches: number;
  /** Slices dispatched by this run. */
  readonly slices: number;
  /** Cycles since the scheduler was created with nothing to run (see {@link Scheduler.idleCycles}). */
  readonly idleCycles: number;
}

/** What a {@link Dispatcher} works with; the {@link Scheduler} builds them all. */
export interface DispatcherParts<D> {
  /** Handed to every hook and to the syscall handler. */
  readonly scheduler: Scheduler<D>;
  readonly tasks: TaskTable<D>;
  readonly time: Timekeeper;
  readonly events: SchedEmitter;
  readonly options: ResolvedOptions;
  readonly hooks: SchedulerOptions<D>;
}

function describe(x: unknown): string {
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || typeof x !== "object") return String(x);
  return "an object without a string op";
}

/**
 * {@link describe} of what a task threw, made while the task's step is still open: an error's
 * `name` and `message` may be getters or a Proxy's traps, task code that must run as the task
 * (and may throw; then the description says so).
 */
function describeThrown(x: unknown): string {
  try {
    return describe(x);
  } catch {
    return "an error whose description threw";
  }
}

/**
 * The scheduler's dispatcher: picks the next task (`next`), runs slices (`step`, `run`) by
 * stepping a task's generator and carrying out the requests it yields (the built-in `yield` and
 * `sleep`, else the kernel's syscall handler), calls the kernel's hooks around them, and applies
 * the watchdog, time slicing, halts and run limits. Every change of a task's state goes through
 * the {@link TaskTable}; time through the {@link Timekeeper}. Not exported from the package.
 */
export class Dispatcher<D = unknown> {
  private readonly scheduler: Scheduler<D>;
  private readonly tasks: TaskTable<D>;
  private readonly time: Timekeeper;
  private readonly events: SchedEmitter;
  private readonly o: ResolvedOptions;
  private readonly hooks: SchedulerOptions<D>;
  private lastRun: Tcb<D> | null = null;
  private busy = false;
  private haltReason: string | null = null;
  private switchCount = 0;
  /** The task whose slice a run's time limit paused: it still holds the CPU (see `SchedulerOptions.pause`). */
  private paused: Tcb<D> | null = null;

  constructor(parts: DispatcherParts<D>) {
    this.scheduler = parts.scheduler;
    this.tasks = parts.tasks;
    this.time = parts.time;
    this.events = parts.events;
    this.o = parts.options;
    this.hooks = parts.hooks;
  }

  /** Context switches so far. */
  get switches(): number {
    return this.switchCount;
  }

  /** Why the run was halted, or null. */
  get halted(): string | null {
    return this.haltReason;
  }

  /** See {@link Scheduler.halt}. */
  halt(reason: string): void {
    if (this.haltReason === null) this.haltReason = String(reason);
  }

  /** See {@link Scheduler.next}. */
  next(): Decision<D> {
    const clock = this.time.clock;
    this.time.sync();
    const p = this.paused;
    if (p !== null && p.state === "running") {
      const ts = this.o.timesliceTicks;
      return { kind: "run", task: p, timeslice: ts === 0 ? "none" : ts * clock.cyclesPerTick };
    }
    this.tasks.expire();
    const t = this.tasks.ready.peekHighest();
    if (t !== null) {
      const ts = this.o.timesliceTicks;
      return { kind: "run", task: t, timeslice: ts === 0 ? "none" : ts * clock.cyclesPerTick };
    }
    const n = this.tasks.timers.peek();
    return { kind: "sleep", until: n === null ? null : n.wakeTick * clock.cyclesPerTick };
  }

  /** See {@link Scheduler.run}. */
  run(options: RunOptions = {}): RunResult {
    if (typeof options !== "object" || options === null) {
      throw new SchedError("DURATION", "run: the options must be an object { until?, slices? }", {
        value: options === null ? "null" : typeof options,
      });
    }
    const clock = this.time.clock;
    const limit = options.until === undefined ? Number.POSITIVE_INFINITY : clock.cyclesAt(options.until);
    const max = options.slices ?? Number.POSITIVE_INFINITY;
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 0)) {
      throw new SchedError("DURATION", "slices must be a non-negative integer", { slices: max });
    }
    if (this.busy) throw new SchedError("RUN_REENTRANT", "run() called from inside a step", {});
    let n = 0;
    const end = (reason: RunEnd): RunResult => ({
      reason,
      now: this.time.now(),
      switches: this.switchCount,
      slices: n,
      idleCycles: this.time.idleCycles,
    });
    for (;;) {
      if (this.haltReason !== null) return end("halted");
      if (clock.cycles >= limit) return end("until");
      if (n >= max) return end("slices");
      const r = this.stepOnce(limit);
      if (r === RAN) n++;
      else if (r.kind === "done") return end(r.reason);
      else if (r.kind === "halted") return end("halted");
    }
  }

  /** One scheduling decision with a time limit (cycles) for the slice; see {@link Scheduler.step}. */
  step(limit: number): StepResult<D> {
    const r = this.stepOnce(limit);
    // lastRun is the task the slice ran (set before the slice's first hook).
    return r === RAN ? { kind: "ran", task: this.lastRun! } : r;
  }

  /** {@link step}, with a slice that ran answered by {@link RAN} (run() counts it, and builds no result). */
  private stepOnce(limit: number): StepResult<D> | typeof RAN {
    if (this.busy) throw new SchedError("RUN_REENTRANT", "step() called from inside a step", {});
    if (this.haltReason !== null) return { kind: "halted", reason: this.haltReason };
    this.busy = true;
    try {
      this.time.sync();
      // A slice a run's time limit paused goes on first, with no timer expired before it.
      const resumed = this.paused !== null && this.goOn(this.paused);
      if (!resumed) this.tasks.expire();
      const t = resumed ? this.lastRun : this.tasks.ready.popHighest();
      if (t !== null) {
        try {
          this.runSlice(t, limit, resumed);
        } catch (error) {
          // a hook or the handler threw: a kernel bug. The task cannot be left "running".
          if (t.state === "running") {
            this.tasks.abandon(t, {
              kind: "kernel-error",
              message: `a scheduler hook threw ${describe(error)}`,
              error,
            });
          }
          throw error;
        }
        return RAN;
      }
      return this.idle(limit);
    } finally {
      this.busy = false;
      this.tasks.release();
    }
  }

  /**
   * The slice a run's time limit paused goes on (true), as if the run had not stopped: no timer
   * expires and nothing is picked before it. When code between the runs took the task off the
   * CPU (stopped, faulted), its slice ends as a cut one would: switched out (false).
   */
  private goOn(p: Tcb<D>): boolean {
    this.paused = null;
    const h = this.hooks;
    const s = this.scheduler;
    if (h.resume) {
      h.resume(p, s);
      this.time.sync();
    }
    if (p.state === "running") {
      this.tasks.resume(p);
      return true;
    }
    if (h.switchOut) {
      h.switchOut(p, s, { steps: p.carrySteps, cycles: p.carryCycles, restarted: false });
      this.time.sync();
    }
    p.carryCycles = 0;
    p.carrySteps = 0;
    return false;
  }

  private idle(limit: number): StepResult<D> {
    const clock = this.time.clock;
    const from = clock.cycles;
    const next = this.tasks.timers.peek();
    const due = next === null ? null : Math.max(from, next.wakeTick * clock.cyclesPerTick);
    const to = due === null ? null : Math.min(due, Math.max(limit, from));
    if (this.hooks.idle) {
      this.hooks.idle({ from, to }, this.scheduler);
      this.time.sync();
      if (this.tasks.ready.size > 0) return { kind: "idle", from, to: clock.cycles };
    }
    if (this.events.watched.idle && this.events.listenerCount("idle") > 0) this.events.emit("idle", { from, to });
    if (to === null) return { kind: "done", reason: this.tasks.anyBlocked() ? "blocked" : "no-tasks" };
    // the hook's own work may already have moved time on
    if (to > clock.cycles) this.time.idle(to - clock.cycles);
    return { kind: "idle", from, to: clock.cycles };
  }

  /** One slice of `t`: steps its generator and carries out its requests until it gives up the CPU. */
  private runSlice(t: Tcb<D>, limit: number, resumed: boolean): void {
    const time = this.time;
    const clock = time.clock;
    const tasks = this.tasks;
    const h = this.hooks;
    const s = this.scheduler;
    if (!resumed) {
      const from = this.lastRun;
      tasks.dispatch(t);
      t.slices++;
      if (from !== t) {
        this.switchCount++;
        if (this.o.switchCost > 0) time.advance(this.o.switchCost);
        if (this.events.watched.switch && this.events.listenerCount("switch") > 0)
          this.events.emit("switch", { time: clock.cycles, tick: clock.ticks, from, to: t });
      }
      this.lastRun = t;
      // Its cycles are folded into simulated time with the first return's, by the sync before the
      // first step: nothing reads the clock between them (`start` is read as cyclesNow gives it).
      if (h.switchIn) h.switchIn(t, from, s);
    }
    // a slice a run's time limit paused goes on: its watchdog budget is not renewed
    const start = time.cyclesNow() - t.carryCycles;
    const { timesliceTicks } = this.o;
    const { budgetCycles, budgetSteps } = t.budgets ?? this.o;
    const restarts = t.restarts;
    let steps = t.carrySteps;
    t.carryCycles = 0;
    t.carrySteps = 0;
    let unwinds = 0;
    while (t.state === "running") {
      if (h.beforeStep) {
        h.beforeStep(t, s);
        time.sync();
        if (t.state !== "running") break;
      } else time.sync();
      const prog = t.program;
      let done = false;
      let value: unknown;
      let thrown: { error: unknown; text: string } | null = null;
      try {
        let res: unknown;
        if (t.stopping) {
          unwinds++;
          res = prog.return(undefined);
        } else if (t.pendingThrow !== null) {
          const e = t.pendingThrow.error;
          t.pendingThrow = null;
          res = prog.throw(e);
        } else {
          const v = t.resumeValue;
          t.resumeValue = undefined;
          t.valueLocked = false;
          res = prog.next(v);
        }
        // The step's outcome, read once from the iterator result: `done`, then the value (a
        // request is copied by copyRequest). Still the task's step, so task code met here
        // (getters, Proxy traps) runs as the task, before any handler; what it throws is the
        // task's. Read into locals: no object per step.
        if (res === null || typeof res !== "object") throw new TypeError(`the task's iterator returned ${String(res)}`);
        done = Boolean((res as IteratorResult<unknown>).done);
        value = (res as IteratorResult<unknown>).value;
        if (!done) value = copyRequest(value);
      } catch (error) {
        thrown = { error, text: describeThrown(error) };
      }
      steps++;
      t.steps++;
      time.sync();
      if (h.afterStep) {
        h.afterStep(t, s);
        time.sync();
      }
      if (t.state !== "running" || t.program !== prog) break;
      if (t.stopping) {
        if (thrown !== null || done || unwinds >= MAX_UNWIND) {
          t.stopping = false;
          tasks.setState(t, "stopped", "stop");
        }
        continue;
      }
      if (thrown !== null) {
        tasks.fault(t, {
          kind: "uncaught",
          message: `task "${t.name}" threw ${thrown.text}`,
          error: thrown.error,
        });
        break;
      }
      if (done) {
        t.exitValue = value;
        tasks.setState(t, "stopped", "exit");
        break;
      }
      if (budgetCycles > 0 || budgetSteps > 0) {
        const used = clock.cycles - start;
        if ((budgetCycles > 0 && used > budgetCycles) || (budgetSteps > 0 && steps > budgetSteps)) {
          this.watchdog(t, used, steps);
          break;
        }
      }
      const result = this.syscall(t, value);
      time.sync();
      if (!t.valueLocked) t.resumeValue = result;
      if (t.state !== "running") break;
      if (this.haltReason !== null || clock.cycles >= limit) {
        t.carryCycles = clock.cycles - start;
        t.carrySteps = steps;
        if (this.haltReason !== null) {
          tasks.toReady(t, "preempt", true);
          break;
        }
        // The run's time limit: the slice pauses on the CPU and goes on at the next run.
        this.paused = t;
        if (h.pause) {
          h.pause(t, s);
          time.sync();
        }
        return;
      }
      if (timesliceTicks > 0 && this.preempts(t, start)) {
        tasks.toReady(t, "preempt", false);
        break;
      }
    }
    if (h.switchOut) {
      h.switchOut(t, s, { steps, cycles: time.cyclesNow() - start, restarted: t.restarts !== restarts });
      time.sync();
    }
  }

  /** Time-sliced mode: a higher priority is ready, or the slice is used up and a peer is ready. */
  private preempts(t: Tcb<D>, start: number): boolean {
    this.tasks.expire();
    const top = this.tasks.ready.highestLevel();
    if (top > t.priority) return true;
    const clock = this.time.clock;
    return top === t.priority && clock.cycles - start >= this.o.timesliceTicks * clock.cyclesPerTick;
  }

  private watchdog(t: Tcb<D>, used: number, steps: number): void {
    const { budgetCycles: bc, budgetSteps: bs } = t.budgets ?? this.o;
    const over = bc > 0 && used > bc ? `${used} cycles (budget ${bc})` : `${steps} steps (budget ${bs})`;
    const message = `watchdog: task "${t.name}" ran ${over} without yielding the CPU`;
    if (this.events.listenerCount("watchdog") > 0) {
      const clock = this.time.clock;
      this.events.emit("watchdog", {
        time: clock.cycles,
        tick: clock.ticks,
        task: t,
        cycles: used,
        steps,
        budgetCycles: bc > 0 ? bc : null,
        budgetSteps: bs > 0 ? bs : null,
        message,
      });
    }
    this.tasks.fault(t, { kind: "watchdog", message });
  }

  /** Carries out one request: the built-in `yield` and `sleep`, else the kernel's handler. */
  private syscall(t: Tcb<D>, req: unknown): unknown {
    if (req === null || typeof req !== "object" || typeof (req as SyscallRequest).op !== "string") {
      this.tasks.fault(t, {
        kind: "bad-syscall",
        message: `task "${t.name}" yielded ${describe(req)}, not a syscall request`,
      });
      return undefined;
    }
    const request = req as SyscallRequest;
    const clock = this.time.clock;
    t.syscalls++;
    if (this.o.syscallCost > 0) this.time.advance(this.o.syscallCost);
    if (this.events.watched.syscall && this.events.listenerCount("syscall") > 0)
      this.events.emit("syscall", { time: clock.cycles, tick: clock.ticks, task: t, request });
    const op = request.op;
    if (op === "yield") {
      this.tasks.toReady(t, "yield", false);
      return undefined;
    }
    if (op === "sleep") {
      let ticks: number;
      try {
        // a sleep request carries its duration in its own fields; ticksFor checks them
        ticks = clock.ticksFor(request as SyscallRequest & Duration);
      } catch (error) {
        this.tasks.fault(t, { kind: "bad-syscall", message: `task "${t.name}": ${(error as Error).message}`, error });
        return undefined;
      }
      this.tasks.sleepTicks(t, ticks);
      return undefined;
    }
    const handler = this.hooks.syscall;
    if (!handler) {
      this.tasks.fault(t, {
        kind: "unknown-syscall",
        message: `task "${t.name}" made unknown syscall ${JSON.stringify(op)}`,
      });
      return undefined;
    }
    try {
      return handler(t, request, this.scheduler);
    } catch (error) {
      if (t.state !== "faulted" && t.state !== "stopped") {
        this.tasks.fault(t, {
          kind: "syscall-error",
          message: `syscall ${JSON.stringify(op)} failed: ${describe(error)}`,
          error,
        });
      }
      return undefined;
    }
  }
}
