import { SimError } from "@rtos-sim/hw";

/**
 * Error codes raised by `@rtos-sim/kernel`:
 * - `BAD_TASK`: a task description is wrong (the field is named; so is a field `TaskSpec` lacks:
 *   a misspelling is not dropped in silence); nothing was created.
 * - `DUPLICATE_TASK`: a task of that name exists.
 * - `UNKNOWN_PARTITION` / `UNKNOWN_DEVICE`: a task names a partition or device role the kernel or board lacks.
 * - `UNKNOWN_TASK`: an app asks where a task lies (`AppEnv.task`) that the kernel lacks, or a kernel
 *   method that takes a task (`stackUsage`, `taskTiming`, `grant`, ...) is given another kernel's.
 * - `CODE_NOT_GRANTED`: a task's code address lies outside the code it may be granted (outside the
 *   code memory, or in another task's code region).
 * - `UNKNOWN_QUEUE` / `UNKNOWN_SEMAPHORE` / `UNKNOWN_MUTEX`: a task's IPC rights name a queue,
 *   semaphore or mutex the kernel lacks.
 * - `MPU_REGIONS_EXHAUSTED`: the task's stack, guard, heap, partitions and devices need more MPU
 *   regions than the kernel leaves (at spawn, or at a run-time grant: the syscall returns ENOSPC).
 * - `OUT_OF_MEMORY`: no pages for a stack, heap, partition, queue or task control block.
 * - `BAD_SYSCALL`: a task yielded an unknown op.
 * - `BAD_ARGUMENT`: a syscall field is missing, of the wrong type or out of range (nothing changed).
 * - `BAD_POINTER`: a syscall buffer the caller could not access itself (nothing touched).
 * - `NOT_OWNER`: a task unlocked a mutex it does not own (the caller faults; nothing changed).
 * - `BAD_CONFIG`: a kernel option, partition, semaphore, mutex, queue or app description is wrong.
 * - `WATCHDOG`: a task ran past its cycle budget without giving up the CPU.
 * - `STACK_OVERFLOW`: the context a switch saves below a task's frame would reach its stack guard.
 * - `CALL_FRAME`: a call frame left out of order, or a saved return address found changed at return.
 * - `BAD_LAYOUT`: a struct, array or function frame declared wrong (a bad field name, type or length).
 * - `PANIC`: a task's fault policy panicked the system.
 */
export type KernelErrorCode =
  | "BAD_TASK"
  | "DUPLICATE_TASK"
  | "UNKNOWN_PARTITION"
  | "UNKNOWN_DEVICE"
  | "UNKNOWN_TASK"
  | "CODE_NOT_GRANTED"
  | "UNKNOWN_QUEUE"
  | "UNKNOWN_SEMAPHORE"
  | "UNKNOWN_MUTEX"
  | "MPU_REGIONS_EXHAUSTED"
  | "OUT_OF_MEMORY"
  | "BAD_SYSCALL"
  | "BAD_ARGUMENT"
  | "BAD_POINTER"
  | "NOT_OWNER"
  | "BAD_CONFIG"
  | "WATCHDOG"
  | "STACK_OVERFLOW"
  | "CALL_FRAME"
  | "BAD_LAYOUT"
  | "PANIC";

/** A typed kernel error: bad task or partition description, exhausted MPU regions, bad syscall. */
export class KernelError extends SimError<KernelErrorCode> {
  constructor(code: KernelErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "KernelError";
  }
}
