import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HwError } from "../errors.js";
import { STM32F407 } from "./builtin/stm32f407.js";
import { parseLinkerMemory } from "./linker-script.js";
import { subtractRanges } from "./ranges.js";
import { parseSizeLiteral } from "./size.js";

describe("subtractRanges", () => {
  it("leaves the memory after a program's .data/.bss/heap/stack", () => {
    const sram = STM32F407.memory.filter((r) => r.name === "SRAM1" || r.name === "SRAM2");
    expect(subtractRanges(sram, [{ start: 0x20000000, size: 0x2400 }])).toEqual([
      { name: "SRAM1", start: 0x20002400, size: 0x19c00, end: 0x2001c000 },
      { name: "SRAM2", start: 0x2001c000, size: 0x4000, end: 0x20020000 },
    ]);
  });

  it("splits around holes, merges overlapping holes, drops empty pieces, takes linker regions", () => {
    const regions = parseLinkerMemory("MEMORY { RAM (rw) : ORIGIN = 0x1000, LENGTH = 0x1000 }");
    expect(
      subtractRanges(regions, [
        { start: 0x1800, size: 0x100 },
        { start: 0x1000, size: 0x200 },
        { start: 0x1100, size: 0x200 },
        { start: 0x1f00, size: 0x1000 },
        { start: 0x1500, size: 0 },
      ]),
    ).toEqual([
      { name: "RAM", start: 0x1300, size: 0x500, end: 0x1800 },
      { name: "RAM", start: 0x1900, size: 0x600, end: 0x1f00 },
    ]);
    expect(subtractRanges(regions, [{ start: 0, size: 0x10000 }])).toEqual([]);
  });

  it("refuses bad used ranges naming the entry", () => {
    for (const bad of [
      { start: -1, size: 4 },
      { start: 0, size: -4 },
      { start: 1.5, size: 4 },
      { start: 2 ** 32, size: 1 },
    ]) {
      let e: unknown;
      try {
        subtractRanges(STM32F407.memory, [{ start: 0, size: 4 }, bad]);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(HwError);
      expect((e as HwError).code).toBe("ADDRESS_RANGE");
      expect((e as HwError).context.field).toBe("used[1]");
    }
  });

  it("property: pieces are exactly the bytes of the regions outside every used range", () => {
    const range = fc.record({ start: fc.integer({ min: 0, max: 255 }), size: fc.integer({ min: 0, max: 64 }) });
    fc.assert(
      fc.property(fc.array(range, { maxLength: 6 }), (used) => {
        const regions = [
          { name: "A", start: 16, size: 64 },
          { name: "B", start: 100, size: 100 },
        ];
        const free = new Set<number>();
        for (const p of subtractRanges(regions, used)) {
          expect(p.size).toBeGreaterThan(0);
          expect(p.end).toBe(p.start + p.size);
          for (let a = p.start; a < p.end; a++) free.add(a);
        }
        for (let a = 0; a < 320; a++) {
          const inRegion = regions.some((r) => a >= r.start && a < r.start + r.size);
          const isUsed = used.some((u) => a >= u.start && a < u.start + u.size);
          expect(free.has(a)).toBe(inRegion && !isUsed);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe("parseSizeLiteral", () => {
  it.each([
    ["0", false, 0],
    ["131072", false, 131072],
    ["0x20000000", false, 0x20000000],
    ["0X1fff7800", false, 0x1fff7800],
    ["128K", false, 131072],
    ["128k", false, 131072],
    ["1M", false, 1048576],
    ["0x10K", false, 0x4000],
    ["0777", true, 0o777],
    ["0", true, 0],
  ])("%s (octal %s) = %i", (text, octal, value) => {
    expect(parseSizeLiteral(text, { octal })).toEqual({ ok: true, value });
  });

  it.each([
    ["", false],
    ["lots", false],
    ["12 K", false],
    ["1G", false],
    ["0x", false],
    ["-4", false],
    ["1.5K", false],
    ["010", false],
    ["089", true],
    ["0xFFFFFFFFFFFFFFFFF", false],
  ])("%j (octal %s) is refused with a reason", (text, octal) => {
    const r = parseSizeLiteral(text, { octal });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(`"${text}"`);
  });
});
