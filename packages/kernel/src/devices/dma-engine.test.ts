import { describe, expect, it } from "vitest";
import { ringAddress, swapBytes } from "./dma-engine.js";

describe("the transfer engine's address rings and byte swap", () => {
  it("ringAddress: no ring steps on; a ring of 8 bytes keeps the bits above it and wraps the three below", () => {
    expect(ringAddress(0x2000_0100, 3, 4)).toBe(0x2000_010c);
    expect(ringAddress(0xffff_fffc, 1, 4)).toBe(0); // the 32-bit space wraps
    expect([0, 1, 2, 3].map((i) => ringAddress(0x2000_0104, i, 4, 8))).toEqual([
      0x2000_0104, 0x2000_0100, 0x2000_0104, 0x2000_0100,
    ]);
    expect(ringAddress(0x2000_0100, 5, 0, 8)).toBe(0x2000_0100); // no increment: the same address
  });

  it("swapBytes: a byte unchanged, a halfword's two bytes and a word's four reversed", () => {
    expect(swapBytes(0xab, 1)).toBe(0xab);
    expect(swapBytes(0x1234, 2)).toBe(0x3412);
    expect(swapBytes(0x1234_5678, 4)).toBe(0x7856_3412);
    expect(swapBytes(0x8000_00ff, 4)).toBe(0xff00_0080);
  });
});
