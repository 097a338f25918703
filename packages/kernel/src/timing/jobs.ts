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
  /**
   * Jobs that missed their deadline: completed after it, cut short by a fault of their task (they
   * never complete), or released and still not completed at the time of the query although their
   * deadline has passed (a job stuck or overrunning, and the releases of a periodic task piling
   * up behind it). Can exceed `jobs`.
   */
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
  /**
   * Release (cycles) of the job not completed yet: a periodic task's current or next job (its
   * TCB's RELEASE), a task without a period's activation in progress; null when there is none
   * (an ended or faulted task, a task without a period between activations).
   */
  releaseAt: number | null;
}

/**
 * Measures every task's jobs: response time (release to completion, so the wait for the CPU,
 * the switches and the task's own work all count) and deadline misses. A periodic task's job is
 * released at its period boundary and ends at its `nextPeriod` call; a task without a period is
 * measured per activation: from the wake that makes it ready (a timer wake counts from its tick)
 * to its next block, sleep or exit. A job cut short by its task's fault is a miss; so is, when
 * the statistics are read, a job released and not completed whose deadline has passed. Kept in JavaScript as the scheduler's per-task counters are:
 * instrumentation no task can reach, that charges no cycles.
 */
export class JobTracker {
  private readonly entries = new Map<number, Entry>();

  /**
   * @param cyclesPerTick - the SysTick period in cycles (timer wakes count from their tick).
   * @param onJob - called for every completed job.
   * @param now - the clock (cycles), for the jobs {@link JobTracker.stats} finds overdue; without
   *   it only completed and faulted jobs are counted as missed.
   */
  constructor(
    private readonly cyclesPerTick: number,
    private readonly onJob: (k: KTask, job: JobRecord) => void,
    private readonly now: (() => number) | null = null,
  ) {}

  /**
   * Starts measuring `k` (period and deadline in cycles, or null); a periodic task's first job is
   * released at `release` (cycles, default 0: its spawn tick's first cycle, as its TCB says).
   */
  add(k: KTask, period: number | null, deadline: number | null, release = 0): void {
    this.entries.set(k.id, {
      period,
      deadline,
      jobs: 0,
      missed: 0,
      max: null,
      min: null,
      total: 0,
      releaseAt: period === null ? null : release,
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
    // The next job of a periodic task is released a period after this one (vTaskDelayUntil).
    if (e.period !== null) e.releaseAt = release + e.period;
    const job = { release, end, response, deadline: e.deadline, missed };
    this.onJob(k, job);
    return job;
  }

  /** A scheduler state change of `k`: activations of tasks without a period, jobs cut short by a fault, restarts. */
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
    if (e === undefined) return;
    if (to === "faulted") {
      // A job its task's fault cuts short never completes: a miss (the task's jobs restart, if
      // its policy restarts it, with a job released at the restart's tick).
      if (e.releaseAt !== null && e.releaseAt <= time && e.deadline !== null) e.missed++;
      e.releaseAt = null;
      return;
    }
    if (e.period !== null) {
      if (to === "stopped")
        e.releaseAt = null; // the task ended: no more jobs
      else if (cause === "restart") e.releaseAt = Math.floor(time / this.cyclesPerTick) * this.cyclesPerTick;
      return;
    }
    if (to === "ready" && (from === "sleeping" || from === "blocked")) {
      if (e.releaseAt === null) {
        const timer = cause === "timer" || cause === "timeout";
        e.releaseAt = timer && wakeTick !== undefined ? wakeTick * this.cyclesPerTick : time;
      }
    } else if (from === "running" && (to === "sleeping" || to === "blocked" || to === "stopped")) {
      if (e.releaseAt !== null) this.end(k, e.releaseAt, time);
      e.releaseAt = null;
    }
  }

  /**
   * Jobs of `e` released and not completed whose deadline has passed by `now`: the job in
   * progress, and for a periodic task every release after it whose deadline has passed too.
   */
  private overdue(e: Entry): number {
    if (this.now === null || e.releaseAt === null || e.deadline === null) return 0;
    const late = this.now() - e.releaseAt - e.deadline; // > 0: the job's response is already past its deadline
    if (late <= 0) return 0;
    return e.period === null ? 1 : Math.ceil(late / e.period);
  }

  /** `k`'s statistics so far (`missed` counts the jobs overdue now, see {@link JobStats.missed}). */
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
      missed: e.missed + this.overdue(e),
      responseMax: e.max,
      responseMin: e.min,
      responseTotal: e.total,
    };
  }
}
