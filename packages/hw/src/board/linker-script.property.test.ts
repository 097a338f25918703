import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HwError } from "../errors.js";
import { hwErrorOf } from "../test-util.js";
import { STM32F407 } from "./builtin/stm32f407.js";
import { defineBoard } from "./define.js";
import { boardFromLinkerScript } from "./linker-board.js";
import { parseLinkerMemory } from "./linker-script.js";
import type { Board, BoardSpec } from "./types.js";

// Untrusted text: whatever a linker script holds, boardFromLinkerScript returns a board that
// defineBoard accepts as it is, or throws an HwError with a code of the hw README's board error
// table; never a TypeError, a RangeError (a stack overflow) or another exception.

/** The codes the hw README's "Board error codes" table lists for a linker-script board. */
const CODES = ["LINKER_SCRIPT", "BOARD_FIELD", "BOARD_OVERLAP", "BOARD_INVALID", "BOARD_UNKNOWN_CORE"];

const VALID = `/* STM32F407VGTx */
MEMORY
{
  CCMRAM (xrw) : ORIGIN = 0x10000000, LENGTH = 64K
  RAM    (xrw) : ORIGIN = 0x20000000, LENGTH = 128K
  FLASH  (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
  BKP (rw!x) : org = ORIGIN(RAM) + LENGTH(RAM), len = 4K // backup
}`;

/** The tokens of {@link VALID}, the material the mutations shuffle. */
const TOKENS = VALID.match(/\/\*.*?\*\/|\/\/[^\n]*|[A-Za-z0-9_.$]+|\S/g) ?? [];

/** Tokens a mutation may insert: huge and overflowing numbers, suffixes, operators, braces, comments, unicode. */
const INSERTS = fc.oneof(
  fc.constantFrom(...TOKENS),
  fc.constantFrom(
    "0xFFFFFFFF",
    "0x100000000",
    "0xFFFFFFFFFFFFFFFFFFFF",
    "4294967296",
    "9007199254740993",
    "4096M",
    "4194304K",
    "0777",
    "089",
    "0x",
    "1e9",
    "-",
    "~",
    "*",
    "/",
    "%",
    "(",
    ")",
    "{",
    "}",
    "{ }",
    "MEMORY",
    "MEMORY {",
    "/*",
    "*/",
    "//",
    "\n",
    "ORIGIN(",
    "LENGTH(FLASH)",
    "ORIGIN(NOPE)",
    "é",
    "😀",
    "\u00a0",
    "\u2028",
    "\0",
    "!",
    ",",
    ":",
    "=",
  ),
  fc.bigInt({ min: 0n, max: 1n << 70n }).map((n) => `0x${n.toString(16)}`),
  fc.nat().map(String),
  fc.string({ maxLength: 4, unit: "binary" }),
);

/** One edit of a token list: delete, insert, duplicate or swap. */
const EDIT = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), token: INSERTS }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
);

function mutate(edits: readonly EditValue[]): string {
  const tokens = [...TOKENS];
  for (const e of edits) {
    const at = tokens.length === 0 ? 0 : e.at % tokens.length;
    if (e.op === "delete") tokens.splice(at, 1);
    else if (e.op === "insert") tokens.splice(at, 0, e.token);
    else if (e.op === "duplicate") tokens.splice(at, 0, ...Array<string>(e.count).fill(tokens[at] ?? ""));
    else {
      const other = tokens.length === 0 ? 0 : e.with % tokens.length;
      [tokens[at], tokens[other]] = [tokens[other]!, tokens[at]!];
    }
  }
  return tokens.join(" ");
}

type EditValue =
  | { op: "delete"; at: number }
  | { op: "insert"; at: number; token: string }
  | { op: "duplicate"; at: number; count: number }
  | { op: "swap"; at: number; with: number };

/** The property: a board defineBoard accepts unchanged, or an HwError with a documented code. */
function check(text: string, base: boolean): void {
  let board: Board;
  try {
    board = boardFromLinkerScript(text, base ? { name: "fuzz", base: STM32F407 } : { name: "fuzz", core: "cortex-m4" });
  } catch (e) {
    if (!(e instanceof HwError)) throw e;
    expect(CODES).toContain(e.code);
    if (e.code === "LINKER_SCRIPT") {
      const { line, column } = e.context as { line: unknown; column: unknown };
      expect(Number.isInteger(line) && (line as number) >= 1).toBe(true);
      expect(Number.isInteger(column) && (column as number) >= 1).toBe(true);
    }
    return;
  }
  expect(defineBoard(board as unknown as BoardSpec & { core: "cortex-m4" })).toEqual(board);
}

