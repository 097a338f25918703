import { describe, expect, it } from "vitest";
import { ColourMap } from "./colours.js";

describe("ColourMap", () => {
  it("gives the first dozen names the palette, then distinct hues: no two of 60 names share a colour", () => {
    const colours = new ColourMap();
    const names = Array.from({ length: 60 }, (_, i) => `heap:task${i}`);
    const got = names.map((n) => colours.of(n));
    expect(got.slice(0, 2)).toEqual(["#4e79a7", "#f28e2b"]);
    expect(new Set(got).size).toBe(60);
    for (const c of got) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    // Stable for a name, and the fixed owners keep theirs.
    expect(colours.of("heap:task13")).toBe(got[13]);
    expect([colours.of(null), colours.of("kernel"), colours.of("reserved: .data")]).toEqual([
      "#e8e8e8",
      "#2f4b7c",
      "#a0a0a0",
    ]);
  });
});
