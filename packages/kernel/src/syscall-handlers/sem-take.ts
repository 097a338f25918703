import { Errno } from "../syscalls.js";
import { name, timeout } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";
import { mayUse } from "./rights.js";

/**
 * `semTake(sem, timeout?)`: OK when a unit was free; else the caller blocks and gets OK from a
 * give, or `TIMEOUT`. EPERM without the right to take it (`TaskSpec.semaphores`). Faults: a malformed name or timeout.
 */
export const semTake: SyscallHandler<"sem-take"> = ({ kernel, caller, task }, req) => {
  const sem = name(req, "sem");
  const wait = timeout(req);
  // Rights first: a queue or semaphore the task may not use is EPERM whether it exists or not.
  const s = mayUse(caller, "semaphores", sem, "take") ? kernel.semaphores.get(sem) : undefined;
  if (!s) return Errno.EPERM;
  return s.take(task, wait) ? Errno.OK : SUSPENDED;
};
