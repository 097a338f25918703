import { describe, expect, it } from "vitest";
import { runCommand } from "../commands/run.js";
import { editDistance, suggestOption } from "./suggest.js";

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect([
      editDistance("", ""),
      editDistance("json", "jsn"),
      editDistance("seed", "sede"),
      editDistance("a", "xyz"),
    ]).toEqual([0, 1, 2, 3]);
  });
});

describe("suggestOption", () => {
  const run = runCommand.options;

  it("a misspelt option: the one within two edits", () => {
    expect(suggestOption("--memchek", run)).toBe("--memcheck");
    expect(suggestOption("--jsn", run)).toBe("--json");
    expect(suggestOption("--bord", run)).toBe("--board");
  });

  it("a word of one option's help text: --html is --report (a self-contained HTML report)", () => {
    expect(suggestOption("--html", run)).toBe("--report");
    expect(suggestOption("--HTML", run)).toBe("--report");
  });

  it("nothing when no option is close, the word is in several options' help or too short, or it is not a long option", () => {
    expect(suggestOption("--frobnicate", run)).toBeNull();
    expect(suggestOption("--the", run)).toBeNull(); // in more than one help line
    expect(suggestOption("--ab", run)).toBeNull();
    expect(suggestOption("-x", run)).toBeNull();
    expect(suggestOption("-5", run)).toBeNull();
  });
});
