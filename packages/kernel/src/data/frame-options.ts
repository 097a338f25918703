import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { KernelOptions } from "../config.js";
import { KernelError } from "../errors.js";
import type { FrameObserver, FrameOptions } from "./call-stack.js";
import { MAX_REDZONE } from "./frames.js";

/** Default redzone around each local of a frame with the checker on: ASan's 32 bytes. */
export const DEFAULT_STACK_REDZONE = 32;

function checkRedzone(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_REDZONE || value % 8 !== 0) {
    throw new KernelError("BAD_CONFIG", `${field} must be a multiple of 8 in 0..${MAX_REDZONE}`, { field, value });
  }
  return value;
}

/**
 * The memory checker's hooks on calls and returns: a frame entered has its redzones poisoned
 * (`stack-buffer-overflow`), a frame left its bytes (`stack-use-after-return`). The kernel
 * moved SP (and told the checker) before each.
 */
export function checkerFrameObserver(checker: MemoryChecker): FrameObserver {
  return {
    enter: (task, frame) => checker.frameEntered(task, frame.base, frame.layout),
    leave: (task, frame) => checker.frameLeft(task, frame.base),
  };
}

/**
 * The frame options every task gets (`BAD_CONFIG` for a bad redzone). Without the checker:
 * `options.frames` as given (default no redzone: the plain C layout, so frames, app outputs
 * and traces are the same as before the checker knew about frames). With it: the redzone is
 * `memcheck.stackRedzone` (default 32) or `frames.redzone` (both set: they must agree), and
 * the checker's hooks run before `frames.observer`.
 */
export function resolveFrameOptions(options: KernelOptions, checker: MemoryChecker | null): FrameOptions {
  const given = options.frames ?? {};
  const layout = given.redzone === undefined ? undefined : checkRedzone("frames.redzone", given.redzone);
  const user = given.observer ?? null;
  const mc = options.memcheck;
  if (checker === null || !mc) return { redzone: layout ?? 0, observer: user };
  const asked = typeof mc === "object" ? mc.stackRedzone : undefined;
  const stack = asked === undefined ? undefined : checkRedzone("memcheck.stackRedzone", asked);
  if (stack !== undefined && layout !== undefined && stack !== layout) {
    throw new KernelError("BAD_CONFIG", "frames.redzone and memcheck.stackRedzone disagree", {
      field: "memcheck.stackRedzone",
      value: stack,
      frames: layout,
    });
  }
  const hooks = checkerFrameObserver(checker);
  const observer: FrameObserver =
    user === null
      ? hooks
      : {
          enter: (task, frame) => {
            hooks.enter(task, frame);
            user.enter(task, frame);
          },
          leave: (task, frame) => {
            hooks.leave(task, frame);
            user.leave(task, frame);
          },
        };
  return { redzone: stack ?? layout ?? DEFAULT_STACK_REDZONE, observer };
}
