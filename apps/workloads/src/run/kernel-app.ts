import type {
  AppCheck,
  AppSession,
  FaultSiteOptions,
  Kernel,
  AppDescription as KernelAppDescription,
  FaultRecord as KernelFault,
  KernelMemcheckOptions,
  KTask,
  MpuPlan,
} from "@rtos-sim/kernel";
import { defineApp as defineKernelApp, planMpu, startApp } from "@rtos-sim/kernel";
import { formatSourceSite, type MemReport } from "@rtos-sim/memcheck";
import type { AppRunOptions, MachineApp, MachineAppContext } from "../machine-app.js";
import { formatTime } from "../shared/format.js";
import { isKernelApp } from "./kernel-shape.js";
import { checkerReportFrom, leakSummaryFrom } from "./memcheck-report.js";
import { pageMapFromRegionManager } from "./page-maps.js";
import { mpuRegionInfo, type RunRecorder } from "./recorder.js";
import type { FaultRecord, MpuRegionInfo, TaskState } from "./result.js";

export { isKernelApp };

/**
 * Optional fields a kernel app description may carry to say which faults and checker reports
 * it plans (the rogue task of `isolation`, the bugs of `heap-bugs`): those do not fail the run.
 */
export interface KernelAppExpectations {
  /** Whether the app planned this fault (it is then recorded as expected and does not fail the run). */
  readonly expectFault?: ((fault: KernelFault) => boolean) | undefined;
  /** Whether the app planned this checker report (it is then recorded as expected and does not fail the run). */
  readonly expectReport?: ((report: MemReport) => boolean) | undefined;
}

/** Least simulated time between heap-use samples taken on heap operations / on state changes. */
const ALLOC_SAMPLE_MS = 1;
const STATE_SAMPLE_MS = 5;
/** Least simulated time between samples of the pages each owner holds (a scan of the region metadata). */
const PAGES_SAMPLE_MS = 50;

const EXCEPTION_NUMBER: Readonly<Record<string, number>> = { HardFault: 3, MemManage: 4, BusFault: 5, UsageFault: 6 };

/**
 * The regions of an MPU plan (a task's grants and the kernel's), as report rows: each used
 * region decoded from the plan's register words by the MPU driver, with its label.
 */
function planRegions(plan: MpuPlan): MpuRegionInfo[] {
  const views = plan.views();
  const out: MpuRegionInfo[] = [];
  plan.regions.forEach((use, n) => {
    if (use) out.push(mpuRegionInfo(views[n]!, use.label));
  });
  return out;
}

/** A kernel task's MPU regions (its plan: the task's grants and the kernel's), as report rows. */
export function taskMpuRegions(task: KTask): MpuRegionInfo[] {
  return planRegions(task.plan);
}

/**
 * The MPU regions a task ran with when it faulted: its plan's, or when the MPU held other words
 * (its TCB's MPU record overwritten and loaded as found, registers written since its plan was
 * loaded, or a switch to it that faulted before loading it: the kernel's `FaultRecord.mpuHeld`)
 * the enabled regions of the registers, each labelled with why (the plan's, labelled as its, when
 * the registers decode to them: the record differed only in PSPLIM or in words that load the same registers).
 */
export function faultMpuRegions(f: KernelFault, task: KTask): MpuRegionInfo[] {
  const held = f.mpuHeld;
  // A record that differed from the plan only in PSPLIM or in words that load the same registers held the plan's regions.
  if (held === undefined || held.regionsSame === true) return taskMpuRegions(task);
  const label = `held, not ${task.name}'s plan: ${held.reason}`;
  return held.regions.filter((v) => v.enabled).map((v) => mpuRegionInfo(v, label));
}

/**
 * The kernel's own MPU regions (code and kernel data, the highest-numbered regions of every
 * task's plan), as the configuration the kernel loads for itself at boot, as report rows.
 */
export function kernelMpuRegions(kernel: Kernel): MpuRegionInfo[] {
  return planRegions(planMpu(kernel.mpuDriver, kernel.kernelGrants, [], "kernel"));
}

