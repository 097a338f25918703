import { valueText } from "@rtos-sim/hw";
import type { BlockRecord } from "./blocks.js";
import { MemcheckError } from "./errors.js";
import type { Ledger } from "./ledger.js";
import type { MemoryRange } from "./options.js";
import type { ReportKind } from "./report.js";
import type { Reporter } from "./reporter.js";

/** Options of a leak check. */
export interface LeakOptions {
  /** Only report blocks allocated by this task (reachability still considers every block). */
  readonly task?: number | undefined;
  /** Also report still-reachable blocks (kind `leak-reachable`). Default false. */
  readonly reportReachable?: boolean | undefined;
}

/**
 * The result of a leak check, in Valgrind Memcheck's categories (plus the blocks of tasks still
 * running that no root reaches, which the checker cannot decide: see `held`).
 */
export interface LeakSummary {
  /** No root and no block points into them. */
  readonly definite: readonly BlockRecord[];
  /** Only lost blocks point into them. */
  readonly indirect: readonly BlockRecord[];
  /** Roots reach them, but only through interior pointers somewhere on every path. */
  readonly possible: readonly BlockRecord[];
  /** A chain of pointers to their start reaches them from a root. */
  readonly reachable: readonly BlockRecord[];
  /**
   * Blocks of tasks still running (option `taskAlive`) that no chain of start pointers from a
   * root reaches, and what they point to: the task's registers (the JS variables of its code)
   * may hold them, and no scan sees those. Not reported; found exactly when the task ends.
   */
  readonly held: readonly BlockRecord[];
  /** Sum of the requested sizes of `definite`, in bytes. */
  readonly definiteBytes: number;
  /** Sum of the requested sizes of `indirect`, in bytes. */
  readonly indirectBytes: number;
  /** Sum of the requested sizes of `possible`, in bytes. */
  readonly possibleBytes: number;
  /** Sum of the requested sizes of `reachable`, in bytes. */
  readonly reachableBytes: number;
  /** Sum of the requested sizes of `held`, in bytes. */
  readonly heldBytes: number;
}

/** A range to scan for pointers. */
interface ScanRange {
  readonly start: number;
  readonly size: number;
}

/** Reach states, ordered: a block's state only ever rises. */
const NONE = 0;
const POSSIBLE = 1;
const REACHABLE = 2;

/**
 * Mark and sweep over simulated memory, as Memcheck does. Every aligned word of the roots, then
 * of every reached block, is a candidate pointer. A value pointing at a live block's start
 * reaches it; one pointing inside it (an interior pointer) only possibly reaches it; a block
 * overlapping a root range is reached. A block is reachable when a chain of start pointers
 * leads to it from a root, possibly lost when every chain passes an interior pointer. Then the
 * blocks of running tasks that no start-pointer chain reached, and what they point to, are held
 * (their tasks' registers may point to them). The rest are lost: "definite" when no other lost block points
 * to them (for a cycle of lost blocks, its lowest block), "indirect" when only lost blocks do.
 */
