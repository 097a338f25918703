/**
 * The rig of the memory-bug corpus (test-only, not exported from the package): one classic bug
 * per case, run the way a user runs it, inside task "bug" of a booted kernel (STM32F407, the
 * checker on with source sites), through the task's syscalls, heap, call frames and C library.
 * A case's outcome is summed up as plain data (every report of the task, its end state and
 * fault) for exact comparison with what the case expects, addresses relative to the marks the
 * task's code set.
 */
import type { MemReport } from "@rtos-sim/memcheck";
import type { KernelMemcheckOptions, TaskSpec } from "../config.js";
import type { HeapKind } from "../heaps/table.js";
import type { Kernel } from "../kernel.js";
import type { TaskContext } from "../task-context.js";
import { bootTest } from "../test-kit.js";

/** Addresses the task's code names while it runs (`m.p = yield* t.malloc(...)`), for the expectations. */
export type Marks = Record<string, number>;

/** What the task's code is given besides its context: marks to set, and the booted kernel (facts only: where things lie). */
export interface CaseEnv {
  /** Named addresses, set by the task's code, read by the expectation. */
  readonly m: Marks;
  /** The kernel (the case reads where a partition or another task's heap lies, as a map file says). */
  readonly k: Kernel;
}

/** A report as the corpus compares it: what a user reads in its first lines. */
export interface ReportSummary {
  /** Report kind. */
  readonly kind: string;
  /** The first offending byte (or the block; 0 for refused allocations). */
  readonly address: number;
  /** Bytes of the access (or transition). */
  readonly size: number;
  /** Read, write, or null for transitions, frees and leaks. */
  readonly access: string | null;
  /** The task named. */
  readonly task: string;
  /** The syscall the kernel was carrying out, or null. */
  readonly syscall: string | null;
  /** The block and where the address lies relative to it: `"<distance> <relation> <size>@<address> <state> <allocator>"`, or null. */
  readonly block: string | null;
  /** Allocation and free labels of the block (`"alloc-label / free-label"`), or null without a block. */
  readonly sites: string | null;
  /** The frame and local: `"<distance> <relation> '<local>' of <function> (<state>)"`, or null. */
  readonly frame: string | null;
  /** Whether the access's line of code was found in the corpus's own files (source sites on). */
  readonly line: boolean;
}

/** How a case ended: the task's reports, its state and first fault. */
export interface Outcome {
  /** Every report naming task "bug", in order. */
  readonly reports: readonly ReportSummary[];
  /** The task's scheduler state at the end ("faulted" when a fault stopped it). */
  readonly state: string;
  /** The kind of its first fault and, for a checker fault, the report kind (with its message for a `heap` fault); or null. */
  readonly fault: string | null;
  /** What the case's code recorded after its bug (values it read, results it got). */
  readonly seen: readonly unknown[];
}

/** One corpus entry. */
export interface CorpusCase {
  /** What the bug is, in words (the test's name). */
  readonly name: string;
  /** The task's heap kind (default tlsf; 4 KiB). */
  readonly heap?: HeapKind;
  /** Stack bytes (default 2048). */
  readonly stackSize?: number;
  /** Checker settings beyond the rig's (source sites on). */
  readonly memcheck?: KernelMemcheckOptions;
  /** The task's fault policy (default "stop"). */
  readonly faultPolicy?: TaskSpec["faultPolicy"];
  /** Partitions the task may touch. */
  readonly partitions?: TaskSpec["partitions"];
  /** Another task to spawn first (it runs first: a neighbour whose heap or stack the bug touches). */
  readonly other?: (env: CaseEnv) => TaskSpec;
  /** The bug. What it pushes to `seen` ends up in the outcome. */
  readonly body: (t: TaskContext, env: CaseEnv, seen: unknown[]) => Generator<unknown, void, unknown>;
  /** The exact outcome, from the marks. */
  readonly expect: (m: Marks, k: Kernel) => Outcome;
}

const CORPUS_FILE = /\/corpus\/[a-z-]+\.(corpus\.test|rig)\.ts$/;

/** The summary of one report. */
export function summarize(r: MemReport): ReportSummary {
  const b = r.block;
  const f = r.frame;
  return {
    kind: r.kind,
    address: r.address,
    size: r.size,
    access: r.access,
    task: r.taskName,
    syscall: r.syscall,
    block: b ? `${b.distance} ${b.relation} ${b.size}@${hex(b.address)} ${b.state} ${b.allocator}` : null,
    sites: b ? `${b.allocated.label ?? "-"} / ${b.freed ? (b.freed.label ?? "-") : "live"}` : null,
    frame: f ? `${f.distance} ${f.relation} '${f.local?.name ?? "-"}' of ${f.function} (${f.state})` : null,
    line: r.source !== null && CORPUS_FILE.test(r.source.file),
  };
}

/** 0x%08x. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** Boots the kernel, runs the case's task "bug" (and its neighbour), and sums up how it ended. */
export function runCase(c: CorpusCase): { outcome: Outcome; m: Marks; k: Kernel } {
  const k = bootTest({ memcheck: { sourceSites: true, ...c.memcheck } });
  const m: Marks = {};
  const seen: unknown[] = [];
  const env: CaseEnv = { m, k };
  if (c.other) k.spawn(c.other(env));
  k.spawn({
    name: "bug",
    stackSize: c.stackSize ?? 2048,
    heapSize: 4096,
    ...(c.heap ? { heap: c.heap } : {}),
    ...(c.partitions ? { partitions: c.partitions } : {}),
    ...(c.faultPolicy ? { faultPolicy: c.faultPolicy } : {}),
    *main(t) {
      yield* c.body(t, env, seen);
    },
  });
  k.run({ ms: 20 });
  const task = k.task("bug")!;
  const first = task.faults[0];
  const reports = k.checker!.reports.filter((r) => r.taskName === "bug").map(summarize);
  const fault = first
    ? first.checker
      ? `${first.kind} ${first.checker.kind}`
      : first.kind === "heap"
        ? `heap ${first.message}`
        : first.kind
    : null;
  return { outcome: { reports, state: k.schedTask(task).state, fault, seen }, m, k };
}

/** An outcome for the expectations: defaults for a task that ran to its end with no fault. */
export function outcome(o: Partial<Outcome> & Pick<Outcome, "reports">): Outcome {
  return { state: "stopped", fault: null, seen: [], ...o };
}

/** A block as {@link ReportSummary.block} gives it: `"8 left 64@0x10002018 live tlsf:bug"`. */
export function blk(
  distance: number,
  relation: "inside" | "left" | "right",
  size: number,
  address: number,
  state: "live" | "freed" | "quarantined" = "live",
  allocator = "tlsf:bug",
): string {
  return `${distance} ${relation} ${size}@${hex(address)} ${state} ${allocator}`;
}

/** A report summary with the rig's defaults (the task "bug", no syscall, no frame, its line found). */
export function report(
  r: Pick<ReportSummary, "kind" | "address" | "size" | "access"> & Partial<ReportSummary>,
): ReportSummary {
  return { task: "bug", syscall: null, block: null, sites: null, frame: null, line: true, ...r };
}
