/**
 * One run in the playground: the run harness of `@rtos-sim/apps` (the same `prepareRun`,
 * recorder and `finishRun` as `rtos-sim run`, so the same trace hash), advanced a few slices at a
 * time for a kernel app (run, pause, step) and read between slices for the live views.
 */
import {
  type AppRunOptions,
  type BoardInfo,
  type BuiltinApp,
  boardInfo,
  type CheckerReport,
  type CounterSeries,
  type FaultRecord,
  findApp,
  finishRun,
  type KernelAppExpectations,
  type KernelAppRun,
  kernelMpuRegions,
  type MachineApp,
  type MpuRegionInfo,
  mpuRegionInfo,
  type PageMapInfo,
  type PreparedRun,
  pageMapFromRegionManager,
  prepareRun,
  type RunResult,
  runnableApp,
  startKernelApp,
  type TaskResult,
  type TaskSlice,
  taskMpuRegions,
  traceHash,
  type UartLine,
} from "@rtos-sim/apps";
import { actorTask, Fault, findBoard, type Machine, MpuCtrl } from "@rtos-sim/hw";
import type { Kernel } from "@rtos-sim/kernel";
import type { StackFrame } from "@rtos-sim/memcheck";
import { PlaygroundError } from "./errors.js";
import { EDITOR_APP, type PlaygroundState } from "./state.js";
import { editorFrame, errorPosition, firstLine, type UserApp } from "./user-app.js";

/** What the page shows about a loaded run before it starts. */
export interface SessionInfo {
  /** The app of the run. */
  readonly app: {
    /** The app's name. */
    readonly name: string;
    /** One line about what the app shows. */
    readonly summary: string;
    /** A kernel app (steppable) or a machine app (runs in one go). */
    readonly kind: "kernel" | "machine";
    /** A built-in app or the edited one. */
    readonly origin: "builtin" | "editor";
  };
  /** The board the run uses. */
  readonly board: BoardInfo;
  /** The run's options, defaults applied (seed, duration, memory checker). */
  readonly options: AppRunOptions;
  /** Whether the run can be paused and stepped (kernel apps). */
  readonly steppable: boolean;
}

/** The CPU between two slices: who ran last and what the MPU holds now. */
export interface LiveCpu {
  /** The task that ran last (the one whose MPU configuration is loaded), null before the first slice. */
  readonly task: string | null;
  /** Its id in the run (as in `RunResult.tasks`), null before the first slice. */
  readonly taskId: number | null;
  /** Task switches so far. */
  readonly switches: number;
  /** The MPU's enabled regions as its registers hold them now, labelled from the task's (or the kernel's) plan. */
  readonly mpu: readonly MpuRegionInfo[];
  /** MPU_CTRL.ENABLE. */
  readonly mpuEnabled: boolean;
  /** MPU_CTRL.PRIVDEFENA: privileged code also sees the default memory map. */
  readonly privdefena: boolean;
}

/** An exception or fault in the edited app's code, with the line it points at. */
export interface AppErrorInfo {
  /** 1-based line in the edited app, or null when unknown. */
  readonly line: number | null;
  /** 1-based column, or null when unknown. */
  readonly column: number | null;
  /** Simulated time, microseconds. */
  readonly t: number;
  /** Name of the task whose code threw (it was faulted). */
  readonly task: string;
  /** The fault's message. */
  readonly message: string;
  /** Whether the app planned this fault (its `expectFault`), as the fault's record says. */
  readonly expected: boolean;
}

/**
 * What changed since the previous {@link PlaygroundSession.delta}: new run slices, UART lines,
 * faults, checker reports and counter samples, and the state now (tasks, CPU, page maps).
 */
export interface RunDelta {
  /** Simulated time now, microseconds. */
  readonly simulatedUs: number;
  /** Fraction of the run's duration done, in [0, 1]. */
  readonly progress: number;
  /** The run reached its end. */
  readonly finished: boolean;
  /** Every task as it is now (task 0 is the kernel). */
  readonly tasks: readonly TaskResult[];
  /** Run slices recorded since the previous delta. */
  readonly slices: readonly TaskSlice[];
  /** UART lines since the previous delta. */
  readonly uart: readonly UartLine[];
  /** Faults since the previous delta. */
  readonly faults: readonly FaultRecord[];
  /** Memory checker reports since the previous delta. */
  readonly reports: readonly CheckerReport[];
  /** New samples of each counter (series with none left out). */
  readonly counters: readonly CounterSeries[];
  /** The CPU now (last task, decoded MPU regions), or null when there is no machine to read. */
  readonly cpu: LiveCpu | null;
  /** The region manager's page maps now (only when asked for; empty for machine apps). */
  readonly pageMaps: readonly PageMapInfo[];
  /** Exceptions in the edited app's code since the previous delta. */
  readonly appErrors: readonly AppErrorInfo[];
}

