import { ActorMode, Cfsr, type Core, Fault, hex32, type Mode, makeActor } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { Task } from "@rtos-sim/sched";
import { KernelError } from "./errors.js";
import type { KernelEmitter } from "./events.js";
import type { MpuLoader } from "./mpu-plan.js";
import { taskControl } from "./task-context.js";
import {
  CONTROL_PRIVILEGED,
  CONTROL_UNPRIVILEGED,
  controlPrivileged,
  GUARD_BYTES,
  type KTask,
  TcbField,
} from "./task-record.js";
import { isTickStackingFault, type TickInterrupt } from "./tick-interrupt.js";
import { type CpuTiming, LAZY_FP_WORDS, SAVED_CORE_WORDS, SAVED_FP_WORDS } from "./timing/cpu-timing.js";
import type { Watchdog } from "./watchdog.js";

const XPSR_THUMB = 0x01000000;
/** xPSR bits 8:0, IPSR: the exception number (0 in Thread mode). */
const XPSR_IPSR = 0x1ff;
/** EXC_RETURN: return to Thread mode, process stack, basic frame (no FP context). */
export const EXC_RETURN_THREAD_PSP = 0xfffffffd;
/** EXC_RETURN: return to Thread mode, process stack, extended frame (FP context). */
export const EXC_RETURN_THREAD_PSP_FP = 0xffffffed;
/** Bytes an extended frame reserves above its basic 8 words (S0-S15, FPSCR, a reserved word). */
export const FP_AREA_BYTES = 72;
const ZEROS = new Uint32Array(SAVED_FP_WORDS + 2);
/** What lazy state preservation stores (S0-S15, FPSCR) and the VSTM of S16-S31: the model's zeros. */
const LAZY_FP_ZEROS = ZEROS.subarray(0, LAZY_FP_WORDS);
const SAVED_FP_ZEROS = ZEROS.subarray(0, SAVED_FP_WORDS);
/** R4-R11 (zeros in the model) and EXC_RETURN, as PendSV's STMDB stores them: basic and extended frame. */
const SAVED_BASIC = savedWords(EXC_RETURN_THREAD_PSP);
const SAVED_EXTENDED = savedWords(EXC_RETURN_THREAD_PSP_FP);

/** The saved R4-R11 and EXC_RETURN words (never written after: the switch stores them as they are). */
function savedWords(excReturn: number): Uint32Array {
  const w = new Uint32Array(SAVED_CORE_WORDS);
  w[SAVED_CORE_WORDS - 1] = excReturn;
  return w;
}

/** What the switcher needs of the kernel. */
export interface SwitcherDeps {
  /** The core: frames are stacked, registers saved and the TCB written through it. */
  readonly core: Core;
  /** Loads the incoming task's MPU plan at each switch-in. */
  readonly loader: MpuLoader;
  /** The memory checker (told of stack pointer moves and which task runs), or null. */
  readonly checker: MemoryChecker | null;
  /** The watchdog, armed with the task's budget at each switch-in and disarmed at switch-out, or null. */
  readonly watchdog: Watchdog | null;
  /** SysTick taken while a task's code runs (armed at the return to its code), or null. */
  readonly ticks: TickInterrupt | null;
  /** Where `switch` events go. */
  readonly events: KernelEmitter;
  /** The cycle costs charged on the exception paths. */
  readonly timing: CpuTiming;
  /** Faults the task with an error raised in its context (the fault policy follows). */
  readonly faultTask: (t: Task<KTask>, error: unknown) => void;
  /** A task left the CPU stopped (returned, exited or killed): the kernel releases what it owned. */
  readonly stopped: (t: Task<KTask>) => void;
  /** Simulated time for events. */
  readonly stamp: () => {
    /** Simulated milliseconds since boot. */
    ms: number;
    /** Core cycles since boot. */
    cycles: number;
  };
}

