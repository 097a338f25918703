import type { Board, Bus, Core } from "@rtos-sim/hw";
import { MemcheckError } from "./errors.js";
import type { TimeUnit } from "./report.js";
import type { SourceSiteOptions } from "./source-site.js";

/** A range of simulated memory. */
export interface MemoryRange {
  /** First byte (address). */
  readonly start: number;
  /** Bytes of the range. */
  readonly size: number;
  /** Shown in leak reports for roots. */
  readonly name?: string | undefined;
}

/** What to do when an error is found. */
export type ErrorPolicy = "stop" | "stop-writes" | "continue";

/** Options of the memory checker; every field has a default. */
export interface CheckerOptions {
  /** Simulated time for reports (e.g. `() => core.cycles`). Default `() => 0`. */
  readonly clock?: (() => number) | undefined;
  /** Unit of `clock`. Default "cycles". */
  readonly timeUnit?: TimeUnit | undefined;
  /** Clock rate in Hz when `timeUnit` is cycles: reports then show milliseconds next to cycles. Default none. */
  readonly clockHz?: number | undefined;
  /**
   * Bytes per page of the region manager the checker observes, to give a returned block of
   * pages its order in use-after-free reports (nested page pools say their own, see
   * {@link MemoryChecker.pagePool}). Default none (sizes only).
   */
  readonly pageSize?: number | undefined;
  /** Task names for reports. Default `T<id>` (`boot` for 0). */
  readonly taskName?: ((task: number) => string) | undefined;
  /** Image .data ranges: ANY, writable, initialized at boot; leak roots. */
  readonly data?: readonly MemoryRange[] | undefined;
  /** Image .bss ranges: ANY, writable, initialized at boot; leak roots. */
  readonly bss?: readonly MemoryRange[] | undefined;
  /** Region-manager metadata ranges: ALL, writable, initialized at boot. */
  readonly metadata?: readonly MemoryRange[] | undefined;
  /**
   * "stop-writes" (default): access errors of writes and every transition error latch a
   * {@link CheckerFault} on the core and throw it; read errors are reported and the access goes
   * on. "stop": every error stops. "continue": report only. Leaks never stop.
   */
  readonly onError?: ErrorPolicy | undefined;
  /** Reports of the same kind, block (or address, outside blocks) and task beyond this many are suppressed. Default 3. */
  readonly maxRepeats?: number | undefined;
  /**
   * Reports kept and emitted per task (the task of the report's actor; the kernel's are task 0's);
   * that task's later ones are suppressed. Default 1000. Per task, so a task reporting at ever new
   * addresses cannot crowd out another task's reports. Past it, the task's repeats of a report
   * already seen are still counted (its `occurrence`), a new one's are not (each is occurrence
   * 1): the counts stay bounded in a run that reports at ever new addresses.
   */
  readonly maxReports?: number | undefined;
  /** Capture a JS stack (`new Error().stack`) in each report. Default false. */
  readonly captureStack?: boolean | undefined;
  /**
   * Source sites: the line of the task's code (file:line:column, from the JS call stack mapped
   * through source maps) that made each bad access, allocation and free, and repeats grouped by
   * that line. `true` or options (frames to skip, a root to strip, a map of frames to their
   * source). Costs a stack capture per allocation and free (see the package README's benchmark).
   * Default false: no source lines, repeats grouped by the access itself (address, size, read or
   * write).
   */
  readonly sourceSites?: boolean | SourceSiteOptions | undefined;
  /**
   * Whether a task is still alive: not ended, so its code may still hold pointers in its
   * registers, which are the JS variables of its generator and which no scan sees. A leak check
   * counts the blocks of live tasks that no root reaches as held by the task, not as lost.
   * Default: no task is alive (every check is exact, as at the end of a program).
   */
  readonly taskAlive?: ((task: number) => boolean) | undefined;
  /** Freed blocks remembered for use-after-free and double-free reports. Default 1024. */
  readonly freedHistory?: number | undefined;
  /** How far outside a block (bytes) an access is still attributed to it. Default 64. */
  readonly reach?: number | undefined;
  /**
   * Whether a returned call frame's bytes stay poisoned (below SP) until the stack reuses them,
   * so an access through a pointer kept to one of its locals is a `stack-use-after-return`
   * (ASan's `detect_stack_use_after_return`). Default true: it costs one fill per return here
   * (no fake stack), and the bug is a classic one to show. False: such an access is a
   * `stack-below-sp`, like any access below SP.
   */
  readonly stackUseAfterReturn?: boolean | undefined;
}

