/**
 * The buddy allocator's own checks of the metadata it reads, one forgery at a time: each names the
 * word that lies (the error's address) and says what is wrong (its message), and nothing changes.
 * The errors tests cover the region manager's refusals; these pin which check of `BuddyAllocator`
 * answers, so that dropping or weakening one of them fails a test.
 */
import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { RegionError } from "./errors.js";
import { Geometry, GIVEN, Hdr, LEVEL_STRIDE, PageState } from "./layout.js";
import { RegionManager } from "./region-manager.js";
import { firstDifference, snapshot } from "./test-util.js";

const SRAM1 = 0x20000000; // 112 pages of 1 KiB, metadata on page 0, largest order 6
const SRAM2 = 0x2001c000; // 16 pages, metadata on page 0, pages 12-13 reserved below
const ENTRIES = 0x40;
const sram1 = new Geometry(10, "buddy", SRAM1 >>> 10, 112);
const sram2 = new Geometry(10, "buddy", SRAM2 >>> 10, 16);

/** Address of level `l` of order `k`'s bitmap. */
const level = (meta: number, g: Geometry, k: number, l: number) => meta + g.levelOffset[k * LEVEL_STRIDE + l]!;

function setup() {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x2001f000, size: 0x800, label: "kernel stacks" }],
  });
  const word = (a: number, v: number) =>
    m.bus.load(a, Uint8Array.of(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24));
  const read = (a: number) => m.core.read32(a);
  return { m, rm, word, read };
}

/** Runs `fn`, expects METADATA_CORRUPT and that no byte of any region changed; returns the error. */
function corrupt(s: ReturnType<typeof setup>, fn: () => unknown): RegionError {
  const before = snapshot(s.m.bus, s.rm);
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RegionError);
  expect((error as RegionError).code).toBe("METADATA_CORRUPT");
  expect(firstDifference(before, snapshot(s.m.bus, s.rm))).toBe(-1);
  return error as RegionError;
}

