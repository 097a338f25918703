import type { Duration, Instant, Now } from "./clock.js";
import { SchedError } from "./errors.js";
import type { SchedulerOptions } from "./options.js";
import type { SyscallRequest, Task, Tcb } from "./task.js";
import { TaskControl } from "./task-control.js";

/** Most `return()` calls spent unwinding a killed task (each `yield` inside a `finally` costs one). */
const MAX_UNWIND = 64;

/**
 * The scheduler's decision (Tock's `next()`): run a task (with a timeslice in cycles, or
 * `"none"` when cooperative), or sleep until a cycle (null: nothing will ever wake).
 */
export type Decision<D = unknown> =
  | { readonly kind: "run"; readonly task: Task<D>; readonly timeslice: number | "none" }
  | { readonly kind: "sleep"; readonly until: number | null };

/** What one {@link Scheduler.step} did. */
export type StepResult<D = unknown> =
  /** `task` held the CPU for one slice; its `state` says how the slice ended. */
  | { readonly kind: "ran"; readonly task: Task<D> }
  /** Nothing was ready: time went from `from` to `to` (cycles). */
  | { readonly kind: "idle"; readonly from: number; readonly to: number }
  /** Nothing is ready and no timer is pending: `blocked` if some task waits forever. */
  | { readonly kind: "done"; readonly reason: "no-tasks" | "blocked" }
  | { readonly kind: "halted"; readonly reason: string };

/** Why {@link Scheduler.run} returned. */
export type RunEnd = "until" | "slices" | "no-tasks" | "blocked" | "halted";

/** Limits of a {@link Scheduler.run}. */
export interface RunOptions {
  /** Absolute simulated time to stop at (a slice in progress ends at its next syscall). Default: none. */
  readonly until?: Instant;
  /** Most slices to dispatch. Default: none. */
  readonly slices?: number;
}

/** The end of a run. */
export interface RunResult {
  readonly reason: RunEnd;
  readonly now: Now;
  /** Context switches since the scheduler was created. */
  readonly switches: number;
  /** Slices dispatched by this run. */
  readonly slices: number;
}

function describe(x: unknown): string {
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || typeof x !== "object") return String(x);
  return "an object without a string op";
}

/**
 * Cooperative (optionally time-sliced) priority scheduler for tasks written as generators.
 * Priorities 0..31 (31 highest) with round-robin inside a priority; a ready queue per priority
 * behind a bitmap; a timer heap for sleeps and timeouts; simulated time in core cycles; a
 * watchdog; faults, kills and restarts; typed events. See the package README for the kernel
 * interface (syscall handler and hooks); the task operations are in {@link TaskControl}.
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ machine: createMachine(STM32F407), tickHz: 1000 });
 * sched.spawn({ name: "blink", priority: 1, *entry() { for (;;) yield { op: "sleep", ms: 500 }; } });
 * sched.run({ until: { ms: 2000 } });
 * ```
 */
export class Scheduler<D = unknown> extends TaskControl<D> {
  /** Throws `SCHED_OPTION` for a bad option. Turns on `core.countCycles` and programs SysTick (see options). */
  constructor(options: SchedulerOptions<D>) {
    super(options);
  }

  /**
   * Tock's `next()`: expires due timers, then says which task would run now, or until when the
   * CPU would sleep. Dispatches nothing.
   */
  next(): Decision<D> {
    this.sync();
    this.expire();
    const t = this.ready.peekHighest();
    if (t !== null) {
      const ts = this.o.timesliceTicks;
      return { kind: "run", task: t, timeslice: ts === 0 ? "none" : ts * this.clock.cyclesPerTick };
    }
    const n = this.timers.peek();
    return { kind: "sleep", until: n === null ? null : n.wakeTick * this.clock.cyclesPerTick };
  }

  // ---- running -----------------------------------------------------------------------------