describe("boardFromLinkerScript under fuzzing", () => {
  it("the unmutated script is a board (the mutations start from a valid script)", () => {
    expect(parseLinkerMemory(VALID).map((r) => r.name)).toEqual(["CCMRAM", "RAM", "FLASH", "BKP"]);
    check(VALID, false);
  });

  it("arbitrary text: a board or a documented HwError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          fc.string().map((s) => `MEMORY { ${s} }`),
        ),
        fc.boolean(),
        (text, base) => check(text, base),
      ),
      { numRuns: 300, seed: 0xf022005 },
    );
  });

  it("mutations of a valid MEMORY block: a board or a documented HwError", () => {
    fc.assert(
      fc.property(fc.array(EDIT, { minLength: 1, maxLength: 6 }), fc.boolean(), (edits, base) =>
        check(mutate(edits as EditValue[]), base),
      ),
      { numRuns: 400, seed: 0xf022006 },
    );
  });

  it("expressions: random operator chains over huge numbers are a region or a documented HwError", () => {
    const operand = fc.oneof(
      fc.bigInt({ min: 0n, max: 1n << 60n }).map((n) => `0x${n.toString(16)}`),
      fc.nat({ max: 5000 }).map((n) => `${n}K`),
      fc.constantFrom("0", "1", "4M", "ORIGIN(A)", "LENGTH(A)"),
    );
    const expr = fc
      .array(fc.tuple(fc.constantFrom("+", "-", "*", "/", "%", "- -", "~", "+ (", ") +"), operand), { maxLength: 6 })
      .chain((rest) => operand.map((first) => `${first} ${rest.map(([op, o]) => `${op} ${o}`).join(" ")}`));
    fc.assert(
      fc.property(expr, expr, (origin, length) =>
        check(`MEMORY { A : ORIGIN = 0x20000000, LENGTH = 4K\n B : ORIGIN = ${origin}, LENGTH = ${length} }`, false),
      ),
      { numRuns: 300, seed: 0xf022007 },
    );
  });
});

describe("boardFromLinkerScript: what the fuzzing found", () => {
  it("operators nested past 64 levels are LINKER_SCRIPT at the 65th, not a stack overflow", () => {
    for (const op of ["-", "~", "("]) {
      const e = hwErrorOf(() => parseLinkerMemory(`MEMORY { A : ORIGIN = ${op.repeat(100_000)}1, LENGTH = 4 }`));
      expect(e.code).toBe("LINKER_SCRIPT");
      expect(e.message).toBe(
        "LINKER_SCRIPT: line 1, column 87: expression nested deeper than 64 levels (operators or parentheses)",
      );
      expect(e.context).toEqual({ line: 1, column: 87 });
    }
  });

  it("an intermediate value past 2^53 is LINKER_SCRIPT at its operator, not a silently rounded address", () => {
    // 0x20000001 * 2^32 / 2^32 rounded to 0x20000000 through a double: a wrong, accepted origin.
    const e = hwErrorOf(() =>
      parseLinkerMemory("MEMORY { A : ORIGIN = 0x20000001 * 0x100000000 / 0x100000000, LENGTH = 4 }"),
    );
    expect(e.message).toBe("LINKER_SCRIPT: line 1, column 34: the value of '*' exceeds 2^53: the expression overflows");
    expect(e.context).toEqual({ line: 1, column: 34 });
  });

  it("~ of a value past 32 bits is LINKER_SCRIPT, not its low 32 bits complemented", () => {
    // ~0x100000000 was taken as ~0 = 0xFFFFFFFF: a region at the top of the address space.
    const e = hwErrorOf(() => parseLinkerMemory("MEMORY { A : ORIGIN = ~0x100000000, LENGTH = 4 }"));
    expect(e.message).toBe("LINKER_SCRIPT: line 1, column 23: ~ of 4294967296, which is not a 32-bit value");
    expect(e.context).toEqual({ line: 1, column: 23, value: 4294967296 });
  });

  it("ORIGIN = -0 is origin 0 (not a negative zero)", () => {
    const [r] = parseLinkerMemory("MEMORY { A : ORIGIN = -0, LENGTH = 4 }");
    expect(Object.is(r?.origin, 0)).toBe(true);
  });

  it("more than 254 regions is LINKER_SCRIPT at the 255th (no board holds more), read in linear time", () => {
    const lines = Array.from({ length: 300 }, (_, i) => `R${i} : ORIGIN = ${i * 4}, LENGTH = 4`);
    const e = hwErrorOf(() => parseLinkerMemory(`MEMORY {\n${lines.join("\n")}\n}`));
    expect(e.message).toBe("LINKER_SCRIPT: line 256, column 1: region R254: more than 254 regions in the MEMORY block");
    expect(e.context).toEqual({ line: 256, column: 1, region: "R254" });
  });
});

