import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DocBlockError } from "./blocks.js";
import { extractExamples } from "./tsdoc.js";
import { typecheckBlocks } from "./typecheck.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ts = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("extractExamples", () => {
  it("reads the ```ts blocks of the @example sections of exported declarations, with their source lines", () => {
    const source = ts(
      "/**", // 1
      " * Doubles.", // 2
      " *", // 3
      " * ```ts", // 4: not in an @example
      " * double(1);", // 5
      " * ```", // 6
      " *", // 7
      " * @example", // 8
      " * ```ts", // 9
      ' * import { double } from "@rtos-sim/x";', // 10
      " * console.log(double(2)); // 4", // 11
      " * ```", // 12
      " * @param n - a number", // 13
      " */", // 14
      "export function double(n: number): number {", // 15
      "  return 2 * n;", // 16
      "}", // 17
      "/**", // 18
      " * @example", // 19
      " * ```ts", // 20
      " * internal();", // 21
      " * ```", // 22
      " */", // 23
      "function internal(): void {}", // 24
      "export class Box {", // 25
      "  /**", // 26
      "   * @example", // 27
      "   * <!-- check: typecheck-only (it needs a box) -->", // 28
      "   * ```ts", // 29
      "   * box.open();", // 30
      "   * ```", // 31
      "   */", // 32
      "  open(): void {}", // 33
      "}", // 34
    );
    const blocks = extractExamples("packages/x/src/double.ts", source);
    expect(
      blocks.map((b) => [b.fenceLine, b.codeLine, b.code, b.mode, b.expectedOutput, b.declaration, b.asFile]),
    ).toEqual([
      [
        9,
        10,
        ['import { double } from "@rtos-sim/x";', "console.log(double(2)); // 4"],
        { kind: "run" },
        ["4"],
        "double",
        "packages/x/src/double.example-L9.ts",
      ],
      [
        29,
        30,
        ["box.open();"],
        { kind: "typecheck-only", reason: "it needs a box" },
        null,
        "Box",
        "packages/x/src/double.example-L29.ts",
      ],
    ]);
  });

  it("refuses an @example without a ```ts block, and a hidden prelude, naming the file and line", () => {
    const bad =
      (...lines: string[]) =>
      () =>
        extractExamples("packages/x/src/a.ts", ts(...lines, "export const a = 1;"));
    expect(bad("/**", " * @example", " * a + 1;", " */")).toThrow(
      new DocBlockError("packages/x/src/a.ts:2", "an @example without a ```ts block: it would not be checked"),
    );
    expect(
      bad(
        "/**",
        " * @example",
        " * <!-- check: prelude",
        " * const b = 1;",
        " * -->",
        " * ```ts",
        " * b;",
        " * ```",
        " */",
      ),
    ).toThrow(/packages\/x\/src\/a\.ts:3: an @example has no hidden prelude/);
  });

  it("lets the type-check name the source file and line of a broken example", () => {
    const source = ts(
      "/**", // 1
      " * Seeds a generator.", // 2
      " *", // 3
      " * @example", // 4
      " * ```ts", // 5
      ' * import { mulberry32 } from "@rtos-sim/prng";', // 6
      ' * const random = mulberry32("1"); // a seed is a number', // 7
      " * ```", // 8
      " */", // 9
      "export const seeded = 1;", // 10
    );
    expect(typecheckBlocks(extractExamples("packages/prng/src/planted.ts", source), ROOT)).toEqual([
      "packages/prng/src/planted.ts:7:27 - error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ]);
  });
});
