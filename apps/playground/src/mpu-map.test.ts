import { boardInfo, type MpuRegionInfo } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { ACCESS_COLOURS, mpuMapSvg } from "./mpu-map.js";

const region = (r: Partial<MpuRegionInfo> & Pick<MpuRegionInfo, "number" | "base" | "size">): MpuRegionInfo => ({
  access: "rw",
  executable: false,
  memoryType: "normal",
  srd: 0,
  label: `r${r.number}`,
  registers: { architecture: "pmsav7", rbar: 0, rasr: 0, ap: 3, tex: 0, c: true, b: true, s: false, sizeField: 0 },
  ...r,
});

const board = boardInfo(STM32F407);

/** A PMSAv8 region (registers as the PMSAv8 decoder fills them; the map only reads `architecture`). */
const regionV8 = (r: Pick<MpuRegionInfo, "number" | "base" | "size">): MpuRegionInfo =>
  region({
    ...r,
    registers: {
      architecture: "pmsav8",
      rbar: r.base | 3,
      rlar: (r.base + r.size - 32) | 1,
      ap: 1,
      shareability: "non-shareable",
      pxn: false,
      attrIndex: 0,
      attr: 0xee,
      device: null,
    },
  });

describe("mpuMapSvg", () => {
  it("one column per area a region touches, in address order", () => {
    const svg = mpuMapSvg(board, [
      {
        label: "task",
        regions: [
          region({ number: 1, base: 0x20000000, size: 1024 }),
          region({ number: 0, base: 0x08000000, size: 0x100000, access: "ro", executable: true }),
        ],
      },
    ]);
    const names = [...svg.matchAll(/class="col-name">([^<]+)</g)].map((m) => m[1]);
    expect(names).toEqual(["Flash", "SRAM1"]);
    // SRAM1 is zoomed to the 1 KiB region; Flash is shown whole (the region covers it).
    expect([...svg.matchAll(/class="col-addr">([^<]+)</g)].map((m) => m[1])).toEqual(["0x08000000", "0x20000000"]);
    expect(svg).toContain("<title>SRAM1: 0x20000000..0x200003FF (1 KiB)</title>");
    expect(svg.match(/class="exec"/g)).toHaveLength(1);
    expect(svg).toContain(`fill="${ACCESS_COLOURS.ro}"`);
  });

  it("eight subregions, the disabled ones hatched; below 256 bytes the region is whole", () => {
    const svg = mpuMapSvg(board, [
      { label: "t", regions: [region({ number: 2, base: 0x20000000, size: 2048, srd: 0b10000001 })] },
    ]);
    expect(svg.match(/class="subregion"/g)).toHaveLength(6);
    expect(svg.match(/class="subregion off"/g)).toHaveLength(2);
    const small = mpuMapSvg(board, [
      { label: "t", regions: [region({ number: 2, base: 0x20000000, size: 128, srd: 0xff })] },
    ]);
    expect(small.match(/class="subregion"/g)).toHaveLength(1);
  });

  it("a region of the system control space gets its own column; highlighted rows are marked; names escaped", () => {
    const svg = mpuMapSvg(board, [
      {
        label: "<now>",
        key: "a&b",
        highlight: true,
        regions: [region({ number: 7, base: 0xe000e000, size: 4096, access: "priv-rw" })],
      },
    ]);
    expect(svg).toContain('class="col-name">0xE000E000<');
    expect(svg).toContain('class="row current" data-row="a&amp;b"');
    expect(svg).toContain("&lt;now&gt;");
  });

  it("PMSAv8: a region is drawn whole (no subregions); where two overlap the map marks it (PMSAv8 faults there)", () => {
    const svg = mpuMapSvg(board, [
      {
        label: "t",
        regions: [
          regionV8({ number: 1, base: 0x20000000, size: 2048 }),
          regionV8({ number: 2, base: 0x20000600, size: 0x400 }),
        ],
      },
    ]);
    expect(svg.match(/class="subregion"/g)).toHaveLength(2);
    expect(svg.match(/class="overlap"/g)).toHaveLength(1);
    expect(svg).toContain(
      "<title>regions 1 and 2 overlap at 0x20000600..0x200007FF: PMSAv8 faults every access there</title>",
    );
    // PMSAv7: the same layout is legal (the highest number wins), nothing marked.
    const v7 = mpuMapSvg(board, [
      {
        label: "t",
        regions: [
          region({ number: 1, base: 0x20000000, size: 2048 }),
          region({ number: 2, base: 0x20000600, size: 0x400 }),
        ],
      },
    ]);
    expect(v7).not.toContain('class="overlap"');
  });

  it("higher-numbered regions are drawn last (on top)", () => {
    const svg = mpuMapSvg(board, [
      {
        label: "t",
        regions: [
          region({ number: 5, base: 0x20000000, size: 1024 }),
          region({ number: 1, base: 0x20000000, size: 4096 }),
        ],
      },
    ]);
    expect(svg.indexOf('data-region="1"')).toBeLessThan(svg.indexOf('data-region="5"'));
  });
});
