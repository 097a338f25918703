import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hwErrorOf as errOf } from "../test-util.js";
import { parseLinkerMemory } from "./linker-script.js";

/** A MEMORY block as STM32CubeIDE generates it for an STM32F407. */
const CUBE = `MEMORY
{
  CCMRAM (xrw) : ORIGIN = 0x10000000, LENGTH = 64K
  RAM    (xrw) : ORIGIN = 0x20000000, LENGTH = 128K
  FLASH  (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
}`;

function summary(text: string) {
  return parseLinkerMemory(text).map((r) => [r.name, r.origin, r.length, r.attributes, r.writable, r.executable]);
}

describe("parseLinkerMemory", () => {
  it("reads the STM32CubeIDE example", () => {
    expect(parseLinkerMemory(CUBE)).toEqual([
      {
        name: "CCMRAM",
        origin: 0x10000000,
        length: 0x10000,
        end: 0x10010000,
        attributes: "xrw",
        writable: true,
        executable: true,
        line: 3,
        column: 3,
      },
      {
        name: "RAM",
        origin: 0x20000000,
        length: 0x20000,
        end: 0x20020000,
        attributes: "xrw",
        writable: true,
        executable: true,
        line: 4,
        column: 3,
      },
      {
        name: "FLASH",
        origin: 0x08000000,
        length: 0x100000,
        end: 0x08100000,
        attributes: "rx",
        writable: false,
        executable: true,
        line: 5,
        column: 3,
      },
    ]);
  });

  it("accepts the org/o and len/l spellings, several entries per line and optional commas", () => {
    const text = "MEMORY { A (rx) : org = 0x0, len = 4K B (rw) : o = 0x1000 l = 4K, C : ORIGIN=0x2000,LENGTH=0x100 }";
    expect(summary(text)).toEqual([
      ["A", 0, 4096, "rx", false, true],
      ["B", 0x1000, 4096, "rw", true, false],
      ["C", 0x2000, 0x100, "", true, true],
    ]);
  });

  it("reads decimal, hex, octal, K/M in either case", () => {
    const text = `MEMORY {
      A : ORIGIN = 0, LENGTH = 100
      B : ORIGIN = 0X1000, LENGTH = 0x10k
      C : ORIGIN = 0100000, LENGTH = 2m
      D : ORIGIN = 0x40000000, LENGTH = 0777
    }`;
    expect(parseLinkerMemory(text).map((r) => [r.origin, r.length])).toEqual([
      [0, 100],
      [0x1000, 0x4000],
      [0o100000, 2 * 1024 * 1024],
      [0x40000000, 0o777],
    ]);
  });

  it("evaluates simple expressions and ORIGIN()/LENGTH() of earlier regions", () => {
    const text = `MEMORY {
      FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K - 16K
      CONFIG (r) : ORIGIN = ORIGIN(FLASH) + LENGTH(FLASH), LENGTH = 16K
      RAM (rwx) : ORIGIN = 0x20000000, LENGTH = (64 * 2) * 1024 / 2 % 0x100000
      NEG (rw) : ORIGIN = 0x30000000, LENGTH = -(-32)
    }`;
    expect(parseLinkerMemory(text).map((r) => [r.name, r.origin, r.length])).toEqual([
      ["FLASH", 0x08000000, 496 * 1024],
      ["CONFIG", 0x0807c000, 16 * 1024],
      ["RAM", 0x20000000, 64 * 1024],
      ["NEG", 0x30000000, 32],
    ]);
  });

  it("ignores /* */ and // comments, also around and inside entries", () => {
    const text = `/* MEMORY { X : ORIGIN = 0, LENGTH = 1 } */
// MEMORY { Y : ORIGIN = 0, LENGTH = 1 }
MEMORY /* the map */ {
  RAM (xrw) /* data */ : ORIGIN = 0x20000000, // start
                         LENGTH = 128K /* size
                         spans lines */
}
SECTIONS { .text : { *(.text*) } > FLASH }`;
    expect(summary(text)).toEqual([["RAM", 0x20000000, 0x20000, "xrw", true, true]]);
  });

  it("reads several MEMORY blocks as one", () => {
    const text = "MEMORY { A : ORIGIN = 0, LENGTH = 32 }\nSECTIONS {}\nMEMORY { B : ORIGIN = 32, LENGTH = 32 }";
    expect(summary(text).map((r) => r[0])).toEqual(["A", "B"]);
  });

  it.each([
    ["rx", false, true],
    ["xrw", true, true],
    ["RW", true, false],
    ["r", false, false],
    ["!w", false, true],
    ["!x", true, false],
    ["!wx", false, false],
    ["rwx!w", false, true],
    ["a", false, false],
    ["rwail", true, false],
  ])("attributes (%s) -> writable %s, executable %s", (attrs, writable, executable) => {
    const [r] = parseLinkerMemory(`MEMORY { M (${attrs}) : ORIGIN = 0, LENGTH = 32 }`);
    expect([r!.attributes, r!.writable, r!.executable]).toEqual([attrs, writable, executable]);
  });

  it.each([
    ["SECTIONS { .text : {} }", 1, 1, /no MEMORY/],
    ["MEMORY RAM : ORIGIN = 0, LENGTH = 1", 1, 8, /expected '\{' after MEMORY/],
    ["MEMORY {\n  RAM : ORIGIN = 0, LENGTH = 1\n", 1, 1, /not closed/],
    ["MEMORY {\n  RAM (rwq) : ORIGIN = 0, LENGTH = 1K\n}", 2, 10, /unknown attribute letter "q"/],
    ["MEMORY {\n  RAM (rw) : ORIGIN = 0x2000000G, LENGTH = 1K\n}", 2, 23, /bad number: "0x2000000G"/],
    ["MEMORY {\n  RAM (rw) : ORIGIN = 09, LENGTH = 1K\n}", 2, 23, /not an octal number/],
    ["MEMORY {\n  RAM (rw) : ORIGIN = 0x20000000, LENGTH = 12Q\n}", 2, 44, /bad number/],
    ["MEMORY {\n  RAM (rw) : ORIGIN = 0x20000000, LENGTH = \n}", 3, 1, /bad number: expected a number/],
    ["MEMORY {\n  RAM (rw) : LENGTH = 1K\n}", 3, 1, /region RAM: missing ORIGIN/],
    ["MEMORY {\n  RAM (rw) : ORIGIN = 0x20000000\n}", 3, 1, /region RAM: missing LENGTH/],
    ["MEMORY {\n  RAM (rw) : \n}", 3, 1, /missing ORIGIN and LENGTH/],
    ["MEMORY {\n  RAM (rw) ORIGIN = 0, LENGTH = 1\n}", 2, 12, /expected ':' after region RAM/],
    ["MEMORY {\n  RAM : ORIGIN 0, LENGTH = 1\n}", 2, 16, /expected '=' after ORIGIN/],
    ["MEMORY {\n  RAM : ORIGIN = 0, ORIGIN = 1\n}", 2, 21, /ORIGIN given twice/],
    ["MEMORY {\n  RAM : ORIGIN = 0, LENGTH = 0\n}", 2, 30, /LENGTH must be > 0/],
    ["MEMORY {\n  RAM : ORIGIN = 0x100000000, LENGTH = 1\n}", 2, 18, /outside 0\.\.0xFFFFFFFF/],
    ["MEMORY {\n  RAM : ORIGIN = 0xFFFFFF00, LENGTH = 1K\n}", 2, 3, /past 4 GiB/],
    ["MEMORY {\n  RAM : ORIGIN = 1 / 0, LENGTH = 1K\n}", 2, 20, /division by zero/],
    ["MEMORY {\n  RAM : ORIGIN = ORIGIN(FLASH), LENGTH = 1K\n}", 2, 25, /no region named "FLASH"/],
    ["MEMORY {\n  RAM : ORIGIN = 0, LENGTH = 1K; \n}", 2, 32, /unexpected character ";"/],
    ["MEMORY {\n  0RAM : ORIGIN = 0, LENGTH = 1K\n}", 2, 3, /expected a memory region name/],
  ])("LINKER_SCRIPT for %j at %i:%i", (text, line, column, message) => {
    const e = errOf(() => parseLinkerMemory(text));
    expect(e.code).toBe("LINKER_SCRIPT");
    expect([e.context.line, e.context.column]).toEqual([line, column]);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(new RegExp(`^LINKER_SCRIPT: line ${line}, column ${column}: `));
  });

  it("refuses overlapping regions at the later one, naming both", () => {
    const text = `MEMORY {
  FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 1M
  /* oops: inside FLASH */
    BOOT (rx) : ORIGIN = 0x080FF000, LENGTH = 8K
}`;
    const e = errOf(() => parseLinkerMemory(text));
    expect(e.code).toBe("LINKER_SCRIPT");
    expect(e.context).toEqual({ line: 4, column: 5, region: "BOOT", other: "FLASH" });
    expect(e.message).toBe(
      "LINKER_SCRIPT: line 4, column 5: region BOOT [0x080FF000, 0x08101000) overlaps region FLASH [0x08000000, 0x08100000) (line 2)",
    );
  });

  it("refuses a region defined twice", () => {
    const e = errOf(() => parseLinkerMemory("MEMORY {\n RAM : o = 0, l = 32\n RAM : o = 64, l = 32\n}"));
    expect(e.context).toEqual({ line: 3, column: 2, region: "RAM" });
    expect(e.message).toMatch(/region RAM is defined twice/);
  });

  it("reports columns on CRLF lines like on LF lines", () => {
    const e = errOf(() => parseLinkerMemory("MEMORY\r\n{\r\n  RAM (rz) : ORIGIN = 0, LENGTH = 1K\r\n}\r\n"));
    expect([e.context.line, e.context.column]).toEqual([3, 9]);
  });
});

