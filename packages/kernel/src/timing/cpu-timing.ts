import {
  BASIC_FRAME_WORDS,
  type Board,
  CORE_PROFILES,
  EXCEPTION_LATENCY,
  exceptionEntryCycles,
  exceptionReturnCycles,
  waitStatesAt,
} from "@rtos-sim/hw";
import type { BoardLayout } from "../layout.js";
import type { KernelCosts } from "./kernel-costs.js";

/** Registers PendSV saves below the exception frame: R4-R11 and EXC_RETURN (LR). */
export const SAVED_CORE_WORDS = 9;
/** FP registers PendSV saves for a task with an FP context: S16-S31. */
export const SAVED_FP_WORDS = 16;
/** FP words lazy state preservation writes into the extended frame: S0-S15 and FPSCR. */
export const LAZY_FP_WORDS = 17;
/** Cycles of a MOVS of an immediate (the region number PMSAv8's RNR is written with). */
export const MOVS_CYCLES = 1;
/** Cycles of an MSR to a special register (PSPLIM). */
export const MSR_CYCLES = 1;
/** Offset of the kernel's handlers (SVC, PendSV, SysTick) in its code memory: their first fetches. */
export const HANDLER_OFFSET = 0x200;

/**
 * The cycle costs of the kernel's exception paths on one board: the exception entries and
 * returns of `@rtos-sim/hw`'s timing model placed where this kernel keeps its vectors, handlers,
 * main stack and kernel memory, plus the software costs ({@link KernelCosts}). The parts the
 * simulation performs as real accesses (frame words, saved registers, TCB words) are charged by
 * the core per access; the methods here give what is left to charge with `core.charge`.
 */
export class CpuTiming {
  /** The board: its core's exception latencies and its memories' wait states. */
  readonly board: Board;
  /** The kernel's software costs in cycles (`KERNEL_COSTS` with `KernelOptions.costs` applied). */
  readonly costs: KernelCosts;
  /** Whether the core has an FPU (Cortex-M4 and M7 here): tasks using floats get an FP context. */
  readonly fpu: boolean;
  /** The vector table (VTOR: the start of code memory). */
  readonly vectorTable: number;
  /** The kernel's exception handlers (their first fetches). */
  readonly handlers: number;
  /** The main stack (MSP) the tick interrupt stacks on while the CPU idles. */
  readonly mainStack: number;
  /** Cycles of one access to kernel memory (the TCBs' region tables). */
  private readonly kernelCost: number;

  constructor(board: Board, layout: BoardLayout, mainStack: number, kernelMemory: number, costs: KernelCosts) {
    this.board = board;
    this.costs = costs;
    this.fpu = EXCEPTION_LATENCY[board.core].fpContext > 0;
    this.vectorTable = layout.code.base;
    this.handlers = layout.code.base + HANDLER_OFFSET;
    this.mainStack = mainStack;
    this.kernelCost = this.accessCost(kernelMemory);
  }

  /** Cycles of one access at `address` (1 + its memory's wait states). */
  accessCost(address: number): number {
    return 1 + waitStatesAt(this.board, address);
  }

  /** An exception entry stacking below `sp` (the whole latency, the 8 stacking stores included). */
  entry(sp: number): number {
    return exceptionEntryCycles(this.board, { stack: sp, vectorTable: this.vectorTable, handler: this.handlers });
  }

  /** What an SVC entry costs besides its 8 stacking stores: the rest of the latency and the dispatch. */
  svcEntryExtra(sp: number): number {
    return this.entry(sp) - BASIC_FRAME_WORDS * this.accessCost(sp) + this.costs.svcDispatch;
  }

  /**
   * What a fault exception taken from a task's code costs besides its 8 stacking stores (each
   * charged as an access): the rest of the entry latency, the frame pushed below `sp`. The same
   * figure as the SVC's entry without its dispatch: the fault's vector is in the same table and
   * its handler in the same code memory (docs/timing.md, "Faults").
   */
  faultEntryExtra(sp: number): number {
    return this.entry(sp) - BASIC_FRAME_WORDS * this.accessCost(sp);
  }

