import { createMachine, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { RegionManager } from "./region-manager.js";

function sram1() {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x20000000, size: 0x1234, label: ".data+.bss" }],
  });
  rm.allocPages(0, { owner: "idle-stack", region: "SRAM1" }); // page 6
  rm.allocPages(3, { owner: "slab-64", region: "SRAM1" }); // pages 8..15
  rm.allocPages(1, { owner: "idle-stack", region: "SRAM1" }); // pages 16..17
  return { m, rm };
}

describe("page map", () => {
  it("shows one character per page with reserved, metadata, owners and free pages", () => {
    const { rm } = sram1();
    expect(rm.pageMap("SRAM1", { width: 32 })).toBe(
      [
        "SRAM1 [0x20000000, 0x2001c000) buddy, 112 pages of 1 KiB, 1 char = 1 page",
        "0x20000000 RRRRR#A.BBBBBBBBAA..............",
        "0x20008000 ................................",
        "0x20010000 ................................",
        "0x20018000 ................",
        "legend (pages): . free (95)  # metadata (1)  R reserved: .data+.bss (5)  A idle-stack (3)  B slab-64 (8)",
        "",
      ].join("\n"),
    );
  });

  it("groups pages per character, showing the most common kind", () => {
    const { rm } = sram1();
    expect(rm.pageMap("SRAM1", { width: 16, pagesPerChar: 4 })).toBe(
      [
        "SRAM1 [0x20000000, 0x2001c000) buddy, 112 pages of 1 KiB, 1 char = 4 pages (4 KiB, most common shown)",
        "0x20000000 RRBBA...........", // pages 16..19: AA.. is a tie, the first kind wins
        "0x20010000 ............",
        "legend (pages): . free (95)  # metadata (1)  R reserved: .data+.bss (5)  A idle-stack (3)  B slab-64 (8)",
        "",
      ].join("\n"),
    );
  });

  it("picks a group size that keeps a big region within 32 lines", () => {
    const m = createMachine(STM32H743XI);
    const rm = new RegionManager({
      memory: m.core,
      pageOrder: 5,
      regions: m.board.memory.filter((r) => r.name === "AXISRAM"),
    });
    const lines = rm.pageMap("AXISRAM").split("\n");
    expect(lines[0]).toBe(
      "AXISRAM [0x24000000, 0x24080000) buddy, 16384 pages of 32 B, 1 char = 8 pages (256 B, most common shown)",
    );
    expect(lines.length).toBe(1 + 32 + 1 + 1);
    expect(lines[1]!.startsWith("0x24000000 #")).toBe(true);
  });

  it("marks corrupt entries with ?", () => {
    const { m, rm } = sram1();
    m.bus.load(0x20001440 + 4 * 7, Uint8Array.of(6)); // page 7 (metadata at 0x20001400): state 6 does not exist
    expect(rm.pageMap("SRAM1", { width: 32 }).split("\n")[1]).toBe("0x20000000 RRRRR#A?BBBBBBBBAA..............");
    expect(rm.stats().find((s) => s.name === "SRAM1")!.unaccountedPages).toBe(1);
  });
});

describe("page map options", () => {
  it("a width or pagesPerChar that is not an integer from 1 is BAD_OPTION naming it (NaN drew 'NaN pages' at 0x00000000)", () => {
    const { rm } = sram1();
    for (const [field, value] of [
      ["width", 0],
      ["width", -5],
      ["width", 1.5],
      ["width", Number.NaN],
      ["width", Number.POSITIVE_INFINITY],
      ["pagesPerChar", 0],
      ["pagesPerChar", Number.NaN],
      ["pagesPerChar", Number.POSITIVE_INFINITY],
      ["pagesPerChar", "4"],
    ] as const) {
      let error: unknown;
      try {
        rm.pageMap("SRAM1", { [field]: value } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ name: "RegionError", code: "BAD_OPTION", context: { field, value } });
    }
    expect(() => rm.pageMap("SRAM1", { pagesPerChar: Number.NaN })).toThrow(
      "BAD_OPTION: pageMap: pagesPerChar must be an integer from 1, got NaN",
    );
    // A width under 8 still draws 8 characters a line.
    expect(rm.pageMap("SRAM1", { width: 3 }).split("\n")[1]).toBe("0x20000000 RRRRR#A.");
  });
});
