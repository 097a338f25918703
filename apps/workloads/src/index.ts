/**
 * `@rtos-sim/apps`: the simulated apps of rtos-sim, their registry, and the run harness that
 * turns a run of any app into a plain {@link RunResult}.
 *
 * Kernel apps, each an `AppDescription` of `@rtos-sim/kernel` (made with `defineApp`) that
 * `runApp` (or `rtos-sim run <name>`) boots and runs on a board (STM32F407 by default):
 *
 * - {@link flight} (the default): a small UAV flight controller: IMU -> sample ring -> Kalman
 *   filter estimator -> motor mixer -> actuator, telemetry on the UART with log records from a
 *   slab.
 * - {@link isolation}: `flight` plus fourteen rogue tasks whose attacks (`ATTEMPTS`) are
 *   each stopped with the fault decoded or refused with an error code, and the flight outputs
 *   byte-identical to a clean run.
 * - {@link heapBugs}: the classic heap bugs, a stack buffer overflow and a stack use after
 *   return, one per task, each reported by the memory checker.
 * - {@link allocStress}: tasks hammering TLSF, first-fit and slab-array allocators; fragmentation
 *   per heap and the region manager's page map over time.
 * - {@link priorityInversion}: the classic three-task priority inversion (low holds a mutex,
 *   medium hogs the CPU, high waits), bounded by the kernel mutex's priority inheritance.
 * - {@link stackOverflow}: the ways a task's stack runs out: recursion into the guard, a SysTick's
 *   exception frame in a call that left too little room (with and without FP state), and a stack
 *   sized with that headroom.
 * - {@link dma}: what the MPU does not see: a task granted the DMA reads and rewrites another
 *   task's key, the kernel's checked `dma-copy`, memory no DMA reaches, a buffer freed while a
 *   transfer into it runs.
 *
 * A hardware-level app, a {@link MachineApp} driving the machine with no kernel:
 * {@link mpuDemo}. {@link APPS} lists them all, tagged with their kind ({@link BuiltinApp}).
 *
 * A run: {@link prepareRun} makes the context (a fresh machine, a {@link RunRecorder}, the seeded
 * PRNG), the app's `run(ctx)` records into it ({@link runnableApp} adapts a kernel app through
 * {@link fromKernelApp}), {@link finishRun} gives the {@link RunResult} that `rtos-sim` prints
 * as JSON and renders as a trace and an HTML report; {@link traceHash} is its stable hash. A
 * kernel app can also be run a few slices at a time ({@link startKernelApp}: the playground's
 * pause and step) and give the same result.
 *
 * Views shared by the HTML report and the playground (browser-safe strings): the task
 * timeline and counter plots as SVG ({@link timelineSvg}, {@link counterSvg}), the colours of
 * tasks and page owners ({@link ColourMap}), what each CFSR and HFSR bit means
 * ({@link CFSR_MEANING}).
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
export type { FragmentationPeak, RegionSample, StressResults, StressSample } from "./alloc-stress/app.js";
export {
  allocStress,
  allocStressChecks,
  allocStressResults,
  HEAP_TASKS,
  KMALLOC_PHASE_MS,
  KMALLOC_TASKS,
  SAMPLE_LIMIT,
  SAMPLE_MS,
  STRESS_HEAP_BYTES,
} from "./alloc-stress/app.js";
export type { HeapShape } from "./alloc-stress/heap-walk.js";
export { walkHeap } from "./alloc-stress/heap-walk.js";
export { SampleLog } from "./alloc-stress/sample-log.js";
export type { Kmalloc, WorkloadCounters } from "./alloc-stress/workload.js";
export { heapStress, kmallocStress, OPS_PER_SLICE, pickSize, SLOTS } from "./alloc-stress/workload.js";
export { appExportOf } from "./app-export.js";
export { AT_MS, dma, dmaChecks, dmaRegion, SECRET_BYTES, SLOPPY_BYTES, secretBytes, sloppyFrame } from "./dma/app.js";
export type { AppErrorCode } from "./errors.js";
export { AppError } from "./errors.js";
export type { FlightOutputs } from "./flight/app.js";
export { FLIGHT_KERNEL, flight, flightChecks, flightOutputs } from "./flight/app.js";
export type { EkfView } from "./flight/ekf.js";
export { ekfInit, ekfPredict, ekfUpdate, MAC_CYCLES, matMul, matMulTransposeAddDiag } from "./flight/ekf.js";
export type { EstimatorBug } from "./flight/estimator.js";
export { ACCEL_ANGLE_VARIANCE, AccelAngles, BUG_SAMPLE, EST_MAIN, estimator } from "./flight/estimator.js";
export type { ImuState } from "./flight/imu.js";
export { biquadInit, biquadStep, IMU_LPF_HZ, imuInit, imuReadFifo, lowPass } from "./flight/imu.js";
export {
  ATTITUDE,
  Attitude,
  Biquad,
  ekfStates,
  ekfType,
  FLIGHT_TASKS,
  IMU_DEADLINE_MS,
  IMU_FIFO,
  IMU_MAIN,
  IMU_PERIOD_MS,
  MIXER_DEADLINE_MS,
  MIXER_MAIN,
  MIXER_PERIOD_MS,
  MOTORS,
  Motors,
  milliDeg,
  Pid,
  Priority,
  RING,
  RING_BYTES,
  RING_SLOTS,
  Ring,
  Sample,
  SEM_SAMPLE,
  TELEMETRY_PERIOD_MS,
} from "./flight/layout.js";
export { LogRecord, logSlab, RECORD_BYTES, SLAB_BYTES } from "./flight/log-slab.js";
export type { MixerState } from "./flight/mixer.js";
export { DUTY_MAX, DUTY_MIN, HOVER, mixerInit, mixerRun, pidStep, SPIN_UP_RUNS } from "./flight/mixer.js";
export type { FlightOptions } from "./flight/tasks.js";
export { flightTasks } from "./flight/tasks.js";
export { BLACK_BOX, BlackBox, telemetry } from "./flight/telemetry.js";
export type { HeapBug } from "./heap-bugs/app.js";
export { BUG_SPACING_MS, HEAP_BUGS, heapBugChecks, heapBugs } from "./heap-bugs/app.js";
export {
  describeFault,
  diffOutputs,
  isolation,
  isolationChecks,
  isolationControl,
  judgeAttempt,
} from "./isolation/app.js";
export type { Attempt, Expectation } from "./isolation/attempts.js";
export { ATTEMPTS, attemptWhat, MPU_RASR, ROGUE_WATCHDOG_US, rogueTasks } from "./isolation/attempts.js";
export type { AppRunOptions, HwApi, MachineApp, MachineAppContext } from "./machine-app.js";
export { defineMachineApp, machineAppProblems } from "./machine-app.js";
export { mpuDemo } from "./mpu-demo/app.js";
export type { BusLock, ControlTiming } from "./priority-inversion/app.js";
export {
  CONTROL_BOUND_US,
  CONTROL_WORK_US,
  controlTiming,
  HOG_MS,
  inversionChecks,
  inversionTasks,
  observeInversion,
  PERIOD_MS,
  priorityInversion,
  priorityInversionWithSemaphore,
  SECTION_MS,
} from "./priority-inversion/app.js";
export type { BuiltinApp } from "./registry.js";
export { APPS, DEFAULT_APP, findApp, runnableApp } from "./registry.js";
export type { PreparedRun } from "./run/context.js";
export { finishRun, prepareRun, runOptionsInfo } from "./run/context.js";
export { faultAccess } from "./run/fault-access.js";
export { faultCause } from "./run/fault-cause.js";
export type { KernelAppExpectations, KernelAppRun } from "./run/kernel-app.js";
export {
  faultFromKernel,
  fromKernelApp,
  isKernelApp,
  kernelMpuRegions,
  startKernelApp,
  taskMpuRegions,
} from "./run/kernel-app.js";
export { checkerReportFrom, leakSummaryFrom, recordCheckerReports, WARNING_KINDS } from "./run/memcheck-report.js";
export type { ManagedRegion } from "./run/page-maps.js";
export { bootPageMaps, pageMapFromRegionManager } from "./run/page-maps.js";
export { FAULT_RECORD_LIMIT, RECORD_LIMIT, recordingSummary, SampleSeries } from "./run/record-limit.js";
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
  MemoryPeak,
  MemoryRegionInfo,
  MpuRegionInfo,
  MpuRegionRegisters,
  PageMapInfo,
  PageRun,
  PeripheralInfo,
  Pmsav7RegionRegisters,
  Pmsav8RegionRegisters,
  RecordingInfo,
  RunEvent,
  RunEventKind,
  RunOptionsInfo,
  RunResult,
  TaskResult,
  TaskSlice,
  TaskState,
  TaskTiming,
  UartLine,
  Verdict,
} from "./run/result.js";
export { RUN_RESULT_SCHEMA } from "./run/result.js";
export { traceHash } from "./run/trace-hash.js";
export { accelAngles, atan2Milli, complementary, formatMilliDeg, gyroDeltaMilli, isqrt } from "./shared/fixed-point.js";
export {
  formatAction,
  formatBytes,
  formatHz,
  formatPeak,
  formatShare,
  formatTime,
  HEADROOM_SHARE,
  hex32,
  isNearlyFull,
} from "./shared/format.js";
export { Prng } from "./shared/prng.js";
export type { ByteWriter } from "./shared/uart.js";
export { uartWrite } from "./shared/uart.js";
export type { StackScenario } from "./stack-overflow/app.js";
export {
  CYCLE_MS,
  DEPTH,
  GROWTH_JOBS,
  GROWTH_MS,
  LEAF_MS,
  PARSER_STEP,
  STACK_BYTES,
  STACK_SCENARIOS,
  stackChecks,
  stackOverflow,
  tickFrameBytes,
} from "./stack-overflow/app.js";
export { CFSR_MEANING, HFSR_MEANING } from "./view/cfsr.js";
export { ColourMap } from "./view/colours.js";
export { esc, scriptJson } from "./view/escape.js";
export {
  checkerReportHtml,
  codeHtml,
  faultHtml,
  GRID_PAGES,
  htmlTable,
  mpuRegionsHtml,
  numCell,
  pageMapHtml,
  taskTableHtml,
} from "./view/html.js";
export type { MpuRegionColumn, MpuRegionTable } from "./view/mpu-regions.js";
export { MPU_REGION_TABLES, mairName, mpuRegionCells, mpuRegionGroups } from "./view/mpu-regions.js";
export { counterSvg, niceTicks, PLOT_WIDTH, timelineSvg } from "./view/svg.js";
