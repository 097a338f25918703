import type { Board, Machine } from "@rtos-sim/hw";
import { type RegionInfo, RegionManager } from "@rtos-sim/region";
import type { PageMapInfo, PageRun } from "./result.js";

/**
 * A region manager region's pages as a {@link PageMapInfo} (read from the metadata in simulated
 * memory, page by page): owner name for allocated pages, "metadata", "reserved: <label>", or null
 * for free pages.
 */
export function pageMapFromRegionManager(rm: RegionManager, region: RegionInfo): PageMapInfo {
  const runs: PageRun[] = [];
  const size = rm.pageSize;
  for (let i = 0; i < region.pages; i++) {
    const info = rm.pageInfo(region.pageStart + i * size);
    const owner =
      info === null || info.state === "free"
        ? null
        : info.state === "metadata"
          ? "metadata"
          : info.state === "reserved"
            ? `reserved: ${info.owner ?? ""}`
            : (info.owner ?? "?");
    const last = runs[runs.length - 1];
    if (last && last.owner === owner) runs[runs.length - 1] = { ...last, count: last.count + 1 };
    else runs.push({ page: i, count: 1, owner });
  }
  return {
    region: region.name,
    start: region.pageStart,
    pageSize: size,
    pages: region.pages,
    runs,
    source: "region manager",
  };
}

/** A board region the region manager manages, with its page map; or why it could not. */
export type ManagedRegion =
  | {
      /** The board memory region's name. */
      readonly name: string;
      /** The region manager booted over it. */
      readonly ok: true;
      /** The region's layout: pages, metadata, page-aligned bounds. */
      readonly info: RegionInfo;
      /** Its page map, run-length encoded. */
      readonly map: PageMapInfo;
      /** The page map as the region manager draws it (`RegionManager.pageMap`). */
      readonly text: string;
    }
  | {
      /** The board memory region's name. */
      readonly name: string;
      /** The region manager could not manage it. */
      readonly ok: false;
      /** The error message (e.g. the region is too small for the page order). */
      readonly reason: string;
    };

/**
 * Boots a region manager of page order `pageOrder` over each writable memory region of the
 * machine's board (one manager per region, so a region too small for the order is reported on
 * its own) and returns every region's page map, structured and as the manager's text rendering.
 */
export function bootPageMaps(machine: Machine, pageOrder: number, board: Board = machine.board): ManagedRegion[] {
  return board.memory
    .filter((m) => !m.readOnly)
    .map((m): ManagedRegion => {
      try {
        const rm = new RegionManager({ memory: machine.core, regions: [m], pageOrder });
        const info = rm.regions()[0]!;
        return { name: m.name, ok: true, info, map: pageMapFromRegionManager(rm, info), text: rm.pageMap(info.name) };
      } catch (e) {
        return { name: m.name, ok: false, reason: e instanceof Error ? e.message : String(e) };
      }
    });
}
