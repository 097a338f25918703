import type { RegionPlan } from "./bootstrap.js";
import type { RegionScan } from "./check.js";
import { hex } from "./errors.js";
import { PageState } from "./layout.js";

/** Options of a page map rendering. */
export interface PageMapOptions {
  /**
   * Characters per line, after the address column: an integer from 1 (below 8 the map uses 8).
   * Default 64.
   */
  readonly width?: number | undefined;
  /**
   * Pages per character: an integer from 1. Default 1, or the smallest power of two that keeps
   * the map within 32 lines. A character shows the most common kind of page in its group.
   */
  readonly pagesPerChar?: number | undefined;
}

const FREE = ".";
const META = "#";
const RESERVED = "R";
const UNKNOWN = "?";
const OWNER_CHARS = "ABCDEFGHIJKLMNOPQSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function size(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/**
 * Renders a region's pages as text: a title line, then lines of `address chars`, then a legend.
 * `.` free, `#` metadata, `R` reserved, `A`..`Z`, `a`..`z`, `0`..`9` owners (in order of first
 * appearance in the region; `R` is skipped), `?` an entry that belongs to no block (corrupt).
 */
export function renderPageMap(
  plan: RegionPlan,
  scan: RegionScan,
  pageSize: number,
  ownerName: (id: number) => string,
  options: PageMapOptions,
): string {
  const g = plan.geometry;
  const width = Math.max(8, options.width ?? 64);
  let per = options.pagesPerChar ?? 1;
  if (options.pagesPerChar === undefined) while (Math.ceil(g.pages / per / width) > 32) per *= 2;
  const chars = new Array<string>(g.pages).fill(UNKNOWN);
  const ownerChar = new Map<number, string>();
  const counts = new Map<string, number>();
  const labels = new Map<string, string>();
  const reservedLabels = new Set<string>();
  for (const b of scan.blocks) {
    let c: string;
    if (b.state === PageState.Free) c = FREE;
    else if (b.state === PageState.Metadata) c = META;
    else if (b.state === PageState.Reserved) {
      c = RESERVED;
      reservedLabels.add(plan.reserved[b.owner]?.label ?? "reserved");
    } else {
      let oc = ownerChar.get(b.owner);
      if (oc === undefined) {
        oc = OWNER_CHARS[ownerChar.size] ?? "*";
        ownerChar.set(b.owner, oc);
        labels.set(oc, labels.has(oc) ? `${labels.get(oc)}, ${ownerName(b.owner)}` : ownerName(b.owner));
      }
      c = oc;
    }
    const n = 2 ** b.order;
    for (let i = 0; i < n; i++) chars[b.pfn - g.pfn0 + i] = c;
    counts.set(c, (counts.get(c) ?? 0) + n);
  }
  if (scan.orphans.length > 0) counts.set(UNKNOWN, scan.orphans.length);
  const groups: string[] = [];
  for (let i = 0; i < g.pages; i += per) {
    const tally = new Map<string, number>();
    let best = chars[i]!;
    for (let j = i; j < Math.min(i + per, g.pages); j++) {
      const c = chars[j]!;
      const t = (tally.get(c) ?? 0) + 1;
      tally.set(c, t);
      if (t > (tally.get(best) ?? 0)) best = c;
    }
    groups.push(best);
  }
  const lines: string[] = [];
  const per1 = per === 1 ? "1 page" : `${per} pages (${size(per * pageSize)}, most common shown)`;
  lines.push(
    `${plan.name} [${hex(plan.start)}, ${hex(plan.end)}) ${plan.kind}, ${g.pages} pages of ${size(pageSize)}, 1 char = ${per1}`,
  );
  for (let i = 0; i < groups.length; i += width) {
    lines.push(`${hex(plan.pageStart + i * per * pageSize)} ${groups.slice(i, i + width).join("")}`);
  }
  const legend: string[] = [];
  const entry = (c: string, what: string) => {
    const n = counts.get(c);
    if (n !== undefined) legend.push(`${c} ${what} (${n})`);
  };
  entry(FREE, "free");
  entry(META, "metadata");
  entry(RESERVED, `reserved: ${[...reservedLabels].join(", ")}`);
  for (const [c, name] of labels) entry(c, name);
  entry(UNKNOWN, "corrupt entry");
  lines.push(`legend (pages): ${legend.join("  ")}`);
  return `${lines.join("\n")}\n`;
}