/** A kernel fault record as a run's {@link FaultRecord}. */
export function faultFromKernel(
  f: KernelFault,
  task: number | null,
  expected: boolean,
  regions: readonly MpuRegionInfo[],
): FaultRecord {
  const hw = f.hw;
  const names = hw?.cfsrNames ?? [];
  const valid = (bit: string) => (hw && names.includes(bit) ? hw.faultAddress : null);
  return {
    t: f.ms * 1000,
    task,
    taskName: f.task,
    kind: f.kind,
    hardware: hw !== undefined,
    exception: hw ? (EXCEPTION_NUMBER[hw.exception] ?? 0) : 0,
    exceptionName: hw?.exception ?? f.kind,
    cause: hw?.cause ?? f.kind,
    escalated: hw ? hw.faultStatusRegisters && hw.exception !== hw.cause : false,
    lockup: false,
    faultStatusRegisters: hw?.faultStatusRegisters ?? true,
    cfsr: hw?.cfsr ?? 0,
    cfsrNames: names,
    hfsr: hw?.hfsr ?? 0,
    hfsrNames: hw?.hfsrNames ?? [],
    mmfar: valid("MMARVALID"),
    bfar: valid("BFARVALID"),
    access: hw
      ? {
          address: hw.access.address >>> 0,
          size: hw.access.size,
          kind: hw.access.kind === "write" ? "write" : hw.access.kind === "fetch" ? "fetch" : "read",
          privileged: hw.access.privileged,
        }
      : { address: 0, size: 0, kind: "read", privileged: false },
    expected,
    note: f.message,
    message: f.message,
    mpuRegions: regions,
    memory: f.memory ?? null,
    source: f.source ? formatSourceSite(f.source) : null,
    action: f.action,
    dump: f.dump,
  };
}

function durationMsOf(app: KernelAppDescription, rec: RunRecorder): number {
  return rec.options.durationMs ?? app.durationMs ?? 1000;
}

function taskState(state: string): TaskState {
  const known: readonly string[] = ["ready", "running", "blocked", "sleeping", "faulted", "stopped"];
  return (known.includes(state) ? state : "done") as TaskState;
}

