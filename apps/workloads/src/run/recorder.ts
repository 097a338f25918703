import type { Board, Fault, MpuRegionView, Pmsav7RegionView, Pmsav8RegionView } from "@rtos-sim/hw";
import { accessKindName, decodeHfsr, exceptionName } from "@rtos-sim/hw";
import { faultCause } from "./fault-cause.js";
import { FAULT_RECORD_LIMIT, RECORD_LIMIT, SampleSeries } from "./record-limit.js";
import {
  type BoardInfo,
  type CheckerReport,
  type CheckResult,
  type CounterSeries,
  type FaultRecord,
  type LeakSummaryInfo,
  type MemoryPeak,
  type MpuRegionInfo,
  type MpuRegionRegisters,
  type PageMapInfo,
  type RecordingInfo,
  RUN_RESULT_SCHEMA,
  type RunEvent,
  type RunEventKind,
  type RunOptionsInfo,
  type RunResult,
  type TaskResult,
  type TaskSlice,
  type TaskState,
  type TaskTiming,
  type UartLine,
} from "./result.js";

/** Callbacks the CLI uses to show a run as it happens (human output, progress bar). */
export interface RunListener {
  /** A task printed a line. */
  readonly uart?: ((line: UartLine, taskName: string) => void) | undefined;
  /** The kernel (or the app) noted something worth showing. */
  readonly note?: ((t: number, taskName: string, text: string) => void) | undefined;
  /** A fault was recorded. */
  readonly fault?: ((record: FaultRecord) => void) | undefined;
  /** Progress of the run in [0, 1]. */
  readonly progress?: ((fraction: number) => void) | undefined;
}

/** Fault registers read after a fault (CFSR, HFSR, MMFAR, BFAR). */
export interface FaultRegisters {
  /** Configurable Fault Status Register (MMFSR, BFSR and UFSR). */
  readonly cfsr: number;
  /** HardFault Status Register. */
  readonly hfsr: number;
  /** MemManage Fault Address Register (meaningful when CFSR.MMARVALID is set). */
  readonly mmfar: number;
  /** BusFault Address Register (meaningful when CFSR.BFARVALID is set). */
  readonly bfar: number;
}

/** How the app describes a fault it records. */
export interface FaultContext {
  /** The task that faulted (null: kernel or unknown). */
  readonly task: number | null;
  /** The app meant this fault to happen (a rogue task being stopped). Default false. */
  readonly expected?: boolean;
  /** What the task was trying to do. */
  readonly note?: string;
  /** The fault registers as read after the fault (default: only the fault's own bits). */
  readonly registers?: FaultRegisters;
  /** The MPU regions loaded when the fault was taken (default: the task's recorded regions). */
  readonly mpuRegions?: readonly MpuRegionInfo[];
  /** Whose memory the access reached, e.g. `the stack of task "imu"` (default: not known, null). */
  readonly memory?: string;
  /** The line of code that faulted, "file:line:column in function" (default: not known, null). */
  readonly source?: string;
}

interface TaskEntry {
  id: number;
  name: string;
  state: TaskState;
  privileged: boolean;
  cpuUs: number;
  faults: number;
  memoryHeld: number;
  mpuRegions: readonly MpuRegionInfo[];
  stack: MemoryPeak | null;
  heap: MemoryPeak | null;
  /** CPU time set by the app (overrides the sum of the slices), or null. */
  cpuSet: number | null;
  timing: TaskTiming | null;
}

/** The board as reports show it. */
export function boardInfo(board: Board): BoardInfo {
  return {
    name: board.name,
    description: board.description,
    core: board.core,
    clockHz: board.clockHz,
    mpuArchitecture: board.mpuArchitecture,
    mpuRegions: board.mpuRegions,
    memory: board.memory.map((m) => ({
      name: m.name,
      start: m.start,
      end: m.end,
      size: m.size,
      kind: m.kind,
      readOnly: m.readOnly,
      executable: m.executable,
    })),
    peripherals: board.peripherals.map((p) => ({ name: p.name, start: p.start, end: p.start + p.size, size: p.size })),
  };
}

