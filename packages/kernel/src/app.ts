import { type Board, findBoard, valueText } from "@rtos-sim/hw";
import type { LeakSummary, MemReport } from "@rtos-sim/memcheck";
import { type AppEnv, makeAppEnv } from "./app-env.js";
import { bootKernel } from "./boot.js";
import type { KernelMemcheckOptions, KernelOptions, TaskSpec } from "./config.js";
import { KernelError } from "./errors.js";
import type { FaultRecord } from "./fault-report.js";
import type { FaultSiteOptions } from "./fault-site.js";
import { type FieldTable, fieldList, unknownField } from "./field-table.js";
import type { Kernel, KernelRunResult } from "./kernel.js";
import { KERNEL_OPTION_FIELDS } from "./options-check.js";

/**
 * A simulated app as a user writes it: a module exporting this (through {@link defineApp}).
 * `rtos-sim run ./my-app.ts` loads it, boots the kernel and runs it.
 */
export interface AppDescription {
  /** Short name, e.g. "flight". */
  readonly name: string;
  /** One line for `rtos-sim apps`. */
  readonly description: string;
  /** Default board name (default "stm32f407"). */
  readonly board?: string | undefined;
  /** Default simulated duration in ms (default 1000). */
  readonly durationMs?: number | undefined;
  /**
   * Whether the checker is on by default, and its options. `runApp` without `options.memcheck`
   * takes it (off when absent); `rtos-sim run` turns the checker on unless this is `false`
   * (`--memcheck` / `--no-memcheck` override both).
   */
  readonly memcheck?: boolean | KernelMemcheckOptions | undefined;
  /** Kernel settings (partitions, semaphores, queues, page order...). */
  readonly kernel?: Omit<KernelOptions, "board" | "memcheck" | "seed"> | undefined;
  /**
   * The app's own code outside task code, with the kernel: called once after boot, before the
   * task factory. It may watch the run (subscribe to `kernel.events`, sample the kernel's state
   * as a debugger would) or set up kernel-side services for its privileged tasks; what it hands
   * to task code is its own choice and responsibility (kernel README, "Trust model").
   */
  readonly observe?: ((kernel: Kernel, env: AppEnv) => void) | undefined;
  /**
   * The tasks, created after boot (so they can use partition and device addresses). A factory
   * gets the narrow {@link AppEnv} (facts, no kernel).
   */
  readonly tasks: readonly TaskSpec[] | ((env: AppEnv) => readonly TaskSpec[]);
  /** App-specific results to show after the run (e.g. "outputs identical to a clean run"); runs outside task code. */
  readonly check?: ((kernel: Kernel, env: AppEnv) => readonly AppCheck[]) | undefined;
  /** Faults the app provokes on purpose (a rogue task's attempts): reports show them as expected. */
  readonly expectFault?: ((fault: FaultRecord) => boolean) | undefined;
  /** Checker reports the app provokes on purpose (heap-bugs): reports show them as expected. */
  readonly expectReport?: ((report: MemReport) => boolean) | undefined;
}

/** One app-specific result. */
export interface AppCheck {
  /** What is checked, a short label (e.g. "imu samples"). */
  readonly name: string;
  /** Whether the check passed (false too when `skipped`). */
  readonly ok: boolean;
  /** What was found (or, when skipped, what was not reached). */
  readonly detail: string;
  /**
   * The check could not be made: what it checks had not happened yet when the run ended (a
   * duration shorter than the app's schedule). Set with `ok: false`; a skipped check neither
   * passes nor fails the run, and `detail` says what was not reached.
   */
  readonly skipped?: boolean | undefined;
}

