/**
 * MPU regions drawn over a board's memory map, as inline SVG: one column per memory or
 * peripheral area that some region touches (each area scaled to its own width, since a 4 GiB
 * address space drawn to scale would hide a 32-byte region), one row per configuration (the MPU
 * as its registers hold it now, the kernel's regions, each task's plan); a column shows only the
 * part of its area the regions cover when that is under half of it. A region is coloured
 * by its access permission (AP) and outlined when executable. A PMSAv7 region is drawn as its
 * eight subregions with the disabled ones hatched (SRD), higher-numbered regions on top: where
 * regions overlap, the highest number decides. A PMSAv8 region is drawn whole (no subregions),
 * and where two of them overlap the map marks the overlap: PMSAv8 faults every access an address
 * two enabled regions match (docs/mpu-model.md).
 */
import type { BoardInfo, MpuRegionInfo } from "@rtos-sim/apps";
import { esc, formatBytes, hex32 } from "@rtos-sim/apps";

/** One row of the map: a label and the regions of one MPU configuration. */
export interface MpuMapRow {
  /** Text at the row's left (e.g. "MPU now", a task's name). */
  readonly label: string;
  /** The MPU regions drawn on the row. */
  readonly regions: readonly MpuRegionInfo[];
  /** Drawn emphasised (the MPU now, the current task). */
  readonly highlight?: boolean;
  /** A `data-row` value for the row (e.g. the task's name). */
  readonly key?: string;
}

/** Fill colour of each access permission (AP): green for user read-write, blue for privileged only. */
export const ACCESS_COLOURS: Readonly<Record<string, string>> = Object.freeze({
  rw: "#59a14f",
  "priv-rw-user-ro": "#8cd17d",
  ro: "#edc948",
  "priv-rw": "#4e79a7",
  "priv-ro": "#a0cbe8",
  none: "#bab0ac",
  reserved: "#e15759",
});

/** What each access permission means, for the legend. */
export const ACCESS_MEANING: Readonly<Record<string, string>> = Object.freeze({
  rw: "read-write for all",
  "priv-rw-user-ro": "privileged read-write, unprivileged read-only",
  ro: "read-only for all",
  "priv-rw": "privileged only (read-write)",
  "priv-ro": "privileged read-only",
  none: "no access",
  reserved: "reserved AP value",
});

const GUTTER = 150;
const WIDTH = 960;
const GAP = 6;
const ROW = 24;
const HEAD = 34;

interface Column {
  readonly name: string;
  readonly start: number;
  /** One past the end. */
  readonly end: number;
  x: number;
  w: number;
}

/** Columns are zoomed to whole KiB around the regions in them. */
const ZOOM_GRAIN = 1024;

/**
 * The memory and peripheral areas of the board that some region touches (plus any range a region
 * covers outside them), each zoomed to the span its regions cover when that is under half the
 * area, so a 1 KiB stack shows in a 112 KiB SRAM.
 */
function columns(board: BoardInfo, rows: readonly MpuMapRow[]): Column[] {
  const areas = [
    ...board.memory.map((m) => ({ name: m.name, start: m.start, end: m.end })),
    ...board.peripherals.map((p) => ({ name: p.name, start: p.start, end: p.end })),
  ];
  const regions = rows.flatMap((r) => r.regions);
  const meets = (a: { start: number; end: number }, r: MpuRegionInfo) => r.base < a.end && r.base + r.size > a.start;
  const used: { name: string; start: number; end: number }[] = [];
  for (const a of areas) {
    const inside = regions.filter((r) => meets(a, r));
    if (inside.length === 0) continue;
    const lo = Math.min(...inside.map((r) => Math.max(r.base, a.start)));
    const hi = Math.max(...inside.map((r) => Math.min(r.base + r.size, a.end)));
    const start = Math.max(a.start, Math.floor(lo / ZOOM_GRAIN) * ZOOM_GRAIN);
    const end = Math.min(a.end, Math.ceil(hi / ZOOM_GRAIN) * ZOOM_GRAIN);
    used.push(end - start > (a.end - a.start) / 2 ? a : { name: a.name, start, end });
  }
  // A region on nothing of the board (the system control space, say) gets a column of its own.
  for (const r of regions) {
    if (areas.some((a) => meets(a, r)) || used.some((a) => meets(a, r))) continue;
    used.push({ name: hex32(r.base), start: r.base, end: r.base + r.size });
  }
  if (used.length === 0) used.push(...board.memory.filter((m) => m.kind === "ram"));
  used.sort((a, b) => a.start - b.start);
  const room = WIDTH - GAP * (used.length - 1);
  let x = GUTTER;
  return used.map((a) => {
    const c = { name: a.name, start: a.start, end: a.end, x, w: room / used.length };
    x += c.w + GAP;
    return c;
  });
}

