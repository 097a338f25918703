/**
 * `@rtos-sim/cli`: the `rtos-sim` command line and the run outputs.
 *
 * - {@link runCli} runs the command line (`run`, `apps`, `boards`, `map`) and returns the exit
 *   code ({@link ExitCode}); errors are one line on stderr, typed as {@link CliError}.
 * - Apps come from `@rtos-sim/apps`: the built-in ones from its registry (`APPS`), user files
 *   (`rtos-sim run ./my-app.ts`) through {@link loadAppFile}, which accepts a machine app
 *   (`{ name, summary, run(ctx) }`) or a kernel app description.
 * - A run ends as the plain `RunResult` of `@rtos-sim/apps`: what `--json` prints, and what
 *   {@link buildTrace} (Chrome trace-event format) and {@link renderReport} (self-contained
 *   HTML) are made from.
 *
 * @example
 * ```ts
 * import { runCli } from "@rtos-sim/cli";
 * const code = await runCli(["run", "mpu-demo", "--board", "stm32h743", "--json"]); // the report as JSON on stdout
 * console.log(code); // 0
 * ```
 *
 * @packageDocumentation
 */
export type { ResolvedApp } from "./apps/loader.js";
export { APP_FILE_EXTENSIONS, loadAppFile, looksLikeFile, resolveApp } from "./apps/loader.js";
export { COMMANDS, runCli } from "./cli/cli.js";
export type { CommandContext, CommandSpec, OptionSpec, ParsedCommand } from "./cli/command.js";
export { COMMON_OPTIONS, parseCommand } from "./cli/command.js";
export type { CliErrorCode } from "./cli/errors.js";
export { CliError, exitCodeFor } from "./cli/errors.js";
export { EXIT_CODE_HELP, ExitCode } from "./cli/exit-codes.js";
export type { Io, Style } from "./cli/io.js";
export { coloursWanted, makeStyle, nodeIo, stripAnsi } from "./cli/io.js";
export type { Column } from "./cli/table.js";
export { renderTable } from "./cli/table.js";
export { MAX_DURATION_MS, parseDuration, parseInteger, parseSeed } from "./cli/values.js";
export { formatFault, formatReport, formatSummary, mpuTable, SUMMARY_LIMIT } from "./output/human.js";
export type { TraceEvent, TraceFile } from "./output/trace.js";
export { buildTrace, TRACE_PID } from "./output/trace.js";
export { renderReport } from "./report/html.js";
