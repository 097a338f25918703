import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DocBlockError, extractBlocks, outputComments } from "./blocks.js";
import { blockModule } from "./module.js";
import { typecheckBlocks } from "./typecheck.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const md = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("extractBlocks", () => {
  it("reads a block, its prelude, its epilogue and the output shown after it", () => {
    const text = md(
      "# Title", // 1
      "", // 2
      "<!-- check: prelude", // 3
      'import { x } from "y";', // 4
      "-->", // 5
      "```ts", // 6
      'import { z } from "w";', // 7
      "console.log(x + z); // 3", // 8
      "```", // 9
      "<!-- check: epilogue", // 10
      "done();", // 11
      "-->", // 12
      "", // 13
      "prints:", // 14
      "", // 15
      "```text", // 16
      "4", // 17
      "```", // 18
      "", // 19
      "```sh", // 20
      "rtos-sim run x.ts", // 21
      "```", // 22
    );
    const [block, ...rest] = extractBlocks("docs/x.md", text);
    expect(rest).toEqual([]);
    expect(block).toMatchObject({
      file: "docs/x.md",
      fenceLine: 6,
      codeLine: 7,
      mode: { kind: "run" },
      prelude: { lines: [4], text: ['import { x } from "y";'] },
      epilogue: { lines: [11], text: ["done();"] },
      asFile: null,
      expectedOutput: ["3", "4"],
    });
    // Imports first, then the prelude, the rest of the block and the epilogue; lines map back.
    expect(blockModule(block!)).toEqual({
      text: md('import { z } from "w";', 'import { x } from "y";', "console.log(x + z); // 3", "done();"),
      lines: [7, 4, 8, 11],
    });
  });

  it("reads the modes, and the path a block is checked as", () => {
    const text = md(
      "<!-- check: typecheck-only (it needs a board on the desk) -->",
      "```ts",
      "// packages/hw/src/board/builtin/new-board.ts",
      "```",
      "<!-- check: skip (a shell session) -->",
      "",
      "```ts",
      "$ ls",
      "```",
      "<!-- check: excerpt of docs/examples/stack-guard.ts -->",
      "```ts",
      "core.clearFault();",
      "```",
      "A table follows, not output:",
      "",
      "| a |",
    );
    expect(extractBlocks("docs/x.md", text).map((b) => [b.mode, b.asFile, b.expectedOutput])).toEqual([
      [
        { kind: "typecheck-only", reason: "it needs a board on the desk" },
        "packages/hw/src/board/builtin/new-board.ts",
        null,
      ],
      [{ kind: "skip", reason: "a shell session" }, null, null],
      [{ kind: "excerpt", of: "docs/examples/stack-guard.ts" }, null, null],
    ]);
  });

  it("refuses a check comment it cannot use, naming the file and line", () => {
    const bad = (text: string) => () => extractBlocks("docs/x.md", text);
    expect(bad(md("<!-- check: skip -->", "```ts", "x", "```"))).toThrow(
      new DocBlockError("docs/x.md:1", '"check: skip" needs its reason in parentheses: check: skip (why)'),
    );
    expect(bad(md("text", "<!-- check: prelude", "x", "-->", "more text"))).toThrow(/docs\/x\.md:2: .*right before/);
    expect(bad(md("<!-- check: prelude", "x", "-->", "```sh", "x", "```"))).toThrow(/```ts blocks only/);
    expect(bad(md("<!-- check: typecheck", "```ts", "x", "```"))).toThrow(/without its closing/);
    expect(bad(md("<!-- check: run twice -->", "```ts", "x", "```"))).toThrow(/unknown "check: run twice"/);
    expect(bad(md("- a list item", "", "  ```ts", "  x", "  ```"))).toThrow(/docs\/x\.md:3: an indented/);
  });
});

describe("outputComments", () => {
  it("takes comments ending console.log lines and the comment lines below a console.log or a closing brace", () => {
    const code = [
      "// a heading, not output",
      "const a = 1; // a note, not output",
      "console.log(a); // 1",
      "for (const x of [2, 3]) {",
      "  console.log(x);",
      "}",
      "// 2",
      "// 3",
      "console.log(rm.pageMap());",
      "// line 1",
      "//   line 2 keeps its indentation",
      "",
      "// after a blank line: not output",
    ];
    expect(outputComments(code)).toEqual(["1", "2", "3", "line 1", "  line 2 keeps its indentation"]);
  });
});

describe("typecheckBlocks", () => {
  it("names the Markdown file, line and column of an error, hidden code included", () => {
    const text = md(
      "Intro.", // 1
      "", // 2
      "<!-- check: prelude", // 3
      "const seed: string = 1;", // 4
      "-->", // 5
      "```ts", // 6
      'import { mulberry32 } from "@rtos-sim/prng";', // 7
      "", // 8
      "const random: string = mulberry32(seed);", // 9
      "```", // 10
    );
    expect(typecheckBlocks(extractBlocks("docs/broken.md", text), ROOT)).toEqual([
      "docs/broken.md:4:7 - error TS2322: Type 'number' is not assignable to type 'string'.",
      "docs/broken.md:9:7 - error TS2322: Type '() => number' is not assignable to type 'string'.",
      "docs/broken.md:9:35 - error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ]);
  });
});