  /**
   * One scheduling decision: dispatches the highest-priority ready task for one slice (until it
   * yields, sleeps, blocks, ends, faults, or is preempted), or, when nothing is ready, calls the
   * idle hook and jumps time to the next wake-up. Throws `RUN_REENTRANT` from inside a step.
   * An exception thrown by a hook propagates (a kernel bug); the task it interrupted is left
   * `faulted` with kind `kernel-error`. (Exceptions from the syscall handler fault the task instead.)
   */
  step(): StepResult<D> {
    return this.stepWithin(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs slices until the time limit, the slice limit, `halt()`, or until no task can run.
   * Throws `DURATION` for a bad limit, `RUN_REENTRANT` from inside a step.
   */
  run(options: RunOptions = {}): RunResult {
    const limit = options.until === undefined ? Number.POSITIVE_INFINITY : this.clock.cyclesAt(options.until);
    const max = options.slices ?? Number.POSITIVE_INFINITY;
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 0)) {
      throw new SchedError("DURATION", "slices must be a non-negative integer", { slices: max });
    }
    if (this.busy) throw new SchedError("RUN_REENTRANT", "run() called from inside a step", {});
    let n = 0;
    const end = (reason: RunEnd): RunResult => ({ reason, now: this.now(), switches: this.switchCount, slices: n });
    for (;;) {
      if (this.haltReason !== null) return end("halted");
      if (this.clock.cycles >= limit) return end("until");
      if (n >= max) return end("slices");
      const r = this.stepWithin(limit);
      if (r.kind === "ran") n++;
      else if (r.kind === "done") return end(r.reason);
      else if (r.kind === "halted") return end("halted");
    }
  }

  private stepWithin(limit: number): StepResult<D> {
    if (this.busy) throw new SchedError("RUN_REENTRANT", "step() called from inside a step", {});
    if (this.haltReason !== null) return { kind: "halted", reason: this.haltReason };
    this.busy = true;
    try {
      this.sync();
      this.expire();
      const t = this.ready.popHighest();
      if (t !== null) {
        try {
          this.runSlice(t, limit);
        } catch (error) {
          // a hook or the handler threw: a kernel bug. The task cannot be left "running".
          if (t.state === "running") {
            this.detach(t);
            t.fault = { kind: "kernel-error", message: `a scheduler hook threw ${describe(error)}`, error };
            this.setState(t, "faulted", "fault");
          }
          throw error;
        }
        return { kind: "ran", task: t };
      }
      return this.idle(limit);
    } finally {
      this.busy = false;
      this.running = null;
    }
  }

  private idle(limit: number): StepResult<D> {
    const from = this.clock.cycles;
    const next = this.timers.peek();
    const due = next === null ? null : Math.max(from, next.wakeTick * this.clock.cyclesPerTick);
    const to = due === null ? null : Math.min(due, Math.max(limit, from));
    if (this.hooks.idle) {
      this.hooks.idle({ from, to }, this);
      this.sync();
      if (this.ready.size > 0) return { kind: "idle", from, to: this.clock.cycles };
    }
    if (this.events.listenerCount("idle") > 0) this.events.emit("idle", { from, to });
    if (to === null) {
      const blocked = this.all.some((t) => t.state === "blocked");
      return { kind: "done", reason: blocked ? "blocked" : "no-tasks" };
    }
    // the hook's own work may already have moved time on
    if (to > this.clock.cycles) this.advance(to - this.clock.cycles);
    return { kind: "idle", from, to: this.clock.cycles };
  }

  /** One slice of `t`: steps its generator and carries out its requests until it gives up the CPU. */
  private runSlice(t: Tcb<D>, limit: number): void {
    const from = this.lastRun;
    this.setState(t, "running", "dispatch");
    this.running = t;
    t.slices++;
    if (from !== t) {
      this.switchCount++;
      if (this.o.switchCost > 0) this.advance(this.o.switchCost);
      if (this.events.listenerCount("switch") > 0)
        this.events.emit("switch", { time: this.clock.cycles, tick: this.clock.ticks, from, to: t });
    }
    this.lastRun = t;
    const h = this.hooks;
    if (h.switchIn) {
      h.switchIn(t, from, this);
      this.sync();
    }
    // a slice cut short by a time limit or halt goes on: its watchdog budget is not renewed
    const start = this.clock.cycles - t.carryCycles;
    const { budgetCycles, budgetSteps, timesliceTicks } = this.o;
    const restarts = t.restarts;
    let steps = t.carrySteps;
    t.carryCycles = 0;
    t.carrySteps = 0;
    let unwinds = 0;
    while (t.state === "running") {
      if (h.beforeStep) {
        h.beforeStep(t, this);
        this.sync();
        if (t.state !== "running") break;
      }
      const prog = t.program;
      let r: IteratorResult<SyscallRequest, unknown> | null = null;
      let thrown: { error: unknown } | null = null;
      try {
        if (t.stopping) {
          unwinds++;
          r = prog.return(undefined);
        } else if (t.pendingThrow !== null) {
          const e = t.pendingThrow.error;
          t.pendingThrow = null;
          r = prog.throw(e);
        } else {
          const v = t.resumeValue;
          t.resumeValue = undefined;
          t.valueLocked = false;
          r = prog.next(v);
        }
      } catch (error) {
        thrown = { error };
      }
      steps++;
      t.steps++;
      this.sync();
      if (h.afterStep) {
        h.afterStep(t, this);
        this.sync();
      }
      if (t.state !== "running" || t.program !== prog) break;
      if (t.stopping) {
        if (thrown !== null || r!.done || unwinds >= MAX_UNWIND) {
          t.stopping = false;
          this.setState(t, "stopped", "stop");
        }
        continue;
      }
      if (thrown !== null) {
        this.fault(t, {
          kind: "uncaught",
          message: `task "${t.name}" threw ${describe(thrown.error)}`,
          error: thrown.error,
        });
        break;
      }
      if (r!.done) {
        t.exitValue = r!.value;
        this.setState(t, "stopped", "exit");
        break;
      }
      if (budgetCycles > 0 || budgetSteps > 0) {
        const used = this.clock.cycles - start;
        if ((budgetCycles > 0 && used > budgetCycles) || (budgetSteps > 0 && steps > budgetSteps)) {
          this.watchdog(t, used, steps);
          break;
        }
      }
      const value = this.syscall(t, r!.value);
      this.sync();
      if (!t.valueLocked) t.resumeValue = value;
      if (t.state !== "running") break;
      if (this.haltReason !== null || this.clock.cycles >= limit) {
        t.carryCycles = this.clock.cycles - start;
        t.carrySteps = steps;
        this.setState(t, "ready", "preempt");
        this.ready.pushFront(t, t.priority);
        break;
      }
      if (timesliceTicks > 0 && this.preempts(t, start)) {
        this.toReady(t, "preempt", false);
        break;
      }
    }
    if (h.switchOut) {
      h.switchOut(t, this, { steps, cycles: this.clock.cycles - start, restarted: t.restarts !== restarts });
      this.sync();
    }
  }