  /**
   * A fault taken inside the kernel's PendSV (its save or restore half): a nested exception
   * entry on the main stack, charged whole as the SysTick's entry from idle is.
   */
  nestedFaultEntry(): number {
    return this.entry(this.mainStack);
  }

  /** A pending exception taken straight after a return or in place of one (tail-chaining). */
  get tailChain(): number {
    return EXCEPTION_LATENCY[this.board.core].tailChain;
  }

  /**
   * What an exception return to `code` with its frame at `frame` costs besides the 8 unstacking
   * loads and the fetch at `code` (both charged per access): 1 cycle with the published figures.
   */
  returnExtra(frame: number, code: number): number {
    return (
      exceptionReturnCycles(this.board, { stack: frame, returnTo: code }) -
      BASIC_FRAME_WORDS * this.accessCost(frame) -
      this.accessCost(code)
    );
  }

  /**
   * The SysTick interrupt that wakes a task. From idle it switches out the idle loop: entry on the
   * main stack, the tick handler, the tail-chain into PendSV, the idle context's save and the
   * scheduler's pick (the woken task's restore follows at its switch-in). With a task running it
   * returns to it. A further wake at the same tick costs {@link KernelCosts.tickWakeMore}.
   */
  tickWake(fromIdle: boolean): number {
    const c = this.costs;
    const entry = this.entry(this.mainStack) + c.tickWake;
    if (!fromIdle) return entry + exceptionReturnCycles(this.board, { stack: this.mainStack, returnTo: this.handlers });
    const stack = this.accessCost(this.mainStack);
    const idleSave = SAVED_CORE_WORDS * stack + c.multipleTransfer + this.kernelCost + c.contextSave;
    return entry + EXCEPTION_LATENCY[this.board.core].tailChain + idleSave + c.schedule;
  }

  /**
   * Switching into the idle loop when the CPU passes to no task (after the last task's save and
   * the scheduler's pick, charged at its switch-out): PendSV's restore half for the idle context
   * on the main stack (the saved SP and CONTROL from the idle TCB, R4-R11 and EXC_RETURN loaded, the compare
   * that finds no MPU reload needed) and the exception return into the idle loop. It mirrors the
   * idle context's save that a wake from idle charges ({@link CpuTiming.tickWake}).
   */
  idleEntry(): number {
    const c = this.costs;
    const stack = this.accessCost(this.mainStack);
    const tcb = 2 * this.kernelCost + c.controlRestore; // the saved SP and CONTROL, then MSR CONTROL
    const restore = c.contextRestore + tcb + SAVED_CORE_WORDS * stack + c.multipleTransfer + c.mpuSkip;
    return restore + exceptionReturnCycles(this.board, { stack: this.mainStack, returnTo: this.handlers });
  }

  /**
   * Reloading `regions` MPU regions as FreeRTOS-MPU's PendSV does: per 4 regions an LDM of 8
   * words from the TCB's region table in kernel memory and an STM of them to the RBAR..RASR_A3
   * alias registers (1 cycle per PPB access). PMSAv8 (the driver writes as CMSIS's
   * `ARM_MPU_Load`) adds what its aliases need: MAIR0/1 (an LDM of 2 words and an STM of 2),
   * RNR before each group of 4 (MOVS and a store) and PSPLIM (a load from the TCB and an MSR).
   * ARMv6-M (PMSAv6, no alias registers): each region's pair is an LDM of 2 words from the TCB
   * and an STM of them to RBAR and RASR, which are adjacent (docs/timing.md).
   */
  mpuReload(regions: number): number {
    const m = this.costs.multipleTransfer;
    if (!CORE_PROFILES[this.board.core].mpuAliases) return regions * (m + 2 * this.kernelCost + m + 2);
    const chunks = Math.ceil(regions / 4);
    const pairs = chunks * (m + 8 * this.kernelCost + m + 8);
    if (this.board.mpuArchitecture !== "pmsav8") return pairs;
    const mair = m + 2 * this.kernelCost + m + 2;
    const rnr = chunks * (MOVS_CYCLES + 1);
    const psplim = this.kernelCost + MSR_CYCLES;
    return mair + pairs + rnr + psplim;
  }
}
