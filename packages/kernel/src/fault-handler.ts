import { AllocError } from "@rtos-sim/alloc";
import {
  AccessKind,
  ActorMode,
  Cfsr,
  Fault,
  FP_FRAME_WORDS,
  hex32,
  type Machine,
  type MpuRegionView,
  makeActor,
  ScbReg,
} from "@rtos-sim/hw";
import { CheckerFault, type MemoryChecker, type MemReport, type SourceSiteOptions } from "@rtos-sim/memcheck";
import type { FaultReason, Scheduler, Task } from "@rtos-sim/sched";
import type { FaultPolicy } from "./config.js";
import { KernelError } from "./errors.js";
import type { KernelEmitter, Stamp } from "./events.js";
import {
  decodeFault,
  type FaultAction,
  type FaultKind,
  type FaultRecord,
  formatFaultDump,
  notPlanReason,
  type RecordDifference,
} from "./fault-report.js";
import { faultSite, syscallSite } from "./fault-site.js";
import { peek32 } from "./ipc/kernel-memory.js";
import type { MpuLoader } from "./mpu-plan.js";
import { FAULT_LIMIT, logFault } from "./task-log.js";
import { controlPrivileged, GUARD_BYTES, type KTask, TcbField } from "./task-record.js";
import { isTickStackingFault } from "./tick-interrupt.js";
import type { CpuTiming } from "./timing/cpu-timing.js";
import type { Watchdog } from "./watchdog.js";

/** What the fault handler needs of the kernel. */
export interface FaultHandlerDeps {
  /** The machine: its core's latched fault and the SCB's CFSR/HFSR are cleared after each fault. */
  readonly machine: Machine;
  /** The kernel's scheduler (a getter: the handler is built before the scheduler). */
  readonly scheduler: () => Scheduler<KTask>;
  /** The memory checker, or null. */
  readonly checker: MemoryChecker | null;
  /** Where `fault`, `watchdog` and `panic` events go. */
  readonly events: KernelEmitter;
  /** The current simulated time, for records and events. */
  readonly stamp: () => Stamp;
  /** Releases the kernel objects the task owned (its mutexes), whatever the policy does next. */
  readonly ended: (t: Task<KTask>) => void;
  /** Whose memory an address is (`Kernel.whoseMemory`), for hardware faults with an address. */
  readonly whose: (address: number) => string;
  /** Where the task's line is looked for (`KernelOptions.faultSites`), or null: records name none. */
  readonly sites: SourceSiteOptions | null;
  /** The cycle costs of the handler, its tail-chain into PendSV and the pick that follows (docs/timing.md, "Faults"). */
  readonly timing: CpuTiming;
  /** The watchdog, disarmed when the handler starts (its cycles are not the task's code), or null. */
  readonly watchdog: Watchdog | null;
  /** The loader: the plan the MPU holds (`current`, null for a record that is no plan) and whose it is (`held`). */
  readonly loader: Pick<MpuLoader, "current" | "held">;
  /**
   * MPU_CTRL as the kernel set it at boot (ENABLE, PRIVDEFENA): every plan is loaded under it, so
   * another value at a fault was written since (a privileged task's store to MPU_CTRL).
   */
  readonly mpuControl: number;
}

/** The kind and one-line message of a fault, from the error that caused it. */
export interface ClassifiedFault {
  /** The fault's class. */
  readonly kind: FaultKind;
  /** One line a person can read (the error's message, or a more precise one for stack faults). */
  readonly message: string;
}

/** Kernel error codes that task code raises itself, outside any syscall: its fault is `uncaught`. */
const TASK_CODE_ERRORS: ReadonlySet<string> = new Set([
  "CALL_FRAME",
  "UNKNOWN_PARTITION",
  "UNKNOWN_DEVICE",
  "UNKNOWN_TASK",
  "BAD_LAYOUT",
]);

/** Kernel error codes with a fault kind of their own. */
const KERNEL_ERROR_KINDS: ReadonlyMap<string, FaultKind> = new Map<string, FaultKind>([
  ["WATCHDOG", "watchdog"],
  ["BAD_POINTER", "bad-pointer"],
  ["STACK_OVERFLOW", "stack-overflow"],
]);

