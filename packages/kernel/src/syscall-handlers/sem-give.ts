import { Errno } from "../syscalls.js";
import { name } from "./args.js";
import type { SyscallHandler } from "./context.js";

/** `semGive(sem)`: OK (a waiter woken, or the count raised), EOVERFLOW at the maximum, ENOENT. Faults: a malformed name. */
export const semGive: SyscallHandler<"sem-give"> = ({ kernel }, req) => {
  const s = kernel.semaphores.get(name(req, "sem"));
  if (!s) return Errno.ENOENT;
  return s.give() ? Errno.OK : Errno.EOVERFLOW;
};
