import { TIMEOUT } from "@rtos-sim/sched";
import { Errno } from "../syscalls.js";
import { name, polls, timeout } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";
import { mayUse } from "./rights.js";

/**
 * `semTake(sem, timeout?)`: OK when a unit was free; else the caller blocks and gets OK from a
 * give, or `TIMEOUT` (at once with a zero timeout: it polls). EPERM without the right to take it
 * (`TaskSpec.semaphores`). Faults: a malformed name or timeout.
 */
export const semTake: SyscallHandler<"sem-take"> = ({ kernel, caller, task, sched }, req) => {
  const sem = name(req, "sem");
  const wait = timeout(req);
  // Rights first: a queue or semaphore the task may not use is EPERM whether it exists or not.
  const s = mayUse(caller, "semaphores", sem, "take") ? kernel.semaphores.get(sem) : undefined;
  if (!s) return Errno.EPERM;
  if (polls(sched, wait)) return s.tryTake() ? Errno.OK : TIMEOUT;
  return s.take(task, wait) ? Errno.OK : SUSPENDED;
};