/**
 * Whether the fault's error is a value the task's code threw (the scheduler's `uncaught`): the
 * task made it or kept it, so it may be a Proxy, have getters, or be a `Fault` or `CheckerFault`
 * the task built or caught earlier. The core and the memory checker latch every fault they raise
 * and the kernel takes it from the latch (kind `kernel`), so a hardware or checker fault never
 * arrives this way: such a value is read as the task, as what the task threw, and nothing else.
 */
function thrownByTask(reason: FaultReason): boolean {
  return reason.kind === "uncaught";
}

/** What the fault handler saw besides the error, for {@link classifyFault}. */
export interface FaultContext {
  /** PSPLIM at the fault (ARMv8-M); absent: the task's guard's top, as the kernel sets it. */
  readonly stackLimit?: number;
  /** Why the MPU held other regions than the task's plan (absent: it held the plan). */
  readonly mpuHeld?: string;
}

/** ` (why the MPU held other regions)` for a message, or nothing when it held the task's plan. */
function heldNote(at: FaultContext): string {
  return at.mpuHeld === undefined ? "" : ` (${at.mpuHeld})`;
}

/** Why the MPU held other regions than a task's plan, in a few words (the dump says it whole). */
function heldCause(heldBy: string | undefined, written: boolean): string {
  if (heldBy !== undefined) return `the registers held the regions of ${heldBy}`;
  return written ? "its MPU registers were written since its plan was loaded" : "its TCB's MPU record was overwritten";
}

/**
 * Classifies a task fault from its error (the scheduler's reason kind when there is none). A value
 * the task's code threw itself (see thrownByTask) is `uncaught`, unless it is a `KernelError` of
 * its context's helpers, classified by its code as below; otherwise:
 * - a hw `Fault`: `stack-overflow` when the access hit the stack guard, the exception frame
 *   would overflow the stack, or SP is below the guard and the access between SP and the guard (a
 *   frame that jumped over the guard); otherwise `memmanage`, `busfault`, `usagefault` or `hardfault`
 *   (a stacking, lazy FP stacking or unstacking error with the SP elsewhere says "corrupt stack
 *   pointer"; INVPC at a switch-in, a saved EXC_RETURN the task rewrote, "corrupt saved context";
 *   INVPC or INVSTATE at the return, a stacked xPSR the task rewrote, "corrupt exception frame");
 * - a `CheckerFault`: `stack-overflow` when its report is one (the checker saw SP go below the
 *   stack's base, or an access just below it: the kind the guard or PSPLIM would give without the
 *   checker; the report stays in the record's `checker`), else `checker`; an `AllocError`
 *   (invalid free, heap corruption): `heap`;
 * - a `KernelError`: `watchdog` (WATCHDOG), `bad-pointer` (BAD_POINTER), `stack-overflow`
 *   (STACK_OVERFLOW), `uncaught` for what task code throws itself, outside any syscall (CALL_FRAME:
 *   its calls out of order; UNKNOWN_PARTITION, UNKNOWN_DEVICE, UNKNOWN_TASK: an `AppEnv` look-up of
 *   a name the kernel lacks; BAD_LAYOUT: a struct or function declared wrong), else `bad-syscall`;
 * - the scheduler's `watchdog`: `watchdog`; its `bad-syscall`, `unknown-syscall`, `syscall-error`: `bad-syscall`;
 * - anything else the task threw: `uncaught`.
 *
 * `at` says what the handler saw besides the error: PSPLIM (ARMv8-M), which a STKOF message names
 * (by default the limit the kernel sets for the task, its guard's top), and why the MPU held other
 * regions than the task's plan, which a restore or unstacking its regions denied names.
 */
export function classifyFault(k: KTask, reason: FaultReason, at: FaultContext = {}): ClassifiedFault {
  const error = reason.error;
  if (thrownByTask(reason)) {
    // The task's own value: only the kernel errors its context's helpers throw are classified.
    if (!(error instanceof KernelError)) return { kind: "uncaught", message: reason.message };
    const message: unknown = error.message;
    return {
      kind: KERNEL_ERROR_KINDS.get(error.code) ?? (TASK_CODE_ERRORS.has(error.code) ? "uncaught" : "bad-syscall"),
      message: typeof message === "string" ? message : reason.message,
    };
  }
  if (error instanceof Fault) return classifyHw(k, error, at);
  if (error instanceof CheckerFault) {
    // The checker follows every move of SP, so it catches a stack overflow before the guard or
    // PSPLIM does: the same diagnosis as without it, the checker's report kept as the detail.
    if (error.report.kind === "stack-overflow")
      return { kind: "stack-overflow", message: `stack overflow: ${error.report.message} (memory checker)` };
    return { kind: "checker", message: error.message };
  }
  if (error instanceof AllocError) return { kind: "heap", message: error.message };
  if (error instanceof KernelError) {
    const kind = KERNEL_ERROR_KINDS.get(error.code) ?? (TASK_CODE_ERRORS.has(error.code) ? "uncaught" : "bad-syscall");
    return { kind, message: error.message };
  }
  if (reason.kind === "watchdog") return { kind: "watchdog", message: reason.message };
  if (reason.kind === "bad-syscall" || reason.kind === "unknown-syscall" || reason.kind === "syscall-error") {
    return { kind: "bad-syscall", message: reason.message };
  }
  return { kind: "uncaught", message: reason.message };
}