/**
 * The exception and context-switch paths of a FreeRTOS-style Cortex-M port, on the scheduler's
 * hooks, every memory access real and every other cycle charged (docs/timing.md):
 *
 * - after each step, the task's request is an SVC: exception entry stacks its 8-word frame on its
 *   own stack with its privilege (an extended frame, the FP part reserved for lazy stacking, once
 *   it has used the FPU), MSTKERR/STKERR for a bad SP or an overflow into the guard;
 * - switch out (PendSV): lazy state preservation writes S0-S15/FPSCR into the reserved space, then
 *   S16-S31 (FP tasks) and R4-R11 with EXC_RETURN are stored below the frame, the stack pointer
 *   goes into the TCB in kernel memory, and the scheduler picks the next task;
 * - switch in: the saved stack pointer and CONTROL (the task's privilege) are read from the TCB,
 *   the task's MPU plan loaded (skipped when already loaded), R4-R11, EXC_RETURN (and S16-S31)
 *   loaded back;
 * - before each step: the exception return unstacks the frame with the task's privilege
 *   (MUNSTKERR/UNSTKERR when the saved SP is corrupt) and fetches at the task's code address
 *   (IACCVIOL from data);
 * - after each step: a fault the task's code latched on the core stops it (it cannot catch it).
 *
 * The task record's flags are tested as `=== true` (`!== true`): V8 compiles the truthiness of a
 * field into the whole ToBoolean test (false, "", 0, NaN, null, undefined, ...), a comparison into
 * one instruction, and a switch makes about a dozen such tests.
 */
export class ContextSwitcher {
  private readonly core: Core;
  private readonly loader: MpuLoader;
  private readonly checker: MemoryChecker | null;
  private readonly watchdog: Watchdog | null;
  private readonly ticks: TickInterrupt | null;
  private readonly events: KernelEmitter;
  private readonly timing: CpuTiming;
  private readonly faultTask: SwitcherDeps["faultTask"];
  private readonly stamp: SwitcherDeps["stamp"];
  private readonly stopped: SwitcherDeps["stopped"];
  /** The MPU reload's cycles: LDMs of the TCB's record and STMs to the MPU (docs/timing.md). */
  private readonly mpuReload: number;
  /** A tail-chain's cycles (the board's core: read once, not through the timing's table at every switch). */
  private readonly tailChain: number;
  /** Where the switch-in's and the return's loads land (read into one array, no allocation per switch). */
  private readonly loaded = new Uint32Array(Math.max(SAVED_CORE_WORDS, SAVED_FP_WORDS, LAZY_FP_WORDS));
  /** The frame a fault exception stacks (its PC set at each fault; the other registers are zeros in the model). */
  private readonly faultFrame = new Uint32Array([0, 0, 0, 0, 0, 0, 0, XPSR_THUMB]);
  /**
   * The core's thread state and the watchdog cycles the slice had used when a run's time limit
   * paused it (see {@link ContextSwitcher.pause}), else null.
   */
  private halted: { mode: Mode; nPriv: boolean; spsel: boolean; actor: number; used: number } | null = null;

  constructor(deps: SwitcherDeps) {
    this.core = deps.core;
    this.loader = deps.loader;
    this.checker = deps.checker;
    this.watchdog = deps.watchdog;
    this.ticks = deps.ticks;
    this.events = deps.events;
    this.timing = deps.timing;
    this.faultTask = deps.faultTask;
    this.stamp = deps.stamp;
    this.stopped = deps.stopped;
    this.mpuReload = deps.timing.mpuReload(deps.core.mpu.regionCount);
    this.tailChain = deps.timing.tailChain;
  }

  /**
   * Builds a task's first context below its stack top, as `pxPortInitialiseStack` does: the
   * exception frame (PC = its code | 1, xPSR.T) and below it the saved R4-R11 and EXC_RETURN,
   * whose address (its saved stack pointer, returned) goes into its TCB, with the CONTROL its
   * spec gives it ({@link TcbField.CONTROL}: a restart gives the task its own privilege back).
   */
  initialFrame(k: KTask): number {
    const core = this.core;
    const saved = core.actor;
    const mode = core.mode;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    const frame = new Uint32Array([0, 0, 0, 0, 0, EXC_RETURN_THREAD_PSP, (k.code & ~1) >>> 0, XPSR_THUMB]);
    const fp = core.pushFrame(k.stack.top, frame);
    const sw = fp - 4 * SAVED_CORE_WORDS;
    core.writeWords(sw, SAVED_BASIC);
    core.write32(k.tcb + TcbField.SP, sw);
    const privileged = k.spec.privileged === true;
    core.write32(k.tcb + TcbField.CONTROL, privileged ? CONTROL_PRIVILEGED : CONTROL_UNPRIVILEGED);
    k.privileged = privileged;
    const control = taskControl(k.ctx);
    control.sp = k.stack.top;
    control.reset();
    k.frame = frame;
    k.frameAt = fp;
    k.fpFrame = false;
    k.fpStacked = false;
    k.stacked = true;
    k.swSaved = true;
    core.actor = saved;
    core.mode = mode;
    return sw;
  }

