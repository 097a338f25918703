import type { MpuRegionInfo, MpuRegionRegisters, Pmsav7RegionRegisters, Pmsav8RegionRegisters } from "../run/result.js";
import { formatBytes, hex32 } from "../shared/format.js";

/** A column of an MPU region table: its header and the text of its cell for one region. */
export interface MpuRegionColumn<R extends MpuRegionRegisters = MpuRegionRegisters> {
  /** Column header text. */
  readonly header: string;
  /** Default "left". */
  readonly align?: "left" | "right";
  /** A register value or bit field (shown in a monospace font in the HTML report). */
  readonly mono?: boolean;
  /** The cell's text for `region` (`registers` is its decoded registers, of this table's architecture). */
  cell(region: MpuRegionInfo, registers: R): string;
}

/** How one MPU architecture's regions are shown: its name, its overlap rule and its columns. */
export interface MpuRegionTable<R extends MpuRegionRegisters = MpuRegionRegisters> {
  /** As the ARM manuals write it: "PMSAv7", "PMSAv8". */
  readonly name: string;
  /** What happens where regions overlap, and outside every region. */
  readonly rule: string;
  /** The columns, left to right. */
  readonly columns: readonly MpuRegionColumn<R>[];
}

const NUMBER: MpuRegionColumn = { header: "#", align: "right", cell: (r) => String(r.number) };
const BASE: MpuRegionColumn = { header: "base", mono: true, cell: (r) => hex32(r.base) };
const SIZE: MpuRegionColumn = { header: "size", align: "right", cell: (r) => formatBytes(r.size) };
const ACCESS: MpuRegionColumn = { header: "access", mono: true, cell: (r) => r.access };
const LABEL: MpuRegionColumn = { header: "for", cell: (r) => r.label };

/** RBAR.SH, short (the shareability domains' names in ARM barrier options). */
const SHAREABILITY: Readonly<Record<string, string>> = {
  "non-shareable": "NSH",
  outer: "OSH",
  inner: "ISH",
  reserved: "reserved",
};

/** The memory a MAIR attribute byte describes, short: "Device-nGnRE", "Normal WB", "Normal NC". */
export function mairName(attr: number, device: string | null): string {
  if (device !== null) return `Device-${device}`;
  const inner = attr & 0xf;
  return `Normal ${inner === 0b0100 ? "NC" : inner & 0b0100 ? "WB" : "WT"}`;
}

/**
 * PMSAv7 (docs/mpu-model.md): base, end and size from RBAR.ADDR and RASR.SIZE, access from
 * RASR.AP, exec from RASR.XN, the memory type from TEX/C/B/S, SRD, and the two words.
 */
const PMSAV7_TABLE: MpuRegionTable<Pmsav7RegionRegisters> = {
  name: "PMSAv7",
  rule: "the highest-numbered region wins where regions overlap; background: privileged only",
  columns: [
    NUMBER,
    BASE,
    { header: "end", mono: true, cell: (r) => hex32(r.base + r.size - 1) },
    SIZE,
    ACCESS,
    { header: "exec", cell: (r) => (r.executable ? "yes" : "XN") },
    { header: "type", cell: (r) => r.memoryType },
    {
      header: "TEX C B S",
      mono: true,
      cell: (_, g) => `${g.tex.toString(2).padStart(3, "0")} ${+g.c} ${+g.b} ${+g.s}`,
    },
    { header: "SRD", mono: true, cell: (r) => (r.srd === 0 ? "-" : `0x${r.srd.toString(16).padStart(2, "0")}`) },
    { header: "RBAR", mono: true, cell: (_, g) => hex32(g.rbar) },
    { header: "RASR", mono: true, cell: (_, g) => hex32(g.rasr) },
    LABEL,
  ],
};

/**
 * PMSAv8 (docs/mpu-model.md): base from RBAR.BASE, limit from RLAR.LIMIT | 0x1F, access from
 * RBAR.AP[2:1], exec from XN (and PXN on ARMv8.1-M), SH, the MAIR attribute RLAR.AttrIndx
 * selects, and the two words.
 */
const PMSAV8_TABLE: MpuRegionTable<Pmsav8RegionRegisters> = {
  name: "PMSAv8",
  rule: "an address two enabled regions both match faults (no overlaps); background: privileged only",
  columns: [
    NUMBER,
    BASE,
    // From RLAR itself: a region with BASE > LIMIT matches nothing (size 0) and keeps its limit.
    { header: "limit", mono: true, cell: (_, g) => hex32((g.rlar | 0x1f) >>> 0) },
    SIZE,
    ACCESS,
    { header: "exec", cell: (r, g) => (!r.executable ? "XN" : g.pxn ? "PXN" : "yes") },
    { header: "SH", cell: (_, g) => SHAREABILITY[g.shareability] ?? g.shareability },
    {
      header: "MAIR attr",
      mono: true,
      cell: (_, g) =>
        `Attr${g.attrIndex}=0x${g.attr.toString(16).toUpperCase().padStart(2, "0")} ${mairName(g.attr, g.device)}`,
    },
    { header: "RBAR", mono: true, cell: (_, g) => hex32(g.rbar) },
    { header: "RLAR", mono: true, cell: (_, g) => hex32(g.rlar) },
    LABEL,
  ],
};

/** How each MPU architecture's regions are shown (one entry per architecture). */
export const MPU_REGION_TABLES: { readonly [A in MpuRegionRegisters["architecture"]]: MpuRegionTable } = {
  pmsav7: PMSAV7_TABLE,
  pmsav8: PMSAV8_TABLE,
};

/** Regions grouped by architecture, in order (a run's regions are all of one architecture). */
export function mpuRegionGroups(regions: readonly MpuRegionInfo[]): {
  /** How regions of this architecture are shown. */
  readonly table: MpuRegionTable;
  /** Consecutive regions of that architecture, in input order. */
  readonly regions: readonly MpuRegionInfo[];
}[] {
  const groups: { table: MpuRegionTable; regions: MpuRegionInfo[] }[] = [];
  for (const r of regions) {
    const table = MPU_REGION_TABLES[r.registers.architecture];
    const last = groups.at(-1);
    if (last?.table === table) last.regions.push(r);
    else groups.push({ table, regions: [r] });
  }
  return groups;
}

/** The cells of one region in a table's columns. */
export function mpuRegionCells(table: MpuRegionTable, region: MpuRegionInfo): string[] {
  return table.columns.map((c) => c.cell(region, region.registers));
}
