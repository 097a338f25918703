/**
 * `@rtos-sim/kernel`: the composition. It boots a board (region manager over its RAM, a kernel
 * block privileged-only with the task control blocks, semaphores and message queues, simulated
 * devices where the board's roles say (UART, GPIO, timer, sensor, actuator), the MPU on with the kernel's regions
 * highest-numbered), and runs tasks written as generators, each seeing only its own memory: its
 * stack (with a Zephyr-style guard), its heap (TLSF by default, first fit, or a slab array over a
 * nested region manager), the partitions and peripherals it was granted. Every switch stacks and
 * unstacks a real exception frame on the task's stack, keeps the saved SP in the task's TCB in
 * kernel memory, and reloads the task's cached MPU configuration (skipped when unchanged); every
 * syscall (typed per op: `yield* t.malloc(16)` is a number) is validated against the caller's
 * own view; a task's fault goes to its policy (stop, restart, restart up to N, panic) with a
 * Tock-style dump. See the README.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { bootKernel } from "@rtos-sim/kernel";
 * const k = bootKernel({ board: STM32F407, memcheck: true });
 * k.spawn({
 *   name: "hello",
 *   *main(t) {
 *     const p = yield* t.malloc(16);
 *     t.writeString(p, "hi\n");
 *     yield* t.print(p, 3);
 *     yield* t.free(p);
 *   },
 * });
 * k.run({ ms: 10 });
 * ```
 *
 * @packageDocumentation
 */