/** Wires a booted kernel's events into a run's recorder. Returns the function that closes the run. */
function follow(kernel: Kernel, rec: RunRecorder, app: KernelAppDescription & KernelAppExpectations, clockHz: number) {
  rec.clock = () => kernel.nowMs() * 1000;
  // Cycles covered, idle time included (the scheduler's clock), as a machine app's core counts
  // them: the core's own count stands still while the kernel idles.
  rec.cycles = () => kernel.scheduler.now().cycles;
  rec.memcheckActive = kernel.checker !== null;
  rec.setMpuRegions(0, kernelMpuRegions(kernel));
  const ids = new Map<string, number>();
  for (const t of kernel.tasks()) {
    const id = rec.addTask(t.name, { privileged: t.privileged });
    ids.set(t.name, id);
    rec.setMpuRegions(id, taskMpuRegions(t));
  }
  const running = new Map<number, number>();
  kernel.events.on("uart", (e) => {
    const id = ids.get(e.task);
    if (id === undefined) rec.note(e.line, 0);
    else rec.uart(id, e.line);
  });
  kernel.events.on("syscall", (e) => {
    rec.event("syscall", e.op, ids.get(e.task) ?? null, undefined, e.ms * 1000);
  });
  kernel.events.on("fault", (f) => {
    const id = ids.get(f.task) ?? null;
    const k = kernel.task(f.task);
    rec.addFault(faultFromKernel(f, id, app.expectFault?.(f) ?? false, k ? faultMpuRegions(f, k) : []));
  });
  kernel.events.on("checker", (r) => {
    const report = checkerReportFrom(r, { clockHz, expected: app.expectReport?.(r) ?? false });
    // The report names the kernel's task id; the run's ids are the recorder's (0 is the kernel in both).
    rec.report(r.task === 0 ? report : { ...report, task: ids.get(r.taskName) ?? report.task });
  });
  kernel.events.on("panic", (e) => rec.note(`panic: ${e.task}: ${e.message}`, 0));
  // Priority inheritance, as it happens: a mutex owner raised to a waiter's priority, and back.
  kernel.events.on("priority", (e) => {
    const why =
      e.waiter !== null
        ? `inherited from ${e.waiter}, waiting on mutex ${e.mutex}`
        : e.to === e.base
          ? "its own again"
          : "";
    rec.note(`priority ${e.from} -> ${e.to}${why ? ` (${why})` : ""}`, ids.get(e.task) ?? 0);
  });
  // Every completed job: its response time as a counter sample, a missed deadline as an event.
  kernel.events.on("job", (e) => {
    const id = ids.get(e.task);
    if (id === undefined) return;
    const t = e.ms * 1000;
    rec.counter("response time", "us", { [e.task]: e.responseUs }, t);
    if (e.missed) {
      rec.event(
        "deadline",
        "deadline missed",
        id,
        { responseUs: e.responseUs, deadlineUs: e.deadlineUs ?? 0, releaseMs: e.releaseMs },
        t,
      );
    }
  });
  // Heap use over time: sampled on heap operations (at most every 1 ms) and on state changes
  // (at most every 5 ms), so long runs stay small.
  const last = { alloc: Number.NEGATIVE_INFINITY, state: Number.NEGATIVE_INFINITY };
  const sample = (ms: number, source: "alloc" | "state", every: number) => {
    if (ms - last[source] < every) return;
    last[source] = ms;
    const heap: Record<string, number> = {};
    for (const t of kernel.tasks()) heap[t.name] = t.heapInUse;
    rec.counter("heap in use", "bytes", heap, ms * 1000);
  };
  let lastPages = Number.NEGATIVE_INFINITY;
  const samplePages = (ms: number, every: number) => {
    if (ms - lastPages < every) return;
    lastPages = ms;
    const pages: Record<string, number> = {};
    // Read the page metadata as a debugger would: observing must not charge cycles or reach the checker.
    for (const o of kernel.machine.core.debugAccess(() => kernel.regions.owners())) pages[o.name] = o.pages;
    rec.counter("pages held", "pages", pages, ms * 1000);
  };
  const durationMs = Math.max(1, durationMsOf(app, rec));
  const us = (cycles: number) => (cycles * 1e6) / clockHz;
  const nullableUs = (cycles: number | null) => (cycles === null ? null : us(cycles));
  // One listener for state changes: run slices, throttled samples, progress.
  kernel.events.on("state", (e) => {
    const id = ids.get(e.task);
    if (id !== undefined) {
      const t = e.ms * 1000;
      if (e.to === "running") {
        running.set(id, t);
        rec.running = id;
      } else if (e.from === "running") {
        rec.slice(id, running.get(id) ?? t, t);
        running.delete(id);
        if (rec.running === id) rec.running = null;
      }
    }
    if (e.ms - last.state >= STATE_SAMPLE_MS) {
      sample(e.ms, "state", STATE_SAMPLE_MS);
      samplePages(e.ms, PAGES_SAMPLE_MS);
      rec.progress(e.ms / durationMs);
    }
  });
  kernel.events.on("alloc", (e) => sample(e.ms, "alloc", ALLOC_SAMPLE_MS));
  sample(0, "state", 0);
  samplePages(0, 0);
  return (checks: readonly AppCheck[]) => {
    const end = rec.clock();
    for (const [id, since] of running) rec.slice(id, since, end);
    sample(kernel.nowMs(), "state", 0);
    samplePages(kernel.nowMs(), 0);
    rec.cpuLoad = kernel.cpuLoad();
    // The kernel's row: the busy cycles no task was charged (tick interrupts, wake-ups, the
    // scheduler between tasks, the switches into the idle loop), so the rows add up to the CPU load.
    const clock = kernel.scheduler.now().cycles;
    let kernelCycles = clock - kernel.scheduler.idleCycles;
    for (const t of kernel.tasks()) {
      const id = ids.get(t.name)!;
      const timing = kernel.taskTiming(t);
      kernelCycles -= timing.cpuCycles;
      rec.setCpuTime(id, us(timing.cpuCycles));
      rec.setTiming(id, {
        periodUs: nullableUs(timing.period),
        deadlineUs: nullableUs(timing.deadline),
        jobs: timing.jobs,
        missed: timing.missed,
        responseMaxUs: nullableUs(timing.responseMax),
        responseMinUs: nullableUs(timing.responseMin),
        responseMeanUs: timing.jobs > 0 ? us(timing.responseTotal / timing.jobs) : null,
        jitterUs:
          timing.responseMax === null || timing.responseMin === null
            ? null
            : us(timing.responseMax - timing.responseMin),
      });
      rec.setState(id, taskState(kernel.schedTask(t).state));
      rec.setPrivileged(id, t.privileged); // its TCB's CONTROL word may have made it what its spec did not
      rec.setMemoryHeld(id, t.stack.top - t.stack.base + (t.heap?.size ?? 0));
      rec.setMpuRegions(id, taskMpuRegions(t));
      rec.setStack(id, kernel.stackUsage(t));
      if (t.heap) rec.setHeap(id, { size: t.heap.size, peak: t.heapPeak });
    }
    rec.setCpuTime(0, us(Math.max(0, kernelCycles)));
    rec.setState(0, kernel.panic === null ? "done" : "faulted");
    rec.setMemoryHeld(0, kernel.kernelBlock.size);
    kernel.machine.core.debugAccess(() => {
      for (const r of kernel.regions.regions()) rec.pageMap(pageMapFromRegionManager(kernel.regions, r));
    });
    for (const c of checks) {
      if (c.skipped === true) rec.skip(c.name, c.detail);
      else rec.check(c.name, c.ok, c.detail);
    }
  };
}

