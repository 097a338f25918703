import type * as Hw from "@rtos-sim/hw";
import type { Board, Machine } from "@rtos-sim/hw";
import type { StackFrame } from "@rtos-sim/memcheck";
import type { RunRecorder } from "./run/recorder.js";
import type { MpuRegionInfo } from "./run/result.js";

/** The hardware model's API (the `@rtos-sim/hw` module), handed to apps through their context. */
export type HwApi = typeof Hw;

/** The options of one run, after validation. */
export interface AppRunOptions {
  /** Seed of the run's PRNG (`--seed`, default 1). */
  readonly seed: number;
  /** Simulated duration in milliseconds (`--duration`, default the app's `defaultDurationMs`). */
  readonly durationMs: number;
  /**
   * The memory checker is wanted: `--memcheck` or `--no-memcheck`, else the app's
   * {@link MachineApp.defaultMemcheck} (true when it has none).
   */
  readonly memcheck: boolean;
  /**
   * The end-of-run leak check also lists the still-reachable blocks, each a `leak-reachable`
   * report of severity `warning` (which never fails a run), as Valgrind's
   * `--show-leak-kinds=all` does (`--show-reachable`). Default false: counted in the leak
   * summary only, as Valgrind's default.
   */
  readonly showReachable?: boolean | undefined;
  /**
   * A path prefix to strip from the file names of source sites in checker reports (the CLI
   * passes its working directory). Default: paths as the JS engine gives them (absolute).
   */
  readonly sourceRoot?: string | undefined;
  /**
   * Maps each stack frame of a source site to its original file, line and column before the
   * simulator's frames are skipped (`SourceSiteOptions.map` of `@rtos-sim/memcheck`): the
   * playground maps its minified bundle's frames through the bundle's source maps. A frame it
   * cannot map is returned as it is. Default: frames as the JS engine gives them. Not recorded in
   * the result (a site is masked out of the trace hash).
   */
  readonly mapSourceFrame?: ((frame: StackFrame) => StackFrame) | undefined;
}

/**
 * What a {@link MachineApp}'s `run` receives. Everything an app needs comes through here, so an
 * app file needs no runtime import of rtos-sim packages (a `.ts` app may still `import type` them).
 */
export interface MachineAppContext {
  /** The board chosen with `--board` (or the app's default board). */
  readonly board: Board;
  /** A fresh machine for the board: reset state, MPU off, privileged Thread mode. */
  readonly machine: Machine;
  /** The `@rtos-sim/hw` module: boards, MPU field names, CFSR bits, `makeActor`... */
  readonly hw: HwApi;
  /** The run's options (seed, duration, memory checker). */
  readonly options: AppRunOptions;
  /** Where the run's tasks, slices, events, faults, reports and counters are recorded. */
  readonly record: RunRecorder;
  /** The run's seeded PRNG (mulberry32 of `options.seed`, `@rtos-sim/prng`): uniform in [0, 1). */
  readonly random: () => number;
  /** Simulated time now, in microseconds (the machine's cycle count over the board clock). */
  now(): number;
  /** MPU region `n` of the machine, decoded from its registers, as a report row labelled `label`. */
  mpuRegion(n: number, label: string): MpuRegionInfo;
}

/**
 * A hardware-level app: a workload that drives the hardware model itself (the machine, its MPU
 * and fault registers) and records what happens, with no kernel. `mpu-demo` is one; a user app
 * file (`rtos-sim run ./my-app.ts`) may export one as its default export (or `app` export).
 * Every run goes through this shape: a kernel app (`@rtos-sim/kernel`'s `AppDescription`) runs
 * as the machine app {@link fromKernelApp} makes of it, whose `run` boots the kernel on the board.
 *
 * @example
 * ```ts
 * import { Fault } from "@rtos-sim/hw";
 * import { defineMachineApp } from "@rtos-sim/apps";
 * export default defineMachineApp({
 *   name: "hello-mpu",
 *   summary: "an unprivileged read of privileged memory, stopped by the MPU",
 *   run(ctx) {
 *     const { core, mpu } = ctx.machine;
 *     mpu.setControl({ enable: true, privdefena: true });
 *     core.controlNPriv = true;
 *     try {
 *       core.read32(0x20000000);
 *       ctx.record.check("read stopped", false, "the read went through");
 *     } catch (e) {
 *       ctx.record.check("read stopped", e instanceof Fault, String(e));
 *     }
 *   },
 * });
 * ```
 */
export interface MachineApp {
  /** Short name: lower-case letters, digits and dashes (e.g. "flight", "mpu-demo"). */
  readonly name: string;
  /** One line shown by `rtos-sim apps`. */
  readonly summary: string;
  /** Board used when `--board` is not given (name or alias). Default "stm32f407". */
  readonly defaultBoard?: string | undefined;
  /** Simulated duration when `--duration` is not given, in milliseconds. Default 1000. */
  readonly defaultDurationMs?: number | undefined;
  /**
   * Whether the memory checker is wanted when neither `--memcheck` nor `--no-memcheck` is given.
   * Default true. A kernel app's `memcheck` setting gives it (see {@link fromKernelApp}).
   */
  readonly defaultMemcheck?: boolean | undefined;
  /** Runs the workload, recording through `ctx.record`. May be async. */
  run(ctx: MachineAppContext): void | Promise<void>;
}

/**
 * Identity helper that gives a machine app object its type (and editor completion) without a cast.
 *
 * @example
 * ```ts
 * import { defineMachineApp } from "@rtos-sim/apps";
 * export default defineMachineApp({
 *   name: "my-app",
 *   summary: "one write to SRAM",
 *   run(ctx) {
 *     ctx.machine.core.write32(0x20000000, 1);
 *   },
 * });
 * ```
 */
export function defineMachineApp(app: MachineApp): MachineApp {
  return app;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Checks that a value is a usable {@link MachineApp}; returns a list of problems (empty when
 * valid), each naming the field.
 */
export function machineAppProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return ["the app must be an object"];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof v.name !== "string" || !NAME.test(v.name)) {
    problems.push('name must be lower-case letters, digits and dashes (e.g. "my-app")');
  }
  if (typeof v.summary !== "string" || v.summary.length === 0) problems.push("summary must be a non-empty string");
  if (typeof v.run !== "function") problems.push("run must be a function run(ctx)");
  if (v.defaultBoard !== undefined && typeof v.defaultBoard !== "string")
    problems.push("defaultBoard must be a string");
  if (
    v.defaultDurationMs !== undefined &&
    (typeof v.defaultDurationMs !== "number" || !(v.defaultDurationMs > 0) || v.defaultDurationMs > 3_600_000)
  ) {
    problems.push("defaultDurationMs must be a number of milliseconds in (0, 3600000]");
  }
  if (v.defaultMemcheck !== undefined && typeof v.defaultMemcheck !== "boolean") {
    problems.push("defaultMemcheck must be a boolean");
  }
  return problems;
}
