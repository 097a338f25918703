import type { RunResult } from "@rtos-sim/apps";
import { hex32, recordingSummary, traceHash } from "@rtos-sim/apps";

/** One event of the Chrome trace-event format (the subset rtos-sim writes). */
export interface TraceEvent {
  /** The event's name: the task of a slice, a fault, a report kind, a counter ("name (unit)"), or a metadata key. */
  readonly name: string;
  /** "X" complete, "i" instant, "C" counter, "M" metadata. */
  readonly ph: "X" | "i" | "C" | "M";
  /** Microseconds. */
  readonly ts: number;
  /** Process id: always {@link TRACE_PID} (the simulated machine). */
  readonly pid: number;
  /** Thread id: the task id (0: the kernel, system-wide events and counters). */
  readonly tid: number;
  /** Duration in microseconds ("X" only). */
  readonly dur?: number;
  /** Category (`run`, `fault`, `memcheck`, `counter`, or the kind of a run event). */
  readonly cat?: string;
  /** Scope of an instant event: "t" thread, "p" process, "g" global. */
  readonly s?: "t" | "p" | "g";
  /** Extra fields shown with the event (a counter's values by series). */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** A trace file: `{"traceEvents": [...]}` as Perfetto and chrome://tracing open it. */
export interface TraceFile {
  /** The events, metadata first; timestamps in simulated microseconds. */
  readonly traceEvents: readonly TraceEvent[];
  /** Unit the viewer shows times in (rtos-sim writes "ms"). */
  readonly displayTimeUnit: "ms" | "ns";
  /**
   * Run facts: app, board, seed, simulatedUs, ok, the run's trace hash (`traceHash` of
   * `@rtos-sim/apps`, the one the summary prints), cpuLoad when known, and `timing:<task>` lines.
   */
  readonly otherData: Readonly<Record<string, string | number | boolean>>;
}

/** The process id of the simulated machine in the trace. */
export const TRACE_PID = 1;

/**
 * A task's timing in one line for the trace's `otherData`, e.g.
 * `jobs 500, missed 0, response max 14.2 us, jitter 1 us, CPU 310 us`.
 */
function timingLine(t: RunResult["tasks"][number]): string | null {
  const m = t.timing;
  if (!m) return null;
  const us = (v: number | null) => (v === null ? "-" : `${+v.toFixed(3)} us`);
  return `jobs ${m.jobs}, missed ${m.missed}, response max ${us(m.responseMaxUs)}, jitter ${us(m.jitterUs)}, CPU ${+t.cpuUs.toFixed(3)} us`;
}

/**
 * Builds a Chrome trace-event file from a run: metadata naming the process (app and board) and
 * one thread per task (tid = task id, the kernel is tid 0); an "X" event per run slice; "i"
 * events for faults, syscalls, accesses, UART lines, notes and missed deadlines; "C" events for
 * every counter sample (the response time of every job among them). `otherData` carries the
 * run's trace hash, the CPU load, each task's timing (`timing:<task>`) and, for a run that reached
 * its recording limit, what it did not keep (`recording`). Timestamps are simulated microseconds.
 * `hash` is the run's trace hash when the caller has it (computing it walks the whole run).
 */
export function buildTrace(result: RunResult, hash: string = traceHash(result)): TraceFile {
  const pid = TRACE_PID;
  const events: TraceEvent[] = [
    {
      name: "process_name",
      ph: "M",
      ts: 0,
      pid,
      tid: 0,
      args: { name: `rtos-sim ${result.app.name} on ${result.board.name}` },
    },
  ];
  for (const t of result.tasks) {
    events.push({ name: "thread_name", ph: "M", ts: 0, pid, tid: t.id, args: { name: t.name } });
    events.push({ name: "thread_sort_index", ph: "M", ts: 0, pid, tid: t.id, args: { sort_index: t.id } });
  }
  for (const s of result.slices) {
    events.push({
      name: result.tasks[s.task]?.name ?? `task ${s.task}`,
      cat: "run",
      ph: "X",
      ts: s.start,
      dur: Math.max(0, s.end - s.start),
      pid,
      tid: s.task,
    });
  }
  for (const e of result.events) {
    if (e.kind === "fault" || e.kind === "check") continue; // faults carry full detail below; checks are not timed
    events.push({
      name: e.name,
      cat: e.kind,
      ph: "i",
      s: "t",
      ts: e.t,
      pid,
      tid: e.task ?? 0,
      ...(e.args ? { args: e.args } : {}),
    });
  }
  for (const f of result.faults) {
    events.push({
      name: f.hardware ? `${f.exceptionName}: ${f.cfsrNames.join("|")}` : f.kind,
      cat: "fault",
      ph: "i",
      s: "t",
      ts: f.t,
      pid,
      tid: f.task ?? 0,
      args: {
        cause: f.cause,
        cfsr: hex32(f.cfsr),
        mmfar: f.mmfar === null ? null : hex32(f.mmfar),
        bfar: f.bfar === null ? null : hex32(f.bfar),
        access: `${f.access.privileged ? "privileged" : "unprivileged"} ${f.access.kind} of ${f.access.size} at ${hex32(
          f.access.address,
        )}`,
        expected: f.expected,
        note: f.note,
        action: f.action,
      },
    });
  }
  for (const r of result.reports) {
    events.push({
      name: `${r.kind}`,
      cat: "memcheck",
      ph: "i",
      s: "t",
      ts: r.t,
      pid,
      tid: r.task ?? 0,
      args: { message: r.message, severity: r.severity, expected: r.expected },
    });
  }
  for (const c of result.counters) {
    for (const sample of c.samples) {
      events.push({
        name: `${c.name} (${c.unit})`,
        cat: "counter",
        ph: "C",
        ts: sample.t,
        pid,
        tid: 0,
        args: sample.values,
      });
    }
  }
  const otherData: Record<string, string | number | boolean> = {
    app: result.app.name,
    board: result.board.name,
    seed: result.options.seed,
    simulatedUs: result.simulatedUs,
    ok: result.verdict.ok,
    traceHash: hash,
  };
  if (result.cpuLoad !== null) otherData.cpuLoad = result.cpuLoad;
  // A long run's trace holds what the run kept (its first slices and events): say so.
  if (result.recording) otherData.recording = recordingSummary(result.recording);
  for (const t of result.tasks) {
    const line = timingLine(t);
    if (line !== null) otherData[`timing:${t.name}`] = line;
  }
  return { traceEvents: events, displayTimeUnit: "ms", otherData };
}
