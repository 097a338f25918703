import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegionError } from "./errors.js";
import { dataViewPort } from "./memory-port.js";
import { RegionManager } from "./region-manager.js";

const BASE = 0x20000000;

describe("bootstrap over random regions", () => {
  it("either refuses with REGION_TOO_SMALL or lays out consistent metadata accounting for every page", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 16 }),
        fc.integer({ min: 0, max: 0x3ffff }),
        fc.integer({ min: 1, max: 0x80000 }),
        fc.option(fc.record({ at: fc.nat(), size: fc.integer({ min: 1, max: 0x8000 }) })),
        fc.constantFrom("buddy" as const, "list" as const),
        (pageOrder, offset, size, res, allocator) => {
          const start = BASE + offset;
          const port = dataViewPort(start, new DataView(new ArrayBuffer(size)));
          const reserved = res
            ? [{ start: start + (res.at % size), size: Math.min(res.size, size - (res.at % size)), label: "image" }]
            : [];
          let rm: RegionManager;
          try {
            rm = new RegionManager({
              memory: port,
              regions: [{ name: "R", start, size }],
              pageOrder,
              reserved,
              allocator,
            });
          } catch (e) {
            expect(e).toBeInstanceOf(RegionError);
            expect((e as RegionError).code).toBe("REGION_TOO_SMALL");
            return;
          }
          expect(rm.consistencyCheck()).toEqual([]);
          const [s] = rm.stats();
          const page = 2 ** pageOrder;
          expect(s!.pages * page + s!.lostBytes).toBe(size);
          expect(s!.freePages + s!.reservedPages + s!.metadataPages).toBe(s!.pages);
          expect(s!.freePages).toBeGreaterThan(0);
          // Take everything page by page, then give it back: same free figures.
          const got: number[] = [];
          for (let a = rm.allocPages(0, { owner: "x" }); a !== null; a = rm.allocPages(0, { owner: "x" })) got.push(a);
          expect(got.length).toBe(s!.freePages);
          expect(new Set(got).size).toBe(got.length);
          for (const a of got) rm.freePages(a, 0);
          expect(rm.stats()[0]!.freeBlocksByOrder).toEqual(s!.freeBlocksByOrder);
          expect(rm.consistencyCheck()).toEqual([]);
        },
      ),
      { seed: 7, numRuns: 120 },
    );
  });

  it("keeps the metadata of any region of 1 MiB or more at PAGE_ORDER 10 within 0.5%", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1 << 20, max: 8 << 20 }), (size) => {
        const port = dataViewPort(BASE, new DataView(new ArrayBuffer(size)));
        const rm = new RegionManager({ memory: port, regions: [{ name: "R", start: BASE, size }] });
        expect(rm.stats()[0]!.metadataOverheadPercent).toBeLessThanOrEqual(0.5);
      }),
      { seed: 11, numRuns: 25 },
    );
  });
});
