import { describe, expect, it } from "vitest";
import { frozenCopy } from "./frozen.js";

describe("frozenCopy", () => {
  it("copies plain data and freezes every level; the source stays writable", () => {
    const site = { time: 3, task: 1 };
    const src = { kind: "use-after-free", block: { allocated: site, sizes: [1, 2] }, details: ["a"], dump: null };
    const c = frozenCopy(src);
    expect(c).toEqual(src);
    expect([c === src, c.block.allocated === site]).toEqual([false, false]);
    expect([c, c.block, c.block.allocated, c.block.sizes, c.details].map(Object.isFrozen)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    site.time = 4; // the checker's own record may change later; the report does not
    expect(c.block.allocated.time).toBe(3);
    expect(() => {
      (c as { kind: string }).kind = "x";
    }).toThrow(TypeError);
  });
});
