import type { StateCause, StateEvent, TaskState } from "@rtos-sim/sched";
import type { KTask } from "../task-record.js";

/** A task's timing statistics (the kernel's instrumentation: measured without charging cycles). */
export interface JobStats {
  /** The period in cycles, or null for a task without one. */
  readonly period: number | null;
  /** The relative deadline in cycles, or null. */
  readonly deadline: number | null;
  /** Jobs completed: periodic jobs ended by `nextPeriod`, or activations (a wake to the next block or sleep). */
  readonly jobs: number;
  /** Jobs that completed after their deadline. */
  readonly missed: number;
  /** Longest response time (release to completion), cycles; null before the first job. */
  readonly responseMax: number | null;
  /** Shortest response time, cycles; null before the first job. */
  readonly responseMin: number | null;
  /** Sum of the response times, cycles (the mean is `responseTotal / jobs`). */
  readonly responseTotal: number;
}

/** One completed job. */
export interface JobRecord {
  /** When it was released (cycles): the nominal release of a periodic job, the wake of an activation. */
  readonly release: number;
  /** When it completed (cycles). */
  readonly end: number;
  /** `end - release`. */
  readonly response: number;
  /** Its relative deadline in cycles, or null. */
  readonly deadline: number | null;
  /** Whether `response` exceeded `deadline` (false without a deadline). */
  readonly missed: boolean;
}

interface Entry {
  readonly period: number | null;
  readonly deadline: number | null;
  jobs: number;
  missed: number;
  max: number | null;
  min: number | null;
  total: number;
  /** Release of the activation in progress (tasks without a period), else null. */
  releaseAt: number | null;
}

/**
 * Measures every task's jobs: response time (release to completion, so the wait for the CPU,
 * the switches and the task's own work all count) and deadline misses. A periodic task's job is
 * released at its period boundary and ends at its `nextPeriod` call; a task without a period is
 * measured per activation: from the wake that makes it ready (a timer wake counts from its tick)
 * to its next block, sleep or exit. Kept in JavaScript as the scheduler's per-task counters are:
 * instrumentation no task can reach, that charges no cycles.
 */
export class JobTracker {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly cyclesPerTick: number,
    private readonly onJob: (k: KTask, job: JobRecord) => void,
  ) {}

  /** Starts measuring `k` (period and deadline in cycles, or null). */
  add(k: KTask, period: number | null, deadline: number | null): void {
    this.entries.set(k.id, {
      period,
      deadline,
      jobs: 0,
      missed: 0,
      max: null,
      min: null,
      total: 0,
      releaseAt: null,
    });
  }

  /** A job of `k` released at `release` ended at `end` (cycles). */
  end(k: KTask, release: number, end: number): JobRecord {
    const e = this.entries.get(k.id)!;
    const response = end - release;
    const missed = e.deadline !== null && response > e.deadline;
    e.jobs++;
    if (missed) e.missed++;
    e.total += response;
    if (e.max === null || response > e.max) e.max = response;
    if (e.min === null || response < e.min) e.min = response;
    const job = { release, end, response, deadline: e.deadline, missed };
    this.onJob(k, job);
    return job;
  }

  /** A scheduler state change of `k`: the activations of tasks without a period. */
  onState(k: KTask, ev: StateEvent): void {
    this.stateChanged(k, ev.from, ev.to, ev.cause, ev.time, ev.wakeTick);
  }

  /**
   * {@link JobTracker.onState} with the event's fields passed one by one (the kernel's use: the
   * scheduler's `onState` hook builds no event), `time` the change's cycle count.
   */
  stateChanged(
    k: KTask,
    from: TaskState,
    to: TaskState,
    cause: StateCause,
    time: number,
    wakeTick: number | undefined,
  ): void {
    // A yield or a dispatch (running <-> ready: twice per switch) neither starts nor ends an
    // activation: decided before the task's entry is looked up.
    if ((from === "ready" && to === "running") || (from === "running" && to === "ready")) return;
    const e = this.entries.get(k.id);
    if (e === undefined || e.period !== null) return;
    if (to === "ready" && (from === "sleeping" || from === "blocked")) {
      if (e.releaseAt === null) {
        const timer = cause === "timer" || cause === "timeout";
        e.releaseAt = timer && wakeTick !== undefined ? wakeTick * this.cyclesPerTick : time;
      }
    } else if (from === "running" && (to === "sleeping" || to === "blocked" || to === "stopped")) {
      if (e.releaseAt !== null) this.end(k, e.releaseAt, time);
      e.releaseAt = null;
    } else if (to === "faulted") e.releaseAt = null;
  }

  /** `k`'s statistics so far. */
  stats(k: KTask): JobStats {
    const e = this.entries.get(k.id);
    if (e === undefined) {
      return {
        period: null,
        deadline: null,
        jobs: 0,
        missed: 0,
        responseMax: null,
        responseMin: null,
        responseTotal: 0,
      };
    }
    return {
      period: e.period,
      deadline: e.deadline,
      jobs: e.jobs,
      missed: e.missed,
      responseMax: e.max,
      responseMin: e.min,
      responseTotal: e.total,
    };
  }
}
