import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import { name } from "./args.js";
import type { SyscallHandler } from "./context.js";
import { mayLock } from "./rights.js";

/**
 * `mutexUnlock(mutex)`: OK: the highest-priority waiter (FIFO among equals) becomes the owner
 * and wakes, or the mutex is free; the caller drops back to its base priority (or to what it
 * still inherits through other mutexes it owns). It does not give up the CPU (the kernel is
 * cooperative): the new owner runs when the caller next does. EPERM when the mutex is not in its
 * `TaskSpec.mutexes`. Faults: a malformed name; a mutex the caller does not own (`NOT_OWNER`,
 * kind `bad-syscall`, nothing changed).
 */
export const mutexUnlock: SyscallHandler<"mutex-unlock"> = ({ kernel, caller, task }, req) => {
  const mutex = name(req, "mutex");
  const m = mayLock(caller, mutex) ? kernel.mutexes.get(mutex) : undefined;
  if (!m) return Errno.EPERM;
  const owner = m.ownerId();
  if (owner !== caller.id) {
    const held = owner === 0 ? "it is free" : `task ${kernel.tasks()[owner - 1]?.name ?? owner} owns it`;
    throw new KernelError("NOT_OWNER", `mutex-unlock: task ${caller.name} does not own mutex ${mutex}: ${held}`, {
      op: req.op,
      mutex,
      owner,
    });
  }
  kernel.inheritance.unlock(task, m);
  return Errno.OK;
};
