import { createMachine, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegionError } from "./errors.js";
import { GIVEN, HEADER_BYTES, PageState } from "./layout.js";
import { RegionManager } from "./region-manager.js";

function setup() {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    allocator: { SRAM2: "list" },
  });
  rm.allocPages(0, { owner: "a", region: "SRAM1" }); // 0x20000400
  rm.allocPages(2, { owner: "b", region: "SRAM1" }); // 0x20001000
  rm.allocPages(0, { owner: "c", region: "SRAM2" }); // 0x2001c400
  return { m, rm };
}

// SRAM1 (112 pages, largest order 6): entries at 0x20000040; bitmaps at 0x20000200:
// order 0: 4 words + 1 summary word, order 1: 2 + 1, orders 2..6: 1 word each.
const SRAM1_ENTRIES = 0x20000040;
const ORDER0_WORD0 = 0x20000200;

describe("consistency check", () => {
  it("a fresh and a used manager are consistent", () => {
    const { rm } = setup();
    expect(rm.consistencyCheck()).toEqual([]);
    expect(() => rm.assertConsistent()).not.toThrow();
  });

  it("detects a magic byte overwritten through the bus", () => {
    const { m, rm } = setup();
    m.bus.load(0x20000000, Uint8Array.of(0x00));
    expect(rm.consistencyCheck()).toEqual([
      {
        code: "BAD_HEADER",
        region: "SRAM1",
        address: 0x20000000,
        message: "header magic is 0x314e4700, expected 0x314e4752",
      },
    ]);
  });

  it("detects a free bitmap bit flipped by a stray byte store and throws METADATA_CORRUPT with the address", () => {
    const { m, rm } = setup();
    // Order 3's bitmap word: page 8 (block 1 of order 3) is free; set the bit of block 2 (pages 16..23, inside a larger free block).
    const order3 = 0x20000200 + 4 * (5 + 3 + 1);
    expect(m.bus.peek(order3, 1)[0]).toBe(0b10);
    m.core.write8(order3, 0b110);
    const problems = rm.consistencyCheck();
    expect(problems.map((p) => [p.code, p.address])).toEqual([["FREE_BITMAP", order3]]);
    let error: unknown;
    try {
      rm.assertConsistent();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegionError);
    expect((error as RegionError).code).toBe("METADATA_CORRUPT");
    expect((error as RegionError).context).toMatchObject({ address: order3, region: "SRAM1", problem: "FREE_BITMAP" });
  });

  it("detects a page entry turned into a free head, a lost metadata mark, and a wrong free counter", () => {
    const { m, rm } = setup();
    m.core.write8(SRAM1_ENTRIES + 4 * 0x11, PageState.Free); // page 0x20004400: a tail made a head
    m.core.write8(SRAM1_ENTRIES + 4 * 0, PageState.Free); // the metadata page claimed free
    m.core.write32(0x20000010, 5); // free page counter
    const codes = rm.consistencyCheck().map((p) => [p.code, p.address]);
    expect(codes).toContainEqual(["BAD_ENTRY", SRAM1_ENTRIES + 4 * 0x11]);
    expect(codes).toContainEqual(["FIXED_PAGE", SRAM1_ENTRIES]);
    expect(codes).toContainEqual(["FREE_COUNT", 0x20000010]);
  });

  it("detects an order-0 bitmap word cleared (a free page lost)", () => {
    const { m, rm } = setup();
    m.bus.load(ORDER0_WORD0, new Uint8Array(4).fill(0xff));
    expect(rm.consistencyCheck().map((p) => p.code)).toContain("FREE_BITMAP");
  });

  it("detects a loop in the list allocator's free list", () => {
    const { m, rm } = setup();
    // SRAM2 (list): page 2's entry points back to page 2.
    const entry2 = 0x2001c000 + HEADER_BYTES + 4 * 2;
    m.core.write32(entry2, PageState.Free | (2 << 4));
    expect(rm.consistencyCheck().map((p) => [p.code, p.region])).toContainEqual(["FREE_LIST", "SRAM2"]);
  });

  it("any corrupted byte of header, entries or bitmaps is detected (except history bits and owner ids)", () => {
    const { m, rm } = setup();
    const sram1 = rm.regions().find((r) => r.name === "SRAM1")!;
    const allocatedHeads = new Set([1, 4]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sram1.metadataBytes - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (off, xor) => {
          const inEntries = off >= HEADER_BYTES && off < HEADER_BYTES + 4 * sram1.pages;
          const page = (off - HEADER_BYTES) >> 2;
          const byte = (off - HEADER_BYTES) & 3;
          if (inEntries && byte === 0 && xor === GIVEN) return; // history: was this page ever given out
          if (inEntries && byte >= 2 && allocatedHeads.has(page)) return; // another owner id
          const a = sram1.metadataStart + off;
          const before = m.bus.peek(a, 1)[0]!;
          m.bus.load(a, Uint8Array.of(before ^ xor));
          try {
            expect(rm.consistencyCheck().length).toBeGreaterThan(0);
          } finally {
            m.bus.load(a, Uint8Array.of(before));
          }
        },
      ),
      { seed: 42, numRuns: 400 },
    );
    expect(rm.consistencyCheck()).toEqual([]);
  });
});
