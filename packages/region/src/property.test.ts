import { createMachine, defineBoard } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GIVEN, HEADER_BYTES } from "./layout.js";
import { RegionManager } from "./region-manager.js";

const board = defineBoard({
  name: "prop",
  core: "cortex-m4",
  memory: [
    { name: "C", start: 0x10000000, size: 8 * 1024 },
    { name: "A", start: 0x20000000, size: 64 * 1024 },
    { name: "B", start: 0x20020300, size: 0x6000 },
  ],
});

function build(pageOrder: number) {
  const m = createMachine(board);
  const rm = new RegionManager({
    memory: m.core,
    regions: board.memory,
    pageOrder,
    allocator: { C: "list" },
    reserved: [{ start: 0x20003000, size: 0x900, label: "image" }],
  });
  return { m, rm };
}

type Op = { op: "alloc"; order: number; region: "A" | "B" | "C" | undefined } | { op: "free"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("alloc" as const),
    order: fc.integer({ min: 0, max: 4 }),
    region: fc.constantFrom(undefined, "A" as const, "B" as const, "C" as const),
  }),
  fc.record({ op: fc.constant("free" as const), pick: fc.nat() }),
);

/** Metadata bytes of the buddy regions with every entry's GIVEN bit cleared (history, not state). */
function buddyMetadata(m: ReturnType<typeof build>["m"], rm: RegionManager): Uint8Array[] {
  return rm
    .regions()
    .filter((r) => r.allocator === "buddy")
    .map((r) => {
      const bytes = m.bus.peek(r.metadataStart, r.metadataBytes);
      for (let i = 0; i < r.pages; i++) bytes[HEADER_BYTES + 4 * i]! &= ~GIVEN;
      return bytes;
    });
}

describe("random sequences of allocations and frees", () => {
  it("never hand out a page twice or a metadata/reserved page, account for every page, and merge completely", () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 10), fc.array(opArb, { maxLength: 120 }), (pageOrder, ops) => {
        const { m, rm } = build(pageOrder);
        const P = rm.pageSize;
        const regions = rm.regions();
        const initial = buddyMetadata(m, rm);
        const initialStats = rm.stats();
        const owner = new Map<number, string>(); // page address -> owner, for every live page
        const live: { address: number; order: number; owner: string }[] = [];
        for (const [n, op] of ops.entries()) {
          if (op.op === "alloc") {
            const cap = op.region === undefined ? 4 : regions.find((x) => x.name === op.region)!.maxOrder;
            const order = Math.min(op.order, cap);
            const who = `o${n % 5}`;
            // The policy: the first region (address order) with a free block of order >= `order`;
            // in it (buddy) the smallest such order, and of that order the lowest address.
            const free = rm.blocks(op.region).filter((b) => b.state === "free" && b.order >= order);
            const inRegion = free.filter((b) => b.region === free[0]?.region);
            const smallest = Math.min(...inRegion.map((b) => b.order));
            const expected = inRegion.find((b) => b.order === smallest)?.address ?? null;
            const request = op.region === undefined ? { owner: who } : { owner: who, region: op.region };
            const address = rm.allocPages(order, request);
            const kind = regions.find((x) => x.name === free[0]?.region)?.allocator;
            if (kind === "list")
              expect(inRegion.map((b) => b.address)).toContain(address); // LIFO
            else expect(address).toBe(expected);
            if (address === null) {
              // Out of memory only when no candidate region has a free block of that order or more.
              for (const s of rm.stats()) {
                if (op.region !== undefined && s.name !== op.region) continue;
                if (order > s.freeBlocksByOrder.length - 1) continue;
                expect(s.freeBlocksByOrder.slice(order).every((c) => c === 0)).toBe(true);
              }
              continue;
            }
            const bytes = P * 2 ** order;
            expect(address % bytes).toBe(0);
            const r = regions.find((x) => address >= x.pageStart && address + bytes <= x.pageEnd)!;
            expect(r).toBeDefined();
            if (op.region !== undefined) expect(r.name).toBe(op.region);
            for (let a = address; a < address + bytes; a += P) {
              expect(owner.has(a)).toBe(false);
              expect(a >= r.metadataStart && a < r.metadataStart + r.metadataPages * P).toBe(false);
              expect(a + P <= 0x20003000 || a >= 0x20003900).toBe(true);
              owner.set(a, who);
            }
            live.push({ address, order, owner: who });
          } else if (live.length > 0) {
            const [b] = live.splice(op.pick % live.length, 1);
            rm.freePages(b!.address, b!.order);
            for (let a = b!.address; a < b!.address + P * 2 ** b!.order; a += P) owner.delete(a);
          }
          expect(rm.consistencyCheck()).toEqual([]);
        }
        // Every page accounted for, and owners read back from memory.
        let allocated = 0;
        for (const s of rm.stats()) {
          expect(s.freePages + s.allocatedPages + s.reservedPages + s.metadataPages).toBe(s.pages);
          expect(s.unaccountedPages).toBe(0);
          allocated += s.allocatedPages;
        }
        expect(allocated).toBe(owner.size);
        for (const [a, who] of owner) expect(rm.ownerOf(a)).toBe(who);
        // Free everything: the buddy metadata returns to its initial bytes, the list to all pages.
        for (const b of live) rm.freePages(b.address, b.order);
        expect(buddyMetadata(m, rm)).toEqual(initial);
        expect(rm.stats().map((s) => [s.freePages, s.freeBlocksByOrder])).toEqual(
          initialStats.map((s) => [s.freePages, s.freeBlocksByOrder]),
        );
        expect(rm.consistencyCheck()).toEqual([]);
      }),
      { seed: 0x5eed, numRuns: 150 },
    );
  });
});
