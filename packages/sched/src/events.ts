import { EventEmitter } from "eventemitter3";
import type { FaultReason, SyscallRequest, Task, TaskState } from "./task.js";

/** Why a task changed state (the `cause` of a {@link StateEvent}). */
export type StateCause =
  | "spawn"
  | "dispatch"
  | "yield"
  | "preempt"
  | "sleep"
  | "block"
  | "timer"
  | "timeout"
  | "wake"
  | "throw"
  | "exit"
  | "stop"
  | "fault"
  | "restart";

/** A task was created. */
export interface SpawnEvent {
  /** Cycles at the spawn. */
  readonly time: number;
  /** SysTick tick at the spawn. */
  readonly tick: number;
  /** The new task (state `ready`). */
  readonly task: Task;
}

/** The CPU passed from one task to another (or to the first task). */
export interface SwitchEvent {
  /** Cycles at the switch. */
  readonly time: number;
  /** SysTick tick at the switch. */
  readonly tick: number;
  /** The task that ran before, or null for the first switch. */
  readonly from: Task | null;
  /** The task that gets the CPU. */
  readonly to: Task;
}

/** A task yielded a syscall request (fired before the request is carried out). */
export interface SyscallEvent {
  /** Cycles when the request was yielded. */
  readonly time: number;
  /** SysTick tick when the request was yielded. */
  readonly tick: number;
  /** The task that yielded it (state `running`). */
  readonly task: Task;
  /** The request as yielded (not yet carried out). */
  readonly request: SyscallRequest;
}

/** A task changed state. */
export interface StateEvent {
  /** Cycles at the change (the hooks' own charges come after it). */
  readonly time: number;
  /** SysTick tick at `time`. */
  readonly tick: number;
  /** The task whose state changed. */
  readonly task: Task;
  /** Its state before. */
  readonly from: TaskState;
  /** Its state now. */
  readonly to: TaskState;
  /** Why it changed. */
  readonly cause: StateCause;
  /** For `timer`/`timeout` wakes: the tick the timer was set for (the wake is due at its first cycle). */
  readonly wakeTick?: number;
}

/** The watchdog fired: the task held the CPU past its budget (it is faulted next). */
export interface WatchdogEvent {
  /** Cycles when the watchdog fired (at the request that went past a budget). */
  readonly time: number;
  /** SysTick tick when it fired. */
  readonly tick: number;
  /** The task held past its budget (faulted with kind `watchdog` right after). */
  readonly task: Task;
  /** Cycles the task had run in this slice when it yielded. */
  readonly cycles: number;
  /** Generator steps in this slice. */
  readonly steps: number;
  /** The budgets that applied (null when not set). */
  readonly budgetCycles: number | null;
  /** Step budget of the slice, or null when not set. */
  readonly budgetSteps: number | null;
  /** The fault message, e.g. `watchdog: task "spin" ran 5000 cycles (budget 4000) without yielding the CPU`. */
  readonly message: string;
}

/** A task was faulted. */
export interface FaultEvent {
  /** Cycles at the fault. */
  readonly time: number;
  /** SysTick tick at the fault. */
  readonly tick: number;
  /** The task, now in state `faulted`. */
  readonly task: Task;
  /** Why it was faulted (the same as `task.fault`). */
  readonly reason: FaultReason;
}

/** Nothing was ready: time jumped from `from` to `to` (cycles), or `to` is null and the run ends. */
export interface IdleEvent {
  /** Cycle the idle period starts at. */
  readonly from: number;
  /** Cycle it ends at (the next timer's wake, capped at the run's `until`), or null: no timer is pending. */
  readonly to: number | null;
}

/** Typed events of the scheduler (enough for a timeline: who ran when, and why it stopped). */
export interface SchedEvents {
  /** A task was created ({@link Scheduler.spawn}). */
  spawn: [event: SpawnEvent];
  /** The CPU passed to another task (a context switch). */
  switch: [event: SwitchEvent];
  /** A task yielded a request (before it is carried out). */
  syscall: [event: SyscallEvent];
  /** A task changed state. */
  state: [event: StateEvent];
  /** A task went past its watchdog budget. */
  watchdog: [event: WatchdogEvent];
  /** A task was faulted. */
  fault: [event: FaultEvent];
  /** Nothing was ready: time jumps to the next timer (not emitted when the idle hook readied a task). */
  idle: [event: IdleEvent];
}

/** Whether an event has ever had a listener (see {@link SchedEmitter.watched}). */
export type SchedWatched = { -readonly [K in keyof SchedEvents]: boolean };

/**
 * The scheduler's event emitter (EventEmitter3 with the {@link SchedEvents} map). `watched` says
 * which events ever had a listener: the dispatcher tests it before `listenerCount` on every
 * switch, syscall and state change, since `listenerCount` is a lookup in the emitter's map
 * through a call site every emitter class shares (megamorphic), several times per switch.
 */
export class SchedEmitter extends EventEmitter<SchedEvents> {
  /** Per event, whether it ever had a listener (never reset: `off` does not clear it). */
  readonly watched: SchedWatched = {
    spawn: false,
    switch: false,
    syscall: false,
    state: false,
    watchdog: false,
    fault: false,
    idle: false,
  };

  /** Adds a listener (and marks the event watched). */
  override on<T extends keyof SchedEvents>(event: T, fn: (...args: SchedEvents[T]) => void, context?: unknown): this {
    this.watched[event] = true;
    return super.on(event, fn as never, context);
  }

  /** Adds a one-time listener (and marks the event watched). */
  override once<T extends keyof SchedEvents>(event: T, fn: (...args: SchedEvents[T]) => void, context?: unknown): this {
    this.watched[event] = true;
    return super.once(event, fn as never, context);
  }

  /** Same as {@link SchedEmitter.on}. */
  override addListener<T extends keyof SchedEvents>(
    event: T,
    fn: (...args: SchedEvents[T]) => void,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }
}
