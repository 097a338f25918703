import type { MemoryPort } from "@rtos-sim/hw";
import type { RegionPlan } from "./bootstrap.js";
import { hex } from "./errors.js";
import { GIVEN, Hdr, HEADER_BYTES, LEVEL_STRIDE, LIST_NIL, MAGIC, PageState } from "./layout.js";

/** Kinds of inconsistency the consistency check (`checkRegion`) reports. */
export type ProblemCode =
  /** A header field differs from the bootstrap's layout (magic, page order, kind, span). */
  | "BAD_HEADER"
  /** A page entry holds an impossible state or order. */
  | "BAD_ENTRY"
  /** A page belongs to no block (a tail page with no head below it). */
  | "ORPHAN_PAGE"
  /** A metadata or reserved page lost its mark, or another page carries one. */
  | "FIXED_PAGE"
  /** A free bitmap or summary word disagrees with the free blocks the entries describe. */
  | "FREE_BITMAP"
  /** The list allocator's free list is broken (cycle, bad index, non-free page, missing page). */
  | "FREE_LIST"
  /** The header's free page counter disagrees with the free blocks. */
  | "FREE_COUNT"
  /** Two free buddies of the same order were not merged. */
  | "UNMERGED";

/** One inconsistency in a region's metadata, with the metadata address at fault. */
export interface ConsistencyProblem {
  /** What kind of inconsistency. */
  readonly code: ProblemCode;
  /** The region's name (as in {@link RegionPlan.name}). */
  readonly region: string;
  /** Address of the metadata word that is wrong (header field, page entry, bitmap word). */
  readonly address: number;
  /** Human-readable description naming the page or word. */
  readonly message: string;
}

/** A block found in the page entries. `owner` is the owner id (allocated) or the reserved range index. */
export interface ScannedBlock {
  /** Page frame number of its first page (address >> PAGE_ORDER). */
  readonly pfn: number;
  /** log2 of its pages (0 for list regions and for reserved and metadata pages). */
  readonly order: number;
  /** The state of its first page's entry (Free, Allocated, Reserved or Metadata). */
  readonly state: PageState;
  /** Owner id (Allocated) or reserved range index (Reserved); 0 otherwise. */
  readonly owner: number;
}

/** A region's page entries read back from memory, as blocks in address order. */
export interface RegionScan {
  /** The blocks, in address order. */
  readonly blocks: readonly ScannedBlock[];
  /** Page frame numbers that belong to no valid block. */
  readonly orphans: readonly number[];
}

/**
 * Reads a region's page entries and cuts them into blocks (tolerates corruption: what makes no
 * sense goes to `orphans`, and to `problems` when given).
 */
export function scanRegion(
  m: MemoryPort,
  plan: RegionPlan,
  problems?: ConsistencyProblem[],
  ownerCount = 0xffff,
): RegionScan {
  const g = plan.geometry;
  const entries = plan.metaBase + HEADER_BYTES;
  const blocks: ScannedBlock[] = [];
  const orphans: number[] = [];
  const report = (code: ProblemCode, address: number, message: string) =>
    problems?.push({ code, region: plan.name, address, message });
  let i = 0;
  while (i < g.pages) {
    const pfn = g.pfn0 + i;
    const ea = entries + 4 * i;
    const e = m.read32(ea);
    const state = e & 7;
    const page = hex(pfn * 2 ** g.pageOrder);
    if (state > PageState.Metadata || state === PageState.Tail) {
      if (state === PageState.Tail) report("ORPHAN_PAGE", ea, `page ${page} is a tail page outside any block`);
      else report("BAD_ENTRY", ea, `page ${page} has state ${state}`);
      orphans.push(pfn);
      i++;
      continue;
    }
    const sized = g.kind === "buddy" && (state === PageState.Free || state === PageState.Allocated);
    const order = sized ? (e >>> 4) & 31 : 0;
    const bad =
      order > g.maxOrder ||
      pfn % 2 ** order !== 0 ||
      pfn + 2 ** order > g.pfn1 ||
      (g.kind === "list" && state === PageState.Allocated && ((e >>> 4) & 31) !== 0);
    if (bad) {
      report("BAD_ENTRY", ea, `page ${page}: block of order ${order} is misaligned or too large`);
      orphans.push(pfn);
      i++;
      continue;
    }
    let n = 1;
    while (n < 2 ** order && (m.read32(ea + 4 * n) & ~GIVEN) === PageState.Tail) n++;
    if (n < 2 ** order) {
      report(
        "BAD_ENTRY",
        ea + 4 * n,
        `page ${hex((pfn + n) * 2 ** g.pageOrder)} is a head inside the block at ${page}`,
      );
      for (let j = 0; j < n; j++) orphans.push(pfn + j);
      i += n;
      continue;
    }
    const spare =
      state === PageState.Allocated
        ? e & 0xfe00
        : state === PageState.Free && g.kind === "buddy"
          ? e & 0xfffffe00
          : state === PageState.Free
            ? 0
            : (e & 0xffff) !== state;
    if (spare) report("BAD_ENTRY", ea, `page ${page}: unused entry bits are set (${hex(e)})`);
    const owner = state === PageState.Allocated || state === PageState.Reserved ? e >>> 16 : 0;
    if (state === PageState.Allocated && (owner === 0 || owner > ownerCount)) {
      report("BAD_ENTRY", ea, `page ${page}: owner id ${owner} was never registered`);
    }
    blocks.push({ pfn, order, state: state as PageState, owner });
    i += n;
  }
  return { blocks, orphans };
}