const STACKING = Cfsr.MSTKERR | Cfsr.STKERR;
const UNSTACKING = Cfsr.MUNSTKERR | Cfsr.UNSTKERR;
const LAZY_STACKING = Cfsr.MLSPERR | Cfsr.LSPERR;

function classifyHw(k: KTask, f: Fault, at: FaultContext): ClassifiedFault {
  const base = k.stack.base;
  const sp = k.ctx.sp;
  const inGuard = f.faultAddress !== null && f.faultAddress >= base && f.faultAddress < base + GUARD_BYTES;
  if (isTickStackingFault(f) && sp >= base - 128 && sp < base + GUARD_BYTES + 4 * FP_FRAME_WORDS) {
    // An interrupt taken at the task's deepest point: its code fits, the frame the exception
    // entry stacks below SP does not (docs/writing-an-app.md: leave a frame of headroom).
    // SP moved past the guard without touching it (a large frame's SUB): the frame lands below it.
    const by =
      (f.cfsr & Cfsr.STKOF) !== 0
        ? "the stack limit (UsageFault STKOF)"
        : sp > base
          ? "the stack guard"
          : `the memory below the stack's guard (at ${hex32(base)})`;
    return {
      kind: "stack-overflow",
      message: `stack overflow by exception stacking: the SysTick taken with SP at ${hex32(sp)} stacks its frame into ${by}`,
    };
  }
  if ((f.cfsr & Cfsr.STKOF) !== 0) {
    // ARMv8-M: the stack limit register (PSPLIM = the guard's top) stopped the SP update. A
    // PSPLIM that is not the guard's top came from a record loaded as found: named as it is.
    const set = base + GUARD_BYTES;
    const limit = at.stackLimit ?? set;
    return {
      kind: "stack-overflow",
      message: `stack overflow: stack pointer below the stack limit ${hex32(limit)}${limit !== set ? `, not the guard's top ${hex32(set)} the kernel set` : ""} (UsageFault STKOF)`,
    };
  }
  // The frame goes below SP: it overflows the stack when SP is near the guard (or just below the
  // block); an extended frame (FP context) takes 104 bytes (26 words).
  const frameOverflow = (f.cfsr & STACKING) !== 0 && sp >= base - 128 && sp < base + GUARD_BYTES + 4 * FP_FRAME_WORDS;
  if (inGuard) {
    return {
      kind: "stack-overflow",
      message: `stack overflow: access to the stack guard at ${hex32(f.faultAddress!)}`,
    };
  }
  if (frameOverflow) {
    return {
      kind: "stack-overflow",
      message: `stack overflow: the exception frame below SP ${hex32(sp)} does not fit above the guard`,
    };
  }
  // A frame larger than the guard jumps over it (docs/writing-an-app.md, "Call frames"): SP is
  // below the guard's top and the access lies between SP and the guard, in the stack the call
  // claimed. The silicon's fault stays in the record; the diagnosis is the one the checker gives.
  const jumped =
    (f.cfsr & (STACKING | UNSTACKING | LAZY_STACKING)) === 0 &&
    f.faultAddress !== null &&
    sp < base + GUARD_BYTES &&
    f.faultAddress >= sp &&
    f.faultAddress < base;
  if (jumped) {
    return {
      kind: "stack-overflow",
      message: `stack overflow: SP ${hex32(sp)} is below the stack guard [${hex32(base)}, ${hex32(base + GUARD_BYTES)}) (a frame larger than the guard jumped over it); access at ${hex32(f.faultAddress!)}`,
    };
  }
  const hwKind: FaultKind =
    f.exception === 3 ? "hardfault" : f.cause === 4 ? "memmanage" : f.cause === 5 ? "busfault" : "usagefault";
  if ((f.cfsr & STACKING) !== 0) {
    return {
      kind: hwKind,
      message: `corrupt stack pointer ${hex32(sp)}: ${f.message} while stacking the exception frame`,
    };
  }
  if ((f.cfsr & LAZY_STACKING) !== 0) {
    // The FP space lies above the basic frame, which was stacked: the SP was outside the stack.
    return {
      kind: hwKind,
      message: `corrupt stack pointer ${hex32(sp)}: ${f.message} while preserving the FP state (lazy stacking)`,
    };
  }
  // The context lies where it should, in the task's stack, and still could not be read: the
  // regions loaded for the task deny it its own stack (its TCB's MPU record was overwritten,
  // docs/mpu-model.md, or its registers written since: the message says which); the saved SP is
  // not what is wrong.
  const stackTop = k.stack.top;
  const inStack = (a: number) => a >= base + GUARD_BYTES && a + 32 <= stackTop;
  if ((f.cfsr & UNSTACKING) !== 0 && inStack(k.frameAt)) {
    return {
      kind: hwKind,
      message: `the exception frame at ${hex32(k.frameAt)} lies in the task's stack, but the MPU regions loaded for it deny reading it${heldNote(at)}: ${f.message} while unstacking`,
    };
  }
  if ((f.cfsr & UNSTACKING) !== 0) {
    return { kind: hwKind, message: `corrupt saved stack pointer in the TCB: ${f.message} while unstacking` };
  }
  if ((f.cfsr & Cfsr.INVPC) !== 0 && !k.restoring) {
    // The exception return's integrity check on the frame it unstacked (the task rewrote it).
    return {
      kind: hwKind,
      message: `corrupt exception frame: the stacked xPSR ${hex32(k.frame[7]!)} names exception ${k.frame[7]! & 0x1ff} on a return to Thread mode (${f.exception === 3 ? "HardFault, forced:" : "UsageFault"} INVPC)`,
    };
  }
  if ((f.cfsr & Cfsr.INVSTATE) !== 0) {
    return {
      kind: hwKind,
      message: `corrupt exception frame: the stacked xPSR ${hex32(k.frame[7]!)} has the T bit clear, so the return to ${hex32(f.access.address)} cannot execute (${f.exception === 3 ? "HardFault, forced:" : "UsageFault"} INVSTATE)`,
    };
  }
  if ((f.cfsr & Cfsr.INVPC) !== 0) {
    return {
      kind: hwKind,
      message: `corrupt saved context: EXC_RETURN ${hex32(f.access.address)} is not the one the switch-out stored (${f.exception === 3 ? "HardFault, forced:" : "UsageFault"} INVPC)`,
    };
  }
  const tcbWord = f.faultAddress === null ? -1 : (f.faultAddress - k.tcb) >>> 0;
  if (k.restoring && (tcbWord === TcbField.SP || tcbWord === TcbField.CONTROL)) {
    // PendSV reads the saved SP and CONTROL before it loads the task's MPU record: under the
    // previous configuration (a forged record, docs/mpu-model.md), the kernel's read of its own block.
    const word = tcbWord === TcbField.SP ? "saved stack pointer" : "CONTROL word";
    return {
      kind: hwKind,
      message: `the TCB's ${word} at ${hex32(f.faultAddress!)} could not be read while restoring the context (the MPU held another configuration's regions): ${f.message}`,
    };
  }
  if (k.restoring && f.faultAddress !== null && inStack(f.faultAddress)) {
    return {
      kind: hwKind,
      message: `the saved context at ${hex32(f.faultAddress)} lies in the task's stack, but the MPU regions loaded for it deny the kernel reading it${heldNote(at)}: ${f.message} while restoring the context`,
    };
  }
  if (k.restoring) {
    return {
      kind: hwKind,
      message: `corrupt saved stack pointer in the TCB: ${f.message} while restoring the context`,
    };
  }
  return { kind: hwKind, message: f.message };
}