describe("BuddyAllocator: allocation reads the metadata back and names the lying word", () => {
  it("an order-mask bit above the largest order is refused at the header's mask", () => {
    const s = setup();
    s.word(SRAM1 + Hdr.Head, 1 << 20);
    const e = corrupt(s, () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(e.context.address).toBe(SRAM1 + Hdr.Head);
    expect(e.message).toBe(
      "METADATA_CORRUPT: buddy metadata at 0x20000014: order mask has bit 20 above the largest order",
    );
  });

  it("a summary bit past its level's last word, or over an empty word, is refused at that word", () => {
    const s = setup();
    // Order 0 has 112 slots: 4 level-0 words under one summary word.
    s.word(level(SRAM1, sram1, 0, 1), 1 << 4);
    const beyond = corrupt(s, () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(beyond.context.address).toBe(level(SRAM1, sram1, 0, 1));
    expect(beyond.message).toMatch(/order 0 summary beyond its level$/);
    s.word(level(SRAM1, sram1, 0, 1), 1 << 3); // level-0 word 3 is zero
    const empty = corrupt(s, () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(empty.context.address).toBe(level(SRAM1, sram1, 0, 0) + 12);
    expect(empty.message).toMatch(/summary of order 0 points to an empty word$/);
  });

  it("a bit for the block straddling the span's end, and a bit past the last slot, are refused", () => {
    const s = setup();
    // Order 5 has 4 slots (pages 0, 32, 64, 96): the last, pages 96-127, runs past page 111.
    const bitmap = level(SRAM1, sram1, 5, 0);
    s.word(bitmap, 1 << 3);
    const straddle = corrupt(s, () => s.rm.allocPages(5, { owner: "x", region: "SRAM1" }));
    expect(straddle.context.address).toBe(bitmap);
    expect(straddle.message).toMatch(/order 5 bit names a block outside the span$/);
    s.word(bitmap, 1 << 4);
    const past = corrupt(s, () => s.rm.allocPages(5, { owner: "x", region: "SRAM1" }));
    expect(past.context.address).toBe(bitmap);
    expect(past.message).toMatch(/order 5 bit beyond the span$/);
  });

  it("a bit naming a free block of another order is refused at that block's entry", () => {
    const s = setup();
    // Page 2 heads a free order-1 block; its order-0 bit is forged (and page 1's cleared).
    s.word(level(SRAM1, sram1, 0, 0), 1 << 2);
    expect(s.read(SRAM1 + ENTRIES + 8)).toBe(PageState.Free | (1 << 4));
    const e = corrupt(s, () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(e.context.address).toBe(SRAM1 + ENTRIES + 8);
    expect(e.message).toMatch(/order 0 bitmap names a block whose entry is not free$/);
  });

  it("a reserved page forged free (entry and bit) is refused at its entry, not handed out", () => {
    const s = setup();
    s.word(SRAM2 + ENTRIES + 4 * 12, PageState.Free); // page 12: reserved, now "free, order 0"
    s.word(level(SRAM2, sram2, 0, 0), 1 << 12); // the only order-0 bit
    const e = corrupt(s, () => s.rm.allocPages(0, { owner: "x", region: "SRAM2" }));
    expect(e.context.address).toBe(SRAM2 + ENTRIES + 4 * 12);
    expect(e.message).toMatch(/order 0 free block holds metadata or reserved pages$/);
  });
});

describe("BuddyAllocator: a free checks every buddy it will merge with before writing", () => {
  it("a buddy two orders up forged free without its bitmap bit is found (the merge walks up from the lower head)", () => {
    const s = setup();
    const got = [0, 0, 0].map(() => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(got).toEqual([0x20000400, 0x20000800, 0x20000c00]);
    s.rm.freePages(0x20000800, 0); // page 2 free: page 3's order-0 buddy
    // Pages 0-1 (page 0 is the metadata) forged as a free order-1 block: the buddy of 2-3.
    s.word(SRAM1 + ENTRIES, PageState.Free | (1 << 4));
    const e = corrupt(s, () => s.rm.freePages(0x20000c00, 0));
    expect(e.context.address).toBe(SRAM1 + ENTRIES);
    expect(e.message).toBe(
      "METADATA_CORRUPT: buddy metadata at 0x20000040: free entry of order 1 without its bitmap bit",
    );
  });

  it("a buddy forged free without its bitmap bit is named by its own entry", () => {
    const s = setup();
    const x = s.rm.allocPages(0, { owner: "x", region: "SRAM1" })!; // page 1
    const y = s.rm.allocPages(0, { owner: "y", region: "SRAM1" })!; // page 2
    const z = s.rm.allocPages(0, { owner: "z", region: "SRAM1" })!; // page 3, y's buddy
    expect([x, y, z]).toEqual([0x20000400, 0x20000800, 0x20000c00]);
    s.word(SRAM1 + ENTRIES + 4 * 3, PageState.Free);
    const e = corrupt(s, () => s.rm.freePages(y, 0));
    expect(e.context.address).toBe(SRAM1 + ENTRIES + 4 * 3);
  });

  it("a reserved buddy forged free with its bit is named by its entry, and not merged with", () => {
    const s = setup();
    expect(s.rm.allocPages(1, { owner: "x", region: "SRAM2" })).toBe(0x2001c800); // pages 2-3
    expect(s.rm.allocPages(1, { owner: "x", region: "SRAM2" })).toBe(0x2001f800); // pages 14-15
    // Pages 12-13 (reserved): "free, order 1", with the order-1 bit of slot 6.
    s.word(SRAM2 + ENTRIES + 4 * 12, PageState.Free | (1 << 4));
    s.word(level(SRAM2, sram2, 1, 0), 1 << 6);
    const e = corrupt(s, () => s.rm.freePages(0x2001f800, 1));
    expect(e.context.address).toBe(SRAM2 + ENTRIES + 4 * 12);
    expect(e.message).toMatch(/free buddy of order 1 holds metadata or reserved pages$/);
  });

  it("the last block of the span never looks past it, whatever the word after the entries says", () => {
    const s = setup();
    expect(s.rm.allocPages(4, { owner: "x", region: "SRAM1" })).toBe(0x20004000);
    expect(s.rm.allocPages(4, { owner: "x", region: "SRAM1" })).toBe(0x20018000); // pages 96-111
    // "Page 112's entry" is the first order-0 bitmap word: forged to read as "free, order 4".
    const after = SRAM1 + ENTRIES + 4 * 112;
    expect(after).toBe(level(SRAM1, sram1, 0, 0));
    s.word(after, PageState.Free | (4 << 4));
    s.rm.freePages(0x20018000, 4);
    expect(s.read(SRAM1 + ENTRIES + 4 * 96)).toBe(GIVEN | PageState.Free | (4 << 4));
    expect(s.read(after)).toBe(PageState.Free | (4 << 4));
  });
});

describe("BuddyAllocator.init", () => {
  it("writes every metadata byte: memory full of old values boots to the same metadata as zeroed memory", () => {
    const fresh = setup();
    const m = createMachine(STM32F407);
    for (const r of m.board.memory.filter((x) => !x.readOnly)) m.bus.load(r.start, new Uint8Array(r.size).fill(0xa5));
    const rm = new RegionManager({
      memory: m.core,
      regions: m.board.memory.filter((r) => !r.readOnly),
      reserved: [{ start: 0x2001f000, size: 0x800, label: "kernel stacks" }],
    });
    for (const r of rm.regions()) {
      expect(m.bus.peek(r.metadataStart, r.metadataBytes)).toEqual(fresh.m.bus.peek(r.metadataStart, r.metadataBytes));
    }
    expect(rm.consistencyCheck()).toEqual([]);
  });
});