/**
 * A kernel app's run in progress, from {@link startKernelApp}: advanced a few slices at a time
 * (pause and step in the playground) or all at once, then closed. However it is advanced, the
 * recorded run is the same.
 */
export interface KernelAppRun {
  /** The booted kernel (for live views: its tasks, MPU, region manager). */
  readonly kernel: Kernel;
  /** The kernel's session (its app, environment and duration). */
  readonly session: AppSession;
  /** The run reached its end (its duration, no task left to run, or a panic). */
  readonly finished: boolean;
  /**
   * Runs up to `slices` more slices (the rest of the run when omitted). Returns
   * {@link KernelAppRun.finished}.
   */
  advance(slices?: number): boolean;
  /**
   * Closes the run (once; later calls do nothing): the last run slices, samples and page maps,
   * the tasks' end states, the app's checks, a panic as a crash.
   */
  close(): void;
}

/**
 * Boots a kernel app on `ctx`'s board with its seed, duration and `memcheck`, wired to record
 * into `ctx.record` as {@link fromKernelApp} describes, without running it yet.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { finishRun, flight, fromKernelApp, prepareRun, startKernelApp } from "@rtos-sim/apps";
 * const prepared = prepareRun(fromKernelApp(flight), STM32F407, { seed: 1, durationMs: 300, memcheck: true });
 * const run = startKernelApp(flight, prepared.ctx);
 * while (!run.advance(100)) console.log(run.kernel.nowMs());
 * run.close();
 * const result = finishRun(prepared, 0);
 * ```
 */
export function startKernelApp(
  app: KernelAppDescription & KernelAppExpectations,
  ctx: MachineAppContext,
): KernelAppRun {
  let close: ((checks: readonly AppCheck[]) => void) | null = null;
  const session = startApp(app, {
    board: ctx.board,
    seed: ctx.options.seed,
    durationMs: ctx.options.durationMs,
    memcheck: memcheckFor(app, ctx.options),
    faultSites: faultSitesFor(app, ctx.options),
    beforeRun: (kernel) => {
      close = follow(kernel, ctx.record, app, ctx.board.clockHz);
    },
  });
  let finished = false;
  let closed = false;
  return {
    kernel: session.kernel,
    session,
    get finished() {
      return finished;
    },
    advance(slices) {
      if (finished) return true;
      const reason = session.run(slices).reason;
      if (reason === "blocked") ctx.record.note(blockedForEver(session.kernel, ctx.options.durationMs), 0);
      finished = reason !== "slices";
      return finished;
    },
    close() {
      if (closed) return;
      closed = true;
      (close as ((checks: readonly AppCheck[]) => void) | null)?.(session.checks());
      const leaks = session.kernel.checkLeaks({ reportReachable: ctx.options.showReachable === true });
      if (leaks) ctx.record.leaks(leakSummaryFrom(leaks));
      const panic = session.kernel.panic;
      if (panic !== null) ctx.record.crash(`kernel panic: ${panic}`);
    },
  };
}

