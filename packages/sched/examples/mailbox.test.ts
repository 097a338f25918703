import { readFileSync } from "node:fs";
import { format } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = readFileSync(new URL("./mailbox.ts", import.meta.url), "utf8");

/** The first fenced block of the README after the line starting with `heading`. */
function readmeBlock(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n${heading}`));
  const start = section.indexOf("\n", section.indexOf("```")) + 1;
  return section.slice(start, section.indexOf("```\n", start));
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs examples/mailbox.ts itself and holds the README to what it shows and prints. */
describe("README example (examples/mailbox.ts)", () => {
  it("the README shows the example's code", () => {
    const code = example.slice(example.indexOf("import "));
    expect(readmeBlock("## Example")).toBe(code);
  });

  it("prints what the README says, with the same trace hash", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(format(...args));
    });
    await import("./mailbox.js");
    expect(lines).toEqual(readmeBlock("Output").trimEnd().split("\n"));
    expect(lines.at(-1)).toBe("trace: 47 records, hash d11d2e18603d1b00");
  });
});
