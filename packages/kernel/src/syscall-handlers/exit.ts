import { optionalInt } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";

/**
 * `exit(code = 0)`: the caller stops (never returns), its `exitCode` the code. Faults: a code that
 * is not a 32-bit integer.
 */
export const exit: SyscallHandler<"exit"> = ({ sched, task }, req) => {
  task.data.exitCode = optionalInt(req, "code", -0x80000000, 0xffffffff) ?? 0;
  sched.stop(task);
  return SUSPENDED;
};
