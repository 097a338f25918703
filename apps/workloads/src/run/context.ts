import * as hw from "@rtos-sim/hw";
import { type Board, createMachine, type Machine } from "@rtos-sim/hw";
import { mulberry32 } from "@rtos-sim/prng";
import type { AppRunOptions, MachineApp, MachineAppContext } from "../machine-app.js";
import { mpuRegionInfo, RunRecorder } from "./recorder.js";
import type { RunOptionsInfo, RunResult } from "./result.js";

/** A run being prepared: the app's context, its recorder and machine. */
export interface PreparedRun {
  /** What the app's `run` receives. */
  readonly ctx: MachineAppContext;
  /** The run's recorder (the same as `ctx.record`). */
  readonly record: RunRecorder;
  /** The app's machine (made on first use). */
  readonly machine: Machine;
  /** Simulated microseconds from the machine's cycle count. */
  now(): number;
}

/**
 * Builds what an app's `run` receives: a fresh machine for the board, a recorder whose clock is
 * the machine's cycle count, the `@rtos-sim/hw` module, a seeded PRNG. The CLI's `run` command
 * and the benchmarks both start runs this way.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { finishRun, mpuDemo, prepareRun } from "@rtos-sim/apps";
 * const run = prepareRun(mpuDemo, STM32F407, { seed: 1, durationMs: 1000, memcheck: false });
 * await mpuDemo.run(run.ctx);
 * const result = finishRun(run, 0);
 * ```
 */
export function prepareRun(
  app: MachineApp,
  board: Board,
  options: AppRunOptions,
  source: { source: "builtin" | "file"; file: string | null } = { source: "builtin", file: null },
): PreparedRun {
  // The machine is made on first use: kernel apps boot their own and never touch this one.
  let made: Machine | null = null;
  const machine = () => {
    if (made === null) made = createMachine(board);
    return made;
  };
  const now = () => (made === null ? 0 : (made.core.cycles * 1e6) / board.clockHz);
  const record = new RunRecorder({
    app: { name: app.name, summary: app.summary, source: source.source, file: source.file },
    board,
    options: runOptionsInfo(options),
    clock: now,
  });
  record.cycles = () => (made === null ? 0 : made.core.cycles);
  const ctx: MachineAppContext = {
    board,
    get machine() {
      return machine();
    },
    hw,
    options,
    record,
    random: mulberry32(options.seed),
    now,
    mpuRegion: (n, label) => mpuRegionInfo(machine().mpu.region(n), label),
  };
  return {
    ctx,
    record,
    get machine() {
      return machine();
    },
    now,
  };
}

/**
 * Finishes a prepared run: the {@link RunResult} at the recorder's simulated time (the
 * machine's, unless the app replaced the recorder's clock, as kernel apps do).
 */
export function finishRun(run: PreparedRun, wallMs: number): RunResult {
  const r = run.record;
  return r.finish({ simulatedUs: r.clock(), cycles: r.cycles(), wallMs, memcheckActive: r.memcheckActive });
}

/**
 * What a run's result records of its options: the run's own (seed, duration, checker, and
 * `showReachable` only when set, so runs without it keep their trace hashes), not where it runs
 * from (`sourceRoot`, `mapSourceFrame`).
 *
 * @example
 * ```ts
 * import { runOptionsInfo } from "@rtos-sim/apps";
 * console.log(runOptionsInfo({ seed: 1, durationMs: 500, memcheck: true, sourceRoot: "/home/me" }));
 * // { seed: 1, durationMs: 500, memcheck: true }
 * ```
 */
export function runOptionsInfo(options: AppRunOptions): RunOptionsInfo {
  return {
    seed: options.seed,
    durationMs: options.durationMs,
    memcheck: options.memcheck,
    ...(options.showReachable === true ? { showReachable: true as const } : {}),
  };
}
