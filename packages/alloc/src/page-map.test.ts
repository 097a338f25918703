import { describe, expect, it } from "vitest";
import { PageMap } from "./page-map.js";

describe("PageMap", () => {
  it("tags pages in its flat window and in directories beyond it, and clears them", () => {
    const map = new PageMap(10);
    expect(map.get(0x20000000)).toBe(0);
    map.set(0x20000400, 2, 7); // the window is placed around the first page tagged
    map.set(0x10000000, 1, 3); // CCM: 256 MiB away, outside the window
    map.set(0xc0000000, 1, 9); // above 2^31
    expect([0x200003ff, 0x20000400, 0x20000bff, 0x20000c00].map((a) => map.get(a))).toEqual([0, 7, 7, 0]);
    expect([0x10000000, 0x100003ff, 0x10000400].map((a) => map.get(a))).toEqual([3, 3, 0]);
    expect([0xc0000000, 0xbfffffff].map((a) => map.get(a))).toEqual([9, 0]);
    map.set(0x20000400, 2, 0);
    map.set(0x10000000, 1, 0);
    expect([0x20000400, 0x20000800, 0x10000000, 0xc0000000].map((a) => map.get(a))).toEqual([0, 0, 0, 9]);
  });
});
