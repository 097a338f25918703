import { describe, expect, it } from "vitest";
import { appProblems, defineApp } from "./types.js";

describe("appProblems", () => {
  it("accepts a complete app", () => {
    expect(appProblems(defineApp({ name: "my-app2", summary: "s", run() {} }))).toEqual([]);
    expect(appProblems({ name: "a", summary: "s", run() {}, defaultBoard: "stm32f407", defaultDurationMs: 5 })).toEqual(
      [],
    );
  });

  it("names every bad field", () => {
    expect(appProblems(null)).toEqual(["the app must be an object"]);
    expect(appProblems({ name: "My App", summary: 3, run: "no", defaultBoard: 7, defaultDurationMs: 0 })).toEqual([
      'name must be lower-case letters, digits and dashes (e.g. "my-app")',
      "summary must be a non-empty string",
      "run must be a function run(ctx)",
      "defaultBoard must be a string",
      "defaultDurationMs must be a number of milliseconds in (0, 3600000]",
    ]);
  });
});