export function scanLeaks(
  live: readonly BlockRecord[],
  roots: readonly ScanRange[],
  peek: (address: number, length: number) => Uint8Array,
  task?: number,
  running: (task: number) => boolean = () => false,
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
  // Every block lies in [low, high): a word outside it (zeros, code, small numbers: most words
  // of a root such as 4 MiB of code in RAM) needs no search.
  const low = blocks.length > 0 ? blocks[0]!.address : 0;
  const high = blocks.reduce((h, b) => Math.max(h, b.address + Math.max(b.size, 1)), 0);
  /** Calls `out(block, isStart)` for every word of the range pointing into a block. */
  const scan = (r: ScanRange, out: (i: number, start: boolean) => void) => {
    const first = (r.start + 3) & ~3;
    const end = r.start + r.size;
    if (end - first < 4 || blocks.length === 0) return;
    const bytes = peek(first >>> 0, (end - first) & ~3);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + 4 <= bytes.length; o += 4) {
      const v = view.getUint32(o, true);
      if (v < low || v >= high) continue;
      const i = find(v);
      if (i >= 0) out(i, v === starts[i]);
    }
  };
  const state = new Uint8Array(blocks.length);
  const work: number[] = [];
  const raise = (i: number, to: number) => {
    if (state[i]! < to) {
      state[i] = to;
      work.push(i);
    }
  };
  const drain = () => {
    while (work.length > 0) {
      const i = work.pop()!;
      const from = state[i]!;
      const b = blocks[i]!;
      scan({ start: b.address, size: b.size }, (j, start) => raise(j, start ? from : POSSIBLE));
    }
  };
  // A block that is itself (partly) a root range is reachable (e.g. a task table added as root).
  blocks.forEach((b, i) => {
    if (roots.some((r) => r.start < b.address + b.size && b.address < r.start + r.size)) raise(i, REACHABLE);
  });
  for (const r of roots) scan(r, (i, start) => raise(i, start ? REACHABLE : POSSIBLE));
  drain();
  // Blocks of running tasks no chain of start pointers reached: their registers may hold their
  // start; so may what they point to.
  const held = new Uint8Array(blocks.length);
  const heldWork: number[] = [];
  const hold = (j: number) => {
    if (state[j] !== REACHABLE && held[j] === 0) {
      held[j] = 1;
      heldWork.push(j);
    }
  };
  blocks.forEach((b, i) => {
    if (running(b.allocated.task)) hold(i);
  });
  while (heldWork.length > 0) {
    const b = blocks[heldWork.pop()!]!;
    scan({ start: b.address, size: b.size }, hold);
  }
  // Among lost blocks: one no other lost block points to is definitely lost, and what it points
  // to (transitively) indirectly lost; a cycle of lost blocks has its lowest block definite.
  const lost = (i: number) => state[i] === NONE && held[i] === 0;
  const edges: number[][] = blocks.map(() => []);
  const pointedByLost = new Uint8Array(blocks.length);
  for (let i = 0; i < blocks.length; i++) {
    if (!lost(i)) continue;
    const b = blocks[i]!;
    scan({ start: b.address, size: b.size }, (j) => {
      if (j !== i && lost(j)) {
        edges[i]!.push(j);
        pointedByLost[j] = 1;
      }
    });
  }
  const kind = new Uint8Array(blocks.length); // 0 unassigned, 1 definite, 2 indirect
  // What a leader points to is indirect, an earlier leader included (as Memcheck demotes a clique
  // leader that a later clique reaches): in the second pass, a block pointed to only from a cycle
  // above it was taken as a leader first, and is then reached from the cycle's leader.
  const flood = (from: number) => {
    const stack = [...edges[from]!];
    while (stack.length > 0) {
      const j = stack.pop()!;
      if (kind[j] === 2 || j === from) continue;
      kind[j] = 2;
      for (const k of edges[j]!) stack.push(k); // not push(...): a block may point to 100,000 others
    }
  };
  for (const pass of [0, 1]) {
    for (let i = 0; i < blocks.length; i++) {
      if (!lost(i) || kind[i] !== 0 || (pass === 0 && pointedByLost[i])) continue;
      kind[i] = 1;
      flood(i);
    }
  }
  const mine = (b: BlockRecord) => task === undefined || b.allocated.task === task;
  const out = {
    definite: [] as BlockRecord[],
    indirect: [] as BlockRecord[],
    possible: [] as BlockRecord[],
    reachable: [] as BlockRecord[],
    held: [] as BlockRecord[],
  };
  blocks.forEach((b, i) => {
    if (!mine(b)) return;
    if (state[i] === REACHABLE) out.reachable.push(b);
    else if (held[i]) out.held.push(b);
    else if (state[i] === POSSIBLE) out.possible.push(b);
    else if (kind[i] === 2) out.indirect.push(b);
    else out.definite.push(b);
  });
  const sum = (l: BlockRecord[]) => l.reduce((n, b) => n + b.size, 0);
  return {
    ...out,
    definiteBytes: sum(out.definite),
    indirectBytes: sum(out.indirect),
    possibleBytes: sum(out.possible),
    reachableBytes: sum(out.reachable),
    heldBytes: sum(out.held),
  };
}

