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

/** The scheduler's event emitter (EventEmitter3 with the {@link SchedEvents} map). */
export class SchedEmitter extends EventEmitter<SchedEvents> {}