/** The end of a run: its result (as `rtos-sim run --json` prints it) and trace hash. */
export interface SessionResult {
  /** The run's result, as `rtos-sim run --json` prints it. */
  readonly result: RunResult;
  /** `traceHash(result)` of `@rtos-sim/apps`: the hash `rtos-sim run` prints for the same run. */
  readonly hash: string;
}

function resolveApp(state: PlaygroundState, loadEdited: ((source: string) => UserApp) | null) {
  if (state.app === EDITOR_APP) {
    if (loadEdited === null || state.source === null) {
      throw new PlaygroundError("APP_INVALID", "there is no edited app to run", { field: "source" });
    }
    const user = loadEdited(state.source);
    const entry: BuiltinApp = user.kind === "kernel" ? { kind: "kernel", app: user.app } : user;
    return { entry, origin: "editor" as const };
  }
  const entry = findApp(state.app);
  if (!entry) throw new PlaygroundError("BAD_STATE", `no built-in app "${state.app}"`, { field: "app" });
  return { entry, origin: "builtin" as const };
}

/**
 * A run of one app with one board, seed and options, as the playground's worker drives it.
 * Built exactly as `rtos-sim run` builds its run (the machine app of the registry entry,
 * `prepareRun`, the recorder), so the result and its trace hash are the CLI's; a kernel app is
 * advanced through `startKernelApp` a few slices at a time, which records the same run.
 *
 * @example
 * ```ts
 * import { DEFAULT_STATE, PlaygroundSession, type RunDelta } from "@rtos-sim/playground";
 * function render(delta: RunDelta): void {
 *   // draw the new slices, UART lines and faults
 * }
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "flight", seed: 7 });
 * while (!s.advance(200)) render(s.delta(false));
 * const { hash } = s.finish(0);
 * ```
 */
export class PlaygroundSession {
  /** The run as the page shows it before it starts. */
  readonly info: SessionInfo;
  private readonly prepared: PreparedRun;
  private readonly app: MachineApp;
  private readonly kernelRun: KernelAppRun | null;
  private last: { name: string; id: number } | null = null;
  private switches = 0;
  private machineDone = false;
  private completion: Promise<void> | null = null;
  private readonly sent = { slices: 0, uart: 0, faults: 0, reports: 0, counters: new Map<string, number>() };
  private readonly appErrors: AppErrorInfo[] = [];
  private errorsSent = 0;

  private constructor(
    state: PlaygroundState,
    loadEdited: ((source: string) => UserApp) | null,
    mapFrame: ((frame: StackFrame) => StackFrame) | null,
  ) {
    const { entry, origin } = resolveApp(state, loadEdited);
    try {
      this.app = runnableApp(entry);
    } catch (e) {
      throw new PlaygroundError("APP_INVALID", firstLine(e), errorPosition(e));
    }
    const boardName = state.board ?? this.app.defaultBoard ?? "stm32f407";
    const board = findBoard(boardName);
    if (!board) throw new PlaygroundError("BAD_STATE", `no built-in board "${boardName}"`, { field: "board" });
    const options: AppRunOptions = {
      seed: state.seed,
      durationMs: state.durationMs ?? this.app.defaultDurationMs ?? 1000,
      memcheck: state.memcheck ?? this.app.defaultMemcheck ?? true,
    };
    // Source sites: frames of the bundle mapped to their source, then the edited app's to the
    // editor's lines. Kept out of `info.options`, which is posted to the page.
    const mapSourceFrame =
      origin === "editor" ? (f: StackFrame) => editorFrame(mapFrame ? mapFrame(f) : f) : (mapFrame ?? undefined);
    this.prepared = prepareRun(this.app, board, mapSourceFrame ? { ...options, mapSourceFrame } : options, {
      source: origin === "builtin" ? "builtin" : "file",
      file: null,
    });
    this.kernelRun = null;
    if (entry.kind === "kernel") {
      try {
        this.kernelRun = startKernelApp(entry.app, this.prepared.ctx);
      } catch (e) {
        throw new PlaygroundError("APP_INVALID", firstLine(e), errorPosition(e));
      }
      this.watch(this.kernelRun.kernel, entry.app);
    }
    this.info = {
      app: { name: this.app.name, summary: this.app.summary, kind: entry.kind, origin },
      board: boardInfo(board),
      options,
      steppable: entry.kind === "kernel",
    };
  }

