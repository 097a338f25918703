import { describe, expect, it } from "vitest";
import { errorLine } from "./loader.js";

describe("errorLine", () => {
  it("keeps the first non-empty line of a message", () => {
    expect(errorLine(new Error("\n  boom  \nsecond"))).toBe("boom");
    expect(errorLine("text")).toBe("text");
    expect(errorLine(null)).toBe("null");
  });

  it("keeps the error under esbuild's 'Transform failed' line, without its ERROR tag", () => {
    expect(errorLine(new Error('Transform failed with 1 error:\n/a/app.ts:1:63: ERROR: Unexpected ";"'))).toBe(
      '/a/app.ts:1:63: Unexpected ";"',
    );
    expect(
      errorLine(new Error("Transform failed with 2 errors:\n/a/b.ts:2:1: ERROR: one\n/a/b.ts:3:1: ERROR: two")),
    ).toBe("/a/b.ts:2:1: one");
  });
});
