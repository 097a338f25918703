import { APPS, DEFAULT_APP, runnableApp } from "@rtos-sim/apps";
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/exit-codes.js";
import { renderTable } from "../cli/table.js";
import { JSON_OPTION, jsonText } from "./shared.js";

/** `rtos-sim apps`: the built-in apps. */
export const appsCommand: CommandSpec = {
  name: "apps",
  summary: "list the built-in apps",
  usage: "apps [--json]",
  description: [
    `Lists the apps rtos-sim run knows by name; "${DEFAULT_APP}" runs when no app is given.`,
    "Your own app is a .ts or .js file: rtos-sim run ./my-app.ts (see the writing-an-app guide).",
  ],
  minPositionals: 0,
  maxPositionals: 0,
  options: { json: JSON_OPTION },
  examples: ["rtos-sim apps", "rtos-sim apps --json"],
  run({ io, values, style }) {
    const apps = APPS.map(runnableApp);
    if (values.json) {
      io.out(
        jsonText(
          apps.map((a) => ({
            name: a.name,
            summary: a.summary,
            default: a.name === DEFAULT_APP,
            defaultBoard: a.defaultBoard ?? "stm32f407",
            defaultDurationMs: a.defaultDurationMs ?? 1000,
            defaultMemcheck: a.defaultMemcheck ?? true,
          })),
        ),
      );
      return ExitCode.Ok;
    }
    const rows = apps.map((a) => [
      style.bold(a.name) + (a.name === DEFAULT_APP ? " (default)" : ""),
      a.defaultBoard ?? "stm32f407",
      `${a.defaultDurationMs ?? 1000} ms`,
      (a.defaultMemcheck ?? true) ? "on" : "off",
      a.summary,
    ]);
    io.out(
      renderTable(
        [
          { header: "app" },
          { header: "board" },
          { header: "duration", align: "right" },
          { header: "checker" },
          { header: "what it shows" },
        ],
        rows,
      ),
    );
    return ExitCode.Ok;
  },
};