/** How to run an app. */
export interface RunAppOptions {
  /** Board name or board (default: the app's). */
  readonly board?: string | Board | undefined;
  /** Seed of the run: the kernel's sensor noise and the app's own PRNGs ({@link AppEnv.seed}). Default 1. */
  readonly seed?: number | undefined;
  /** Simulated duration in ms (default: the app's, else 1000). */
  readonly durationMs?: number | undefined;
  /** Overrides the app's default. */
  readonly memcheck?: boolean | KernelMemcheckOptions | undefined;
  /** Overrides the app's `kernel.faultSites` (the line of task code in fault records; default on). */
  readonly faultSites?: boolean | FaultSiteOptions | undefined;
  /** Called after boot and task creation, before the run (e.g. to subscribe to events). */
  readonly beforeRun?: ((kernel: Kernel) => void) | undefined;
}

/** The outcome of {@link runApp}. */
export interface AppRun {
  /** The app that ran. */
  readonly app: AppDescription;
  /** The kernel after the run (faults, tasks' output, events...). */
  readonly kernel: Kernel;
  /** How the run ended. */
  readonly result: KernelRunResult;
  /** The app's checks after the run (empty when it has none). */
  readonly checks: readonly AppCheck[];
  /** The leak check at the end of the run (`kernel.checkLeaks()`), or null without the checker. */
  readonly leaks: LeakSummary | null;
}

/** Every field of an {@link AppDescription} (the compiler holds this table to the interface, both ways). */
const APP_FIELDS: FieldTable<AppDescription> = {
  name: true,
  description: true,
  board: true,
  durationMs: true,
  memcheck: true,
  kernel: true,
  observe: true,
  tasks: true,
  check: true,
  expectFault: true,
  expectReport: true,
};

/** Every field of an app's `kernel` options (`KernelOptions` but the board, checker and seed, which the app and the run set). */
const { board: _board, memcheck: _memcheck, seed: _seed, ...appKernelFields } = KERNEL_OPTION_FIELDS;
const KERNEL_OPTION_FIELDS_OF_APP: FieldTable<NonNullable<AppDescription["kernel"]>> = appKernelFields;

/**
 * Checks an app description's shape (a typed `BAD_CONFIG` error naming the field, and a field
 * `AppDescription` lacks: `semaphores` at the top instead of in `kernel` would be dropped in
 * silence) and returns it.
 */
export function defineApp(app: AppDescription): AppDescription {
  const bad = (field: string, why: string) =>
    new KernelError("BAD_CONFIG", `app ${valueText((app as { name?: unknown })?.name)}: ${field} ${why}`, {
      field,
    });
  if (typeof app !== "object" || app === null) throw bad("app", "must be an object");
  const unknown = unknownField(app, APP_FIELDS);
  if (unknown !== null) {
    const { field } = unknown;
    const inKernel = Object.hasOwn(KERNEL_OPTION_FIELDS_OF_APP, field)
      ? ` (a kernel option: put it in kernel: { ${field} })`
      : "";
    throw bad(field, `is not an app field${inKernel}: AppDescription has ${fieldList(APP_FIELDS)}`);
  }
  const unknownOption =
    typeof app.kernel === "object" && app.kernel !== null
      ? unknownField(app.kernel, KERNEL_OPTION_FIELDS_OF_APP)
      : null;
  if (unknownOption !== null) {
    throw bad(`kernel.${unknownOption.field}`, `is not a kernel option: ${fieldList(KERNEL_OPTION_FIELDS_OF_APP)}`);
  }
  if (typeof app.name !== "string" || app.name === "") throw bad("name", "must be a non-empty string");
  if (typeof app.description !== "string") throw bad("description", "must be a string");
  if (!Array.isArray(app.tasks) && typeof app.tasks !== "function")
    throw bad("tasks", "must be an array or a function");
  if (app.durationMs !== undefined && !(typeof app.durationMs === "number" && app.durationMs > 0)) {
    throw bad("durationMs", "must be a positive number");
  }
  if (app.observe !== undefined && typeof app.observe !== "function") throw bad("observe", "must be a function");
  // A board that is not a string was findBoard's BAD_ARGUMENT naming its "name", not the app's board.
  if (app.board !== undefined && (typeof app.board !== "string" || !findBoard(app.board))) {
    throw bad("board", `${valueText(app.board)} is not a known board`);
  }
  return app;
}

