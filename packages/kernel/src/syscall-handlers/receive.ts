import { TIMEOUT } from "@rtos-sim/sched";
import { Errno } from "../syscalls.js";
import { accessible, int, name, polls, timeout } from "./args.js";
import { SUSPENDED, type SyscallHandler } from "./context.js";
import { mayUse } from "./rights.js";

/** Largest receive buffer. */
const MAX_BUFFER = 4096;

/**
 * `receive(queue, ptr, length, timeout?)`: the oldest message copied into the caller's buffer
 * (unprivileged writes), its length returned; blocks while the queue is empty (the count from a
 * send, or `TIMEOUT`; at once with a zero timeout: it polls). EPERM without the right to receive from it (`TaskSpec.queues`). Faults: a malformed field or timeout, a buffer
 * the caller may not write itself (`BAD_POINTER`).
 */
export const receive: SyscallHandler<"receive"> = (ctx, req) => {
  const queue = name(req, "queue");
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const length = int(req, "length", 0, MAX_BUFFER);
  const wait = timeout(req);
  // Rights first: a queue or semaphore the task may not use is EPERM whether it exists or not.
  const q = mayUse(ctx.caller, "queues", queue, "receive") ? ctx.kernel.queues.get(queue) : undefined;
  if (!q) return Errno.EPERM;
  accessible(ctx, req, ptr, length, "write");
  const core = ctx.kernel.machine.core;
  const unprivileged = !ctx.caller.privileged;
  const deliver = (data: Uint8Array) => core.writeBytes(ptr, data, unprivileged);
  if (polls(ctx.sched, wait)) return q.tryReceive(length, deliver) ?? TIMEOUT;
  return q.receive(ctx.task, ptr, length, wait, deliver) ?? SUSPENDED;
};
