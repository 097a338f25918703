import { formatBytes, formatHz } from "@rtos-sim/apps";
import { BOARDS, pmsaName } from "@rtos-sim/hw";
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/exit-codes.js";
import { renderTable } from "../cli/table.js";
import { JSON_OPTION, jsonText, totalOf } from "./shared.js";

/** `rtos-sim boards`: the built-in boards. */
export const boardsCommand: CommandSpec = {
  name: "boards",
  summary: "list the built-in boards (core, clock, MPU architecture and regions, RAM, flash)",
  usage: "boards [--json]",
  description: [
    "Lists every built-in board with its aliases, CPU core, core clock, MPU architecture (PMSAv6 on",
    "the ARMv6-M Cortex-M0+, PMSAv7 on ARMv7-M cores, PMSAv8 on ARMv8-M cores) and number of MPU",
    "regions, total RAM and total flash.",
    "Any name or alias works with --board and with rtos-sim map.",
  ],
  minPositionals: 0,
  maxPositionals: 0,
  options: { json: JSON_OPTION },
  examples: ["rtos-sim boards", "rtos-sim boards --json"],
  run({ io, values, style }) {
    if (values.json) {
      io.out(
        jsonText(
          BOARDS.map((b) => ({
            name: b.name,
            aliases: b.aliases,
            description: b.description,
            core: b.core,
            clockHz: b.clockHz,
            mpuArchitecture: b.mpuArchitecture,
            pmsa: pmsaName(b.core),
            mpuRegions: b.mpuRegions,
            ramBytes: totalOf(b, "ram"),
            flashBytes: totalOf(b, "flash"),
          })),
        ),
      );
      return ExitCode.Ok;
    }
    const rows = BOARDS.map((b) => [
      style.bold(b.name),
      b.aliases.join(", "),
      b.core,
      formatHz(b.clockHz),
      pmsaName(b.core),
      String(b.mpuRegions),
      formatBytes(totalOf(b, "ram")),
      formatBytes(totalOf(b, "flash")),
    ]);
    io.out(
      renderTable(
        [
          { header: "board" },
          { header: "aliases" },
          { header: "core" },
          { header: "clock", align: "right" },
          { header: "MPU" },
          { header: "MPU regions", align: "right" },
          { header: "RAM", align: "right" },
          { header: "flash", align: "right" },
        ],
        rows,
      ),
    );
    return ExitCode.Ok;
  },
};
