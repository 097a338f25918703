/**
 * `@rtos-sim/cli`: the `rtos-sim` command line, the app registry and the run outputs.
 *
 * - {@link runCli} runs the command line (`run`, `apps`, `boards`, `map`) and returns the exit
 *   code ({@link ExitCode}); errors are one line on stderr, typed as {@link CliError}.
 * - Apps are modules exporting an {@link AppDescription} (`name`, `summary`, `run(ctx)`); the
 *   built-in ones are in {@link APPS}; `rtos-sim run ./my-app.ts` loads a user file
 *   ({@link loadAppFile}).
 * - A run fills a {@link RunRecorder} and ends as a plain {@link RunResult}: what `--json`
 *   prints, and what {@link buildTrace} (Chrome trace-event format) and {@link renderReport}
 *   (self-contained HTML) are made from.
 *
 * @example
 * ```ts
 * import { runCli } from "@rtos-sim/cli";
 * const code = await runCli(["run", "mpu-demo", "--board", "stm32h743", "--json"]);
 * ```
 *
 * @packageDocumentation
 */
export { APPS, DEFAULT_APP, findApp, mpuDemo } from "./apps/index.js";
export type { KernelAppExpectations } from "./apps/kernel-app.js";
export { faultFromKernel, fromKernelApp, isKernelApp, taskMpuRegions } from "./apps/kernel-app.js";
export type { ResolvedApp } from "./apps/loader.js";
export { APP_FILE_EXTENSIONS, loadAppFile, looksLikeFile, resolveApp } from "./apps/loader.js";
export type { AppContext, AppDescription, AppRunOptions, HwApi } from "./apps/types.js";
export { appProblems, defineApp } from "./apps/types.js";
export { COMMANDS, runCli } from "./cli/cli.js";
export type { CommandContext, CommandSpec, OptionSpec, ParsedCommand } from "./cli/command.js";
export { COMMON_OPTIONS, parseCommand } from "./cli/command.js";
export type { CliErrorCode } from "./cli/errors.js";
export { CliError, exitCodeFor } from "./cli/errors.js";
export { EXIT_CODE_HELP, ExitCode } from "./cli/exit-codes.js";
export { formatBytes, formatHz, formatShare, formatTime, hex32 } from "./cli/format.js";
export type { Io, Style } from "./cli/io.js";
export { coloursWanted, makeStyle, nodeIo, stripAnsi } from "./cli/io.js";
export type { Column } from "./cli/table.js";
export { renderTable } from "./cli/table.js";
export { MAX_DURATION_MS, parseDuration, parseInteger, parseSeed } from "./cli/values.js";
export { CFSR_MEANING, HFSR_MEANING } from "./output/cfsr.js";
export { formatFault, formatReport, formatSummary, mpuTable } from "./output/human.js";
export type { TraceEvent, TraceFile } from "./output/trace.js";
export { buildTrace, TRACE_PID } from "./output/trace.js";
export { renderReport } from "./report/html.js";
export type { PreparedRun } from "./run/context.js";
export { finishRun, prepareRun } from "./run/context.js";
export { checkerReportFrom, recordCheckerReports, WARNING_KINDS } from "./run/memcheck-report.js";
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
