import { hex, RegionError } from "./errors.js";
import { Geometry, type PageAllocatorKind, PageState } from "./layout.js";

/** A memory region to manage, e.g. one of `board.memory` (read-only regions are refused). */
export interface RegionSpec {
  /** Unique name, e.g. "SRAM1", "CCM". */
  readonly name: string;
  /** First byte address. */
  readonly start: number;
  /** Size in bytes. */
  readonly size: number;
  /** Board regions carry it; a read-only region cannot hold metadata (`BAD_REGION`). */
  readonly readOnly?: boolean | undefined;
}

/** Bytes of a region that no allocation may ever hand out (vector table, .data, .bss, kernel stacks). */
export interface ReservedRange {
  /** First byte address. */
  readonly start: number;
  /** Size in bytes (> 0); the pages it touches are reserved whole. */
  readonly size: number;
  /** Shown in page maps and page queries, e.g. ".data+.bss". */
  readonly label: string;
}

/** Where the bootstrap put things in one region: everything the manager needs that never changes. */
export interface RegionPlan {
  /** The region's name (merged regions: the parts joined with "+"). */
  readonly name: string;
  /** Names of the board regions it covers (one unless contiguous regions were merged). */
  readonly parts: readonly string[];
  /** First byte address of the region (not necessarily page-aligned). */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** Its page allocator. */
  readonly kind: PageAllocatorKind;
  /** Where each metadata field sits. */
  readonly geometry: Geometry;
  /** Address of the first page of the span (page-aligned). */
  readonly pageStart: number;
  /** One past the last page of the span. */
  readonly pageEnd: number;
  /** Metadata base address (page-aligned). */
  readonly metaBase: number;
  /** Entries of metadata and reserved pages (0 for available pages), indexed by page. */
  readonly fixed: Uint32Array;
  /** Pages marked reserved (the metadata pages not counted). */
  readonly reservedPages: number;
  /** Reserved ranges (indices match the entries' range index). */
  readonly reserved: readonly ReservedRange[];
}

/** Bootstrap options after defaults. */
export interface PlanInput {
  readonly pageOrder: number;
  readonly regions: readonly RegionSpec[];
  readonly allocator: PageAllocatorKind | Readonly<Record<string, PageAllocatorKind>>;
  readonly reserved: readonly ReservedRange[];
  readonly mergeContiguous: boolean;
}

const isU32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 32;

/**
 * Validates the bootstrap options and plans every region (page span, metadata place, reserved
 * pages). Pure: nothing is written; every error is raised here, before any memory changes.
 */
export function planRegions(input: PlanInput): RegionPlan[] {
  const P = input.pageOrder;
  if (!Number.isInteger(P) || P < 5 || P > 16) {
    throw new RegionError("BAD_PAGE_ORDER", `PAGE_ORDER must be an integer in 5..16, got ${String(P)}`, {
      pageOrder: P,
    });
  }
  const page = 2 ** P;
  if (!Array.isArray(input.regions) || input.regions.length === 0) {
    throw new RegionError("BAD_REGION", "regions must be a non-empty array", { field: "regions" });
  }
  const names = new Set<string>();
  for (const [i, r] of input.regions.entries()) {
    const field = `regions[${i}]`;
    if (typeof r !== "object" || r === null || typeof r.name !== "string" || r.name.length === 0) {
      throw new RegionError("BAD_REGION", `${field}.name must be a non-empty string`, { field: `${field}.name` });
    }
    if (names.has(r.name)) {
      throw new RegionError("BAD_REGION", `duplicate region name "${r.name}"`, {
        field: `${field}.name`,
        region: r.name,
      });
    }
    names.add(r.name);
    if (!isU32(r.start) || !isU32(r.size) || r.size === 0 || r.start + r.size > 2 ** 32) {
      throw new RegionError(
        "BAD_REGION",
        `region "${r.name}": start and size must be integers, size > 0, end <= 4 GiB`,
        {
          region: r.name,
          start: r.start,
          size: r.size,
        },
      );
    }
    if (r.readOnly === true) {
      throw new RegionError("BAD_REGION", `region "${r.name}" is read-only: it cannot hold page metadata`, {
        region: r.name,
      });
    }
  }
  const sorted = [...input.regions].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.start < a.start + a.size) {
      throw new RegionError(
        "REGIONS_OVERLAP",
        `region "${a.name}" [${hex(a.start)}, ${hex(a.start + a.size)}) overlaps "${b.name}" at ${hex(b.start)}`,
        { first: a.name, second: b.name, address: b.start },
      );
    }
  }
  const groups: RegionSpec[][] = [];
  for (const r of sorted) {
    const g = groups[groups.length - 1];
    const last = g?.[g.length - 1];
    if (g && last && input.mergeContiguous && last.start + last.size === r.start) g.push(r);
    else groups.push([r]);
  }
  const kindOf = checkAllocators(input.allocator, groups);
  const reserved = checkReserved(input.reserved, groups);
  return groups.map((parts) => planOne(parts, P, page, kindOf(parts), reserved));
}

