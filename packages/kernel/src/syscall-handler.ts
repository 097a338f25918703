import { ActorMode, makeActor, valueText } from "@rtos-sim/hw";
import type { Scheduler, SyscallRequest, Task } from "@rtos-sim/sched";
import { KernelError } from "./errors.js";
import { noteSyscallSite } from "./fault-site.js";
import type { Kernel } from "./kernel.js";
import { SUSPENDED } from "./syscall-handlers/context.js";
import { handlerFor } from "./syscall-handlers/table.js";
import { taskControl } from "./task-context.js";
import type { KTask } from "./task-record.js";

/**
 * The kernel's syscall entry (SVC), run in Handler mode with the caller's MPU configuration
 * still loaded: finds the op's handler in the handler table (`BAD_SYSCALL` for an unknown op)
 * and runs it. Every field and pointer is validated first; user buffers are then copied with
 * unprivileged (LDRT/STRT-style) accesses. A malformed request or a pointer the caller may not
 * access faults the caller with a typed {@link KernelError}; the kernel and the other tasks go on.
 *
 * The memory checker is told the kernel works for the caller meanwhile (a bad free is the
 * task's, with the JS stack of its call when source sites are on), and a numeric result goes
 * into R0 of the caller's exception frame, as a port returns it, where a leak scan of the saved
 * frame sees it.
 */
export function handleSyscall(
  kernel: Kernel,
  task: Task<KTask>,
  req: SyscallRequest,
  sched: Scheduler<KTask>,
): unknown {
  const k = task.data;
  const core = kernel.machine.core;
  core.mode = "handler";
  core.actor = makeActor(ActorMode.Kernel, k.id);
  const checker = kernel.checker;
  const control = taskControl(k.ctx);
  checker?.beginRequest(k.id, String(req.op), control.lastCall);
  try {
    const handler = handlerFor(req.op);
    if (!handler) throw new KernelError("BAD_SYSCALL", `unknown syscall ${valueText(req.op)}`, { op: req.op });
    const out = handler({ kernel, caller: k, task, sched }, req);
    const result = out === SUSPENDED ? undefined : out;
    if (typeof result === "number") {
      k.frame[0] = result >>> 0;
      if (k.stacked) core.write32(k.frameAt, result >>> 0); // STR R0 into the stacked frame, as a port returns it
    }
    if (kernel.events.watched.syscall && kernel.events.listenerCount("syscall") > 0) {
      kernel.events.emit("syscall", { ...kernel.stamp(), task: k.name, op: req.op, result });
    }
    return result;
  } catch (error) {
    // The fault record names the task's line from the syscall's JS stack (KernelOptions.faultSites).
    if (control.lastCall !== null) noteSyscallSite(error, control.lastCall);
    throw error;
  } finally {
    checker?.endRequest();
    control.lastCall = null;
    core.mode = "thread";
    core.controlNPriv = !k.privileged;
    core.actor = makeActor(ActorMode.User, k.id);
  }
}