/**
 * The kernel's fault handling: turns errors raised in a task's context into scheduler faults,
 * builds the record and the Tock-style dump, clears the fault status registers as a handler
 * does, and applies the task's policy (stop, restart, restart up to N, panic).
 */
export class FaultHandler {
  /** The faults' records in order: each task's first `FAULT_LIMIT`. */
  readonly faults: FaultRecord[] = [];
  /** Faults so far, kept or not. */
  count = 0;
  /** The panic message, once a policy panicked. */
  panicMessage: string | null = null;

  constructor(private readonly deps: FaultHandlerDeps) {}

  /** Turns an error raised in a task's context into a scheduler fault (the policy follows). */
  faultTask(t: Task<KTask>, error: unknown): void {
    this.deps.machine.core.clearFault();
    if (t.state === "faulted" || t.state === "stopped") return;
    const what = error instanceof Error ? error.message : String(error);
    this.deps.scheduler().fault(t, { kind: "kernel", message: what, error });
  }

  /**
   * The MPU configuration a task faulted under: its plan, unless the MPU holds other words for
   * it. Its TCB's record, overwritten since the kernel stored it (docs/mpu-model.md), loaded as it
   * was found: the dump shows the regions the registers hold (and what else the record changed,
   * `difference`). Or the plan was loaded and the registers were written since (a privileged
   * task's stores to the MPU: the loader, like Tock's cache, does not see them), which a look at
   * the registers tells, as a debugger's would (`written`). Or the switch to the task faulted
   * before it loaded the task's record (PendSV's read of the saved SP): the registers are the
   * configuration loaded before (`heldBy` names it). A task off the CPU: its plan.
   */
  private heldConfiguration(k: KTask, onCpu: boolean) {
    const machine = this.deps.machine;
    const registers = onCpu ? mpuRegions(machine) : null;
    const planLoaded = this.deps.loader.current === k.plan;
    // MPU_CTRL is one of the registers too: with PRIVDEFENA or ENABLE cleared, the same regions
    // give other answers, which a list of the plan's regions alone does not explain.
    const control = onCpu && machine.mpu.control !== this.deps.mpuControl ? machine.mpu.control : undefined;
    const written =
      registers !== null && planLoaded && (control !== undefined || !sameRegions(registers, k.plan.views()));
    const forged = registers !== null && (!planLoaded || written);
    const held = forged && !written ? this.deps.loader.held : k;
    const heldBy =
      held === k ? undefined : held === null ? "an unknown configuration" : "tcb" in held ? held.plan.who : held.who;
    const difference = forged && !written && heldBy === undefined ? recordDifference(machine, k, registers) : undefined;
    return { regions: forged ? registers : k.plan.views(), forged, written, control, heldBy, difference };
  }

