import { Errno } from "../syscalls.js";
import { name, timeout } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";

/**
 * `semTake(sem, timeout?)`: OK when a unit was free; else the caller blocks and gets OK from a
 * give, or `TIMEOUT`. ENOENT for no such semaphore. Faults: a malformed name or timeout.
 */
export const semTake: SyscallHandler<"sem-take"> = ({ kernel, task }, req) => {
  const sem = name(req, "sem");
  const wait = timeout(req);
  const s = kernel.semaphores.get(sem);
  if (!s) return Errno.ENOENT;
  return s.take(task, wait) ? Errno.OK : SUSPENDED;
};
