/**
 * `@rtos-sim/apps`: the simulated apps of rtos-sim, their registry, and the run harness that
 * turns a run of any app into a plain {@link RunResult}.
 *
 * Kernel apps, each an `AppDescription` of `@rtos-sim/kernel` (made with `defineApp`) that
 * `runApp` (or `rtos-sim run <name>`) boots and runs on a board (STM32F407 by default):
 *
 * - {@link flight} (the default): a small UAV flight controller: IMU -> sample ring ->
 *   fixed-point complementary filter -> motor mixer -> actuator, telemetry on the UART with log
 *   records from a slab.
 * - {@link isolation}: `flight` plus a rogue task whose nine attacks are each stopped with the
 *   fault decoded, and the flight outputs byte-identical to a clean run.
 * - {@link heapBugs}: the classic heap bugs, one per task, each reported by the memory checker.
 * - {@link allocStress}: tasks hammering TLSF, first-fit and slab-array allocators; fragmentation
 *   per heap and the region manager's page map over time.
 *
 * A hardware-level app, a {@link MachineApp} driving the machine with no kernel:
 * {@link mpuDemo}. {@link APPS} lists them all, tagged with their kind ({@link BuiltinApp}).
 *
 * A run: {@link prepareRun} makes the context (a fresh machine, a {@link RunRecorder}, the seeded
 * PRNG), the app's `run(ctx)` records into it ({@link runnableApp} adapts a kernel app through
 * {@link fromKernelApp}), {@link finishRun} gives the {@link RunResult} that `rtos-sim` prints
 * as JSON and renders as a trace and an HTML report.
 *
 * Every app is deterministic for a given seed.
 *
 * @example
 * ```ts
 * import { runApp } from "@rtos-sim/kernel";
 * import { flight } from "@rtos-sim/apps";
 * const run = runApp(flight, { seed: 1, durationMs: 500 });
 * console.log(run.kernel.task("telemetry")!.output.join("\n"));
 * for (const c of run.checks) console.log(c.ok ? "ok" : "FAIL", c.name, c.detail);
 * ```
 *
 * @packageDocumentation
 */
export type { RegionSample, StressResults, StressSample } from "./alloc-stress/app.js";
export {
  allocStress,
  allocStressChecks,
  allocStressResults,
  HEAP_TASKS,
  KMALLOC_PHASE_MS,
  KMALLOC_TASKS,
  SAMPLE_MS,
  STRESS_HEAP_BYTES,
} from "./alloc-stress/app.js";
export type { HeapShape } from "./alloc-stress/heap-walk.js";
export { walkHeap } from "./alloc-stress/heap-walk.js";
export type { WorkloadCounters } from "./alloc-stress/workload.js";
export { heapStress, kmallocStress, OPS_PER_SLICE, pickSize, SLOTS } from "./alloc-stress/workload.js";
export type { AppErrorCode } from "./errors.js";
export { AppError } from "./errors.js";
export type { FlightOutputs } from "./flight/app.js";
export { FLIGHT_KERNEL, flight, flightChecks, flightOutputs } from "./flight/app.js";
export {
  ATTITUDE,
  AttitudeLayout,
  FLIGHT_TASKS,
  IMU_PERIOD_MS,
  MOTORS,
  MotorsLayout,
  Priority,
  RING,
  RING_SLOTS,
  RingLayout,
  SAMPLES_PER_MIX,
  TELEMETRY_PERIOD_MS,
} from "./flight/layout.js";
export { LogRecord, logSlab, RECORD_BYTES, SLAB_BYTES } from "./flight/log-slab.js";
export { BLACK_BOX, flightTasks } from "./flight/tasks.js";
export type { HeapBug } from "./heap-bugs/app.js";
export { BUG_SPACING_MS, HEAP_BUGS, heapBugChecks, heapBugs } from "./heap-bugs/app.js";
export { describeFault, diffOutputs, isolation, isolationChecks, judgeAttempt } from "./isolation/app.js";
export type { Attempt, Expectation } from "./isolation/attempts.js";
export { ATTEMPTS, MPU_RASR, rogueTasks } from "./isolation/attempts.js";
export type { AppRunOptions, HwApi, MachineApp, MachineAppContext } from "./machine-app.js";
export { defineMachineApp, machineAppProblems } from "./machine-app.js";
export { mpuDemo } from "./mpu-demo/app.js";
export type { BuiltinApp } from "./registry.js";
export { APPS, DEFAULT_APP, findApp, runnableApp } from "./registry.js";
export type { PreparedRun } from "./run/context.js";
export { finishRun, prepareRun } from "./run/context.js";
export type { KernelAppExpectations } from "./run/kernel-app.js";
export { faultFromKernel, fromKernelApp, isKernelApp, kernelMpuRegions, taskMpuRegions } from "./run/kernel-app.js";
export { checkerReportFrom, leakSummaryFrom, recordCheckerReports, WARNING_KINDS } from "./run/memcheck-report.js";
export type { ManagedRegion } from "./run/page-maps.js";
export { bootPageMaps, pageMapFromRegionManager } from "./run/page-maps.js";
export type { FaultContext, FaultRegisters, RunListener } from "./run/recorder.js";
export { boardInfo, mpuRegionInfo, RunRecorder } from "./run/recorder.js";
export type {
  BoardInfo,
  CheckerReport,
  CheckResult,
  CounterSample,
  CounterSeries,
  FaultRecord,
  LeakCount,
  LeakSummaryInfo,
  MemoryRegionInfo,
  MpuRegionInfo,
  PageMapInfo,
  PageRun,
  PeripheralInfo,
  RunEvent,
  RunEventKind,
  RunOptionsInfo,
  RunResult,
  TaskResult,
  TaskSlice,
  TaskState,
  UartLine,
  Verdict,
} from "./run/result.js";
export { RUN_RESULT_SCHEMA } from "./run/result.js";
export { accelAngles, atan2Milli, complementary, formatMilliDeg, gyroDeltaMilli, isqrt } from "./shared/fixed-point.js";
export { formatBytes, formatHz, formatShare, formatTime, hex32 } from "./shared/format.js";
export { Prng } from "./shared/prng.js";
export type { ByteWriter } from "./shared/uart.js";
export { uartWrite } from "./shared/uart.js";
