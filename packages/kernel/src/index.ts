/**
 * `@rtos-sim/kernel`: the composition. It boots a board (region manager over its RAM, a kernel
 * block privileged-only with the task control blocks and message queues, simulated UART, GPIO,
 * timer, sensor and actuator at the board's real addresses, the MPU on with the kernel's regions
 * highest-numbered), and runs tasks written as generators, each seeing only its own memory: its
 * stack (with a Zephyr-style guard), its heap (TLSF by default, first fit, or a slab array over a
 * nested region manager), the partitions and peripherals it was granted. Every switch stacks and
 * unstacks a real exception frame on the task's stack, keeps the saved SP in the task's TCB in
 * kernel memory, and reloads the task's cached MPU configuration (skipped when unchanged); every
 * syscall pointer is validated against the caller's own view; a task's fault goes to its policy
 * (stop, restart, restart up to N, panic) with a Tock-style dump. See the README.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { bootKernel, sys } from "@rtos-sim/kernel";
 * const k = bootKernel({ board: STM32F407, memcheck: true });
 * k.spawn({
 *   name: "hello",
 *   *main(t) {
 *     const p = (yield sys.malloc(16)) as number;
 *     t.writeString(p, "hi\n");
 *     yield sys.print(p, 3);
 *     yield sys.free(p);
 *   },
 * });
 * k.run({ ms: 10 });
 * ```
 *
 * @packageDocumentation
 */
export { TIMEOUT } from "@rtos-sim/sched";
export type { AppCheck, AppDescription, AppEnv, AppRun, AppSession, RunAppOptions } from "./app.js";
export { defineApp, resolveBoard, runApp, startApp } from "./app.js";
export { bootKernel } from "./boot.js";
export { checkBuffer } from "./buffer-check.js";
export type {
  FaultPolicy,
  KernelMemcheckOptions,
  KernelOptions,
  PartitionSpec,
  QueueSpec,
  SemaphoreSpec,
  TaskMain,
  TaskSpec,
} from "./config.js";
export { DEFAULT_SLAB_CLASSES, defaultHeapFactory } from "./default-heap.js";
export { Actuator, ActuatorReg } from "./devices/actuator.js";
export type { KernelDevices } from "./devices/attach.js";
export { attachDevices } from "./devices/attach.js";
export { Gpio, GpioReg } from "./devices/gpio.js";
export type { DevicePlacement, DeviceRole } from "./devices/map.js";
export { placeDevices } from "./devices/map.js";
export { Sensor, SensorReg } from "./devices/sensor.js";
export { Timer, TimerReg } from "./devices/timer.js";
export { Uart, UartReg } from "./devices/uart.js";
export type { KernelErrorCode } from "./errors.js";
export { KernelError } from "./errors.js";
export type { KernelEvents, Stamp, Watched } from "./events.js";
export { KernelEmitter } from "./events.js";
export type { ClassifiedFault, FaultHandlerDeps } from "./fault-handler.js";
export { checkPolicy, classifyFault, FaultHandler, policyAction, policyName } from "./fault-handler.js";
export type { DumpInput, FaultAction, FaultKind, FaultRecord } from "./fault-report.js";
export { decodeFault, formatFaultDump, formatRegion } from "./fault-report.js";
export { MessageQueue, Semaphore } from "./ipc.js";
export type { KernelDeps, KernelRunResult, Partition } from "./kernel.js";
export { Kernel } from "./kernel.js";
export type { BoardLayout } from "./layout.js";
export { layoutBoard, orderFor } from "./layout.js";
export type { MpuGrant, MpuPlan } from "./mpu-plan.js";
export { MpuLoader, planMpu, regionSizeFor } from "./mpu-plan.js";
export type { SwitcherDeps } from "./switcher.js";
export { ContextSwitcher } from "./switcher.js";
export { handleSyscall } from "./syscall-handler.js";
export type { Delay, Syscall, SyscallOp, TaskInfo } from "./syscalls.js";
export { Errno, sys } from "./syscalls.js";
export { TaskContext } from "./task-context.js";
export type { HeapFactory, HeapFactoryOptions, TaskAllocator, TaskHeapOptions } from "./task-heap.js";
export { HeapBlockSource, makeTaskHeap, SLAB_PAGE_ORDER, slabPageSource } from "./task-heap.js";
export type { HeapKind, KTask, TaskHeap } from "./task-record.js";
export { GUARD_BYTES, TCB_BYTES, TcbField } from "./task-record.js";
export type { PartitionBlock, SpecContext } from "./task-spec.js";
export { checkSpec, MAX_TASKS, partitionGrant, taskGrants } from "./task-spec.js";
export { WatchdogHook } from "./watchdog.js";
