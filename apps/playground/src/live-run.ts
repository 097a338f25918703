/**
 * The page's copy of a run: the worker's deltas added up into the shape of a `RunResult`, so the
 * report's views (`timelineSvg`, `counterSvg`...) draw a run in progress as they draw a finished
 * one.
 */
import type {
  CheckerReport,
  CounterSample,
  CounterSeries,
  FaultRecord,
  PageMapInfo,
  RunResult,
  TaskResult,
  TaskSlice,
  UartLine,
} from "@rtos-sim/apps";
import { RUN_RESULT_SCHEMA, runOptionsInfo } from "@rtos-sim/apps";
import type { FinishedRun } from "./protocol.js";
import type { AppErrorInfo, LiveCpu, RunDelta, SessionInfo } from "./session.js";

/**
 * A run as the page knows it: everything the worker sent so far.
 *
 * @example
 * ```ts
 * import { ColourMap, timelineSvg } from "@rtos-sim/apps";
 * import { DEFAULT_STATE, LiveRun, PlaygroundSession } from "@rtos-sim/playground";
 * // The page's side: the worker runs the session and posts its info, then its deltas.
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "isolation", seed: 3 });
 * const live = new LiveRun(s.info);
 * s.advance(200);
 * live.apply(s.delta(false));
 * const svg = timelineSvg(live.asResult(), new ColourMap()); // el.innerHTML = svg
 * ```
 */
export class LiveRun {
  /** What the worker said of the run when it was loaded. */
  readonly info: SessionInfo;
  /** Every task as the last delta (or the final result) has it; task 0 is the kernel. */
  tasks: readonly TaskResult[] = [];
  /** Run slices so far, in order. */
  readonly slices: TaskSlice[] = [];
  /** UART lines so far, in order. */
  readonly uart: UartLine[] = [];
  /** Faults so far, in order. */
  readonly faults: FaultRecord[] = [];
  /** Memory checker reports so far, in order. */
  readonly reports: CheckerReport[] = [];
  /** Exceptions in the edited app's code so far, with their lines. */
  readonly appErrors: AppErrorInfo[] = [];
  private readonly counters = new Map<string, { unit: string; samples: CounterSample[] }>();
  /** The page maps last read (the region manager's, at a pause or every few hundred ms). */
  pageMaps: readonly PageMapInfo[] = [];
  /** The CPU as the last delta has it (last task, MPU now), or null. */
  cpu: LiveCpu | null = null;
  /** Simulated time reached, in microseconds. */
  simulatedUs = 0;
  /** Fraction of the run's duration done, in [0, 1]. */
  progress = 0;
  /** The end of the run, once the worker sent it. */
  final: FinishedRun | null = null;

  constructor(info: SessionInfo) {
    this.info = info;
  }

  /** Adds a delta from the worker. */
  apply(d: RunDelta): void {
    this.tasks = d.tasks;
    // Appended in loops, not push(...list): one delta can carry a whole run's 200,000 slices (a
    // run to the end in one step), and a spread of that many arguments overflows the stack.
    append(this.slices, d.slices);
    append(this.uart, d.uart);
    append(this.faults, d.faults);
    append(this.reports, d.reports);
    append(this.appErrors, d.appErrors);
    for (const c of d.counters) {
      let s = this.counters.get(c.name);
      if (!s) {
        s = { unit: c.unit, samples: [] };
        this.counters.set(c.name, s);
      }
      append(s.samples, c.samples);
    }
    if (d.pageMaps.length > 0) this.pageMaps = d.pageMaps;
    this.cpu = d.cpu;
    this.simulatedUs = d.simulatedUs;
    this.progress = d.progress;
  }

  /** Records the end of the run (its tasks, page maps, checks and verdict as the CLI prints them). */
  finish(run: FinishedRun): void {
    this.final = run;
    this.tasks = run.result.tasks;
    this.pageMaps = run.result.pageMaps;
  }

  /**
   * The exception of the edited app the editor points at: the first the app did not plan (the
   * bug, not a rogue task's expected fault that came later), or else the last; null when none.
   */
  shownAppError(): AppErrorInfo | null {
    return this.appErrors.find((e) => !e.expected) ?? this.appErrors[this.appErrors.length - 1] ?? null;
  }

  /** Counter series so far. */
  counterSeries(): CounterSeries[] {
    return [...this.counters].map(([name, s]) => ({ name, unit: s.unit, samples: s.samples }));
  }

  /** The run so far as a `RunResult` (the final one once finished). */
  asResult(): RunResult {
    if (this.final) return this.final.result;
    const i = this.info;
    return {
      schema: RUN_RESULT_SCHEMA,
      app: {
        name: i.app.name,
        summary: i.app.summary,
        source: i.app.origin === "builtin" ? "builtin" : "file",
        file: null,
      },
      board: i.board,
      options: runOptionsInfo(i.options),
      memcheckActive: i.options.memcheck,
      simulatedUs: this.simulatedUs,
      cycles: 0,
      wallMs: 0,
      cpuLoad: null, // known once the run finishes
      leaks: null, // scanned when the run ends
      tasks: this.tasks,
      slices: this.slices,
      events: [],
      uart: this.uart,
      faults: this.faults,
      reports: this.reports,
      pageMaps: this.pageMaps,
      counters: this.counterSeries(),
      checks: [],
      warnings: [],
      verdict: { ok: true, problems: [] },
    };
  }
}

function append<T>(to: T[], items: readonly T[]): void {
  for (const x of items) to.push(x);
}