function xOf(c: Column, address: number): number {
  const f = (Math.min(Math.max(address, c.start), c.end) - c.start) / (c.end - c.start);
  return c.x + f * c.w;
}

function regionTitle(r: MpuRegionInfo): string {
  const srd = r.srd === 0 ? "" : `, SRD 0x${r.srd.toString(16).padStart(2, "0")}`;
  return `region ${r.number}: ${r.label || "(no label)"}\n${hex32(r.base)}..${hex32(r.base + r.size - 1)} (${formatBytes(
    r.size,
  )}), ${r.access}${r.executable ? ", executable" : ", XN"}, ${r.memoryType}${srd}`;
}

function regionSvg(r: MpuRegionInfo, cols: readonly Column[], y: number): string {
  const fill = ACCESS_COLOURS[r.access] ?? ACCESS_COLOURS.reserved!;
  // Below 256 bytes SRD is ignored (ARMv7-M B3.5.8): the region is whole. PMSAv8 has no subregions.
  const subs = r.registers.architecture === "pmsav7" && r.size >= 256 ? 8 : 1;
  let body = "";
  for (const c of cols) {
    if (r.base >= c.end || r.base + r.size <= c.start) continue;
    for (let i = 0; i < subs; i++) {
      const s0 = r.base + (i * r.size) / subs;
      const s1 = s0 + r.size / subs;
      if (s0 >= c.end || s1 <= c.start) continue;
      const x0 = xOf(c, s0);
      const w = Math.max(1.5, xOf(c, s1) - x0);
      const off = subs === 8 && (r.srd >> i) & 1;
      body += `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" ${
        off ? `fill="url(#srd-off)" stroke="${fill}" class="subregion off"` : `fill="${fill}" class="subregion"`
      }/>`;
    }
    if (r.executable) {
      const x0 = xOf(c, r.base);
      const w = Math.max(1.5, xOf(c, r.base + r.size) - x0);
      body += `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" class="exec"/>`;
    }
  }
  return `<g class="region" data-region="${r.number}" data-access="${esc(r.access)}"><title>${esc(regionTitle(r))}</title>${body}</g>`;
}

/**
 * Where two PMSAv8 regions of a row overlap (every access there faults): a hatched bar over each
 * overlap, titled with the two regions. PMSAv7 regions are left out: the highest number wins.
 */
function overlapSvg(regions: readonly MpuRegionInfo[], cols: readonly Column[], y: number): string {
  const v8 = regions.filter((r) => r.registers.architecture === "pmsav8");
  let body = "";
  for (let i = 0; i < v8.length; i++) {
    for (let j = i + 1; j < v8.length; j++) {
      const a = v8[i]!;
      const b = v8[j]!;
      const lo = Math.max(a.base, b.base);
      const hi = Math.min(a.base + a.size, b.base + b.size);
      if (lo >= hi) continue;
      const title = `regions ${a.number} and ${b.number} overlap at ${hex32(lo)}..${hex32(hi - 1)}: PMSAv8 faults every access there`;
      for (const c of cols) {
        if (lo >= c.end || hi <= c.start) continue;
        const x0 = xOf(c, lo);
        const w = Math.max(1.5, xOf(c, hi) - x0);
        body += `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="url(#srd-off)" class="overlap"><title>${esc(title)}</title></rect>`;
      }
    }
  }
  return body;
}