  /**
   * The scheduler's `pause`: a run's time limit stopped the task in the middle of its slice. It
   * keeps the CPU and no context is saved, as when a debugger halts the core; its watchdog budget
   * is set aside and the core is put in the kernel's state, so code between the runs (checks,
   * reports, kernel calls) does not act as the task.
   */
  pause(t: Task<KTask>): void {
    const core = this.core;
    const w = this.watchdog;
    const used = w !== null && w.task === t.data.name ? w.used() : 0;
    w?.disarm();
    this.ticks?.stop();
    this.halted = { mode: core.mode, nPriv: core.controlNPriv, spsel: core.controlSpsel, actor: core.actor, used };
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, t.data.id);
    this.checker?.taskRunning(0);
  }

  /**
   * The scheduler's `resume`: the paused slice goes on. The core's thread state comes back, the
   * task's MPU plan is loaded when a grant between the runs changed it, and its watchdog is armed
   * with what the slice had used.
   */
  resume(t: Task<KTask>): void {
    const h = this.halted;
    if (h === null) return;
    this.halted = null;
    const k = t.data;
    const core = this.core;
    this.loader.loadTask(k);
    core.mode = h.mode;
    core.controlNPriv = h.nPriv;
    core.controlSpsel = h.spsel;
    core.actor = h.actor;
    this.checker?.taskRunning(k.id);
    this.watchdog?.resume(k.name, k.watchdogCycles, h.used);
  }

  /**
   * The scheduler's `switchIn`: TCB read (the saved SP and CONTROL: the task's privilege comes
   * from its TCB, as its MPU regions do), MPU load, R4-R11 (and S16-S31) restored; the return
   * follows at the first step.
   */
  switchIn(t: Task<KTask>, from: Task<KTask> | null): void {
    const k = t.data;
    const core = this.core;
    const c = this.timing.costs;
    // Handler mode already after a switch-out (the setter, a call here, is left for the first
    // dispatch and a wake from idle).
    if (core.mode !== "handler") core.mode = "handler";
    core.actor = k.kernelActor;
    if (k.swSaved === true) {
      try {
        // PendSV's restore half: the saved SP and CONTROL from the TCB (kernel memory) and MSR
        // CONTROL, the task's MPU plan, then LDMIA R4-R11, LR (and VLDMIA S16-S31 when LR says
        // the frame is extended). In Handler mode the MSR sets nPRIV only (SPSEL and FPCA come
        // from EXC_RETURN): a CONTROL word overwritten since makes the task what it says.
        core.charge(c.contextRestore);
        const sp = core.read32(k.tcb + TcbField.SP);
        k.privileged = controlPrivileged(core.read32(k.tcb + TcbField.CONTROL));
        core.charge(c.controlRestore);
        // The task's MPU record, loaded from its TCB (kernel memory) and written to the MPU.
        if (this.loader.loadTask(k) === true) core.charge(this.mpuReload);
        else core.charge(c.mpuSkip);
        const regs = core.readWords(sp, SAVED_CORE_WORDS, false, this.loaded);
        core.charge(c.multipleTransfer);
        let frameAt = sp + 4 * SAVED_CORE_WORDS;
        // EXC_RETURN is a word of the task's stack, which the task may have rewritten (a receive
        // handed off into its own saved context): the one this switch-out stored, or UsageFault
        // INVPC before anything else is read (kernel README, "Exceptions and switches"). Trusted,
        // a forged 0xFFFFFFED would make the VLDMIA below read 64 bytes above a frame at the
        // stack top with privilege.
        const fp = k.fpFrame === true;
        const excReturn = regs[SAVED_CORE_WORDS - 1]!;
        if (excReturn !== (fp ? EXC_RETURN_THREAD_PSP_FP : EXC_RETURN_THREAD_PSP))
          core.invalidExceptionReturn(excReturn);
        if (fp) {
          core.readWords(frameAt, SAVED_FP_WORDS, false, this.loaded);
          core.charge(c.multipleTransfer);
          frameAt += 4 * SAVED_FP_WORDS;
        }
        k.frameAt = frameAt >>> 0;
        k.fpFrame = fp;
        k.swSaved = false;
        k.stacked = true;
        const checker = this.checker;
        if (checker !== null && frameAt >= k.stack.base + GUARD_BYTES && frameAt <= k.stack.top) {
          checker.stackPointer(k.id, frameAt); // MSR PSP: the process stack starts at the frame again
        }
      } catch (e) {
        this.kernelFaultEntry(e);
        k.restoring = true;
        this.faultTask(t, e);
        k.restoring = false;
        return;
      }
    } else this.loader.loadTask(k);
    // The exception return (at the first step) runs with the task's privilege.
    core.mode = "thread";
    core.controlNPriv = k.privileged !== true;
    core.controlSpsel = true; // EXC_RETURN 0xFFFFFFFD/ED: Thread mode on the process stack (PSPLIM)
    core.actor = k.userActor;
    // The checker: this task's live stack is plain while it runs (its stack accesses pass the filter).
    this.checker?.taskRunning(k.id);
    this.watchdog?.arm(k.name, k.watchdogCycles);
    if (from !== t && this.events.watched.switch === true && this.events.listenerCount("switch") > 0) {
      this.events.emit("switch", { ...this.stamp(), from: from?.name ?? null, to: t.name });
    }
  }

  /**
   * The scheduler's `switchOut` (PendSV's save half): lazy FP state preservation, S16-S31 for an
   * FP task, R4-R11 and EXC_RETURN stored below the frame, SP into the TCB, then the pick. A save
   * area that would reach the stack guard is a stack overflow, caught before any store (as
   * FreeRTOS's `configCHECK_FOR_STACK_OVERFLOW` checks the saved SP against the stack limit).
   */
  switchOut(t: Task<KTask>): void {
    const k = t.data;
    const core = this.core;
    const c = this.timing.costs;
    if (this.watchdog !== null) this.watchdog.disarm();
    this.ticks?.stop();
    core.mode = "handler";
    core.actor = k.kernelActor;
    this.checker?.taskRunning(0);
    if (k.swSaved === true || t.state === "faulted" || t.state === "stopped" || core.pendingFault !== null) {
      // Only a task that ended comes here: a live one's switch-out pays nothing for it.
      if (t.state === "stopped") {
        // A task that ended on the CPU (its `exit`, or its main returning: an exit the task did
        // not write, entered as one) leaves through PendSV's pick of the next task, as a task
        // deleting itself does (docs/timing.md, "A task's end"); its context is not saved.
        if (!k.swSaved && core.pendingFault === null) {
          if (!k.stacked) this.svcEntry(t);
          // The SVC's return tail-chains into the PendSV it pended.
          core.charge(this.tailChain + c.schedule);
        }
        this.stopped(t);
      }
      return;
    }
    if (k.stacked !== true) this.svcEntry(t); // given up without a request (a halt, a paused slice ended between runs): stack now
    if (k.stacked !== true) return; // the stacking faulted
    core.charge(this.tailChain); // the SVC's return tail-chains into the PendSV it pended
    const fp = k.fpFrame === true;
    const words = SAVED_CORE_WORDS + (fp ? SAVED_FP_WORDS : 0);
    const low = k.frameAt - 4 * words;
    try {
      if (low < k.stack.base + GUARD_BYTES || low >= k.stack.top) {
        // Below the guard's top it overflowed; at or above the stack's top the task moved SP out of its stack.
        const where =
          low >= k.stack.top
            ? `lies above the stack's top (0x${k.stack.top.toString(16)}): the stack pointer left the stack`
            : "does not fit above the stack guard";
        throw new KernelError(
          "STACK_OVERFLOW",
          `the saved context (${4 * words} bytes below the frame at 0x${k.frameAt.toString(16)}) ${where}`,
          { task: k.name, frame: k.frameAt, bytes: 4 * words },
        );
      }
      this.checker?.stackPointer(k.id, low);
      if (fp) {
        // The VSTM below is the handler's first FP instruction: lazy state preservation writes
        // S0-S15 and FPSCR into the space the entry reserved, with the task's privilege
        // (MLSPERR/LSPERR when it may not: the SP was outside its stack at the entry).
        core.preserveFpState(k.frameAt + 32, LAZY_FP_ZEROS, !k.privileged);
        k.fpStacked = true;
      }
      // The stores below are privileged: the frame must lie in the stack too. The SVC stacked it
      // with the task's privilege wherever its SP was; a frame just above the stack top (SP moved
      // into memory the task may write) would put them on the bytes between the top and the frame.
      const frameEnd = k.frameAt + (fp ? 32 + FP_AREA_BYTES : 32);
      if (frameEnd > k.stack.top) {
        throw new KernelError(
          "STACK_OVERFLOW",
          `the exception frame at ${hex32(k.frameAt)} is not inside the stack [${hex32(k.stack.base + GUARD_BYTES)}, ${hex32(k.stack.top)}): the context saved below it would not be either`,
          { task: k.name, frame: k.frameAt, bytes: 4 * words },
        );
      }
      if (fp) {
        core.writeWords(low + 4 * SAVED_CORE_WORDS, SAVED_FP_ZEROS);
        core.charge(c.multipleTransfer);
      }
      core.writeWords(low, fp ? SAVED_EXTENDED : SAVED_BASIC);
      core.charge(c.multipleTransfer + c.contextSave);
      core.write32(k.tcb + TcbField.SP, low);
      k.swSaved = true;
      core.charge(c.schedule);
    } catch (e) {
      this.kernelFaultEntry(e);
      this.faultTask(t, e);
    }
  }

  /**
   * After a step that left the task running, its request enters the kernel by SVC: the entry
   * latency and the dispatch are charged, the frame stacked with the task's privilege (the FP
   * part reserved once the task has used the FPU). A fault the step latched stops the task instead.
   */
  afterStep(t: Task<KTask>): void {
    const core = this.core;
    this.ticks?.leaveCode();
    const pending = core.pendingFault;
    if (pending !== null) {
      if (t.state === "running") {
        if (pending instanceof Fault) this.faultEntry(t, pending);
        this.faultTask(t, pending);
      } else core.clearFault();
      return;
    }
    if (t.state === "running" && t.data.stacked !== true) this.svcEntry(t);
  }

  /** Exception entry from the task: its frame on its stack (extended with an FP context). */
  private svcEntry(t: Task<KTask>): void {
    const k = t.data;
    const core = this.core;
    const fp = this.timing.fpu === true && k.ctx.usesFpu === true;
    const sp = k.ctx.sp;
    const below = fp ? FP_AREA_BYTES : 0;
    try {
      const checker = this.checker;
      if (checker !== null) {
        const low = ((sp - below - 32) & ~7) >>> 0;
        if (low >= k.stack.base + GUARD_BYTES && low < k.stack.top) checker.stackPointer(k.id, low);
      }
      core.charge(k.timing.svcEntry);
      k.frame[6] = (k.ctx.pc & ~1) >>> 0; // the return address: a halfword address, bit 0 clear
      k.frameAt = core.pushFrame((sp - below) >>> 0, k.frame);
      k.fpFrame = fp;
      k.fpStacked = false;
      k.stacked = true;
    } catch (e) {
      // A frame below PSPLIM: unlike an instruction's SP update, exception entry leaves SP at
      // the limit (docs/mpu-model.md, Stack limits).
      if (e instanceof Fault && (e.cfsr & Cfsr.STKOF) !== 0) taskControl(k.ctx).sp = core.stackLimit;
      this.faultTask(t, e);
    }
  }

  /**
   * The entry of a fault exception the task's code raised in Thread mode (docs/timing.md,
   * "Faults"): the frame is stacked on the task's stack with its privilege (below the FP space an
   * FP context reserves, as the SVC's), the rest of the entry latency charged. A fault of the
   * exception return itself (unstacking, its integrity checks), with the frame still stacked, is
   * taken by tail-chaining instead. A stacking fault here is derived: its bits stay in CFSR for
   * the handler, it is not a second fault of the task, and the memory checker is not shown the
   * frame (the task never returns to it: a report there would be a second report of the fault).
   * The stacking fault of a SysTick taken in the task's code is taken in that entry's place:
   * nothing more is stacked or charged.
   */
  private faultEntry(t: Task<KTask>, fault: Fault): void {
    const k = t.data;
    const core = this.core;
    this.watchdog?.disarm(); // the handler's cycles are not the task's code running past its budget
    this.ticks?.stop();
    core.clearFault();
    // A SysTick's stacking fault: the fault is taken in the tick's entry's place, already charged.
    if (isTickStackingFault(fault)) return;
    if (k.stacked) {
      core.charge(this.tailChain);
      return;
    }
    const fp = this.timing.fpu && k.ctx.usesFpu;
    const at = (k.ctx.sp - (fp ? FP_AREA_BYTES : 0)) >>> 0;
    core.charge(this.timing.faultEntryExtra(at));
    const frame = this.faultFrame;
    frame[6] = (k.ctx.pc & ~1) >>> 0;
    const hook = core.hook;
    core.hook = null;
    try {
      core.pushFrame(at, frame);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      core.clearFault(); // MSTKERR/STKERR (or STKOF): derived, in CFSR
    } finally {
      core.hook = hook;
    }
  }

  /**
   * A hardware fault inside PendSV's save or restore half: a nested exception entry on the main
   * stack, or, for the INVPC of the restore's return, a tail-chain. Software faults there (the
   * save's stack check) cost no entry: PendSV found them (docs/timing.md, "Faults").
   */
  private kernelFaultEntry(e: unknown): void {
    if (!(e instanceof Fault)) return;
    this.core.clearFault();
    this.core.charge((e.cfsr & Cfsr.INVPC) !== 0 ? this.tailChain : this.timing.nestedFaultEntry());
  }

  /**
   * Before each step: the exception return to the task (its frame unstacked with its privilege,
   * the FP part read back when it was written), then the instruction fetch at the task's code
   * address (IACCVIOL from data).
   */
  beforeStep(t: Task<KTask>): void {
    const core = this.core;
    const k = t.data;
    const user = k.userActor;
    if (core.actor !== user) core.actor = user;
    // A task its `exit` stopped is only unwound (its finally blocks run): no exception return to
    // it, as a task deleting itself never returns from the SVC (docs/timing.md, "A task's end").
    if (t.stopping === true) return;
    try {
      if (k.stacked === true) {
        this.ticks?.tailChain(); // a SysTick that fell in the SVC handler: tail-chained before the return
        core.charge(k.timing.exceptionReturn);
        let sp = core.unstackFrame(k.frameAt, k.frame);
        // The return's integrity checks on the frame, which lies in the task's stack (it may have
        // rewritten it): a return to Thread mode with an exception number in the stacked IPSR is
        // UsageFault INVPC; EPSR.T clear is INVSTATE at the first instruction (kernel README,
        // "Exceptions and switches").
        const xpsr = k.frame[7]!;
        if ((xpsr & XPSR_IPSR) !== 0) {
          core.invalidExceptionReturn(k.fpFrame ? EXC_RETURN_THREAD_PSP_FP : EXC_RETURN_THREAD_PSP);
        }
        // The task resumes at the stacked PC; bit 0 is ignored (ARMv8-M defines it so; ARMv7-M
        // leaves it UNPREDICTABLE and the project takes v8's rule, as silicon and QEMU do).
        taskControl(k.ctx).pc = (k.frame[6]! & ~1) >>> 0;
        if ((xpsr & XPSR_THUMB) === 0) core.invalidState(k.ctx.pc);
        if (k.fpFrame) {
          if (k.fpStacked) core.readWords(k.frameAt + 32, LAZY_FP_WORDS, false, this.loaded);
          sp = (sp + FP_AREA_BYTES) >>> 0;
        }
        taskControl(k.ctx).sp = sp;
        k.stacked = false;
        k.fpStacked = false;
        const checker = this.checker;
        if (checker !== null && sp >= k.stack.base + GUARD_BYTES && sp <= k.stack.top) checker.stackPointer(k.id, sp);
      }
      core.fetch(k.ctx.pc); // the instruction fetch at the resume address
      this.ticks?.enterCode(k); // its code runs: SysTick is taken where it falls
    } catch (e) {
      if (e instanceof Fault) this.faultEntry(t, e);
      this.faultTask(t, e);
    }
  }
}