  /**
   * Loads a run of `state`'s app. `loadEdited` turns the edited app's source into an app (the
   * transpiler and `loadUserApp`); it is needed only when `state.app` is the editor. `mapFrame`
   * maps a stack frame to its source for the checker's source sites (the worker's reader of the
   * bundle's source maps; the run's `mapSourceFrame`); an edited app's frames are given the
   * editor's lines in any case. Throws {@link PlaygroundError}: `BAD_STATE`, `APP_INVALID`, or
   * what `loadEdited` throws.
   */
  static create(
    state: PlaygroundState,
    loadEdited: ((source: string) => UserApp) | null = null,
    mapFrame: ((frame: StackFrame) => StackFrame) | null = null,
  ): PlaygroundSession {
    return new PlaygroundSession(state, loadEdited, mapFrame);
  }

  private watch(kernel: Kernel, app: KernelAppExpectations): void {
    kernel.events.on("switch", (e) => {
      this.switches++;
      this.last = { name: e.to, id: kernel.task(e.to)?.id ?? 0 };
    });
    kernel.scheduler.events.on("fault", (e) => {
      const where = errorPosition(e.reason.error);
      if (where.line === null) return;
      this.appErrors.push({
        t: kernel.nowMs() * 1000,
        task: e.task.name,
        message: e.reason.message,
        ...where,
        expected: false,
      });
    });
    // The kernel's record of the same fault follows at once: whether the app planned it.
    kernel.events.on("fault", (f) => {
      const i = this.appErrors.length - 1;
      const last = this.appErrors[i];
      if (i < this.errorsSent || last?.task !== f.task) return;
      this.appErrors[i] = { ...last, expected: app.expectFault?.(f) ?? false };
    });
  }

  /** The run reached its end. */
  get finished(): boolean {
    return this.kernelRun ? this.kernelRun.finished : this.machineDone;
  }

  /** Core cycles the run has made so far (what a stalled async machine app does not move). */
  get cycles(): number {
    return this.prepared.record.cycles();
  }

  /** The booted kernel of a kernel app (null for a machine app). */
  get kernel(): Kernel | null {
    return this.kernelRun?.kernel ?? null;
  }

  /**
   * Runs up to `slices` more slices of a kernel app (the rest when omitted); returns
   * {@link PlaygroundSession.finished}. A machine app cannot be stepped: use
   * {@link PlaygroundSession.complete}.
   */
  advance(slices?: number): boolean {
    if (!this.kernelRun) throw new PlaygroundError("BAD_STATE", "a machine app runs in one go: it cannot be stepped");
    try {
      return this.kernelRun.advance(slices);
    } catch (e) {
      throw new PlaygroundError("APP_FAILED", `the run stopped: ${firstLine(e)}`, errorPosition(e));
    }
  }

  /**
   * Runs slice by slice until the CPU passes to another task (or the run ends, or `maxSlices`
   * slices ran). Returns whether a switch happened.
   */
  stepSwitch(maxSlices = 100_000): boolean {
    const before = this.switches;
    for (let i = 0; i < maxSlices && !this.finished; i++) {
      this.advance(1);
      if (this.switches > before) return true;
    }
    return this.switches > before;
  }

  /**
   * Runs whole slices until at least `ms` more of simulated time have passed (or the run ends):
   * a slice is never cut, so the run stays the one the CLI makes.
   */
  stepMs(ms: number): void {
    const kernel = this.kernelRun?.kernel;
    if (!kernel) throw new PlaygroundError("BAD_STATE", "a machine app runs in one go: it cannot be stepped");
    const until = kernel.nowMs() + ms;
    while (!this.finished && kernel.nowMs() < until) this.advance(1);
  }

  /**
   * Runs what is left: a kernel app to its end, a machine app's `run(ctx)` (which may be async).
   * A `Fault` escaping a machine app is recorded as the CLI records it (an unhandled fault,
   * a crash); another exception throws {@link PlaygroundError} `APP_FAILED` with its line.
   * A machine app's `run` is called once: a second call while it is pending (Run after Pause on
   * an async app) waits for the same run.
   */
  async complete(): Promise<void> {
    if (this.kernelRun) {
      this.advance();
      return;
    }
    this.completion ??= this.runMachine();
    return this.completion;
  }