function checkAllocators(
  allocator: PlanInput["allocator"],
  groups: readonly RegionSpec[][],
): (parts: readonly RegionSpec[]) => PageAllocatorKind {
  const valid = (k: unknown): k is PageAllocatorKind => k === "buddy" || k === "list";
  if (typeof allocator === "string" || typeof allocator !== "object" || allocator === null) {
    if (!valid(allocator)) {
      throw new RegionError("BAD_ALLOCATOR", `allocator must be "buddy" or "list", got ${String(allocator)}`, {
        allocator,
      });
    }
    return () => allocator;
  }
  const known = new Set<string>();
  for (const g of groups) {
    for (const r of g) known.add(r.name);
    known.add(g.map((r) => r.name).join("+"));
  }
  for (const [name, kind] of Object.entries(allocator)) {
    if (!known.has(name)) {
      throw new RegionError("BAD_ALLOCATOR", `allocator given for unknown region "${name}"`, { region: name });
    }
    if (!valid(kind)) {
      throw new RegionError("BAD_ALLOCATOR", `region "${name}": allocator must be "buddy" or "list"`, {
        region: name,
        allocator: kind,
      });
    }
  }
  return (parts) => {
    const merged = parts.map((r) => r.name).join("+");
    return allocator[merged] ?? parts.map((r) => allocator[r.name]).find((k) => k !== undefined) ?? "buddy";
  };
}

function checkReserved(ranges: readonly ReservedRange[], groups: readonly RegionSpec[][]): readonly ReservedRange[] {
  if (!Array.isArray(ranges)) throw new RegionError("BAD_RESERVED", "reserved must be an array", {});
  for (const [i, r] of ranges.entries()) {
    if (typeof r !== "object" || r === null || !isU32(r.start) || !isU32(r.size) || r.size === 0) {
      throw new RegionError("BAD_RESERVED", `reserved[${i}]: start and size must be integers, size > 0`, { index: i });
    }
    if (typeof r.label !== "string" || r.label.length === 0) {
      throw new RegionError("BAD_RESERVED", `reserved[${i}]: label must be a non-empty string`, { index: i });
    }
    const end = r.start + r.size;
    const inside = groups.some((g) => r.start >= g[0]!.start && end <= g[g.length - 1]!.start + g[g.length - 1]!.size);
    if (!inside) {
      throw new RegionError(
        "BAD_RESERVED",
        `reserved "${r.label}" [${hex(r.start)}, ${hex(end)}) lies outside every region`,
        {
          index: i,
          label: r.label,
          start: r.start,
          size: r.size,
        },
      );
    }
  }
  return ranges;
}

function planOne(
  parts: readonly RegionSpec[],
  P: number,
  page: number,
  kind: PageAllocatorKind,
  allReserved: readonly ReservedRange[],
): RegionPlan {
  const name = parts.map((r) => r.name).join("+");
  const start = parts[0]!.start;
  const last = parts[parts.length - 1]!;
  const end = last.start + last.size;
  const pageStart = Math.ceil(start / page) * page;
  const pageEnd = Math.floor(end / page) * page;
  const pages = Math.max(0, (pageEnd - pageStart) / page);
  if (pages < 2 || (kind === "list" && pages >= 0x0fffffff)) {
    throw new RegionError("REGION_TOO_SMALL", `region "${name}" has ${pages} whole pages of ${page} B`, {
      region: name,
      pages,
      pageSize: page,
    });
  }
  const reserved = allReserved.filter((r) => r.start >= start && r.start + r.size <= end);
  const fixed = new Uint32Array(pages);
  let reservedPages = 0;
  for (const r of reserved) {
    const index = allReserved.indexOf(r);
    const a = Math.max(pageStart, Math.floor(r.start / page) * page);
    const b = Math.min(pageEnd, Math.ceil((r.start + r.size) / page) * page);
    for (let p = a; p < b; p += page) {
      const i = (p - pageStart) / page;
      if (fixed[i] === 0) {
        fixed[i] = PageState.Reserved | (index << 16);
        reservedPages++;
      }
    }
  }
  const geometry = new Geometry(P, kind, pageStart / page, pages);
  const need = geometry.metaPages;
  let run = 0;
  let at = -1;
  for (let i = 0; i < pages && at < 0; i++) {
    run = fixed[i] === 0 ? run + 1 : 0;
    if (run === need) at = i - need + 1;
  }
  if (at < 0 || pages - reservedPages - need < 1) {
    throw new RegionError(
      "REGION_TOO_SMALL",
      `region "${name}": ${pages} pages (${reservedPages} reserved) cannot hold ${need} metadata pages and one page to allocate`,
      { region: name, pages, reservedPages, metadataPages: need, pageSize: page },
    );
  }
  for (let i = at; i < at + need; i++) fixed[i] = PageState.Metadata;
  return {
    name,
    parts: parts.map((r) => r.name),
    start,
    end,
    kind,
    geometry,
    pageStart,
    pageEnd,
    metaBase: pageStart + at * page,
    fixed,
    reservedPages,
    reserved: allReserved,
  };
}
