import { describe, expect, it } from "vitest";
import { coloursWanted, makeStyle, stripAnsi } from "./io.js";

describe("colours", () => {
  it("only on a terminal, without NO_COLOR, and not on a dumb terminal", () => {
    expect(coloursWanted(true, {})).toBe(true);
    expect(coloursWanted(false, {})).toBe(false);
    expect(coloursWanted(true, { NO_COLOR: "1" })).toBe(false);
    expect(coloursWanted(true, { NO_COLOR: "" })).toBe(true);
    expect(coloursWanted(true, { TERM: "dumb" })).toBe(false);
  });

  it("styles are identity when off and strip back to the text when on", () => {
    expect(makeStyle(false).red("x")).toBe("x");
    expect(makeStyle(true).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(stripAnsi(makeStyle(true).bold(makeStyle(true).green("ok")))).toBe("ok");
  });
});
