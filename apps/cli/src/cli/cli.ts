import { appsCommand } from "../commands/apps.js";
import { boardsCommand } from "../commands/boards.js";
import { decodeCommand } from "../commands/decode/command.js";
import { mapCommand } from "../commands/map.js";
import { runCommand } from "../commands/run.js";
import { type CommandSpec, parseCommand } from "./command.js";
import { CliError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { cliVersion, commandHelp, mainHelp } from "./help.js";
import { coloursWanted, type Io, makeStyle, nodeIo } from "./io.js";
import { oneLine } from "./one-line.js";
import { editDistance } from "./suggest.js";

/** The commands of `rtos-sim`, in the order the help lists them. */
export const COMMANDS: readonly CommandSpec[] = [runCommand, appsCommand, boardsCommand, mapCommand, decodeCommand];

function unknownCommand(name: string): CliError {
  // `help` is a command too (the main help lists it), though it has no CommandSpec.
  const names = [...COMMANDS.map((c) => c.name), "help"];
  const close = names.find((c) => editDistance(c, name) <= 2);
  return new CliError(
    "USAGE_UNKNOWN_COMMAND",
    `unknown command ${JSON.stringify(name)}${close ? ` (did you mean "${close}"?)` : ""}; commands: ${names.join(", ")} (see rtos-sim --help)`,
    { command: name },
  );
}

function findCommand(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw unknownCommand(name);
  return spec;
}

async function dispatch(argv: readonly string[], io: Io, debug: boolean): Promise<number> {
  const at = argv.findIndex((a) => !a.startsWith("-"));
  const leading = at < 0 ? argv : argv.slice(0, at);
  for (const opt of leading) {
    if (opt !== "--help" && opt !== "-h" && opt !== "--version" && opt !== "-V" && opt !== "--debug") {
      throw new CliError(
        "USAGE_UNKNOWN_OPTION",
        `unknown option ${opt} (options go after the command; see rtos-sim --help)`,
        {
          option: opt,
        },
      );
    }
  }
  if (leading.includes("--version") || leading.includes("-V")) {
    io.out(`rtos-sim ${cliVersion()}\n`);
    return ExitCode.Ok;
  }
  if (at < 0) {
    io.out(mainHelp(COMMANDS));
    return ExitCode.Ok;
  }
  const name = argv[at]!;
  const rest = [...leading, ...argv.slice(at + 1)];
  if (name === "help") {
    // `rtos-sim help [command]`: one topic at most; of the options, only the global ones.
    const unknown = rest.find((a) => a.startsWith("-") && !["--help", "-h", "--debug"].includes(a));
    if (unknown !== undefined) {
      throw new CliError(
        "USAGE_UNKNOWN_OPTION",
        `unknown option ${unknown} for "rtos-sim help" (usage: rtos-sim help [command])`,
        {
          option: unknown,
        },
      );
    }
    const topics = rest.filter((a) => !a.startsWith("-"));
    if (topics.length > 1) {
      throw new CliError(
        "USAGE_EXTRA_ARGUMENT",
        `unexpected argument "${topics[1]}" for "rtos-sim help" (usage: rtos-sim help [command])`,
        { argument: topics[1] },
      );
    }
    // `rtos-sim help help`: the help of `help` is the main help, which explains it.
    io.out(topics[0] === undefined || topics[0] === "help" ? mainHelp(COMMANDS) : commandHelp(findCommand(topics[0])));
    return ExitCode.Ok;
  }
  // `rtos-sim -h run` is `rtos-sim run -h`: the command's help.
  if (leading.includes("--help") || leading.includes("-h")) {
    io.out(commandHelp(findCommand(name)));
    return ExitCode.Ok;
  }
  const spec = findCommand(name);
  const parsed = parseCommand(spec, rest);
  if (parsed.values.help) {
    io.out(commandHelp(spec));
    return ExitCode.Ok;
  }
  if (parsed.values.version) {
    io.out(`rtos-sim ${cliVersion()}\n`);
    return ExitCode.Ok;
  }
  const json = parsed.values.json === true;
  return spec.run({
    io,
    style: makeStyle(!json && coloursWanted(io.stdoutIsTTY, io.env)),
    errStyle: makeStyle(coloursWanted(io.stderrIsTTY, io.env)),
    values: parsed.values,
    positionals: parsed.positionals,
    order: parsed.order,
    debug,
  });
}

/**
 * Runs the `rtos-sim` command line and returns the exit code (see {@link ExitCode}); never
 * throws. Errors are one line on standard error (`rtos-sim <command>: <what>`); `--debug` adds
 * the stack trace.
 *
 * @example
 * <!-- check: typecheck-only (a program's main: it reads the process's arguments and sets its exit code) -->
 * ```ts
 * import { runCli } from "@rtos-sim/cli";
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(argv: readonly string[], io: Io = nodeIo()): Promise<number> {
  const debug = argv.includes("--debug");
  const err = makeStyle(coloursWanted(io.stderrIsTTY, io.env));
  try {
    return await dispatch(argv, io, debug);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`${err.red(`rtos-sim${e.command ? ` ${e.command}` : ""}:`)} ${oneLine(e.detail)}\n`);
      if (debug) {
        const inner = (e.context as { stack?: unknown }).stack;
        io.err(`${typeof inner === "string" ? inner : e.stack}\n`);
      }
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(
      `${err.red("rtos-sim: internal error:")} ${oneLine(message.split("\n")[0] ?? "")}${debug ? "" : " (a bug: rerun with --debug for the stack trace)"}\n`,
    );
    if (debug && e instanceof Error) io.err(`${e.stack}\n`);
    return ExitCode.Internal;
  }
}
