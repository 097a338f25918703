import type { FaultRecord } from "./fault-report.js";

/**
 * The most fault records the kernel keeps per task (`KTask.faults`, and in `Kernel.faults`): the
 * task's first ones. A task restarted at every fault (`faultPolicy: "restart"`) that faults every
 * millisecond makes 3.6 million records in an hour, each with its dump (about 2 KB): the kernel
 * would hold gigabytes. Past the limit a fault is still handled, emitted as a `fault` event and
 * counted (`KTask.faultCount`); only its record is not kept.
 */
export const FAULT_LIMIT = 1000;

/**
 * The most output lines the kernel keeps per task (`KTask.output`): the task's first ones. A line
 * is at most 1,024 bytes (a UART line; a print at most 256), so a task holds at most about
 * 100 MB, and a chatty one (a 100-byte line every 100 us) about 10 MB instead of 3.6 GB an hour.
 * An hour of `flight` prints 36,000 telemetry lines. Past the limit a line is still emitted as a
 * `uart` event and counted (`KTask.outputLines`); only the task's copy is not kept.
 */
export const OUTPUT_LIMIT = 100_000;

/** What the kernel appends to: a task's fault records and output lines, with their counts. */
export interface TaskLog {
  /** The fault records kept. */
  readonly faults: FaultRecord[];
  /** Faults so far, kept or not. */
  faultCount: number;
  /** The output lines kept. */
  readonly output: string[];
  /** Lines so far, kept or not. */
  outputLines: number;
}

/** Counts a fault of the task; keeps its record within {@link FAULT_LIMIT}. Returns whether it was kept. */
export function logFault(log: TaskLog, record: FaultRecord): boolean {
  log.faultCount++;
  if (log.faults.length >= FAULT_LIMIT) return false;
  log.faults.push(record);
  return true;
}

/** Counts a line of the task's output; keeps it within {@link OUTPUT_LIMIT}. */
export function logLine(log: TaskLog, line: string): void {
  log.outputLines++;
  if (log.output.length < OUTPUT_LIMIT) log.output.push(line);
}
