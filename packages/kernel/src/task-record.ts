import { ActorMode, makeActor } from "@rtos-sim/hw";
import type { FaultPolicy, TaskSpec } from "./config.js";
import type { FaultRecord } from "./fault-report.js";
import type { HeapGate } from "./heap-gate.js";
import type { HeapKind } from "./heaps/table.js";
import type { TaskAllocator } from "./heaps/types.js";
import type { MpuPlan } from "./mpu-plan.js";
import type { TaskContext } from "./task-context.js";
import type { TaskGrant } from "./task-spec.js";

/** Bytes of one task's code region with per-task code (`KernelOptions.codeIsolation`): 4 KiB. */
export const CODE_REGION_BYTES = 0x1000;

/** Bytes of the stack guard below every stack (Zephyr uses 32-64 B). */
export const GUARD_BYTES = 32;

/**
 * Layout of a task control block in kernel memory (privileged only): the saved process stack
 * pointer lives here while the task is switched out, as `pxTopOfStack` does in FreeRTOS. A
 * privileged write that corrupts it makes the next switch-in fault at unstacking. The task's
 * CONTROL and MPU record are kept here too, as FreeRTOS-MPU 10.6 keeps them in the TCB's
 * `xMPU_SETTINGS`: every switch-in loads the task's privilege and regions from these words.
 */
export const TcbField = {
  /** Saved stack pointer (the frame's address) while the task is switched out. */
  SP: 0,
  /**
   * The task's CONTROL as the switch-in writes it (`MSR CONTROL`, after an LDM of SP and this
   * word): 0x3 (nPRIV and SPSEL) for an unprivileged task, 0x2 for a privileged one, as
   * FreeRTOS-MPU's `portINITIAL_CONTROL_IF_UNPRIVILEGED` / `_IF_PRIVILEGED`. Written in Handler
   * mode, only nPRIV (bit 0) takes effect; the exception return sets SPSEL and FPCA from
   * EXC_RETURN. Stored at the task's creation and at a restart from `TaskSpec.privileged`, and
   * never at a switch-out (FreeRTOS-MPU 10.6 saves CONTROL there, its tasks changing privilege;
   * these cannot); the kernel decides the task's privilege from what the last switch-in loaded
   * (`KTask.privileged`).
   */
  CONTROL: 4,
  /** Task id. */
  ID: 8,
  /** Code address (the resume PC of the first frame). */
  CODE: 12,
  /** While blocked in a queue receive: the buffer it named (validated when it called receive). */
  WAIT_PTR: 16,
  /** While blocked in a queue receive: the buffer's length. */
  WAIT_LENGTH: 20,
  /** A periodic task's period in ticks (0: not periodic). */
  PERIOD: 24,
  /** A periodic task's current release, in ticks (its next one is RELEASE + PERIOD). */
  RELEASE: 28,
  /**
   * The task's MPU plan as the switch loads it (FreeRTOS-MPU's `xMPU_SETTINGS`): the driver's
   * record of the plan (`MpuConfig.record`, `MpuDriver.recordWords` words: PMSAv7 an RBAR/RASR
   * pair per region, PMSAv8 MAIR0, MAIR1, an RBAR/RLAR pair per region and PSPLIM), to the end
   * of the TCB. Stored at the task's creation, at every grant and at a restart.
   */
  MPU: 32,
} as const;

/** {@link TcbField.CONTROL} of an unprivileged task: nPRIV and SPSEL (FreeRTOS-MPU's initial value). */
export const CONTROL_UNPRIVILEGED = 0x3;

/** {@link TcbField.CONTROL} of a privileged task: SPSEL only. */
export const CONTROL_PRIVILEGED = 0x2;

/**
 * Whether a {@link TcbField.CONTROL} word makes its task privileged: nPRIV (bit 0) clear, the
 * only bit `MSR CONTROL` in Handler mode takes from it.
 */
export function controlPrivileged(word: number): boolean {
  return (word & 1) === 0;
}

/**
 * Bytes of a task control block in kernel memory: the fields of {@link TcbField}, then the MPU
 * record of `recordWords` words (the board's `MpuDriver.recordWords`: 16 or 32 on PMSAv7 with 8 or
 * 16 regions, 19 or 35 on PMSAv8).
 *
 * @example
 * ```ts
 * import { tcbBytes } from "@rtos-sim/kernel";
 * console.log(tcbBytes(16)); // 96
 * // a Cortex-M4 with 8 MPU regions
 * ```
 */
export function tcbBytes(recordWords: number): number {
  return TcbField.MPU + 4 * recordWords;
}