/**
 * The map as an SVG element (a string): a header with each column's name and start address,
 * then one row per {@link MpuMapRow}, and a legend of the permissions.
 *
 * @example
 * ```ts
 * import { DEFAULT_STATE, mpuMapSvg, PlaygroundSession } from "@rtos-sim/playground";
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "isolation", seed: 3 });
 * s.stepSwitch();
 * const cpu = s.cpu()!;
 * const svg = mpuMapSvg(s.info.board, [{ label: "MPU now", regions: cpu.mpu, highlight: true }]); // el.innerHTML = svg
 * ```
 */
export function mpuMapSvg(board: BoardInfo, rows: readonly MpuMapRow[]): string {
  const cols = columns(board, rows);
  const height = HEAD + rows.length * ROW + 8;
  let body = `<defs><pattern id="srd-off" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/><line x1="0" y1="0" x2="0" y2="5" stroke="#999" stroke-width="2"/></pattern></defs>`;
  for (const c of cols) {
    body += `<rect x="${c.x.toFixed(1)}" y="${HEAD - 4}" width="${c.w.toFixed(1)}" height="${rows.length * ROW + 4}" class="column"/>`;
    body += `<text x="${(c.x + 2).toFixed(1)}" y="12" class="col-name">${esc(c.name)}<title>${esc(
      `${c.name}: ${hex32(c.start)}..${hex32(c.end - 1)} (${formatBytes(c.end - c.start)})`,
    )}</title></text>`;
    body += `<text x="${(c.x + 2).toFixed(1)}" y="25" class="col-addr">${hex32(c.start)}</text>`;
  }
  rows.forEach((row, i) => {
    const y = HEAD + i * ROW;
    body += `<g class="row${row.highlight ? " current" : ""}"${row.key === undefined ? "" : ` data-row="${esc(row.key)}"`}>`;
    if (row.highlight)
      body += `<rect x="0" y="${y - 3}" width="${GUTTER + WIDTH}" height="${ROW - 2}" class="row-mark"/>`;
    body += `<text x="${GUTTER - 8}" y="${y + 12}" text-anchor="end" class="row-label">${esc(row.label)}</text>`;
    for (const r of [...row.regions].sort((a, b) => a.number - b.number)) body += regionSvg(r, cols, y);
    body += overlapSvg(row.regions, cols, y);
    body += "</g>";
  });
  return `<svg class="mpu-map" viewBox="0 0 ${GUTTER + WIDTH + 4} ${height}" role="img" aria-label="MPU regions over the memory map of ${esc(
    board.name,
  )}">${body}</svg>`;
}

/**
 * The legend of {@link mpuMapSvg}: each permission's colour and meaning, executable, disabled
 * subregions (PMSAv7) and overlaps (PMSAv8).
 */
export function mpuLegendHtml(): string {
  const items = Object.entries(ACCESS_COLOURS).map(
    ([ap, colour]) =>
      `<span class="legend-item"><i style="background:${colour}"></i><code>${esc(ap)}</code> ${esc(ACCESS_MEANING[ap] ?? "")}</span>`,
  );
  items.push(`<span class="legend-item"><i class="exec"></i>executable (XN = 0)</span>`);
  items.push(`<span class="legend-item"><i class="srd-off"></i>subregion disabled (SRD, PMSAv7)</span>`);
  items.push(
    `<span class="legend-item"><i class="overlap"></i>regions overlap (PMSAv8: every access there faults)</span>`,
  );
  return `<div class="legend">${items.join(" ")}</div>`;
}
