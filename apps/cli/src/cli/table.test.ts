import { describe, expect, it } from "vitest";
import { makeStyle } from "./io.js";
import { renderTable } from "./table.js";

describe("renderTable", () => {
  it("pads columns, right-aligns numbers, rules the header", () => {
    expect(
      renderTable(
        [{ header: "region" }, { header: "size", align: "right" }],
        [
          ["Flash", "1 MiB"],
          ["OTP", "528 B"],
          ["SRAM1", "112 KiB"],
        ],
      ),
    ).toBe("region     size\n------  -------\nFlash     1 MiB\nOTP       528 B\nSRAM1   112 KiB\n");
  });

  it("measures cells without their colour codes", () => {
    const s = makeStyle(true);
    const text = renderTable([{ header: "a" }, { header: "b" }], [[s.red("xx"), "y"]]);
    expect(text.split("\n")[2]).toBe(`${s.red("xx")}  y`);
  });
});
