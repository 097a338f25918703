import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEAP_KIND_NAMES, type HeapKind } from "./heaps/table.js";
import type { TaskContext } from "./task-context.js";
import { bootTest } from "./test-kit.js";

/** One step of a correct program: it touches only the blocks it holds. */
type Op =
  | { readonly op: "malloc"; readonly size: number }
  | { readonly op: "calloc"; readonly n: number; readonly size: number }
  | { readonly op: "realloc"; readonly pick: number; readonly size: number }
  | { readonly op: "free"; readonly pick: number }
  | { readonly op: "huge"; readonly size: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("malloc" as const), size: fc.integer({ min: 1, max: 300 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("calloc" as const),
      n: fc.integer({ min: 1, max: 8 }),
      size: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("realloc" as const),
      pick: fc.nat(),
      size: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("free" as const), pick: fc.nat() }) },
  // Larger than any 4 KiB heap, within the 16 MiB limit: out of memory either way.
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("huge" as const), size: fc.integer({ min: 8192, max: 1 << 24 }) }),
  },
);

/**
 * What a trace may hold at once, so that redzones never decide an answer: a quarter of what a
 * TLSF or first-fit heap can hand out (TLSF's control block takes 1,636 of its 4 KiB: at 1,024
 * bytes, redzones and the layout they shift left no 297-byte hole where the bare heap had one,
 * a trace found at 30 times this test's runs); for a slab array, whose pages go to per-class slabs
 * (redzones move a request up a class or two), four blocks of at most 64 bytes.
 */
const LIMITS: Readonly<Record<HeapKind, { readonly bytes: number; readonly blocks: number; readonly size: number }>> = {
  tlsf: { bytes: 600, blocks: 8, size: 300 },
  heap: { bytes: 1024, blocks: 8, size: 300 },
  "slab-array": { bytes: 256, blocks: 4, size: 64 },
};

/**
 * Runs a trace as one task and returns what the program saw: each call's outcome (NULL or not)
 * and whether every block held the bytes the program wrote. The program fills each block it gets
 * with a pattern and checks it before each free and after each realloc (the kept bytes).
 */
function outcomes(ops: readonly Op[], heap: HeapKind, memcheck: boolean) {
  const k = bootTest({ memcheck });
  const seen: string[] = [];
  const limit = LIMITS[heap];
  const fits = (holds: number, count: number, size: number) =>
    size <= limit.size && holds + size <= limit.bytes && count < limit.blocks;
  k.spawn({
    name: "prog",
    heap,
    *main(t: TaskContext) {
      const live: { p: number; size: number; tag: number }[] = [];
      const holds = () => live.reduce((n, b) => n + b.size, 0);
      const intact = (b: { p: number; size: number; tag: number }, n = b.size) =>
        [...t.readBytes(b.p, n)].every((x) => x === b.tag);
      let tag = 1;
      for (const o of ops) {
        if (o.op === "malloc" || o.op === "calloc" || o.op === "huge") {
          const size = o.op === "calloc" ? o.n * o.size : o.size;
          if (o.op !== "huge" && !fits(holds(), live.length, size)) continue;
          const p = o.op === "calloc" ? yield* t.calloc(o.n, o.size) : yield* t.malloc(size);
          const zeroed = o.op === "calloc" && p !== 0 ? [...t.readBytes(p, size)].every((x) => x === 0) : true;
          seen.push(`${o.op} ${p !== 0} ${zeroed}`);
          if (p === 0) continue;
          tag = (tag % 250) + 1;
          t.memset(p, tag, size);
          live.push({ p, size, tag });
        } else if (o.op === "free") {
          if (live.length === 0) continue;
          const b = live.splice(o.pick % live.length, 1)[0]!;
          seen.push(`free ${intact(b)}`);
          yield* t.free(b.p);
        } else {
          if (live.length === 0) continue;
          const i = o.pick % live.length;
          const b = live[i]!;
          if (!fits(holds() - b.size, live.length - 1, o.size)) continue;
          const q = yield* t.realloc(b.p, o.size);
          if (o.size === 0) {
            live.splice(i, 1);
            seen.push(`realloc-free ${q === 0}`);
            continue;
          }
          const kept = q !== 0 && intact({ ...b, p: q }, Math.min(b.size, o.size));
          seen.push(`realloc ${q !== 0} ${q === 0 || kept}`);
          if (q === 0) continue;
          tag = (tag % 250) + 1;
          t.memset(q, tag, o.size);
          live[i] = { p: q, size: o.size, tag };
        }
      }
      for (const b of live) {
        seen.push(`end ${intact(b)}`);
        yield* t.free(b.p);
      }
    },
  });
  k.run({ ms: 50 });
  return { seen, faults: k.faults.map((f) => f.message), reports: (k.checker?.reports ?? []).map((r) => r.kind) };
}

describe("a correct program behaves the same with the checker on", () => {
  it("random malloc/calloc/realloc/free traces: the same answers and bytes, no fault, no report", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 20, maxLength: 80 }),
        fc.constantFrom(...HEAP_KIND_NAMES),
        (ops, heap) => {
          const off = outcomes(ops, heap, false);
          const on = outcomes(ops, heap, true);
          expect(on.seen).toEqual(off.seen);
          // The program's own checks: every block kept its bytes, every calloc block was zeroed.
          expect(off.seen.filter((s) => /^(free|end) false$| true false$/.test(s))).toEqual([]);
          expect([on.faults, on.reports, off.faults]).toEqual([[], [], []]);
        },
      ),
      { seed: 0x5eee1, numRuns: 96 },
    );
  });
});
