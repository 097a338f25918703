import { describe, expect, it } from "vitest";
import { defineMachineApp, machineAppProblems } from "./machine-app.js";

describe("machineAppProblems", () => {
  it("accepts a complete app", () => {
    expect(machineAppProblems(defineMachineApp({ name: "my-app2", summary: "s", run() {} }))).toEqual([]);
    expect(
      machineAppProblems({ name: "a", summary: "s", run() {}, defaultBoard: "stm32f407", defaultDurationMs: 5 }),
    ).toEqual([]);
  });

  it("names every bad field", () => {
    expect(machineAppProblems(null)).toEqual(["the app must be an object"]);
    expect(
      machineAppProblems({ name: "My App", summary: 3, run: "no", defaultBoard: 7, defaultDurationMs: 0 }),
    ).toEqual([
      'name must be lower-case letters, digits and dashes (e.g. "my-app")',
      "summary must be a non-empty string",
      "run must be a function run(ctx)",
      "defaultBoard must be a string",
      "defaultDurationMs must be a number of milliseconds in (0, 3600000]",
    ]);
  });
});
