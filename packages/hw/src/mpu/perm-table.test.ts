import { describe, expect, it } from "vitest";
import { BOARDS } from "../board/builtin/table.js";
import { Bus } from "../memory/bus.js";
import { backgroundPerm, DEFAULT_MAP_STARTS, defaultMapRange, defaultPerm } from "./fields.js";
import { GRANULE_SHIFT } from "./perm.js";
import { defaultMapTables } from "./perm-table.js";

describe("defaultMapTables", () => {
  it("holds, on every built-in board, the default map's and the background's byte of every memory granule", () => {
    for (const board of BOARDS) {
      const layout = new Bus(board).layout;
      const { map, background } = defaultMapTables(layout);
      for (const r of layout.ranges) {
        const g0 = r.start >>> GRANULE_SHIFT;
        for (let g = g0; g <= (r.end - 1) >>> GRANULE_SHIFT; g++) {
          const i = r.gbase + g - g0;
          if (map.bytes[i] !== defaultPerm(g * 32) || background[i] !== backgroundPerm(g * 32)) {
            throw new Error(`${board.name}: granule 0x${(g * 32).toString(16)} differs`);
          }
        }
      }
    }
  });

  it("the default map's ranges start where DEFAULT_MAP_STARTS says, and nowhere else", () => {
    for (let i = 0; i + 1 < DEFAULT_MAP_STARTS.length; i++) {
      const lo = DEFAULT_MAP_STARTS[i]!;
      const hi = DEFAULT_MAP_STARTS[i + 1]!;
      expect(defaultMapRange(hi - 1)).toEqual(defaultMapRange(lo));
      if (i > 0) expect(defaultMapRange(lo - 1).name).not.toBe(defaultMapRange(lo).name);
    }
  });
});