export { TIMEOUT } from "@rtos-sim/sched";
export type { AlarmSlot } from "./alarm-mux.js";
export { AlarmMux } from "./alarm-mux.js";
export type { AppCheck, AppDescription, AppRun, AppSession, RunAppOptions } from "./app.js";
export { defineApp, resolveBoard, runApp, startApp } from "./app.js";
export type { AppEnv, MemoryBlock, TaskAddresses } from "./app-env.js";
export { bootKernel } from "./boot.js";
export { checkBuffer } from "./buffer-check.js";
export type {
  FaultPolicy,
  KernelMemcheckOptions,
  KernelOptions,
  MutexSpec,
  PartitionSpec,
  QueueRight,
  QueueSpec,
  SemaphoreRight,
  SemaphoreSpec,
  TaskMain,
  TaskProgram,
  TaskSpec,
} from "./config.js";
export type { CallHost, Frame, FrameObserver, FrameOptions } from "./data/call-stack.js";
export { CALL_CYCLES, CallStack, localAddress, RETURN_CYCLES } from "./data/call-stack.js";
export { checkerFrameObserver, DEFAULT_STACK_REDZONE, resolveFrameOptions } from "./data/frame-options.js";
export type { FrameGap, FrameLayout, FrameSlot, FunctionOptions, FunctionType, LocalsOf } from "./data/frames.js";
export { fn, MAX_REDZONE, MAX_SAVED_REGISTERS } from "./data/frames.js";
export type { ViewMemory } from "./data/memory.js";
export type {
  ArrayView,
  CompositeArrayView,
  CompositeKeys,
  FieldLayout,
  FieldValue,
  ScalarArrayView,
  ScalarKeys,
  StructFields,
  StructType,
  StructView,
  ViewBase,
  ViewClass,
  ViewOf,
} from "./data/struct.js";
export { struct } from "./data/struct.js";
export type { ArrayType, FieldType, ScalarKind, ScalarType, StructTypeBase } from "./data/types.js";
export { array, f32, f64, i8, i16, i32, u8, u16, u32 } from "./data/types.js";
export { Actuator, ActuatorReg, actuatorDevice } from "./devices/actuator.js";
export type { KernelDevices } from "./devices/attach.js";
export { attachDevices } from "./devices/attach.js";
export { deviceAlarm } from "./devices/device-alarm.js";
export { Dma, DmaCr, DmaFlag, DmaReg, dmaStreamDevice } from "./devices/dma.js";
export type { DmaController, DmaControllerKind } from "./devices/dma-controller.js";
export { DMA_MODELS, dmaDevice, dmaKindOf } from "./devices/dma-controller.js";
export type { DmaCopyRequest, DmaDriver, DmaPort } from "./devices/dma-driver.js";
export { DMA_DRIVERS } from "./devices/dma-driver.js";
export type {
  DmaBeatError,
  DmaCopyPlan,
  DmaEngineEvents,
  DmaEnv,
  DmaGuard,
  DmaProgress,
  DmaRefusal,
} from "./devices/dma-engine.js";
export { DmaEngine, ringAddress, swapBytes } from "./devices/dma-engine.js";
export { DmaFrontEnd } from "./devices/dma-front-end.js";
export { Gpdma, GpdmaCr, GpdmaFlag, GpdmaReg, GpdmaTr1, GpdmaTr2, gpdmaDevice } from "./devices/gpdma.js";
export { Gpio, GpioReg, gpioDevice } from "./devices/gpio.js";
export type { DevicePlacement } from "./devices/placement.js";
export { DEVICE_GRANT_BYTES, placeDevices } from "./devices/placement.js";
export type { RpDmaCtrlFields, RpDmaVariant } from "./devices/rp2040-dma.js";
export { RP2040_DMA, Rp2040Dma, RpDma, RpDmaCtrl, RpDmaReg, rp2040DmaDevice } from "./devices/rp2040-dma.js";
export {
  RP2350_DMA,
  Rp2350Dma,
  Rp2350DmaCtrl,
  Rp2350DmaMpu,
  Rp2350DmaReg,
  Rp2350Seccfg,
  rp2350DmaDevice,
} from "./devices/rp2350-dma.js";
export { Sensor, SensorReg, sensorDevice } from "./devices/sensor.js";
export type { DeviceOf, DeviceRole } from "./devices/table.js";
export { DEVICE_ROLES, DEVICES, isDeviceRole } from "./devices/table.js";
export { Timer, TimerReg, timerDevice } from "./devices/timer.js";
export type { DeviceAlarm, DeviceEnv, DeviceKind } from "./devices/types.js";
export { UART_LINE_MAX, Uart, UartReg, uartDevice } from "./devices/uart.js";
export type { KernelErrorCode } from "./errors.js";
export { KernelError } from "./errors.js";
export type { KernelEvents, Stamp, Watched } from "./events.js";
export { KernelEmitter } from "./events.js";
export type { ClassifiedFault, FaultHandlerDeps } from "./fault-handler.js";
export {
  checkPolicy,
  classifyFault,
  type FaultContext,
  FaultHandler,
  policyAction,
  policyName,
} from "./fault-handler.js";
export type {
  DumpInput,
  FaultAction,
  FaultKind,
  FaultRecord,
  RecordDifference,
  StackLimitDifference,
} from "./fault-report.js";
export { decodeFault, formatFaultDump, formatRegion } from "./fault-report.js";
export { type FaultSiteOptions, faultSite, isSchedulerFrame } from "./fault-site.js";
export type { GatedTask } from "./heap-gate.js";
export { HeapGate, LiveBlocks } from "./heap-gate.js";
export { HeapBlockSource } from "./heaps/block-source.js";
export { firstFitHeap } from "./heaps/first-fit.js";
export { DEFAULT_SLAB_CLASSES, SLAB_PAGE_ORDER, slabArrayHeap, slabPageSource } from "./heaps/slab-array.js";
export type { HeapKind } from "./heaps/table.js";
export { HEAP_KIND_NAMES, HEAP_KINDS, isHeapKind } from "./heaps/table.js";
export { tlsfHeap } from "./heaps/tlsf.js";
export type { HeapAllocatorOptions, HeapBlock, HeapKindEntry, TaskAllocator } from "./heaps/types.js";
export type { KernelMemory } from "./ipc/kernel-memory.js";
export type { HandOff } from "./ipc/message-queue.js";
export { MessageQueue, QueueField, queueBlockBytes } from "./ipc/message-queue.js";
export { MUTEX_BYTES, MUTEX_WAIT_PREFIX, Mutex, MutexField, MutexFlag } from "./ipc/mutex.js";
export type { PriorityChange } from "./ipc/priority-inheritance.js";
export { PriorityInheritance } from "./ipc/priority-inheritance.js";
export { SEMAPHORE_BYTES, Semaphore, SemaphoreField } from "./ipc/semaphore.js";
export type { KernelRunResult, Partition } from "./kernel.js";
export { Kernel } from "./kernel.js";
export type { BoardLayout } from "./layout.js";
export { layoutBoard, orderFor } from "./layout.js";
export type { TaskLibc } from "./libc.js";
export { makeLibc } from "./libc.js";
export { detAtan, detAtan2 } from "./math/atan.js";
export { detCos, detSin } from "./math/sin-cos.js";
export { type MemoryOwners, whoseMemory } from "./memory-owner.js";
export type { MpuGrant, MpuPlan, PlanOwner } from "./mpu-plan.js";
export { MpuLoader, planMpu, replanGrant } from "./mpu-plan.js";
export type { StackUsage } from "./stack-usage.js";
export { STACK_FILL } from "./stack-usage.js";
export type { SwitcherDeps } from "./switcher.js";
export { ContextSwitcher, EXC_RETURN_THREAD_PSP, EXC_RETURN_THREAD_PSP_FP, FP_AREA_BYTES } from "./switcher.js";
export { handleSyscall } from "./syscall-handler.js";
export type {
  KernelSyscallOp,
  SchedulerOp,
  Suspended,
  SyscallContext,
  SyscallHandler,
  Untrusted,
} from "./syscall-handlers/context.js";
export { SUSPENDED } from "./syscall-handlers/context.js";
export { SCHEDULER_OPS, SYSCALL_HANDLERS, SYSCALL_OPS } from "./syscall-handlers/table.js";
export type {
  Delay,
  ErrnoOf,
  NoFields,
  Syscall,
  SyscallCall,
  SyscallOf,
  SyscallOp,
  SyscallRequests,
  SyscallResult,
  SyscallResults,
  TaskInfo,
  Timeout,
} from "./syscalls.js";
export { Errno, sys, syscall } from "./syscalls.js";
export { TaskContext } from "./task-context.js";
export type { TaskHeapOptions } from "./task-heap.js";
export { makeTaskHeap } from "./task-heap.js";
export { FAULT_LIMIT, OUTPUT_LIMIT } from "./task-log.js";
export type { GatedHeap, KTask, TaskCosts, TaskHeap } from "./task-record.js";
export {
  CODE_REGION_BYTES,
  CONTROL_PRIVILEGED,
  CONTROL_UNPRIVILEGED,
  GUARD_BYTES,
  TcbField,
  tcbBytes,
} from "./task-record.js";
export type { GrantedPartition, PartitionBlock, SpecContext, TaskGrant } from "./task-spec.js";
export { checkSpec, delayTicks, MAX_TASKS, partitionGrant, taskGrants } from "./task-spec.js";
export type { TickInterruptDeps, TickTime } from "./tick-interrupt.js";
export { isTickStackingFault, TickInterrupt } from "./tick-interrupt.js";
export {
  CpuTiming,
  HANDLER_OFFSET,
  LAZY_FP_WORDS,
  SAVED_CORE_WORDS,
  SAVED_FP_WORDS,
} from "./timing/cpu-timing.js";
export type { JobRecord, JobStats } from "./timing/jobs.js";
export { JobTracker } from "./timing/jobs.js";
export type { KernelCosts } from "./timing/kernel-costs.js";
export { KERNEL_COSTS } from "./timing/kernel-costs.js";
export { WATCHDOG_TICKS, Watchdog } from "./watchdog.js";
