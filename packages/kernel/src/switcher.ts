import { ActorMode, type Core, makeActor } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { Task } from "@rtos-sim/sched";
import type { KernelEmitter } from "./events.js";
import type { MpuLoader } from "./mpu-plan.js";
import { GUARD_BYTES, type KTask, TcbField } from "./task-record.js";
import type { Watchdog } from "./watchdog.js";

const XPSR_THUMB = 0x01000000;
/** EXC_RETURN: return to Thread mode, process stack, no FP state. */
const EXC_RETURN_THREAD_PSP = 0xfffffffd;

/** What the switcher needs of the kernel. */
export interface SwitcherDeps {
  readonly core: Core;
  readonly loader: MpuLoader;
  readonly checker: MemoryChecker | null;
  readonly watchdog: Watchdog | null;
  readonly events: KernelEmitter;
  /** Faults the task with an error raised in its context (the fault policy follows). */
  readonly faultTask: (t: Task<KTask>, error: unknown) => void;
  /** Simulated time for events. */
  readonly stamp: () => { ms: number; cycles: number };
}

/**
 * The context switch, as a port's PendSV and SVC handlers do it, on the scheduler's hooks:
 *
 * - switch in: in Handler mode, read the task's saved stack pointer from its TCB in kernel memory,
 *   load its MPU plan (skipped when already loaded), then return to Thread mode with the task's
 *   privilege, unstacking its 8-word exception frame from its own stack (MUNSTKERR/UNSTKERR when
 *   the saved SP is corrupt);
 * - before each step: the instruction fetch at the task's code address (IACCVIOL from data);
 * - after each step: a fault the task's code latched on the core stops it (it cannot catch it);
 * - switch out: the hardware stacks the frame on the task's stack with the task's privilege
 *   (MSTKERR/STKERR for a bad SP or an overflow into the guard), then the kernel saves SP in
 *   the TCB.
 */
export class ContextSwitcher {
  private readonly core: Core;
  private readonly loader: MpuLoader;
  private readonly checker: MemoryChecker | null;
  private readonly watchdog: Watchdog | null;
  private readonly events: KernelEmitter;
  private readonly faultTask: SwitcherDeps["faultTask"];
  private readonly stamp: SwitcherDeps["stamp"];

  constructor(deps: SwitcherDeps) {
    this.core = deps.core;
    this.loader = deps.loader;
    this.checker = deps.checker;
    this.watchdog = deps.watchdog;
    this.events = deps.events;
    this.faultTask = deps.faultTask;
    this.stamp = deps.stamp;
  }

  /** Writes a task's first exception frame (PC = its code | 1, xPSR.T) below its stack top and saves SP in its TCB. */
  initialFrame(k: KTask): void {
    const core = this.core;
    const saved = core.actor;
    const mode = core.mode;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    const frame = new Uint32Array([0, 0, 0, 0, 0, EXC_RETURN_THREAD_PSP, (k.code | 1) >>> 0, XPSR_THUMB]);
    const sp = core.pushFrame(k.stack.top, frame);
    core.write32(k.tcb + TcbField.SP, sp);
    k.ctx.sp = sp;
    k.frame = frame;
    k.stacked = true;
    core.actor = saved;
    core.mode = mode;
  }

  /** The scheduler's `switchIn`: TCB read, MPU load, exception return (unstacking) with the task's privilege. */
  switchIn(t: Task<KTask>, from: Task<KTask> | null): void {
    const k = t.data;
    const core = this.core;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    // PendSV: read the next task's saved SP from its TCB (kernel memory, covered by the kernel's
    // region in every plan), then load its MPU configuration.
    const fp = core.read32(k.tcb + TcbField.SP);
    this.loader.load(k.plan);
    // Exception return to the task: unstack its frame with its own privilege.
    core.mode = "thread";
    core.controlNPriv = !k.privileged;
    core.controlSpsel = true; // EXC_RETURN 0xFFFFFFFD: Thread mode on the process stack (PSPLIM)
    core.actor = makeActor(ActorMode.User, k.id);
    try {
      const r = core.popFrame(fp, k.frame);
      k.ctx.sp = r.sp;
      k.stacked = false;
      const checker = this.checker;
      if (checker !== null && r.sp >= k.stack.base + GUARD_BYTES && r.sp <= k.stack.top) {
        checker.stackPointer(k.id, r.sp);
      }
    } catch (e) {
      this.faultTask(t, e);
      return;
    }
    // The checker: this task's live stack is plain while it runs (its stack accesses pass the filter).
    this.checker?.taskRunning(k.id);
    if (this.watchdog !== null) this.watchdog.arm(k.name);
    if (from !== t && this.events.watched.switch && this.events.listenerCount("switch") > 0) {
      this.events.emit("switch", { ...this.stamp(), from: from?.name ?? null, to: t.name });
    }
  }

  /** The scheduler's `switchOut`: exception entry (stacking) with the task's privilege, then SP into the TCB. */
  switchOut(t: Task<KTask>): void {
    const k = t.data;
    const core = this.core;
    if (this.watchdog !== null) this.watchdog.disarm();
    let fp = -1;
    if (!k.stacked && t.state !== "faulted" && t.state !== "stopped" && core.pendingFault === null) {
      // Exception entry: the hardware stacks the frame on the task's stack with the task's privilege.
      core.actor = makeActor(ActorMode.User, k.id);
      try {
        const checker = this.checker;
        if (checker !== null) {
          const low = ((k.ctx.sp - 32) & ~7) >>> 0;
          if (low >= k.stack.base + GUARD_BYTES && low < k.stack.top) checker.stackPointer(k.id, low);
        }
        k.frame[6] = (k.ctx.pc | 1) >>> 0;
        fp = core.pushFrame(k.ctx.sp, k.frame);
      } catch (e) {
        this.faultTask(t, e);
      }
    }
    this.checker?.taskRunning(0);
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    if (fp >= 0) {
      core.write32(k.tcb + TcbField.SP, fp);
      k.stacked = true;
    }
  }

  /** The scheduler's `beforeStep`: the instruction fetch at the task's code address (IACCVIOL from data). */
  beforeStep(t: Task<KTask>): void {
    const core = this.core;
    const user = makeActor(ActorMode.User, t.id);
    if (core.actor !== user) core.actor = user;
    try {
      core.fetch(t.data.ctx.pc); // the instruction fetch at the resume address
    } catch (e) {
      this.faultTask(t, e);
    }
  }

  /** After a step: a fault the task's code latched stops it (the syscall handler and switch-out set their own actor). */
  afterStep(t: Task<KTask>): void {
    const core = this.core;
    const pending = core.pendingFault;
    if (pending !== null) {
      if (t.state === "running") this.faultTask(t, pending);
      else core.clearFault();
    }
  }
}
