import { describe, expect, it } from "vitest";
import { COMMANDS } from "./cli.js";
import type { CommandSpec } from "./command.js";
import { commandHelp } from "./help.js";

const spec: CommandSpec = {
  name: "demo",
  summary: "a test command",
  usage: "demo [--flag]",
  description: ["First paragraph, its first line", "and its second.", "", "Second paragraph."],
  minPositionals: 0,
  maxPositionals: 0,
  options: { flag: { type: "boolean", description: "a flag" } },
  examples: ["rtos-sim demo"],
  run: () => 0,
};

describe("commandHelp", () => {
  it("prints the description's lines as they are, a blank line only between paragraphs and before Options", () => {
    const lines = commandHelp(spec).split("\n");
    const at = lines.indexOf("First paragraph, its first line");
    expect(lines.slice(at - 2, at + 6)).toEqual([
      "Usage: rtos-sim demo [--flag]",
      "",
      "First paragraph, its first line",
      "and its second.",
      "",
      "Second paragraph.",
      "",
      "Options:",
    ]);
  });

  it.each(COMMANDS)(
    "$name: no description line is wider than 100 columns, none starts or ends a paragraph blank",
    (c) => {
      const d = c.description;
      expect(d.filter((l) => l.length > 100)).toEqual([]);
      expect([d[0], d.at(-1)]).not.toContain("");
      expect(d.some((l, i) => l === "" && d[i + 1] === "")).toBe(false);
    },
  );
});