/** The registers of a region view, with their fields, per architecture. */
function regionRegisters(view: MpuRegionView): MpuRegionRegisters {
  // Each architecture's decoder returns its own view (`decodeRegion`, `decodeRegionV8`).
  const v = view as Pmsav7RegionView | Pmsav8RegionView;
  if (v.architecture === "pmsav7") {
    return {
      architecture: "pmsav7",
      // RBAR as read with RNR = n: ADDR, VALID (reads 0), REGION[3:0].
      rbar: (v.rbar | (v.number & 0xf)) >>> 0,
      rasr: v.rasr,
      ap: v.ap,
      tex: v.tex,
      c: v.c,
      b: v.b,
      s: v.s,
      sizeField: v.sizeField,
    };
  }
  return {
    architecture: "pmsav8",
    rbar: v.rbar,
    rlar: v.rlar,
    ap: v.ap,
    shareability: v.shareability,
    pxn: v.pxn,
    attrIndex: v.attrIndex,
    attr: v.attr,
    device: v.device,
  };
}

/**
 * An MPU region view (from `mpu.region(n)` or an MPU configuration's `views()`) as a report
 * row, with what it is for and its registers decoded per architecture.
 */
export function mpuRegionInfo(view: MpuRegionView, label: string): MpuRegionInfo {
  return {
    number: view.number,
    base: view.base,
    size: view.size,
    access: view.access,
    executable: !view.xn,
    memoryType: view.attributes.type,
    srd: view.srd,
    label,
    registers: regionRegisters(view),
  };
}

/**
 * Collects what a run produces (tasks, run slices, events, UART output, faults, checker reports,
 * page maps, counters, checks) and turns it into a {@link RunResult}. Apps write to it through
 * `ctx.record`; the CLI shows it live through a {@link RunListener}. Task 0 is the kernel.
 *
 * Memory stays bounded however long a run is: each list keeps its first `limit` entries
 * ({@link RECORD_LIMIT} by default; faults at most {@link FAULT_RECORD_LIMIT}) and counts the rest, and a counter series past the limit
 * halves its resolution ({@link SampleSeries}); the result's `recording` says what was not kept.
 * The task table (CPU time, timing), the live output and the verdict cover the whole run.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { RunRecorder } from "@rtos-sim/apps";
 * const { board, core } = createMachine(STM32F407);
 * const app = { name: "sensor-demo", summary: "one task", source: "file", file: "/home/me/sensor-demo.ts" } as const;
 * const options = { seed: 1, durationMs: 1, memcheck: false };
 * const rec = new RunRecorder({ app, board, options, clock: () => core.cycles / (board.clockHz / 1e6) });
 * const t = rec.addTask("sensor");
 * rec.slice(t, 0, 12.5);
 * rec.uart(t, "hello");
 * const result = rec.finish({ simulatedUs: 1000, cycles: 168000, wallMs: 3, memcheckActive: false });
 * console.log(result.verdict.ok); // true
 * ```
 */
export class RunRecorder {
  private readonly tasks: TaskEntry[] = [];
  private readonly slices: TaskSlice[] = [];
  private readonly events: RunEvent[] = [];
  private readonly uartLines: UartLine[] = [];
  private readonly faults: FaultRecord[] = [];
  private readonly reports: CheckerReport[] = [];
  private readonly pageMaps: PageMapInfo[] = [];
  private leakSummary: LeakSummaryInfo | null = null;
  private readonly counters = new Map<string, { unit: string; series: SampleSeries }>();
  /** The most entries kept per list and per counter series. */
  private readonly limit: number;
  /** The most faults kept (the heaviest entries): {@link FAULT_RECORD_LIMIT}, or `limit` when smaller. */
  private readonly faultLimit: number;
  /** Entries recorded past the limit, per list, and the unexpected faults and checker errors among them. */
  private readonly dropped = { slices: 0, events: 0, uart: 0, faults: 0, reports: 0 };
  private droppedUnexpectedFaults = 0;
  private droppedCheckerErrors = 0;
  private readonly checks: CheckResult[] = [];
  private readonly warnings: string[] = [];
  private readonly crashes: string[] = [];
  private readonly app: RunResult["app"];
  private readonly board: Board;
  /** The options of the run. */
  readonly options: RunOptionsInfo;
  /** The simulated clock in microseconds (the app may replace it, e.g. with the kernel's clock). */
  clock: () => number;
  /** Core cycles so far (the app may replace it, e.g. with the kernel's machine). */
  cycles: () => number = () => 0;
  /** Whether the memory checker runs in this run (set by apps that attach it). */
  memcheckActive = false;
  /** The CPU load (0..1), when the app knows it (set by the kernel harness), else null. */
  cpuLoad: number | null = null;
  /**
   * Id of the task running now (kept by the kernel harness; null between tasks, and in an app
   * that does not say): what a run stopped from outside was doing.
   */
  running: number | null = null;
  /** Live callbacks (set by the CLI). */
  listener: RunListener = {};