/**
 * What a run that ended because every task is blocked, with no timer pending, says of it: the
 * system would idle for ever (a deadlock, or a wait for something that never comes), so the run
 * ends before its duration. Names each blocked task and the wait queue it is in.
 */
function blockedForEver(kernel: Kernel, durationMs: number): string {
  const waits = kernel
    .tasks()
    .map((k) => kernel.schedTask(k))
    .filter((t) => t.state === "blocked")
    .map((t) => `${t.name} waits in ${t.waitQueue ?? "a wait queue"}`);
  return `every task is blocked and nothing can wake them (no timer pending: ${waits.join(", ")}): the system would idle for ever, so the run ends at ${formatTime(kernel.nowMs() * 1000)} of the ${formatTime(durationMs * 1000)} asked for`;
}

/**
 * The checker settings of a run: off with `--no-memcheck`; else the app's own settings, its
 * source sites' paths made relative to the run's `sourceRoot` (the CLI's working directory) and
 * their frames mapped by the run's `mapSourceFrame` (the playground's source maps) first.
 */
function memcheckFor(app: KernelAppDescription, options: AppRunOptions): boolean | KernelMemcheckOptions {
  if (!options.memcheck) return false;
  const mc = app.memcheck;
  if (typeof mc !== "object") return true;
  if (!mc.sourceSites || (options.sourceRoot === undefined && options.mapSourceFrame === undefined)) return mc;
  return { ...mc, sourceSites: runSites(mc.sourceSites, options) };
}

/**
 * The fault-site settings of a run (`KernelOptions.faultSites`): the app's own (on by default;
 * `{ syscalls: true }` names the line of a syscall the kernel faults a task in, at a stack
 * capture per syscall), with the run's root and frame map as the checker's source sites have them.
 */
function faultSitesFor(app: KernelAppDescription, options: AppRunOptions): boolean | FaultSiteOptions {
  const own = app.kernel?.faultSites ?? true;
  return own === false ? false : runSites(own, options);
}

/** Source-site options (`true`: the defaults) with the run's `sourceRoot` and `mapSourceFrame` added. */
function runSites(sites: true | FaultSiteOptions, options: AppRunOptions): FaultSiteOptions {
  const { sourceRoot: root, mapSourceFrame: map } = options;
  return {
    ...(sites === true ? {} : sites),
    ...(root === undefined ? {} : { root }),
    ...(map === undefined ? {} : { map }),
  };
}

/**
 * Adapts a kernel app description (`@rtos-sim/kernel`'s `AppDescription`: board, partitions,
 * tasks, checks) to a {@link MachineApp}, the shape every run goes through: `run(ctx)` boots the kernel on the chosen
 * board with the run's seed, duration and `--memcheck`, and records its tasks (run slices from
 * state changes), UART lines, syscalls, faults (decoded, with each task's MPU regions and the
 * kernel's dump), checker reports, heap use over time, the region manager's page maps and the
 * app's checks. Faults and reports the app declares through {@link KernelAppExpectations} are
 * expected. Throws the kernel's `BAD_CONFIG` error for a malformed description.
 */
export function fromKernelApp(app: KernelAppDescription & KernelAppExpectations): MachineApp {
  defineKernelApp(app);
  return {
    name: app.name,
    summary: app.description,
    ...(app.board !== undefined ? { defaultBoard: app.board } : {}),
    ...(app.durationMs !== undefined ? { defaultDurationMs: app.durationMs } : {}),
    // An app that says whether it wants the checker gets its way; one that does not, the CLI's default (on).
    ...(app.memcheck !== undefined ? { defaultMemcheck: app.memcheck !== false } : {}),
    run(ctx: MachineAppContext) {
      const run = startKernelApp(app, ctx);
      run.advance();
      run.close();
    },
  };
}