/** Verifies one region's metadata (see `RegionManager.consistencyCheck`); owner ids above `ownerCount` are problems. */
export function checkRegion(m: MemoryPort, plan: RegionPlan, ownerCount: number): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = [];
  const g = plan.geometry;
  const b = plan.metaBase;
  const report = (code: ProblemCode, address: number, message: string) =>
    problems.push({ code, region: plan.name, address, message });
  const header: [number, number, number, string][] = [
    [Hdr.Magic, 4, MAGIC, "magic"],
    [Hdr.PageOrder, 1, g.pageOrder, "page order"],
    [Hdr.Kind, 1, g.kind === "buddy" ? 0 : 1, "allocator kind"],
    [Hdr.MaxOrder, 1, g.maxOrder, "largest order"],
    [Hdr.Base, 4, plan.pageStart, "first page"],
    [Hdr.Pages, 4, g.pages, "page count"],
    [Hdr.MetaPages, 4, g.metaPages, "metadata pages"],
  ];
  for (const [off, size, want, what] of header) {
    const got = size === 1 ? m.read8(b + off) : m.read32(b + off);
    if (got !== want >>> 0) report("BAD_HEADER", b + off, `header ${what} is ${hex(got)}, expected ${hex(want)}`);
  }
  for (const off of [0x07, ...Array.from({ length: 9 }, (_, i) => 0x1c + 4 * i)]) {
    const got = off === 0x07 ? m.read8(b + off) : m.read32(b + off);
    if (got !== 0) report("BAD_HEADER", b + off, `header spare bytes at +${hex(off)} are ${hex(got)}, expected 0`);
  }
  const scan = scanRegion(m, plan, problems, ownerCount);
  const entries = b + HEADER_BYTES;
  let free = 0;
  for (const blk of scan.blocks) {
    const i = blk.pfn - g.pfn0;
    const fixed = plan.fixed[i]!;
    const isFixed = blk.state === PageState.Reserved || blk.state === PageState.Metadata;
    if (isFixed ? m.read32(entries + 4 * i) !== fixed : fixed !== 0) {
      report("FIXED_PAGE", entries + 4 * i, `page ${hex(blk.pfn * 2 ** g.pageOrder)} should be ${describe(fixed)}`);
    }
    if (blk.state === PageState.Free) free += 2 ** blk.order;
  }
  for (const pfn of scan.orphans) {
    const i = pfn - g.pfn0;
    if (plan.fixed[i] !== 0) {
      report(
        "FIXED_PAGE",
        entries + 4 * i,
        `page ${hex(pfn * 2 ** g.pageOrder)} should be ${describe(plan.fixed[i]!)}`,
      );
    }
  }
  const counter = m.read32(b + Hdr.FreePages);
  if (counter !== free) report("FREE_COUNT", b + Hdr.FreePages, `free page counter is ${counter}, blocks hold ${free}`);
  if (g.kind === "buddy") checkBitmaps(m, plan, scan, report);
  else checkList(m, plan, scan, report);
  return problems;
}

