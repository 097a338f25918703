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
  readonly time: number;
  readonly tick: number;
  readonly task: Task;
}

/** The CPU passed from one task to another (or to the first task). */
export interface SwitchEvent {
  /** Cycles at the switch. */
  readonly time: number;
  readonly tick: number;
  /** The task that ran before, or null for the first switch. */
  readonly from: Task | null;
  readonly to: Task;
}

/** A task yielded a syscall request (fired before the request is carried out). */
export interface SyscallEvent {
  readonly time: number;
  readonly tick: number;
  readonly task: Task;
  readonly request: SyscallRequest;
}

/** A task changed state. */
export interface StateEvent {
  readonly time: number;
  readonly tick: number;
  readonly task: Task;
  readonly from: TaskState;
  readonly to: TaskState;
  readonly cause: StateCause;
  /** For `timer`/`timeout` wakes: the tick the timer was set for (the wake is due at its first cycle). */
  readonly wakeTick?: number;
}

/** The watchdog fired: the task held the CPU past its budget (it is faulted next). */
export interface WatchdogEvent {
  readonly time: number;
  readonly tick: number;
  readonly task: Task;
  /** Cycles the task had run in this slice when it yielded. */
  readonly cycles: number;
  /** Generator steps in this slice. */
  readonly steps: number;
  /** The budgets that applied (null when not set). */
  readonly budgetCycles: number | null;
  readonly budgetSteps: number | null;
  readonly message: string;
}

/** A task was faulted. */
export interface FaultEvent {
  readonly time: number;
  readonly tick: number;
  readonly task: Task;
  readonly reason: FaultReason;
}

/** Nothing was ready: time jumped from `from` to `to` (cycles), or `to` is null and the run ends. */
export interface IdleEvent {
  readonly from: number;
  readonly to: number | null;
}

/** Typed events of the scheduler (enough for a timeline: who ran when, and why it stopped). */
export interface SchedEvents {
  spawn: [event: SpawnEvent];
  switch: [event: SwitchEvent];
  syscall: [event: SyscallEvent];
  state: [event: StateEvent];
  watchdog: [event: WatchdogEvent];
  fault: [event: FaultEvent];
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
