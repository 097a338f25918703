import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import { name, oneOf } from "./args.js";
import type { SyscallHandler } from "./context.js";

/**
 * `grant(partition, task, access)`: gives `task` the partition, read-only or read-write, in its
 * MPU plan (replacing an earlier grant of it). OK; ENOENT (no such partition or task); EPERM
 * (the caller, unprivileged, does not hold the partition read-write, or would take write access
 * from another task that holds it: an unprivileged task may lower only its own rights); ENOSPC
 * (no MPU region left in the target's plan). Faults: a malformed field.
 */
export const grant: SyscallHandler<"grant"> = ({ kernel, caller }, req) => {
  const partition = name(req, "partition");
  const taskName = name(req, "task");
  const access = oneOf(req, "access", ["ro", "rw"] as const);
  const target = kernel.task(taskName);
  const p = kernel.partitions.get(partition);
  if (!target || !p) return Errno.ENOENT;
  const holds = caller.grants.some((g) => g.partition === p.id && g.access === "rw");
  if (!holds && !caller.privileged) return Errno.EPERM;
  const lowers = access === "ro" && target.grants.some((g) => g.partition === p.id && g.access === "rw");
  if (lowers && target !== caller && !caller.privileged) return Errno.EPERM;
  try {
    kernel.grant(target, partition, access);
  } catch (e) {
    if (e instanceof KernelError && e.code === "MPU_REGIONS_EXHAUSTED") return Errno.ENOSPC;
    throw e;
  }
  return Errno.OK;
};
