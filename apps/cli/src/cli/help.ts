import { readFileSync } from "node:fs";
import { COMMON_OPTIONS, type CommandSpec, type OptionSpec } from "./command.js";
import { EXIT_CODE_HELP } from "./exit-codes.js";

/** The CLI's version, from its package.json ("0.0.0" if unreadable). */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    if (typeof pkg.version === "string") return pkg.version;
  } catch {
    // dist/main.js sits one level higher than src/cli/help.ts
  }
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    if (typeof pkg.version === "string") return pkg.version;
  } catch {
    // fall through
  }
  return "0.0.0";
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const entries = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(...entries.map(([f]) => f.length));
  return entries.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

function exitCodeLines(): string[] {
  return EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`);
}

/** The help of one command (`rtos-sim <command> --help`). */
export function commandHelp(spec: CommandSpec): string {
  const lines = [
    `rtos-sim ${spec.name}: ${spec.summary}`,
    "",
    `Usage: rtos-sim ${spec.usage}`,
    "",
    ...spec.description,
    ...(spec.description.length > 0 ? [""] : []),
    "Options:",
    ...optionLines({ ...spec.options, ...COMMON_OPTIONS }),
    "",
    "Examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
    "Exit codes:",
    ...exitCodeLines(),
  ];
  return `${lines.join("\n")}\n`;
}

/** The main help (`rtos-sim --help`). */
export function mainHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    `rtos-sim ${cliVersion()}: a small RTOS on simulated MMU-less Cortex-M microcontrollers`,
    "(memory maps, the PMSAv7 and PMSAv8 MPUs, faults, allocators, a memory checker).",
    "",
    "Usage: rtos-sim <command> [arguments] [options]",
    "       rtos-sim <command> --help",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${"help".padEnd(width)}  show the help of a command (rtos-sim help run)`,
    "",
    "Options (every command):",
    ...optionLines(COMMON_OPTIONS),
    "",
    "Examples:",
    "  rtos-sim run                       run the default app on its default board",
    "  rtos-sim run --board stm32h743 --json > run.json",
    "  rtos-sim run ./my-app.ts --trace trace.json --report report.html",
    "  rtos-sim boards",
    "  rtos-sim map stm32f407",
    "",
    "Exit codes:",
    ...exitCodeLines(),
    "",
    "Environment: NO_COLOR=1 turns colours off (colours are only used on a terminal).",
    "Errors are one line on standard error; --debug adds the stack trace.",
  ];
  return `${lines.join("\n")}\n`;
}
