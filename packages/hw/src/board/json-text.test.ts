import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonText, positionOf } from "./json-text.js";

describe("parseJsonText", () => {
  it("property: reads whatever JSON.stringify writes, as JSON.parse does", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        expect(parseJsonText(text)).toEqual(JSON.parse(text));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("property: refuses what JSON.parse refuses (truncated documents)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, cut) => {
        const text = JSON.stringify(value);
        const truncated = text.slice(0, cut % Math.max(text.length, 1));
        let native = true;
        try {
          JSON.parse(truncated);
        } catch {
          native = false;
        }
        let ours = true;
        try {
          parseJsonText(truncated);
        } catch {
          ours = false;
        }
        expect(ours).toBe(native);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("positionOf counts lines and columns from 1", () => {
    expect(positionOf("ab\ncd\n", 0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(positionOf("ab\ncd\n", 4)).toEqual({ offset: 4, line: 2, column: 2 });
    expect(positionOf("ab\ncd\n", 6)).toEqual({ offset: 6, line: 3, column: 1 });
  });
});