/** The hardware a checker sits on: the board's memory map, the bus (for peeks), the core. */
export interface CheckedMachine {
  /** The board: its memory regions give the checker's managed RAM and read-only memory. */
  readonly board: Board;
  /** The bus, for the writable segments to shadow and for peeks (never checked). */
  readonly bus: Bus;
  /** The core whose access hook and filter state the checker uses. */
  readonly core: Core;
}

/** {@link CheckerOptions} with every default applied (the image and metadata ranges aside). */
export type ResolvedOptions = {
  readonly [K in keyof Omit<
    CheckerOptions,
    "data" | "bss" | "metadata" | "sourceSites" | "clockHz" | "pageSize"
  >]-?: Exclude<CheckerOptions[K], undefined>;
} & {
  /** Source-site options, or null when off. */
  readonly sourceSites: SourceSiteOptions | null;
  /** `CheckerOptions.clockHz`, or null when none was given (cycles only). */
  readonly clockHz: number | null;
  /** `CheckerOptions.pageSize`, or null when none was given (sizes only). */
  readonly pageSize: number | null;
};

const ERROR_POLICIES: readonly ErrorPolicy[] = ["stop", "stop-writes", "continue"];
const TIME_UNITS: readonly TimeUnit[] = ["ms", "us", "cycles"];

function defaultTaskName(task: number): string {
  return task === 0 ? "boot" : `T${task}`;
}

/**
 * Applies the defaults and checks the ranges (`OPTION_INVALID`): options that are no object, or a
 * callback option (`clock`, `taskName`, `taskAlive`) that is not a function, failed with a
 * TypeError (the callbacks only at the first report or leak check).
 */
export function resolveOptions(options: CheckerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new MemcheckError("OPTION_INVALID", "the options must be an object", {
      option: "options",
      value: options === null ? "null" : typeof options,
    });
  }
  for (const key of ["clock", "taskName", "taskAlive"] as const) {
    const f = options[key];
    if (f !== undefined && typeof f !== "function") {
      throw new MemcheckError("OPTION_INVALID", `${key} must be a function`, {
        option: key,
        value: f === null ? "null" : typeof f,
      });
    }
  }
  const o: ResolvedOptions = {
    clock: options.clock ?? (() => 0),
    timeUnit: options.timeUnit ?? "cycles",
    clockHz: options.clockHz ?? null,
    pageSize: options.pageSize ?? null,
    taskName: options.taskName ?? defaultTaskName,
    onError: options.onError ?? "stop-writes",
    maxRepeats: options.maxRepeats ?? 3,
    maxReports: options.maxReports ?? 1000,
    captureStack: options.captureStack ?? false,
    sourceSites: options.sourceSites === true ? {} : options.sourceSites ? options.sourceSites : null,
    taskAlive: options.taskAlive ?? (() => false),
    freedHistory: options.freedHistory ?? 1024,
    reach: options.reach ?? 64,
    stackUseAfterReturn: options.stackUseAfterReturn ?? true,
  };
  const positive = (v: number | null) => v === null || (Number.isFinite(v) && v > 0);
  // Counts are integers (NaN passes every comparison; a fractional freedHistory would size an
  // array); maxReports may be Infinity (no cap).
  const count = (v: number, min: number) => Number.isSafeInteger(v) && v >= min;
  // A misspelt policy ("stop_writes") would stop nothing, as "continue" does.
  if (
    !ERROR_POLICIES.includes(o.onError) ||
    !TIME_UNITS.includes(o.timeUnit) ||
    !count(o.maxRepeats, 1) ||
    !(count(o.maxReports, 0) || o.maxReports === Number.POSITIVE_INFINITY) ||
    !count(o.reach, 0) ||
    !count(o.freedHistory, 0) ||
    !positive(o.clockHz) ||
    !positive(o.pageSize)
  ) {
    throw new MemcheckError(
      "OPTION_INVALID",
      "onError one of stop, stop-writes, continue; timeUnit one of ms, us, cycles; maxRepeats an integer >= 1, maxReports an integer >= 0 (or Infinity), reach and freedHistory integers >= 0, clockHz and pageSize > 0",
      { ...options },
    );
  }
  return o;
}