/** What the exception paths of one task cost besides their memory accesses (from its stack's and code's memory). */
export interface TaskCosts {
  /** An SVC entry: the latency beyond the 8 stacking stores, and the kernel's dispatch. */
  readonly svcEntry: number;
  /** An exception return: the latency beyond the 8 unstacking loads and the resume fetch. */
  readonly exceptionReturn: number;
  /** An interrupt's (or a fault's) entry from the task: the latency beyond the 8 stacking stores. */
  readonly interruptEntry: number;
}

/** The kernel's record of a task (the scheduler's per-task data). */
export interface KTask {
  /** Task id: 1-based, in spawn order (the scheduler's id too). */
  readonly id: number;
  /** The core's actor tag while the kernel works for the task (`makeActor(ActorMode.Kernel, id)`). */
  readonly kernelActor: number;
  /** The core's actor tag while the task's code runs (`makeActor(ActorMode.User, id)`). */
  readonly userActor: number;
  /** Task name, unique in the kernel (`TaskSpec.name`). */
  readonly name: string;
  /** The kernel's frozen copy of the task's description, taken at spawn: what its rights are read from. */
  readonly spec: TaskSpec;
  /**
   * Whether the task runs privileged: CONTROL.nPRIV = 0 as its last switch-in loaded it from its
   * TCB ({@link TcbField.CONTROL}). Its creation and every restart store and set
   * `TaskSpec.privileged` (default false); a TCB word overwritten since (a DMA transfer over the
   * kernel's block, a privileged task's store) takes effect at the task's next switch-in, for the
   * core and for the kernel's decisions alike (its syscalls' buffer accesses, `grant`'s rights).
   */
  privileged: boolean;
  /** Scheduling priority: 0 (lowest) .. 31 (`TaskSpec.priority`, default 1). */
  readonly priority: number;
  /** Its watchdog budget in cycles (`TaskSpec.watchdogCycles`, else the kernel's; 0 none). */
  readonly watchdogCycles: number;
  /** Its fault policy (`TaskSpec.faultPolicy`, default "stop"). */
  readonly policy: FaultPolicy;
  /** Code address: the instruction fetch at every resume reads here. */
  readonly code: number;
  /** The stack block from the region manager: [base, top), guard at its bottom. */
  readonly stack: {
    /** Lowest address of the block: the stack guard ({@link GUARD_BYTES}) starts here. */
    readonly base: number;
    /** One past the block's highest byte: the initial SP. */
    readonly top: number;
    /** Block order: 2^order pages of the region manager. */
    readonly order: number;
  };
  /** The heap block (one MPU region) and its allocator behind the kernel's gate, or null. */
  heap: GatedHeap | null;
  /** Address of the task control block in kernel memory (see {@link TcbField}). */
  readonly tcb: number;
  /** The task's MPU grants (stack, heap, partitions, devices), as asked of the MPU driver. */
  grants: TaskGrant[];
  /** The task's MPU configuration, laid out by the driver (which region realises which grant). */
  plan: MpuPlan;
  /** The context the task's code is given (its memory accesses, SP, PC, syscall helpers). */
  readonly ctx: TaskContext;
  /** Its faults' records, the first `FAULT_LIMIT` (1,000) (every restart keeps them). */
  readonly faults: FaultRecord[];
  /** Faults so far, the ones whose records were not kept included. */
  faultCount: number;
  /** Lines written to the UART or printed, the first `OUTPUT_LIMIT` (100,000). */
  readonly output: string[];
  /** Lines written so far, the ones not kept included. */
  outputLines: number;
  /** Simulated exception frame words last stacked or unstacked (R0-R3, R12, LR, PC, xPSR). */
  frame: Uint32Array;
  /** Whether its exception frame is on its stack now (from its SVC entry until the return to it). */
  stacked: boolean;
  /** Address of that frame. */
  frameAt: number;
  /** The frame is an extended one (the task had an FP context): 72 more bytes reserved above the 8 words. */
  fpFrame: boolean;
  /** The extended frame's FP part was written (lazy state preservation at a switch-out). */
  fpStacked: boolean;
  /** Whether R4-R11 and EXC_RETURN are saved below the frame (switched out), their address in the TCB. */
  swSaved: boolean;
  /** True while a switch-in restores its context (a fault then means a corrupt saved SP). */
  restoring: boolean;
  /** Its exception paths' costs. */
  readonly timing: TaskCosts;
  /** Bytes currently allocated from the heap by the task (requested). */
  readonly heapInUse: number;
  /**
   * The most bytes the task has had allocated from its heap at once (requested sizes, so the
   * allocator's headers and rounding are not counted), over all its runs.
   */
  readonly heapPeak: number;
  /**
   * The task's live heap blocks (address -> requested size): the kernel's record, kept by the
   * heap's {@link HeapGate} (the task cannot write it).
   */
  readonly live: ReadonlyMap<number, number>;
  /**
   * The code of the task's `exit(code)` syscall (0 for `exit()`), or null: it has not called
   * `exit` (it returned, faulted, was stopped, or still runs). A restart clears it.
   */
  exitCode: number | null;
}

