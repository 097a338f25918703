import type { BlockRecord } from "./blocks.js";
import type { Ledger } from "./ledger.js";
import type { ReportKind } from "./report.js";
import type { Reporter } from "./reporter.js";

/** Options of a leak check. */
export interface LeakOptions {
  /** Only report blocks allocated by this task (reachability still considers every block). */
  readonly task?: number;
  /** Also report still-reachable blocks (kind `leak-reachable`). Default false. */
  readonly reportReachable?: boolean;
}

/** The result of a leak check, Memcheck's categories. */
export interface LeakSummary {
  /** No root and no block points into them. */
  readonly definite: readonly BlockRecord[];
  /** Only lost blocks point into them. */
  readonly indirect: readonly BlockRecord[];
  /** A chain of pointers from a root reaches them. */
  readonly reachable: readonly BlockRecord[];
  readonly definiteBytes: number;
  readonly indirectBytes: number;
  readonly reachableBytes: number;
}

/** A range to scan for pointers. */
interface ScanRange {
  readonly start: number;
  readonly size: number;
}

/**
 * Mark and sweep over simulated memory: every aligned word of the roots, then of every reached
 * block, is a candidate pointer; a value pointing into [start, start + size) of a live block
 * (start or interior) reaches it; a block overlapping a root range is reached. Blocks not
 * reached are lost, as Memcheck sorts them: "definite" when no other lost block points to them
 * (or, for a cycle of lost blocks, the lowest block of the cycle), "indirect" when they are
 * reached only through a definitely lost block.
 */
export function scanLeaks(
  live: readonly BlockRecord[],
  roots: readonly ScanRange[],
  peek: (address: number, length: number) => Uint8Array,
  task?: number,
): LeakSummary {
  const blocks = [...live].sort((a, b) => a.address - b.address);
  const starts = blocks.map((b) => b.address);
  const find = (v: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= v) lo = mid + 1;
      else hi = mid - 1;
    }
    const b = blocks[hi];
    return b && v < b.address + Math.max(b.size, 1) ? hi : -1;
  };
  const scan = (r: ScanRange, out: (i: number) => void) => {
    const first = (r.start + 3) & ~3;
    const end = r.start + r.size;
    if (end - first < 4) return;
    const bytes = peek(first >>> 0, (end - first) & ~3);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + 4 <= bytes.length; o += 4) {
      const i = find(view.getUint32(o, true));
      if (i >= 0) out(i);
    }
  };
  const reached = new Uint8Array(blocks.length);
  const work: number[] = [];
  const mark = (i: number) => {
    if (reached[i] === 0) {
      reached[i] = 1;
      work.push(i);
    }
  };
  // A block that is itself (partly) a root range is reachable (e.g. a task table added as root).
  blocks.forEach((b, i) => {
    if (roots.some((r) => r.start < b.address + b.size && b.address < r.start + r.size)) mark(i);
  });
  for (const r of roots) scan(r, mark);
  const drain = () => {
    while (work.length > 0) {
      const b = blocks[work.pop()!]!;
      scan({ start: b.address, size: b.size }, mark);
    }
  };
  drain();
  // Among lost blocks: one no other lost block points to is definitely lost, and what it points
  // to (transitively) indirectly lost; a cycle of lost blocks has its lowest block definite.
  const edges: number[][] = blocks.map(() => []);
  const pointedByLost = new Uint8Array(blocks.length);
  for (let i = 0; i < blocks.length; i++) {
    if (reached[i]) continue;
    const b = blocks[i]!;
    scan({ start: b.address, size: b.size }, (j) => {
      if (j !== i && !reached[j]) {
        edges[i]!.push(j);
        pointedByLost[j] = 1;
      }
    });
  }
  const kind = new Uint8Array(blocks.length); // 0 unassigned, 1 definite, 2 indirect
  const flood = (from: number) => {
    const stack = [...edges[from]!];
    while (stack.length > 0) {
      const j = stack.pop()!;
      if (kind[j] !== 0) continue;
      kind[j] = 2;
      stack.push(...edges[j]!);
    }
  };
  for (const pass of [0, 1]) {
    for (let i = 0; i < blocks.length; i++) {
      if (reached[i] || kind[i] !== 0 || (pass === 0 && pointedByLost[i])) continue;
      kind[i] = 1;
      flood(i);
    }
  }
  const mine = (b: BlockRecord) => task === undefined || b.allocated.task === task;
  const definite: BlockRecord[] = [];
  const indirect: BlockRecord[] = [];
  const reachable: BlockRecord[] = [];
  blocks.forEach((b, i) => {
    if (!mine(b)) return;
    if (reached[i]) reachable.push(b);
    else if (kind[i] === 2) indirect.push(b);
    else definite.push(b);
  });
  const sum = (l: BlockRecord[]) => l.reduce((n, b) => n + b.size, 0);
  return {
    definite,
    indirect,
    reachable,
    definiteBytes: sum(definite),
    indirectBytes: sum(indirect),
    reachableBytes: sum(reachable),
  };
}

/**
 * A leak check: scans the ledger's roots (image data/bss, added roots, live stack parts) and live
 * blocks for pointers, files a report per lost block (`leak-definite`, `leak-indirect`;
 * `leak-reachable` on request) and returns the summary.
 */
export function checkLeaks(
  ledger: Ledger,
  reporter: Reporter,
  peek: (address: number, length: number) => Uint8Array,
  options: LeakOptions,
): LeakSummary {
  const summary = scanLeaks([...ledger.blocks.live.values()], ledger.scanRoots(), peek, options.task);
  const emit = (kind: ReportKind, list: readonly BlockRecord[], what: string) => {
    for (const b of list) reporter.leak(kind, `${b.size} bytes ${what}`, b);
  };
  emit("leak-definite", summary.definite, "definitely lost");
  emit("leak-indirect", summary.indirect, "indirectly lost");
  if (options.reportReachable) emit("leak-reachable", summary.reachable, "still reachable");
  return summary;
}
