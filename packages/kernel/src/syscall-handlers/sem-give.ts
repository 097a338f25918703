import { Errno } from "../syscalls.js";
import { name } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { mayUse } from "./rights.js";

/**
 * `semGive(sem)`: OK (a waiter woken, or the count raised), EOVERFLOW at the maximum, EPERM
 * without the right to give it (`TaskSpec.semaphores`). Faults: a malformed name.
 */
export const semGive: SyscallHandler<"sem-give"> = ({ kernel, caller }, req) => {
  const sem = name(req, "sem");
  // Rights first: a queue or semaphore the task may not use is EPERM whether it exists or not.
  const s = mayUse(caller, "semaphores", sem, "give") ? kernel.semaphores.get(sem) : undefined;
  if (!s) return Errno.EPERM;
  return s.give() ? Errno.OK : Errno.EOVERFLOW;
};