describe("parseLinkerMemory property", () => {
  it("reads back any set of disjoint regions, however they are spelled", () => {
    const entry = fc.record({
      slot: fc.integer({ min: 0, max: 255 }),
      length: fc.integer({ min: 1, max: 0x100000 }),
      attrs: fc.constantFrom("", "(rx)", "(xrw)", "(RW)", "(!w)", "(r!x)"),
      originWord: fc.constantFrom("ORIGIN", "org", "o"),
      lengthWord: fc.constantFrom("LENGTH", "len", "l"),
      radix: fc.constantFrom("hex", "dec", "k"),
      sep: fc.constantFrom("\n  ", " ", ",\n", " /* c */ "),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.slot, maxLength: 8, minLength: 1 }), (entries) => {
        const lit = (n: number, radix: string) =>
          radix === "hex" ? `0x${n.toString(16)}` : radix === "k" && n % 1024 === 0 && n > 0 ? `${n / 1024}K` : `${n}`;
        const body = entries
          .map(
            (e, i) =>
              `R${i} ${e.attrs} : ${e.originWord} = ${lit(e.slot * 0x200000, e.radix)}, ${e.lengthWord} = ${lit(e.length, e.radix)}${e.sep}`,
          )
          .join("");
        const parsed = parseLinkerMemory(`MEMORY {\n  ${body}}\n`);
        expect(parsed.map((r) => [r.name, r.origin, r.length])).toEqual(
          entries.map((e, i) => [`R${i}`, e.slot * 0x200000, e.length]),
        );
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});