/**
 * A leak check: scans the ledger's roots (image data/bss, added roots, live stack parts, and the
 * blocks of allocators whose leak role is "root": partitions, the kernel heap) and the candidate
 * blocks (role "block") for pointers, files a report per lost block not reported before
 * (`leak-definite`, `leak-indirect`, `leak-possible`; `leak-reachable` on request) and returns
 * the summary.
 */
export function checkLeaks(
  ledger: Ledger,
  reporter: Reporter,
  peek: (address: number, length: number) => Uint8Array,
  options: LeakOptions,
  running: (task: number) => boolean,
): LeakSummary {
  const candidates: BlockRecord[] = [];
  const rootBlocks: MemoryRange[] = [];
  for (const b of ledger.blocks.live.values()) {
    const role = ledger.leakRole(b.allocator);
    if (role === "block") candidates.push(b);
    else if (role === "root" && b.size > 0) rootBlocks.push({ start: b.address, size: b.size });
  }
  const summary = scanLeaks(candidates, [...ledger.scanRoots(), ...rootBlocks], peek, options.task, running);
  const emit = (kind: ReportKind, list: readonly BlockRecord[], what: string) => {
    for (const b of list) {
      if (ledger.leaksReported.get(b) === kind) continue;
      ledger.leaksReported.set(b, kind);
      reporter.leak(kind, `${b.size} bytes ${what}`, b);
    }
  };
  emit("leak-definite", summary.definite, "definitely lost");
  emit("leak-indirect", summary.indirect, "indirectly lost");
  emit("leak-possible", summary.possible, "possibly lost");
  if (options.reportReachable) emit("leak-reachable", summary.reachable, "still reachable");
  return summary;
}

/**
 * The summary as Valgrind prints it at exit.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { formatLeakSummary, MemoryChecker } from "@rtos-sim/memcheck";
 * const m = createMachine(STM32F407);
 * const checker = new MemoryChecker(m, { onError: "continue" }).attach();
 * checker.pagesGiven(0x20000000, 1024, "heap");
 * checker.blockAllocated(0x20000010, 48, "heap"); // a block no pointer in memory reaches
 * console.log(formatLeakSummary(checker.checkLeaks()).join("\n"));
 * // LEAK SUMMARY:
 * //     definitely lost: 48 bytes in 1 blocks
 * //     indirectly lost: 0 bytes in 0 blocks
 * //       possibly lost: 0 bytes in 0 blocks
 * //     still reachable: 0 bytes in 0 blocks
 * ```
 */
export function formatLeakSummary(s: LeakSummary): string[] {
  if (typeof s !== "object" || s === null || !Array.isArray(s.definite) || typeof s.definiteBytes !== "number") {
    throw new MemcheckError(
      "REPORT_INVALID",
      `formatLeakSummary takes a leak summary (checkLeaks()), got ${valueText(s)}`,
      { value: valueText(s) },
    );
  }
  const line = (name: string, bytes: number, blocks: number) =>
    `${name.padStart(19)}: ${bytes} bytes in ${blocks} blocks`;
  const out = [
    "LEAK SUMMARY:",
    line("definitely lost", s.definiteBytes, s.definite.length),
    line("indirectly lost", s.indirectBytes, s.indirect.length),
    line("possibly lost", s.possibleBytes, s.possible.length),
    line("still reachable", s.reachableBytes, s.reachable.length),
  ];
  if (s.held.length > 0) {
    out.push(`${line("held, task not ended", s.heldBytes, s.held.length)} (maybe in its registers: not decided)`);
  }
  return out;
}
