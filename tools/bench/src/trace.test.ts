import { describe, expect, it } from "vitest";
import { standardTrace } from "./trace.js";

describe("standard trace", () => {
  it("matches the check values of docs/benchmarks.md", () => {
    const t = standardTrace();
    expect(Array.from(t.arg.slice(0, 8))).toEqual([45, 64, 25, 17, 14, 8, 29, 16]);
    expect(Array.from(t.kind.slice(0, 8))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(t.allocations).toBe(501_012);
    expect(t.frees).toBe(498_988);
    expect(t.meanSize.toFixed(2)).toBe("63.60");
    expect(t.peakLive).toBe(2124);
    expect(t.peakLiveBytes).toBe(147_325);
    expect(t.liveAtEnd).toBe(2024);
  });
});
