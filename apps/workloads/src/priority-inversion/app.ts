import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  defineApp,
  type Kernel,
  type TaskContext,
  type TaskSpec,
} from "@rtos-sim/kernel";
import { sleepUntil } from "../shared/sleep-until.js";

/** The three tasks' period, in ms: `control` is released every this many ms, the others keep this rhythm. */
export const PERIOD_MS = 10;
/** `logger` (priority 1) holds the bus this many ms per period, in 1 ms chunks, from 2 ms before `control`'s release. */
export const SECTION_MS = 3;
/** `telemetry` (priority 2) computes this many ms per period, in 1 ms chunks, from `control`'s release. */
export const HOG_MS = 6;
/** `control` (priority 3) holds the bus this many microseconds per job. */
export const CONTROL_WORK_US = 100;
/**
 * The bound `control`'s worst response time is checked against, in microseconds: the 1 ms of
 * `logger`'s section left when `control` is released, its own work, and 200 us for the kernel's
 * switches and syscalls. Without inheritance `telemetry`'s 6 ms come on top.
 */
export const CONTROL_BOUND_US = 1000 + CONTROL_WORK_US + 200;

/** What guards the bus: the kernel's mutex (priority inheritance), or a binary semaphore (none). */
export type BusLock = "mutex" | "semaphore";

/** The three tasks; `lock` says what guards the bus. */
export function inversionTasks(env: AppEnv, lock: BusLock): TaskSpec[] {
  const cyclesPerMs = env.board.clockHz / 1000;
  const take = (t: TaskContext) => (lock === "mutex" ? t.mutexLock("bus") : t.semTake("bus"));
  const give = (t: TaskContext) => (lock === "mutex" ? t.mutexUnlock("bus") : t.semGive("bus"));
  const rights = lock === "mutex" ? { mutexes: ["bus"] } : { semaphores: { bus: "both" as const } };
  /** Computes `ms` in 1 ms chunks, giving up the CPU after each (a cooperative task's long job). */
  function* work(t: TaskContext, ms: number): Generator<unknown, void, unknown> {
    for (let i = 0; i < ms; i++) {
      t.compute(cyclesPerMs);
      yield* t.yield();
    }
  }
  return [
    {
      name: "control",
      priority: 3,
      period: { ms: PERIOD_MS },
      ...rights,
      *main(t) {
        for (;;) {
          yield* take(t);
          t.compute((cyclesPerMs * CONTROL_WORK_US) / 1000); // read the sensors, write the actuators
          yield* give(t);
          yield* t.nextPeriod();
        }
      },
    },
    {
      name: "telemetry",
      priority: 2,
      *main(t) {
        for (let n = 1; ; n++) {
          yield* sleepUntil(t, n * PERIOD_MS); // wakes with control's release
          yield* work(t, HOG_MS); // never touches the bus
        }
      },
    },
    {
      name: "logger",
      priority: 1,
      ...rights,
      *main(t) {
        for (let n = 1; ; n++) {
          yield* sleepUntil(t, n * PERIOD_MS - (SECTION_MS - 1)); // 2 ms before control's release
          yield* take(t);
          yield* work(t, SECTION_MS); // a long write to the bus: control is released in the middle
          yield* give(t);
        }
      },
    },
  ];
}

/** What the run showed of each wait of control's for the bus: the task that ran next. */
const afterBlock = new WeakMap<Kernel, string[]>();

/**
 * Watches the run: each time `control` blocks (on the bus), the next task to run is noted. With
 * inheritance it is `logger`, raised to control's priority; without, `telemetry`.
 */
export function observeInversion(kernel: Kernel): void {
  const next: string[] = [];
  afterBlock.set(kernel, next);
  let waiting = false;
  kernel.events.on("state", (e) => {
    if (e.task === "control" && e.to === "blocked") waiting = true;
    else if (waiting && e.to === "running") {
      next.push(e.task);
      waiting = false;
    }
  });
}

/** What {@link controlTiming} reports of `control`'s jobs. */
export interface ControlTiming {
  /** Worst response time (release to completion), microseconds, rounded. */
  readonly worstUs: number;
  /** Jobs completed. */
  readonly jobs: number;
  /** Jobs that missed their deadline (the period). */
  readonly missed: number;
}

/** `control`'s worst response time in microseconds, its jobs and its missed deadlines. */
export function controlTiming(kernel: Kernel): ControlTiming {
  const s = kernel.taskTiming(kernel.task("control")!);
  const worstUs = Math.round(((s.responseMax ?? 0) * 1e6) / kernel.machine.board.clockHz);
  return { worstUs, jobs: s.jobs, missed: s.missed };
}

/** The checks: control's worst response within {@link CONTROL_BOUND_US}, no missed deadline, the others' progress. */
export function inversionChecks(kernel: Kernel, env: AppEnv): AppCheck[] {
  const { worstUs, jobs, missed } = controlTiming(kernel);
  const periods = Math.floor(env.durationMs / PERIOD_MS);
  const next = afterBlock.get(kernel) ?? [];
  return [
    {
      name: "control-response",
      ok: jobs > 0 && worstUs <= CONTROL_BOUND_US,
      detail: `control's worst response ${worstUs} us over ${jobs} jobs (bound ${CONTROL_BOUND_US} us: the rest of logger's section, not telemetry's ${HOG_MS} ms)`,
    },
    {
      name: "control-deadlines",
      ok: jobs >= periods - 1 && missed === 0,
      detail: `${jobs} jobs in ${periods} periods, ${missed} missed`,
    },
    {
      name: "logger-inherits",
      ok: next.length > 0 && next.every((task) => task === "logger"),
      detail: `control waited for the bus ${next.length} times; next to run: ${[...new Set(next)].join(", ") || "-"} (logger, at control's priority, ahead of telemetry)`,
    },
  ];
}

/**
 * The classic three-task priority inversion, resolved by the kernel mutex's priority
 * inheritance: `logger` (priority 1) holds the bus mutex when `control` (3) is released and
 * asks for it; `telemetry` (2) is released at the same time with 6 ms of work. Without
 * inheritance telemetry would run first and control would wait ~7 ms; with it, logger runs
 * at priority 3 until it unlocks, and control waits ~1 ms, bounded by logger's section.
 */
export const priorityInversion: AppDescription = defineApp({
  name: "priority-inversion",
  description: "low holds a mutex, medium hogs the CPU, high waits: priority inheritance bounds high's wait",
  board: "stm32f407",
  durationMs: 100,
  memcheck: true,
  kernel: { mutexes: [{ name: "bus" }] },
  observe: observeInversion,
  tasks: (env) => inversionTasks(env, "mutex"),
  check: inversionChecks,
});

/**
 * The same tasks with a binary semaphore as the bus lock (no inheritance): the unbounded
 * inversion, for comparison (its `control-response` check fails).
 */
export const priorityInversionWithSemaphore: AppDescription = defineApp({
  name: "priority-inversion-semaphore",
  description: "priority-inversion with a semaphore as the lock: no inheritance, high waits for medium",
  board: "stm32f407",
  durationMs: 100,
  memcheck: true,
  kernel: { semaphores: [{ name: "bus", initial: 1, max: 1 }] },
  observe: observeInversion,
  tasks: (env) => inversionTasks(env, "semaphore"),
  check: inversionChecks,
});