  /** Time-sliced mode: a higher priority is ready, or the slice is used up and a peer is ready. */
  private preempts(t: Tcb<D>, start: number): boolean {
    this.expire();
    const top = this.ready.highestLevel();
    if (top > t.priority) return true;
    return top === t.priority && this.clock.cycles - start >= this.o.timesliceTicks * this.clock.cyclesPerTick;
  }

  private watchdog(t: Tcb<D>, used: number, steps: number): void {
    const bc = this.o.budgetCycles;
    const bs = this.o.budgetSteps;
    const over = bc > 0 && used > bc ? `${used} cycles (budget ${bc})` : `${steps} steps (budget ${bs})`;
    const message = `watchdog: task "${t.name}" ran ${over} without yielding the CPU`;
    if (this.events.listenerCount("watchdog") > 0) {
      this.events.emit("watchdog", {
        time: this.clock.cycles,
        tick: this.clock.ticks,
        task: t,
        cycles: used,
        steps,
        budgetCycles: bc > 0 ? bc : null,
        budgetSteps: bs > 0 ? bs : null,
        message,
      });
    }
    this.fault(t, { kind: "watchdog", message });
  }

  /** Carries out one request: the built-in `yield` and `sleep`, else the kernel's handler. */
  private syscall(t: Tcb<D>, req: unknown): unknown {
    if (req === null || typeof req !== "object" || typeof (req as SyscallRequest).op !== "string") {
      this.fault(t, {
        kind: "bad-syscall",
        message: `task "${t.name}" yielded ${describe(req)}, not a syscall request`,
      });
      return undefined;
    }
    const request = req as SyscallRequest;
    t.syscalls++;
    if (this.o.syscallCost > 0) this.advance(this.o.syscallCost);
    if (this.events.listenerCount("syscall") > 0)
      this.events.emit("syscall", { time: this.clock.cycles, tick: this.clock.ticks, task: t, request });
    const op = request.op;
    if (op === "yield") {
      this.toReady(t, "yield", false);
      return undefined;
    }
    if (op === "sleep") {
      let ticks: number;
      try {
        ticks = this.clock.ticksFor(request as unknown as Duration);
      } catch (error) {
        this.fault(t, { kind: "bad-syscall", message: `task "${t.name}": ${(error as Error).message}`, error });
        return undefined;
      }
      this.sleepTicks(t, ticks);
      return undefined;
    }
    const handler = this.hooks.syscall;
    if (!handler) {
      this.fault(t, {
        kind: "unknown-syscall",
        message: `task "${t.name}" made unknown syscall ${JSON.stringify(op)}`,
      });
      return undefined;
    }
    try {
      return handler(t, request, this);
    } catch (error) {
      if (t.state !== "faulted" && t.state !== "stopped") {
        this.fault(t, {
          kind: "syscall-error",
          message: `syscall ${JSON.stringify(op)} failed: ${describe(error)}`,
          error,
        });
      }
      return undefined;
    }
  }
}