  /** The scheduler's `onFault` hook. */
  onFault(t: Task<KTask>, reason: FaultReason): void {
    const { machine, events } = this.deps;
    const k = t.data;
    machine.core.clearFault();
    // Everything read of the error is read first, in the mode the fault found the core in: what
    // the task threw (see thrownByTask) is read there as the task, its getters and traps running
    // unprivileged; a fault they take is theirs, cleared below before the handler's own work.
    const thrown = thrownByTask(reason);
    // The handler runs as the faulting task's exception, on its CPU time; a fault given to a
    // task off the CPU (from outside the run) costs nothing.
    const onCpu = this.deps.scheduler().current === t;
    const { regions, forged, written, control, heldBy, difference } = this.heldConfiguration(k, onCpu);
    const { kind, message } = classifyFault(k, reason, {
      stackLimit: machine.core.psplim >>> 0,
      ...(forged ? { mpuHeld: heldCause(heldBy, written) } : {}),
    });
    const fault = !thrown && reason.error instanceof Fault ? reason.error : undefined;
    const report = thrown ? undefined : checkerReportOf(reason.error);
    // The task's line, for records that are kept: reading an error's stack formats it.
    const sites = this.deps.sites;
    const source =
      sites !== null && k.faults.length < FAULT_LIMIT
        ? (faultSite(reason.error, sites) ?? syscallSite(reason.error, sites))
        : null;
    machine.core.clearFault();
    const action = policyAction(k.policy, t.restarts);
    const ms = this.deps.stamp().ms; // when the handler starts: after the fault's exception entry
    if (onCpu) this.handlerWork(k, fault?.faultStatusRegisters === true);
    const reached = fault ? faultedMemory(fault) : null;
    const memory = reached === null ? undefined : this.deps.whose(reached);
    // A task off the CPU (a blocked receiver a send's hand-off faulted, a fault from outside the
    // run) has the privilege its TCB's CONTROL word gives it, the one its next switch-in loads and
    // the hand-off decided with; read as a debugger would (no cycles, no MPU check).
    const privileged = onCpu ? k.privileged : controlPrivileged(peek32(machine.bus, k.tcb + TcbField.CONTROL));
    const record: FaultRecord = {
      task: k.name,
      taskId: k.id,
      ms,
      kind,
      message,
      ...(fault ? { hw: decodeFault(fault) } : {}),
      ...(source !== null ? { source } : {}),
      ...(memory !== undefined ? { memory } : {}),
      ...(report ? { checker: report } : {}),
      ...(forged
        ? {
            mpuHeld: {
              regions,
              reason: notPlanReason(heldBy, written, difference),
              ...(heldBy !== undefined ? { heldBy } : {}),
              ...(control !== undefined ? { control } : {}),
              ...(difference?.stackLimit !== undefined ? { stackLimit: difference.stackLimit } : {}),
              ...(difference?.regionsSame === true ? { regionsSame: true as const } : {}),
            },
          }
        : {}),
      action,
      dump: formatFaultDump({
        task: k.name,
        taskId: k.id,
        ms,
        kind,
        message,
        state: t.state,
        priority: k.priority,
        privileged,
        ...(privileged !== (k.spec.privileged === true) ? { controlForged: true } : {}),
        restarts: t.restarts,
        policy: policyName(k.policy),
        action,
        stack: { base: k.stack.base, top: k.stack.top, sp: k.ctx.sp, guard: GUARD_BYTES },
        code: k.code,
        plan: k.plan,
        regions,
        ...(forged ? { notPlan: true } : {}),
        ...(heldBy !== undefined ? { heldBy } : {}),
        ...(written ? { registersWritten: true } : {}),
        ...(difference !== undefined ? { difference } : {}),
        ...(control !== undefined ? { mpuControl: { value: control, set: this.deps.mpuControl } } : {}),
        fault,
        checker: report,
        ...(source !== null ? { source } : {}),
        ...(memory !== undefined ? { memory } : {}),
      }),
    };
    this.count++;
    if (logFault(k, record)) this.faults.push(record);
    // The handler reads and clears the fault status (write-1-to-clear), as a kernel does.
    machine.scb.cfsr = 0;
    machine.scb.hfsr = 0;
    if (kind === "watchdog") events.emit("watchdog", { ...this.deps.stamp(), task: k.name, message });
    events.emit("fault", record);
    // A faulted owner's mutexes go to their waiters (EOWNERDEAD) before a restart or a panic.
    this.deps.ended(t);
    if (action === "restarted") {
      this.deps.scheduler().restart(t); // its beforeRestart hook resets the task (Kernel.resetTask)
    }
    if (onCpu && action !== "panic") {
      // The handler's return tail-chains into the PendSV it pended, whose pick chooses the next
      // task; the faulted task's context is not saved (docs/timing.md, "Faults").
      const timing = this.deps.timing;
      machine.core.charge(timing.tailChain + timing.costs.schedule);
    }
    if (action === "panic") {
      this.panicMessage = `task ${k.name}: ${message}`;
      events.emit("panic", { ...this.deps.stamp(), task: k.name, message });
      this.deps.scheduler().halt(`panic: ${this.panicMessage}`);
    }
  }

