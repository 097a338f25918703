import { HwError } from "./errors.js";
import { Fault } from "./fault.js";

/** Runs `fn` and returns the {@link Fault} it throws (any other error is rethrown; none fails). For tests. */
export function trap(fn: () => unknown): Fault {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fault) return e;
    throw e;
  }
  throw new Error("expected a fault");
}

/** Runs `fn` and returns the {@link HwError} it throws (any other error is rethrown; none fails). For tests. */
export function hwErrorOf(fn: () => unknown): HwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HwError) return e;
    throw e;
  }
  throw new Error("expected an HwError");
}
