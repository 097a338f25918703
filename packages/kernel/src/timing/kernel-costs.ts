/**
 * Cycles the kernel's own code paths take besides the memory accesses the simulation makes for
 * them (the exception frames, the saved registers, the TCB words, all charged per access). The
 * figures stand for the instructions of a FreeRTOS-style Cortex-M port and scheduler, and are
 * calibrated so that on a zero-wait-state Cortex-M4 (the MPS2-AN386) the kernel's switches cost
 * what FreeRTOS 10.3 measured on a Cortex-M4F: about 201 cycles for a cooperative switch and 377
 * for a preemptive one, before the MPU reload (see docs/timing.md for the sums).
 */
export interface KernelCosts {
  /** SVC handler: read the SVC number, find and enter the syscall, return (every syscall). */
  readonly svcDispatch: number;
  /** PendSV's save half besides its stores: MRS PSP, ISB, TST LR, literal loads, BASEPRI writes. */
  readonly contextSave: number;
  /** The scheduler's pick (vTaskSwitchContext): highest ready priority, current TCB, stack check. */
  readonly schedule: number;
  /** PendSV's restore half besides its loads: literal loads, MSR PSP, ISB, BX LR. */
  readonly contextRestore: number;
  /** SysTick handler waking a task: tick count, delayed-list walk, move to the ready list, pend PendSV. */
  readonly tickWake: number;
  /** Each further task the same tick wakes (one more list move). */
  readonly tickWakeMore: number;
  /**
   * SysTick handler that wakes nothing (taken while a task runs; idle is tickless): BASEPRI
   * raised and lowered, `xTaskIncrementTick`'s tick count and its compare with the next unblock
   * time, no PendSV.
   */
  readonly tickIdle: number;
  /** A switch-in whose MPU plan is already loaded: compare and skip the reload. */
  readonly mpuSkip: number;
  /**
   * A switch-in's `MSR CONTROL`: the task's privilege, from the CONTROL word of its TCB (an MPU
   * port's step, as FreeRTOS-MPU restores CONTROL at every switch; the word's load is charged as
   * an access).
   */
  readonly controlRestore: number;
  /** Extra cycles of an LDM/STM/VLDM/VSTM besides one per word transferred (1 + N on Cortex-M3/M4). */
  readonly multipleTransfer: number;
  /**
   * The fault handler's own work besides its fault status register accesses (every fault the
   * kernel handles, found by the hardware or by its own checks): which exception and which bits,
   * the fault's record, the task's policy (out of the ready and delayed lists, or back to the
   * ready list for a restart) and pending PendSV. A project choice, not a measurement (docs/timing.md, "Faults").
   */
  readonly faultHandler: number;
}

/**
 * The calibrated costs. A cooperative switch on the MPS2-AN386 adds up to
 * 12 (SVC entry) + 19 (SVC dispatch) + 6 (the SVC's return tail-chained into PendSV) + 23 (save:
 * 9 stores, STM, TCB store, 12) + 108 (schedule) + 23 (restore: 12, TCB load, 9 loads, LDM) + 10
 * (exception return) = 201; a switch to a task
 * woken by SysTick from idle to 12 (SysTick entry) + 195 (tick handler) + 6 (tail-chain into
 * PendSV) + 23 (the idle context's save) + 108 + 23 + 10 = 377. An MPU port's steps come on
 * top: the MPU reload (or `mpuSkip`) and the task's CONTROL (its load from the TCB and
 * `controlRestore`).
 */
export const KERNEL_COSTS: KernelCosts = Object.freeze({
  svcDispatch: 19,
  contextSave: 12,
  schedule: 108,
  contextRestore: 12,
  tickWake: 195,
  tickWakeMore: 40,
  tickIdle: 48,
  mpuSkip: 2,
  controlRestore: 1,
  multipleTransfer: 1,
  faultHandler: 120,
});