  /**
   * The fault handler's own work, on the core (docs/timing.md, "Faults"): for a hardware fault
   * it reads CFSR and HFSR, MMFAR or BFAR when CFSR says it is valid, and clears CFSR and HFSR by
   * writing back the bits it read (real PPB accesses, privileged, as Zephyr's Cortex-M handler
   * reads and clears them); then `KernelCosts.faultHandler` for every fault. `hardware` is
   * decided before: nothing the task made is read in Handler mode. On ARMv6-M (no fault status
   * registers) `hardware` is false: a HardFault handler there has no register to read.
   */
  private handlerWork(k: KTask, hardware: boolean): void {
    const core = this.deps.machine.core;
    this.deps.watchdog?.disarm();
    const mode = core.mode;
    const actor = core.actor;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    try {
      if (hardware) {
        const cfsr = core.read32(ScbReg.CFSR);
        const hfsr = core.read32(ScbReg.HFSR);
        if ((cfsr & Cfsr.MMARVALID) !== 0) core.read32(ScbReg.MMFAR);
        if ((cfsr & Cfsr.BFARVALID) !== 0) core.read32(ScbReg.BFAR);
        core.write32(ScbReg.CFSR, cfsr);
        core.write32(ScbReg.HFSR, hfsr);
      }
      core.charge(this.deps.timing.costs.faultHandler);
    } finally {
      core.actor = actor;
      core.mode = mode;
    }
  }
}