/** A heap over one block of pages (one MPU region) and its allocator: the kernel's own heap. */
export interface TaskHeap {
  /** The allocator kind ({@link HEAP_KINDS}). */
  readonly kind: HeapKind;
  /** Address of the block (aligned on its size). */
  readonly base: number;
  /** Bytes of the block: the requested heap size rounded up to 2^order pages. */
  readonly size: number;
  /** Block order: 2^order pages of the region manager. */
  readonly order: number;
  /** The allocator over the block (wrapped with redzones and a quarantine when the checker is on). */
  readonly allocator: TaskAllocator;
}

/**
 * A task's heap: its allocator is behind the kernel's {@link HeapGate} (run with the task's
 * privilege, pointers checked against the kernel's record of live blocks).
 */
export interface GatedHeap extends TaskHeap {
  /** The allocator behind the gate: every call runs with the task's privilege and MPU view. */
  readonly allocator: HeapGate;
}

/**
 * A {@link KTask}'s fields as the kernel creates them: all but `heapInUse` and `heapPeak` (read
 * from its live blocks) and the actor tags (made from its id).
 */
export type TaskRecordInit = Omit<KTask, "heapInUse" | "heapPeak" | "kernelActor" | "userActor">;

/**
 * The kernel's record of a task ({@link KTask}) as an instance of one class: every record has the
 * same fields in the same order, so V8 gives them one shape and the switch path's field reads
 * (about forty per context switch: docs/timing.md lists the steps) are plain loads. An object
 * literal with a getter (`heapInUse`) would be a dictionary-mode object, each read a hash lookup.
 */
export class TaskRecord implements KTask {
  // `declare`d: assigned once in the constructor, never first defined as `undefined` (see the
  // note on hw's AccessPath: a field first seen undefined keeps its numbers tagged).
  declare readonly id: number;
  declare readonly kernelActor: number;
  declare readonly userActor: number;
  declare readonly name: string;
  declare readonly spec: TaskSpec;
  declare privileged: boolean;
  declare readonly priority: number;
  declare readonly watchdogCycles: number;
  declare readonly policy: FaultPolicy;
  declare readonly code: number;
  declare readonly stack: { readonly base: number; readonly top: number; readonly order: number };
  declare heap: GatedHeap | null;
  declare readonly tcb: number;
  declare grants: TaskGrant[];
  declare plan: MpuPlan;
  declare readonly ctx: TaskContext;
  declare readonly faults: FaultRecord[];
  declare faultCount: number;
  declare readonly output: string[];
  declare outputLines: number;
  declare frame: Uint32Array;
  declare stacked: boolean;
  declare frameAt: number;
  declare fpFrame: boolean;
  declare fpStacked: boolean;
  declare swSaved: boolean;
  declare restoring: boolean;
  declare readonly timing: TaskCosts;
  declare readonly live: ReadonlyMap<number, number>;
  declare exitCode: number | null;
  /** The heap's live blocks (kept by its gate): what `heapInUse` reads. */
  readonly #inUse: { readonly inUse: number; readonly peak: number };

  /** `inUse`: the record of the task's live heap blocks (`heapInUse` is its `inUse`). */
  constructor(init: TaskRecordInit, inUse: { readonly inUse: number; readonly peak: number }) {
    this.id = init.id;
    // Made once: the context switch sets them at every switch (makeActor's imports are checked at each call).
    this.kernelActor = makeActor(ActorMode.Kernel, init.id);
    this.userActor = makeActor(ActorMode.User, init.id);
    this.name = init.name;
    this.spec = init.spec;
    this.privileged = init.privileged;
    this.priority = init.priority;
    this.watchdogCycles = init.watchdogCycles;
    this.policy = init.policy;
    this.code = init.code;
    this.stack = init.stack;
    this.heap = init.heap;
    this.tcb = init.tcb;
    this.grants = init.grants;
    this.plan = init.plan;
    this.ctx = init.ctx;
    this.faults = init.faults;
    this.faultCount = init.faultCount;
    this.output = init.output;
    this.outputLines = init.outputLines;
    this.frame = init.frame;
    this.stacked = init.stacked;
    this.frameAt = init.frameAt;
    this.fpFrame = init.fpFrame;
    this.fpStacked = init.fpStacked;
    this.swSaved = init.swSaved;
    this.restoring = init.restoring;
    this.timing = init.timing;
    this.live = init.live;
    this.exitCode = init.exitCode;
    this.#inUse = inUse;
  }

  /** Bytes currently allocated from the heap by the task (requested). */
  get heapInUse(): number {
    return this.#inUse.inUse;
  }

  /** The most bytes allocated from the heap at once (requested), over all the task's runs. */
  get heapPeak(): number {
    return this.#inUse.peak;
  }
}
