import { SimError } from "@rtos-sim/hw";
import type { MemReport, ReportKind } from "./report.js";

/**
 * Error codes for bad input to the checker's API (nothing changes when one is thrown):
 *
 * - `RANGE_OUTSIDE_MANAGED`: a range given to a transition or registration is not inside one
 *   managed (writable) memory region, or has a length <= 0.
 * - `STACK_EXISTS`: a stack is already registered for the task.
 * - `STACK_UNKNOWN`: no stack is registered for the task.
 * - `STACK_OVERLAP`: the stack overlaps another task's registered stack.
 * - `STACK_SP_RANGE`: a stack pointer above the top of the task's stack.
 * - `FRAME_RANGE`: a call frame (or one of its redzones) outside the live part of its task's stack.
 * - `FRAME_SHAPE`: a call frame's shape of the wrong make: a function name that is not a string,
 *   a size, offset or list that is not a (non-negative) integer or an array.
 * - `FRAME_UNKNOWN`: a frame left that is not the task's innermost one.
 * - `COPY_RANGE`: a copy's address is not an integer in [0, 2^32), or its length not an integer
 *   below 2^32.
 * - `OPTION_INVALID`: an option out of range (negative redzone, non-power-of-two alignment...),
 *   options or a machine that are not objects, a callback option that is not a function.
 * - `REPORT_INVALID`: `formatReport` given something that is not a checker report (an object whose
 *   `kind` is one of `REPORT_KINDS`), or `formatLeakSummary` something that is not a leak summary.
 * - `NOT_ATTACHED`: reserved; no call raises it at present (the checker's calls work attached
 *   or not: only an attached checker sees the core's accesses).
 */
export type MemcheckErrorCode =
  | "RANGE_OUTSIDE_MANAGED"
  | "STACK_EXISTS"
  | "STACK_UNKNOWN"
  | "STACK_OVERLAP"
  | "STACK_SP_RANGE"
  | "FRAME_RANGE"
  | "FRAME_SHAPE"
  | "FRAME_UNKNOWN"
  | "COPY_RANGE"
  | "OPTION_INVALID"
  | "REPORT_INVALID"
  | "NOT_ATTACHED";

/** A typed error for bad input to the memory checker's API. */
export class MemcheckError extends SimError<MemcheckErrorCode> {
  constructor(code: MemcheckErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "MemcheckError";
  }
}

/**
 * The error that stops a task at a memory error: its `code` is the report kind and its
 * `context.report` the full report. The checker latches it on the core (`core.latch`) before
 * throwing, so the task cannot swallow it: every further access rethrows it until the kernel
 * calls `core.clearFault()`. Frozen, as its report is at every level (a task that catches it
 * cannot rewrite what the checker said).
 */
export class CheckerFault extends SimError<
  ReportKind,
  {
    /** The report that stopped the task (the same object as {@link CheckerFault.report}). */
    report: MemReport;
  }
> {
  /** The report that stopped the task. */
  readonly report: MemReport;
  constructor(report: MemReport) {
    super(report.kind, report.message, { report });
    this.name = "CheckerFault";
    this.report = report;
    // The task it stops can catch it: frozen, with its context, it says only what the checker said.
    Object.freeze(this.context);
    Object.freeze(this);
  }
}