describe("boardFromLinkerScript options: what the fuzzing found", () => {
  const SCRIPT = "MEMORY { RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 4K }";

  it("a base that is not a board is BOARD_FIELD base / base.<field>, not a TypeError where its memory was read", () => {
    const str = hwErrorOf(() => boardFromLinkerScript(SCRIPT, { name: "x", base: "stm32f407" as never }));
    expect([str.message, str.context]).toEqual([
      'BOARD_FIELD: board "x": base must be a board (defineBoard, boardFromJson or a built-in), got "stm32f407"',
      { board: "x", field: "base", value: "stm32f407" },
    ]);
    const memory = hwErrorOf(() =>
      boardFromLinkerScript(SCRIPT, { name: "x", base: { name: "b", core: "cortex-m4", memory: "abc" } as never }),
    );
    expect([memory.message, memory.context]).toEqual([
      'BOARD_FIELD: base: board "b": memory must be a non-empty array of regions',
      { board: "b", field: "base.memory", value: "abc" },
    ]);
    const hole = hwErrorOf(() =>
      boardFromLinkerScript(SCRIPT, {
        name: "x",
        base: { ...STM32F407, memory: [null, ...STM32F407.memory] } as never,
      }),
    );
    expect(hole.context).toEqual({ board: "stm32f407", field: "base.memory[0]", value: null });
  });

  it('keepBaseMemory that is not a boolean is BOARD_FIELD (a truthy "no" kept the base memory)', () => {
    const e = hwErrorOf(() =>
      boardFromLinkerScript(SCRIPT, { name: "x", base: STM32F407, keepBaseMemory: "no" as never }),
    );
    expect([e.message, e.context]).toEqual([
      'BOARD_FIELD: board "x": keepBaseMemory must be a boolean',
      { board: "x", field: "keepBaseMemory", value: "no" },
    ]);
  });

  it("16 MPU regions on a Cortex-M0+ is BOARD_FIELD mpuRegions (PMSAv6 has 8)", () => {
    const e = hwErrorOf(() => boardFromLinkerScript(SCRIPT, { name: "x", core: "cortex-m0plus", mpuRegions: 16 }));
    expect([e.message, e.context]).toEqual([
      'BOARD_FIELD: board "x": mpuRegions must be 8 on the Cortex-M0+ (PMSAv6 has 8 regions)',
      { board: "x", field: "mpuRegions", value: 16 },
    ]);
  });

  it("random options: a board or a documented HwError", () => {
    const WRONG = fc.oneof(fc.anything(), fc.constantFrom(null, "no", 16, 7, Number.NaN, "cortex-m0plus", STM32F407));
    fc.assert(
      fc.property(
        fc.record(
          {
            name: fc.oneof(fc.constant("x"), WRONG),
            core: fc.oneof(fc.constantFrom("cortex-m4", "cortex-m0plus", "cortex-m33"), WRONG),
            base: fc.oneof(fc.constant(STM32F407), fc.constant({ ...STM32F407, memory: [] }), WRONG),
            keepBaseMemory: fc.oneof(fc.boolean(), WRONG),
            clockHz: fc.oneof(fc.constant(1_000_000), WRONG),
            mpuRegions: fc.oneof(fc.constantFrom(8, 16), WRONG),
            description: fc.oneof(fc.string(), WRONG),
          },
          { requiredKeys: [] },
        ),
        (options) => {
          try {
            const board = boardFromLinkerScript(VALID, options as never);
            expect(defineBoard(board as unknown as BoardSpec & { core: "cortex-m4" })).toEqual(board);
          } catch (e) {
            if (!(e instanceof HwError)) throw e;
            expect(CODES).toContain(e.code);
          }
        },
      ),
      { numRuns: 300, seed: 0xf022008 },
    );
  });
});