/** Resolves a board name (typed `BAD_CONFIG` error when unknown). */
export function resolveBoard(board: string | Board): Board {
  if (typeof board !== "string") return board;
  const b = findBoard(board);
  if (!b) throw new KernelError("BAD_CONFIG", `unknown board "${board}"`, { field: "board", value: board });
  return b;
}

/**
 * An app booted and ready to run, from {@link startApp}: run it whole, or a few slices at a time
 * (a debugger's pause and step). Slices are never cut short by the slice limit, so a run made of
 * many `run(n)` calls is the same run, event for event, as one `run()`.
 */
export interface AppSession {
  /** The app. */
  readonly app: AppDescription;
  /** The booted kernel, its tasks spawned. */
  readonly kernel: Kernel;
  /** The environment the app's `observe`, task factory and checks were given. */
  readonly env: AppEnv;
  /** Simulated time the run covers, in ms (the option, else the app's, else 1000). */
  readonly durationMs: number;
  /**
   * Runs up to `slices` more slices (the rest of the run when omitted), never past
   * `durationMs`. The run is over when the result's reason is not `"slices"`.
   */
  run(slices?: number): KernelRunResult;
  /** The app's checks on the kernel as it is now (empty when the app has none). */
  checks(): readonly AppCheck[];
}

/**
 * Boots a kernel for `app` on its (or the given) board, creates its tasks and calls
 * `options.beforeRun`, without running anything yet.
 *
 * @example
 * ```ts
 * import { defineApp, startApp } from "@rtos-sim/kernel";
 * const app = defineApp({ name: "idle", description: "one sleeping task", tasks: () => [{ name: "t", *main(t) { yield* t.sleep({ ms: 50 }); } }] });
 * const s = startApp(app, { seed: 1, durationMs: 100 });
 * while (s.run(1).reason === "slices") console.log(s.kernel.nowMs());
 * ```
 */
export function startApp(
  app: AppDescription,
  options: RunAppOptions = {},
  boot: (options: KernelOptions) => Kernel = bootKernel,
): AppSession {
  defineApp(app);
  const board = resolveBoard(options.board ?? app.board ?? "stm32f407");
  const seed = options.seed ?? 1;
  // `memcheck: true` turns the checker on with the app's own settings, if it has some.
  const memcheck =
    options.memcheck === true && typeof app.memcheck === "object"
      ? app.memcheck
      : (options.memcheck ?? app.memcheck ?? false);
  const faultSites = options.faultSites ?? app.kernel?.faultSites;
  const kernel = boot({
    ...(app.kernel ?? {}),
    board,
    seed,
    memcheck,
    ...(faultSites === undefined ? {} : { faultSites }),
  });
  const durationMs = options.durationMs ?? app.durationMs ?? 1000;
  const env = makeAppEnv(kernel, seed, durationMs);
  app.observe?.(kernel, env);
  const tasks = typeof app.tasks === "function" ? app.tasks(env) : app.tasks;
  for (const t of tasks) kernel.spawn(t);
  options.beforeRun?.(kernel);
  return {
    app,
    kernel,
    env,
    durationMs,
    run: (slices) => kernel.run(slices === undefined ? { ms: durationMs } : { ms: durationMs, slices }),
    checks: () => (app.check ? app.check(kernel, env) : []),
  };
}

/**
 * Boots a kernel for `app` on its (or the given) board, creates its tasks, runs it for its
 * duration, makes the end-of-run leak check (with the checker) and returns the kernel (for
 * reports), the run result, the app's checks and the leak summary.
 */
export function runApp(
  app: AppDescription,
  options: RunAppOptions = {},
  boot: (options: KernelOptions) => Kernel = bootKernel,
): AppRun {
  const session = startApp(app, options, boot);
  const result = session.run();
  const leaks = session.kernel.checkLeaks();
  return { app, kernel: session.kernel, result, checks: session.checks(), leaks };
}
