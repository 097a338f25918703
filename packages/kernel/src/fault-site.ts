import { firstSourceSite, type SourceSite, type SourceSiteOptions, type StackCapture } from "@rtos-sim/memcheck";

/**
 * Options of `KernelOptions.faultSites`: the checker's source-site options (`root`, `map`,
 * `skip`) and whether syscalls take their caller's JS stack along.
 */
export interface FaultSiteOptions extends SourceSiteOptions {
  /**
   * Every syscall takes the JS stack of the task's `yield*` along, so a fault the kernel finds in
   * a syscall's arguments (a `bad-pointer`, an invalid `free` the allocator refuses, a malformed
   * request) names the task's line as well. The kernel carries a syscall out after the task's code
   * has yielded, when its frames are no longer on the stack: without this such a record has no
   * `source`. It costs one stack capture per syscall (4-7 microseconds of host time here: a
   * workload of three syscalls per simulated millisecond and task ran 2.4 times slower), so it is
   * off by default; the memory checker's `sourceSites` turns the capture on for its own reports,
   * and fault records then use it too.
   */
  readonly syscalls?: boolean | undefined;
}

const SCHEDULER = /(?:^|[\\/])(?:packages|@rtos-sim)[\\/]sched[\\/](?:src|dist)[\\/]/;
const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;

/**
 * Whether a frame's file is the scheduler's own code (`packages/sched` or `@rtos-sim/sched`, not
 * its tests): the scheduler resumes a task's generator, so the frames below it are the host's
 * call into the kernel, never the task's code.
 */
export function isSchedulerFrame(file: string): boolean {
  return SCHEDULER.test(file) && !TEST_FILE.test(file);
}

/**
 * The line of the task's code an error was raised at: the first frame of its JS stack outside the
 * simulator and above the scheduler (see {@link isSchedulerFrame}), or null: the error has no
 * stack, or none of its frames is the task's (the kernel found the fault in its own code: a
 * syscall's argument, a switch). A hardware `Fault` is created at the faulting access, inside
 * the task's call, so its stack holds the task's line.
 *
 * @example
 * ```ts
 * import { faultSite } from "@rtos-sim/kernel";
 * function where(fault: unknown) {
 *   return faultSite(fault, { root: process.cwd() }); // { file: "my-app.ts", line: 21, column: 9, function: "main" }
 * }
 * ```
 */
export function faultSite(error: unknown, options: SourceSiteOptions): SourceSite | null {
  // What a task threw is the task's: a proxy whose traps throw, a `stack` or `message` getter
  // that throws (the engine formats a stack with the message), a stack of megabytes. None of it
  // may throw out of the kernel's fault handling or stall it: no site then, or the first lines.
  try {
    if (!(error instanceof Error)) return null;
    const stack: unknown = error.stack;
    return typeof stack === "string"
      ? firstSourceSite(stack.slice(0, STACK_TEXT_LIMIT), options, isSchedulerFrame)
      : null;
  } catch {
    return null;
  }
}

/** Characters of an error's stack searched for the task's line (deep enough for 64 frames). */
const STACK_TEXT_LIMIT = 16384;

/**
 * The JS stack of the syscall an error was raised in (a syscall handler's `KernelError`, an
 * allocator's refusal), when the syscall took one: kept here by {@link noteSyscallSite}, looked up
 * by {@link syscallSite}. Weak: an error nobody keeps takes its capture with it.
 */
const SYSCALL_CAPTURES = new WeakMap<object, StackCapture>();

/** Keeps the JS stack `capture` of the syscall that raised `error` (an object; anything else is ignored). */
export function noteSyscallSite(error: unknown, capture: StackCapture): void {
  if (typeof error === "object" && error !== null) SYSCALL_CAPTURES.set(error, capture);
}

/**
 * The task's line of the syscall that raised `error` (see {@link noteSyscallSite}), or null when
 * none was captured: the first frame of the capture outside the simulator and above the scheduler.
 */
export function syscallSite(error: unknown, options: SourceSiteOptions): SourceSite | null {
  if (typeof error !== "object" || error === null) return null;
  // A capture is an Error made at the syscall's start (memcheck's captureStack): read as one.
  return faultSite(SYSCALL_CAPTURES.get(error), options);
}

/** `KernelOptions.faultSites` resolved: its options (default `{}`: on), or null when false. */
export function faultSitesOf(option: boolean | FaultSiteOptions | undefined): FaultSiteOptions | null {
  if (option === false) return null;
  return option === undefined || option === true ? {} : option;
}