  private async runMachine(): Promise<void> {
    if (this.machineDone) return;
    try {
      await this.app.run(this.prepared.ctx);
    } catch (e) {
      if (e instanceof Fault) {
        const task = actorTask(this.prepared.machine.core.actor);
        this.prepared.record.fault(e, { task: task === 0 ? 0 : task, note: "not handled by the app" });
        this.prepared.record.crash(`the app stopped on an unhandled fault: ${e.message}`);
      } else {
        const where = errorPosition(e);
        throw new PlaygroundError(
          "APP_FAILED",
          `the app threw${where.line === null ? "" : ` on line ${where.line}`}: ${firstLine(e)}`,
          where,
        );
      }
    } finally {
      this.machineDone = true;
    }
  }

  private machine(): Machine | null {
    return this.kernelRun?.kernel.machine ?? (this.info.app.kind === "machine" ? this.prepared.machine : null);
  }

  /** The CPU now: the task that ran last and the MPU's registers, decoded. */
  cpu(): LiveCpu | null {
    const machine = this.machine();
    if (!machine) return null;
    const kernel = this.kernelRun?.kernel;
    const k = kernel && this.last ? kernel.task(this.last.name) : undefined;
    const plan = k ? taskMpuRegions(k) : kernel ? kernelMpuRegions(kernel) : [];
    const mpu: MpuRegionInfo[] = [];
    for (let n = 0; n < machine.mpu.regionCount; n++) {
      const view = machine.mpu.region(n);
      if (!view.enabled) continue;
      mpu.push(mpuRegionInfo(view, plan.find((r) => r.number === n)?.label ?? ""));
    }
    return {
      task: this.last?.name ?? null,
      taskId: this.last ? (this.taskIdOf(this.last.name) ?? null) : null,
      switches: this.switches,
      mpu,
      mpuEnabled: machine.mpu.enabled,
      privdefena: (machine.mpu.control & MpuCtrl.PRIVDEFENA) !== 0,
    };
  }

  private taskIdOf(name: string): number | undefined {
    return this.snapshot().tasks.find((t) => t.name === name)?.id;
  }

  private snapshot(): RunResult {
    return finishRun(this.prepared, 0);
  }

  /** The region manager's page maps now (read as a debugger does: no cycles, no checker). */
  pageMaps(): PageMapInfo[] {
    const kernel = this.kernelRun?.kernel;
    if (!kernel) return [];
    return kernel.machine.core.debugAccess(() =>
      kernel.regions.regions().map((r) => pageMapFromRegionManager(kernel.regions, r)),
    );
  }

  /** What changed since the last call (the first call: everything so far). */
  delta(withPageMaps: boolean): RunDelta {
    const r = this.snapshot();
    const s = this.sent;
    const counters: CounterSeries[] = [];
    for (const c of r.counters) {
      const from = s.counters.get(c.name) ?? 0;
      if (c.samples.length > from) counters.push({ name: c.name, unit: c.unit, samples: c.samples.slice(from) });
      s.counters.set(c.name, c.samples.length);
    }
    const delta: RunDelta = {
      simulatedUs: r.simulatedUs,
      progress: Math.min(1, r.simulatedUs / 1000 / Math.max(1, this.info.options.durationMs)),
      finished: this.finished,
      tasks: r.tasks,
      slices: r.slices.slice(s.slices),
      uart: r.uart.slice(s.uart),
      faults: r.faults.slice(s.faults),
      reports: r.reports.slice(s.reports),
      counters,
      cpu: this.cpu(),
      pageMaps: withPageMaps ? this.pageMaps() : [],
      appErrors: this.appErrors.slice(this.errorsSent),
    };
    s.slices = r.slices.length;
    s.uart = r.uart.length;
    s.faults = r.faults.length;
    s.reports = r.reports.length;
    this.errorsSent = this.appErrors.length;
    return delta;
  }

  /**
   * Closes the run (a kernel app: its last slices, page maps and checks) and returns its result
   * and trace hash. `wallMs` is the wall time the run took (not part of the hash).
   */
  finish(wallMs: number): SessionResult {
    this.kernelRun?.close();
    const result = finishRun(this.prepared, wallMs);
    return { result, hash: traceHash(result) };
  }
}
