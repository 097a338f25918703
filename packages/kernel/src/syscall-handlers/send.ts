import { KernelError } from "../errors.js";
import type { HandOff } from "../ipc/message-queue.js";
import { Errno } from "../syscalls.js";
import { controlPrivileged, TcbField } from "../task-record.js";
import { badArgument, int, name, readBuffer } from "./args.js";
import type { SyscallContext, SyscallHandler } from "./context.js";
import { mayUse } from "./rights.js";

/** Largest message of any queue (a queue's own message size is checked after the lookup). */
const MAX_MESSAGE = 256;

/**
 * `send(queue, ptr, length)`: copies the caller's bytes into the queue (kernel memory), or
 * straight into a blocked receiver's buffer; never blocks. OK, EAGAIN when full, EPERM without the
 * right to send to it (`TaskSpec.queues`).
 * Faults: a malformed field, a length above the queue's message size, a buffer the caller may
 * not read itself (`BAD_POINTER`).
 */
export const send: SyscallHandler<"send"> = (ctx, req) => {
  const queue = name(req, "queue");
  const ptr = int(req, "ptr", 0, 0xffffffff);
  const length = int(req, "length", 0, MAX_MESSAGE);
  // Rights first: a queue or semaphore the task may not use is EPERM whether it exists or not.
  const q = mayUse(ctx.caller, "queues", queue, "send") ? ctx.kernel.queues.get(queue) : undefined;
  if (!q) return Errno.EPERM;
  const max = q.maxMessage();
  if (length > max) throw badArgument(req, "length", `must be an integer in [0, ${max}], got ${length}`, length);
  const data = readBuffer(ctx, req, ptr, length);
  return q.send(data, handOff(ctx)) ? Errno.OK : Errno.EAGAIN;
};

/**
 * The hand-off to a blocked receiver: its buffer was checked when it called receive, and is
 * checked again now under its own MPU plan (a grant may have changed since) and the privilege
 * its TCB's CONTROL word gives it now (`TcbField.CONTROL`: overwritten since it blocked, it is
 * the one its next switch-in loads). When it may no longer write there, the receiver faults
 * (`BAD_POINTER`) and nothing is written for it.
 */
function handOff({ kernel, caller, sched }: SyscallContext): HandOff {
  return (receiver, ptr, data) => {
    const rk = receiver.data;
    const core = kernel.machine.core;
    // The receiver's privilege as its own receive would have it after its switch-in: from its
    // TCB (a kernel load), not the one it blocked with (a word demoted meanwhile must hold here).
    const privileged = controlPrivileged(core.read32(rk.tcb + TcbField.CONTROL));
    kernel.loader.loadTask(rk);
    const why = kernel.validateBuffer(rk, ptr, data.length, "write", privileged);
    // Written with the receiver's privilege, through its MPU view, as its own receive would.
    if (why === null) core.writeBytes(ptr, data, !privileged);
    kernel.loader.loadTask(caller);
    if (why === null) return true;
    const error = new KernelError("BAD_POINTER", `receive: task ${rk.name}'s buffer is no longer writable: ${why}`, {
      op: "receive",
      ptr,
      length: core.read32(rk.tcb + TcbField.WAIT_LENGTH),
    });
    sched.fault(receiver, { kind: "kernel", message: error.message, error });
    return false;
  };
}
