import { TIMEOUT } from "@rtos-sim/sched";
import { Errno } from "../syscalls.js";
import { name, polls, timeout } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";
import { mayLock } from "./rights.js";

/**
 * `mutexLock(mutex, timeout?)`: OK when it was free; `EOWNERDEAD` when it was free because its
 * last owner ended holding it (the caller owns it now and should repair what it protects);
 * `EDEADLK` when the caller owns it already (mutexes are not recursive; nothing changes); else
 * the caller blocks, the owner inheriting its priority, and gets OK (or `EOWNERDEAD`) from the
 * handoff, or `TIMEOUT` (at once with a zero timeout: it polls). EPERM when the mutex is not in
 * its `TaskSpec.mutexes`. Faults: a malformed name or timeout.
 */
export const mutexLock: SyscallHandler<"mutex-lock"> = ({ kernel, caller, task, sched }, req) => {
  const mutex = name(req, "mutex");
  const wait = timeout(req);
  // Rights first: a mutex the task may not lock is EPERM whether it exists or not.
  const m = mayLock(caller, mutex) ? kernel.mutexes.get(mutex) : undefined;
  if (!m) return Errno.EPERM;
  if (m.ownerId() === caller.id) return Errno.EDEADLK;
  const got = m.tryLock(caller.id);
  if (got !== null) return got;
  if (polls(sched, wait)) return TIMEOUT;
  kernel.inheritance.block(task, m, wait);
  return SUSPENDED;
};
