import { describe, expect, it } from "vitest";
import { Ledger } from "./ledger.js";
import type { Site } from "./report.js";

const SITE: Site = { task: 1, taskName: "sensor", time: 5, label: "a.c:3", source: null };

describe("Ledger", () => {
  it("names an allocator's kind in new block records, heap by default", () => {
    const l = new Ledger(4);
    l.registerAllocator("kmalloc", "slab-array");
    expect(l.newBlock(0x20001000, 24, "kmalloc", SITE)).toEqual({
      address: 0x20001000,
      size: 24,
      allocator: "kmalloc",
      allocatorKind: "slab-array",
      state: "live",
      allocated: SITE,
      freed: null,
    });
    expect(l.allocatorKind("tlsf")).toBe("heap");
    expect(l.blocks.live.size).toBe(0); // a new record is not filed until the transition files it
  });

  it("scans from the roots, then from the live part [SP, top) of each stack", () => {
    const l = new Ledger(4);
    l.roots.push({ start: 0x20000000, size: 0x400, name: ".data" }, { start: 0x20000800, size: 64, name: "tcbs" });
    l.stacks.set(1, {
      task: 1,
      base: 0x20002000,
      top: 0x20002400,
      sp: 0x200023c0,
      saved: new Uint8Array(0),
      running: false,
      frames: [],
      returned: [],
    });
    l.removeRoot(0x20000800);
    expect(l.scanRoots()).toEqual([
      { start: 0x20000000, size: 0x400, name: ".data" },
      { start: 0x200023c0, size: 0x40 },
    ]);
  });
});
