import { firstSourceSite, type SourceSite, type SourceSiteOptions } from "@rtos-sim/memcheck";

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
 * faultSite(fault, { root: process.cwd() }); // { file: "my-app.ts", line: 21, column: 9, function: "main" }
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

/** `KernelOptions.faultSites` resolved: its options (default `{}`: on), or null when false. */
export function faultSitesOf(option: boolean | SourceSiteOptions | undefined): SourceSiteOptions | null {
  if (option === false) return null;
  return option === undefined || option === true ? {} : option;
}
