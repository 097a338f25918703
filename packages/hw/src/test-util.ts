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
