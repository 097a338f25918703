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

  it("keeps the metadata bytes of any region of 1 MiB or more at PAGE_ORDER 10 within 0.5%, in as few whole pages as hold them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1 << 20, max: 8 << 20 }), (size) => {
        const port = dataViewPort(BASE, new DataView(new ArrayBuffer(size)));
        const rm = new RegionManager({ memory: port, regions: [{ name: "R", start: BASE, size }] });
        const s = rm.stats()[0]!;
        expect((100 * s.metadataBytes) / size).toBeLessThanOrEqual(0.5);
        expect(s.metadataPages).toBe(Math.ceil(s.metadataBytes / 1024));
      }),
      { seed: 11, numRuns: 25 },
    );
  });

  it("rounds 1176 pages' metadata (5,124 B) up to 6 pages: 0.51%, the bytes within 0.5%", () => {
    // A soak's shrunk counterexample (1,204,224 B) to the former claim that the pages themselves
    // stay within 0.5% above 1 MiB: from 1176 to 1199 pages the bytes pass 5 pages by 4 to 100 B.
    const size = 1176 * 1024;
    const rm = new RegionManager({
      memory: dataViewPort(BASE, new DataView(new ArrayBuffer(size))),
      regions: [{ name: "R", start: BASE, size }],
    });
    const s = rm.stats()[0]!;
    expect([s.pages, s.metadataBytes, s.metadataPages]).toEqual([1176, 5124, 6]);
    expect(s.metadataOverheadPercent).toBe(0.5102040816326531);
    expect((100 * s.metadataBytes) / size).toBeLessThanOrEqual(0.5);
  });
});