function describe(fixed: number): string {
  const s = fixed & 7;
  return s === PageState.Metadata ? "a metadata page" : s === PageState.Reserved ? "a reserved page" : "allocatable";
}

type Report = (code: ProblemCode, address: number, message: string) => void;

function checkBitmaps(m: MemoryPort, plan: RegionPlan, scan: RegionScan, report: Report): void {
  const g = plan.geometry;
  const b = plan.metaBase;
  const freeAt = new Map<number, number>();
  const expected: Uint32Array[] = [];
  for (let k = 0; k <= g.maxOrder; k++) expected.push(new Uint32Array(g.levelWords[k * LEVEL_STRIDE]!));
  for (const blk of scan.blocks) {
    if (blk.state !== PageState.Free) continue;
    freeAt.set(blk.pfn, blk.order);
    const s = blk.pfn / 2 ** blk.order - g.slotBase[blk.order]!;
    const words = expected[blk.order]!;
    words[s >>> 5] = (words[s >>> 5]! | (1 << (s & 31))) >>> 0;
  }
  let mask = 0;
  for (let k = 0; k <= g.maxOrder; k++) {
    let want = expected[k]!;
    for (let l = 0; l < g.levels[k]!; l++) {
      const off = b + g.levelOffset[k * LEVEL_STRIDE + l]!;
      const next = new Uint32Array(Math.ceil(want.length / 32));
      for (let w = 0; w < want.length; w++) {
        const got = m.read32(off + 4 * w);
        if (got !== want[w]) {
          report(
            "FREE_BITMAP",
            off + 4 * w,
            `order ${k} level ${l} word ${w} is ${hex(got)}, expected ${hex(want[w]!)}`,
          );
        }
        if (want[w] !== 0) next[w >>> 5] = (next[w >>> 5]! | (1 << (w & 31))) >>> 0;
      }
      want = next;
    }
    if (expected[k]!.some((w) => w !== 0)) mask |= 1 << k;
  }
  const got = m.read32(b + Hdr.Head);
  if (got !== mask >>> 0) report("FREE_BITMAP", b + Hdr.Head, `order mask is ${hex(got)}, expected ${hex(mask)}`);
  for (const [pfn, k] of freeAt) {
    const buddy = pfn ^ (2 ** k);
    if (k < g.maxOrder && pfn < buddy && freeAt.get(buddy) === k) {
      report(
        "UNMERGED",
        b + HEADER_BYTES + 4 * (buddy - g.pfn0),
        `free buddies of order ${k} at pages ${pfn}, ${buddy}`,
      );
    }
  }
}

function checkList(m: MemoryPort, plan: RegionPlan, scan: RegionScan, report: Report): void {
  const g = plan.geometry;
  const entries = plan.metaBase + HEADER_BYTES;
  const seen = new Uint8Array(g.pages);
  let at = plan.metaBase + Hdr.Head;
  let i = m.read32(at);
  let steps = 0;
  while (i !== LIST_NIL) {
    if (i >= g.pages || seen[i] === 1 || steps > g.pages) {
      report("FREE_LIST", at, `free list link ${i} is out of range or loops`);
      return;
    }
    const e = m.read32(entries + 4 * i);
    if ((e & 7) !== PageState.Free) {
      report("FREE_LIST", at, `free list reaches page ${i}, which is not free`);
      return;
    }
    seen[i] = 1;
    steps++;
    at = entries + 4 * i;
    i = e >>> 4;
  }
  for (const blk of scan.blocks) {
    const j = blk.pfn - g.pfn0;
    if (blk.state === PageState.Free && seen[j] !== 1) {
      report("FREE_LIST", entries + 4 * j, `free page ${hex(blk.pfn * 2 ** g.pageOrder)} is not on the free list`);
    }
  }
}
