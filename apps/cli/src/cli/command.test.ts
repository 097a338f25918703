import { describe, expect, it } from "vitest";
import { type CommandSpec, parseCommand } from "./command.js";
import { CliError } from "./errors.js";

const spec: CommandSpec = {
  name: "demo",
  summary: "a test command",
  usage: "demo <thing> [--count N] [--flag]",
  description: [],
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    count: { type: "string", value: "N", description: "how many" },
    flag: { type: "boolean", description: "a flag" },
    "no-flag": { type: "boolean", description: "not a flag" },
  },
  examples: [],
  run: () => 0,
};

function error(argv: string[]): [string, string] {
  try {
    parseCommand(spec, argv);
  } catch (e) {
    if (e instanceof CliError) return [e.code, e.detail];
  }
  return ["none", ""];
}

describe("parseCommand", () => {
  it("returns values, positionals and the order of the options", () => {
    const p = parseCommand(spec, ["x", "--flag", "--count", "3", "--no-flag"]);
    expect(p.positionals).toEqual(["x"]);
    expect(p.values).toMatchObject({ flag: true, count: "3", "no-flag": true });
    expect(p.order).toEqual(["flag", "count", "no-flag"]);
  });

  it("takes a negative-looking value as the value of a string option, for its validator to judge", () => {
    expect(parseCommand(spec, ["x", "--count", "-5"]).values.count).toBe("-5");
    expect(parseCommand(spec, ["x", "--count", "-.5s"]).values.count).toBe("-.5s");
    expect(parseCommand(spec, ["x", "--count=-2", "--flag"]).values).toMatchObject({ count: "-2", flag: true });
    expect(parseCommand(spec, ["--", "-5"]).positionals).toEqual(["-5"]);
    expect(error(["x", "--flag", "-5"])).toEqual([
      "USAGE_UNKNOWN_OPTION",
      'unknown option -5 for "rtos-sim demo" (see rtos-sim demo --help; a negative number as an argument goes after "--")',
    ]);
    expect(error(["x", "--count", "--flag"])).toEqual(["USAGE_MISSING_ARGUMENT", "option --count needs a value"]);
  });

  it("lets --help and --version through without the positionals", () => {
    expect(parseCommand(spec, ["--help"]).values.help).toBe(true);
    expect(parseCommand(spec, ["-V"]).values.version).toBe(true);
  });

  it("names the option or argument at fault", () => {
    expect(error(["x", "--nope"])).toEqual([
      "USAGE_UNKNOWN_OPTION",
      'unknown option --nope for "rtos-sim demo" (see rtos-sim demo --help)',
    ]);
    expect(error(["x", "--cuont", "3"])).toEqual([
      "USAGE_UNKNOWN_OPTION",
      'unknown option --cuont for "rtos-sim demo" (did you mean --count?) (see rtos-sim demo --help)',
    ]);
    expect(error(["x", "--count"])).toEqual(["USAGE_MISSING_ARGUMENT", "option --count needs a value"]);
    expect(error(["x", "--flag=1"])).toEqual(["USAGE_BAD_VALUE", "option --flag takes no value"]);
    expect(error([])).toEqual([
      "USAGE_MISSING_ARGUMENT",
      'missing argument for "rtos-sim demo" (usage: rtos-sim demo <thing> [--count N] [--flag])',
    ]);
    expect(error(["x", "y"])).toEqual([
      "USAGE_EXTRA_ARGUMENT",
      'unexpected argument "y" for "rtos-sim demo" (usage: rtos-sim demo <thing> [--count N] [--flag])',
    ]);
  });
});