/**
 * The address whose memory a hardware fault reached: MMFAR or BFAR when valid, else an
 * instruction fetch's address (IACCVIOL and IBUSERR leave the address registers invalid); null
 * for faults without one (a UsageFault, an imprecise BusFault, a stacking error).
 */
function faultedMemory(f: Fault): number | null {
  if (f.faultAddress !== null) return f.faultAddress;
  return f.access.kind === AccessKind.Fetch && (f.cfsr & (Cfsr.IACCVIOL | Cfsr.IBUSERR)) !== 0
    ? f.access.address
    : null;
}

/**
 * The memory checker's report behind a fault: the one that stopped the task, or the diagnosis a
 * syscall attached to its error (a freed buffer passed to `send`, a too-big allocation).
 */
function checkerReportOf(error: unknown): MemReport | undefined {
  if (error instanceof CheckerFault) return error.report;
  const report = error instanceof KernelError ? error.context.report : undefined;
  return typeof report === "object" && report !== null && "kind" in report ? (report as MemReport) : undefined;
}

/** What a policy does with the task's `restarts`-th fault. */
export function policyAction(p: FaultPolicy, restarts: number): FaultAction {
  if (p === "panic") return "panic";
  if (p === "restart") return "restarted";
  if (typeof p === "object") return restarts < p.restart ? "restarted" : "stopped";
  return "stopped";
}

/** A policy as a dump shows it. */
export function policyName(p: FaultPolicy): string {
  return typeof p === "object" ? `restart up to ${p.restart}` : p;
}

/** Validates a fault policy (throws the `bad` error otherwise). */
export function checkPolicy(p: FaultPolicy | undefined, bad: (field: string, why: string) => KernelError): void {
  if (p === undefined || p === "stop" || p === "restart" || p === "panic") return;
  if (typeof p === "object" && p !== null && Number.isInteger(p.restart) && p.restart >= 0) return;
  throw bad("faultPolicy", 'must be "stop", "restart", "panic" or { restart: N }');
}

/** The register words a decoded region carries (PMSAv7: RBAR's address and RASR; PMSAv8: RBAR, RLAR and its MAIR byte). */
interface RegionWords {
  readonly rbar?: number;
  readonly rasr?: number;
  readonly rlar?: number;
  readonly attr?: number;
}

/**
 * Whether two region lists give every access the same answer: the same registers, every field of
 * a view being decoded from these words (a fault storm makes this check at every fault; comparing
 * the views whole, as JSON, took a third of a fault's handling), except in a region disabled in
 * both, which matches nothing whatever its other words say.
 */
function sameRegions(a: readonly MpuRegionView[], b: readonly MpuRegionView[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! as MpuRegionView & RegionWords;
    const y = b[i]! as MpuRegionView & RegionWords;
    if (x.architecture !== y.architecture || x.enabled !== y.enabled) return false;
    if (!x.enabled) continue;
    if (x.rbar !== y.rbar || x.rasr !== y.rasr) return false;
    if (x.rlar !== y.rlar || x.attr !== y.attr) return false;
  }
  return true;
}

/**
 * What a task's record, loaded as found, changed besides the regions: PSPLIM (PMSAv8: the
 * record's last word, the plan's stack limit or 0), and whether the regions the registers hold
 * (`registers`) are the plan's.
 */
function recordDifference(machine: Machine, k: KTask, registers: readonly MpuRegionView[]): RecordDifference {
  const plan = k.plan;
  const limit = plan.architecture === "pmsav8" ? (plan.stackLimit ?? 0) >>> 0 : null;
  const value = machine.core.psplim >>> 0;
  return {
    ...(limit !== null && value !== limit ? { stackLimit: { value, plan: limit } } : {}),
    ...(sameRegions(registers, plan.views()) ? { regionsSame: true } : {}),
    architecture: plan.architecture,
  };
}

/** Every MPU region decoded from the registers, in region order. */
function mpuRegions(machine: Machine): MpuRegionView[] {
  const out: MpuRegionView[] = [];
  for (let n = 0; n < machine.mpu.regionCount; n++) out.push(machine.mpu.region(n));
  return out;
}
