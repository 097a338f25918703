import { KernelError } from "../errors.js";
import { TcbField } from "../task-record.js";
import type { SyscallHandler } from "./context.js";

/**
 * `nextPeriod()`: ends the caller's current job (its response time is measured from the job's
 * release) and sleeps until its next release, RELEASE + PERIOD ticks (both words of its TCB in
 * kernel memory), as `vTaskDelayUntil` does; when that release has already passed the next job
 * starts at once. Returns the number of releases already past (0: on time). Faults: a task
 * without a period (`BAD_ARGUMENT`).
 */
export const nextPeriod: SyscallHandler<"next-period"> = ({ kernel, caller, task, sched }) => {
  const core = kernel.machine.core;
  const period = core.read32(caller.tcb + TcbField.PERIOD);
  if (period === 0) {
    throw new KernelError("BAD_ARGUMENT", `next-period: task ${caller.name} has no period`, {
      op: "next-period",
      task: caller.name,
    });
  }
  const release32 = core.read32(caller.tcb + TcbField.RELEASE);
  const now = sched.now();
  // RELEASE is a 32-bit tick count, as FreeRTOS's TickType_t, and wraps: the job was released
  // (now - RELEASE) mod 2^32 ticks ago (a job runs after its release and lasts less than 2^32
  // ticks), so the comparisons below are made on the unwrapped count, as xTaskDelayUntil makes
  // them across an overflow of its tick count.
  const release = now.ticks - (((now.ticks >>> 0) - release32) >>> 0);
  const cpt = sched.clock.cyclesPerTick;
  kernel.jobs.end(caller, release * cpt, now.cycles);
  const next = release + period;
  core.write32(caller.tcb + TcbField.RELEASE, next >>> 0);
  if (next > now.ticks) {
    sched.sleepUntil(task, next);
    return 0;
  }
  // Late: the next job is already released (its response counts from its release).
  return 1 + Math.floor((now.ticks - next) / period);
};