  /**
   * `limit`: the most entries the run keeps of each list (slices, events, UART lines, faults
   * (at most {@link FAULT_RECORD_LIMIT}), checker reports) and of each counter series; default {@link RECORD_LIMIT}. An even integer
   * of 2 or more (a `RangeError` otherwise). What a long run does not keep is counted in the
   * result's `recording`.
   */
  constructor(init: {
    app: RunResult["app"];
    board: Board;
    options: RunOptionsInfo;
    clock?: () => number;
    limit?: number;
  }) {
    const limit = init.limit ?? RECORD_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 2 || limit % 2 !== 0) {
      throw new RangeError(`RunRecorder: limit must be an even integer of 2 or more, got ${String(limit)}`);
    }
    this.limit = limit;
    this.faultLimit = Math.min(limit, FAULT_RECORD_LIMIT);
    this.app = init.app;
    this.board = init.board;
    this.options = init.options;
    this.clock = init.clock ?? (() => 0);
    this.tasks.push({
      id: 0,
      name: "kernel",
      state: "running",
      privileged: true,
      cpuUs: 0,
      faults: 0,
      memoryHeld: 0,
      mpuRegions: [],
      stack: null,
      heap: null,
      cpuSet: null,
      timing: null,
    });
  }

  /** Adds a task and returns its id (1, 2, ...). */
  addTask(name: string, init: { privileged?: boolean; memoryHeld?: number; state?: TaskState } = {}): number {
    const id = this.tasks.length;
    this.tasks.push({
      id,
      name,
      state: init.state ?? "ready",
      privileged: init.privileged ?? false,
      cpuUs: 0,
      faults: 0,
      memoryHeld: init.memoryHeld ?? 0,
      mpuRegions: [],
      stack: null,
      heap: null,
      cpuSet: null,
      timing: null,
    });
    return id;
  }

  /** The name of a task id ("kernel" for 0, "?" when unknown). */
  taskName(task: number | null): string {
    if (task === null) return "system";
    return this.tasks[task]?.name ?? "?";
  }

  private entry(task: number): TaskEntry {
    const e = this.tasks[task];
    if (!e) throw new RangeError(`RunRecorder: no task ${task}`);
    return e;
  }

  /** Sets a task's state. */
  setState(task: number, state: TaskState): void {
    this.entry(task).state = state;
  }

  /** Sets whether a task runs privileged (a kernel task's, as its last switch-in loaded it from its TCB). */
  setPrivileged(task: number, privileged: boolean): void {
    this.entry(task).privileged = privileged;
  }

  /** Sets the bytes of memory a task holds now. */
  setMemoryHeld(task: number, bytes: number): void {
    this.entry(task).memoryHeld = bytes;
  }

  /** Sets a task's CPU time (microseconds), as the scheduler counted it, instead of the sum of its slices. */
  setCpuTime(task: number, us: number): void {
    this.entry(task).cpuSet = us;
  }

  /** Records a task's timing (response times, deadline misses). */
  setTiming(task: number, timing: TaskTiming): void {
    this.entry(task).timing = timing;
  }

  /** Records a task's stack use (size and peak). */
  setStack(task: number, stack: MemoryPeak): void {
    this.entry(task).stack = { size: stack.size, peak: stack.peak };
  }

  /** Records a task's heap use (its heap block's size and the most bytes allocated at once). */
  setHeap(task: number, heap: MemoryPeak): void {
    this.entry(task).heap = { size: heap.size, peak: heap.peak };
  }

  /** Records the MPU regions loaded for a task. */
  setMpuRegions(task: number, regions: readonly MpuRegionInfo[]): void {
    this.entry(task).mpuRegions = regions;
  }

  /** Records a run slice of a task. */
  slice(task: number, start: number, end: number): void {
    this.entry(task).cpuUs += Math.max(0, end - start);
    if (this.slices.length < this.limit) this.slices.push({ task, start, end });
    else this.dropped.slices++;
  }

  /** Records an instant event at the current simulated time (or `t`). */
  event(
    kind: RunEventKind,
    name: string,
    task: number | null,
    args?: Readonly<Record<string, string | number | boolean>>,
    t = this.clock(),
  ): void {
    if (this.events.length >= this.limit) {
      this.dropped.events++;
      return;
    }
    this.events.push(args === undefined ? { t, kind, task, name } : { t, kind, task, name, args });
  }

  /** A line of UART output from a task. */
  uart(task: number, text: string): void {
    const line = { t: this.clock(), task, text };
    if (this.uartLines.length < this.limit) this.uartLines.push(line);
    else this.dropped.uart++;
    this.event("uart", text, task);
    this.listener.uart?.(line, this.taskName(task));
  }

  /** A note from the kernel or the app, shown in the human output and kept as an event. */
  note(text: string, task: number | null = 0): void {
    const t = this.clock();
    this.event("note", text, task, undefined, t);
    this.listener.note?.(t, this.taskName(task), text);
  }

  /** Records a fault taken by the simulated core; returns the record. */
  fault(fault: Fault, ctx: FaultContext): FaultRecord {
    const regs = ctx.registers ?? {
      cfsr: fault.cfsr,
      hfsr: fault.hfsr,
      mmfar: fault.faultAddress ?? 0,
      bfar: fault.faultAddress ?? 0,
    };
    const names = [...fault.cfsrNames];
    const record: FaultRecord = {
      t: this.clock(),
      task: ctx.task,
      taskName: this.taskName(ctx.task),
      // ARMv6-M: the silicon's HardFault is the kind; the cause is the simulator's classification.
      kind: exceptionName(fault.faultStatusRegisters ? fault.cause : fault.exception).toLowerCase(),
      hardware: true,
      exception: fault.exception,
      exceptionName: exceptionName(fault.exception),
      cause: exceptionName(fault.cause),
      escalated: fault.faultStatusRegisters && fault.exception !== fault.cause,
      lockup: fault.lockup,
      faultStatusRegisters: fault.faultStatusRegisters,
      cfsr: regs.cfsr >>> 0,
      cfsrNames: names,
      hfsr: regs.hfsr >>> 0,
      hfsrNames: decodeHfsr(regs.hfsr),
      mmfar: names.includes("MMARVALID") ? regs.mmfar >>> 0 : null,
      bfar: names.includes("BFARVALID") ? regs.bfar >>> 0 : null,
      access: {
        address: fault.access.address >>> 0,
        size: fault.access.size,
        kind: accessKindName(fault.access.kind),
        privileged: fault.access.privileged,
      },
      expected: ctx.expected ?? false,
      note: ctx.note ?? "",
      message: fault.message,
      mpuRegions: ctx.mpuRegions ?? (ctx.task !== null ? (this.tasks[ctx.task]?.mpuRegions ?? []) : []),
      memory: ctx.memory ?? null,
      source: ctx.source ?? null,
      action: null,
      dump: null,
    };
    return this.addFault(record);
  }

  /** Records a fault already decoded (e.g. by the kernel); returns it. */
  addFault(record: FaultRecord): FaultRecord {
    if (this.faults.length < this.faultLimit) this.faults.push(record);
    else {
      this.dropped.faults++;
      if (!record.expected) this.droppedUnexpectedFaults++;
    }
    if (record.task !== null && this.tasks[record.task]) this.entry(record.task).faults++;
    this.event(
      "fault",
      record.hardware ? `${faultCause(record)} ${record.cfsrNames.join("|")}` : record.kind,
      record.task,
      { address: record.access.address, expected: record.expected },
      record.t,
    );
    this.listener.fault?.(record);
    return record;
  }

  /** Records a memory checker report. */
  report(report: CheckerReport): void {
    if (this.reports.length < this.limit) this.reports.push(report);
    else {
      this.dropped.reports++;
      if (report.severity === "error" && !report.expected) this.droppedCheckerErrors++;
    }
  }

  /** Records the leak summary of the end of the run (the memory checker's). */
  leaks(summary: LeakSummaryInfo): void {
    this.leakSummary = summary;
  }

  /** Records the page map of a memory region. */
  pageMap(map: PageMapInfo): void {
    this.pageMaps.push(map);
  }

  /** Adds a sample to a counter (created on first use with its unit). */
  counter(name: string, unit: string, values: Readonly<Record<string, number>>, t = this.clock()): void {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = { unit, series: new SampleSeries(this.limit) };
      this.counters.set(name, counter);
    }
    counter.series.add(t, values);
  }

  /** Records a check the app made on its own outcome; a failed check fails the run (exit 1). */
  check(name: string, passed: boolean, detail = ""): void {
    this.checks.push({ name, passed, detail });
    this.event("check", name, null, { passed });
  }

  /**
   * Records a check the app could not make because what it checks had not happened when the
   * run ended (`detail` says what was not reached): shown as skipped, it neither passes nor
   * fails the run.
   */
  skip(name: string, detail = ""): void {
    this.checks.push({ name, passed: false, detail, skipped: true });
    this.event("check", name, null, { passed: false, skipped: true });
  }

  /** Records a configuration warning. */
  warn(text: string): void {
    if (!this.warnings.includes(text)) this.warnings.push(text);
  }

  /** Records that the app stopped with an error (an uncaught fault or exception). */
  crash(text: string): void {
    this.crashes.push(text);
  }

  /** Reports progress in [0, 1] to the listener. */
  progress(fraction: number): void {
    this.listener.progress?.(Math.min(1, Math.max(0, fraction)));
  }

  /** The finished result, with the verdict computed from faults, reports, checks and crashes. */
  finish(end: { simulatedUs: number; cycles: number; wallMs: number; memcheckActive: boolean }): RunResult {
    const total = end.simulatedUs;
    const tasks: TaskResult[] = this.tasks.map((t) => {
      const cpu = t.cpuSet ?? t.cpuUs;
      return {
        id: t.id,
        name: t.name,
        state: t.state,
        privileged: t.privileged,
        cpuUs: cpu,
        cpuShare: total > 0 ? Math.min(1, cpu / total) : 0,
        faults: t.faults,
        memoryHeld: t.memoryHeld,
        mpuRegions: t.mpuRegions,
        stack: t.stack,
        heap: t.heap,
        timing: t.timing,
      };
    });
    const problems: string[] = [...this.crashes];
    for (const f of this.faults) {
      if (!f.expected) problems.push(`unexpected fault in ${f.taskName}: ${f.message}`);
    }
    for (const r of this.reports) {
      if (r.severity === "error" && !r.expected) problems.push(`checker error: ${r.message}`);
    }
    if (this.droppedUnexpectedFaults > 0)
      problems.push(`${this.droppedUnexpectedFaults} more unexpected fault(s), past the run's recording limit`);
    if (this.droppedCheckerErrors > 0)
      problems.push(`${this.droppedCheckerErrors} more checker error(s), past the run's recording limit`);
    for (const c of this.checks)
      if (!c.passed && !c.skipped) problems.push(`check failed: ${c.name}${c.detail ? ` (${c.detail})` : ""}`);
    const counters: CounterSeries[] = [...this.counters].map(([name, c]) => ({
      name,
      unit: c.unit,
      samples: c.series.samples(),
    }));
    const recording = this.recording(this.samplesMerged());
    return {
      schema: RUN_RESULT_SCHEMA,
      app: this.app,
      board: boardInfo(this.board),
      options: this.options,
      memcheckActive: end.memcheckActive,
      simulatedUs: total,
      cycles: end.cycles,
      cpuLoad: this.cpuLoad,
      wallMs: end.wallMs,
      tasks,
      slices: this.slices,
      events: this.events,
      uart: this.uartLines,
      faults: this.faults,
      reports: this.reports,
      leaks: this.leakSummary,
      pageMaps: this.pageMaps,
      counters,
      checks: this.checks,
      warnings: this.warnings,
      verdict: { ok: problems.length === 0, problems },
      ...(recording === null ? {} : { recording }),
    };
  }

  private samplesMerged(): number {
    let n = 0;
    for (const c of this.counters.values()) n += c.series.merged;
    return n;
  }

  /** What the run did not keep, or null when it kept everything (the result then has no `recording`). */
  private recording(samplesMerged: number): RecordingInfo | null {
    const d = this.dropped;
    if (d.slices + d.events + d.uart + d.faults + d.reports + samplesMerged === 0) return null;
    return { limit: this.limit, faultLimit: this.faultLimit, dropped: { ...d }, samplesMerged };
  }
}
