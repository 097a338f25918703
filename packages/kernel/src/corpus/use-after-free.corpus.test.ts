/**
 * Corpus, use after free (ASan's heap-use-after-free tests, Memcheck's "Address ... is N bytes
 * inside a block of size M free'd"): read and write right after the free, after other
 * allocations the quarantine holds, after the quarantine let the block go (still a use after
 * free until the allocator hands the bytes out again), after they were handed out again (not
 * seen: the design's limit, as ASan's and Memcheck's once the block leaves their quarantine), a
 * pointer kept across a realloc that moved the block, `realloc(p, 0)`, a freed buffer given to
 * a syscall, and pages a slab array gave back to its page pool (KASAN's use-after-free of pages).
 */
import { describe, expect, it } from "vitest";
import { blk, type CorpusCase, hex, outcome, report, runCase } from "./rig.js";

const CASES: CorpusCase[] = [
  {
    name: "read of a freed block, right after the free: the read goes on",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "message");
      t.write32(m.p, 0xc0ffee);
      yield* t.free(m.p, "message done");
      seen.push(t.read32(m.p + 4));
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p! + 4,
            size: 4,
            access: "read",
            block: blk(4, "inside", 32, m.p!, "quarantined"),
            sites: "message / message done",
          }),
        ],
        seen: [0],
      }),
  },
  {
    name: "write of a freed block, right after the free: the task stops",
    *body(t, { m }) {
      m.p = yield* t.malloc(32, 8, "message");
      yield* t.free(m.p, "message done");
      t.write16(m.p + 6, 1);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p! + 6,
            size: 2,
            access: "write",
            block: blk(6, "inside", 32, m.p!, "quarantined"),
            sites: "message / message done",
          }),
        ],
        state: "faulted",
        fault: "checker use-after-free",
      }),
  },
  {
    name: "read after 8 more malloc/free pairs: the quarantine still holds the block",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "message");
      yield* t.free(m.p, "message done");
      for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(32));
      seen.push(t.read8(m.p));
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p!,
            size: 1,
            access: "read",
            block: blk(0, "inside", 32, m.p!, "quarantined"),
            sites: "message / message done",
          }),
        ],
        seen: [0],
      }),
  },
  {
    name: "read after the quarantine let the block go, its bytes not handed out again: still a use after free",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "message");
      m.fence = yield* t.malloc(32, 8, "fence"); // keeps the freed block from merging with the free rest
      yield* t.free(m.p, "message done");
      // 8 x 280 bytes (with redzones) through a 1 KiB quarantine: the block leaves it; none fits its hole.
      for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(200));
      seen.push(t.read8(m.p));
      yield* t.free(m.fence);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p!,
            size: 1,
            access: "read",
            block: blk(0, "inside", 32, m.p!, "freed"),
            sites: "message / message done",
          }),
        ],
        seen: [0],
      }),
  },
  {
    // The limit of every quarantine: once the bytes are a live block again, a stale pointer
    // reads that block (docs/checker-reports.md, "Use after free, long after").
    name: "read through a stale pointer after its bytes were handed out again: not seen (a live block)",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "message");
      yield* t.free(m.p, "message done");
      const held: number[] = [];
      let q = 0;
      for (let i = 0; i < 64 && q !== m.p; i++) {
        q = yield* t.malloc(32, 8, "next");
        held.push(q);
      }
      t.write32(q, 0x1234);
      seen.push(q === m.p, held.length, t.read32(m.p));
      for (const h of held) yield* t.free(h);
    },
    expect: () => outcome({ reports: [], seen: [true, 32, 0x1234] }),
  },
  {
    name: "the old pointer read after realloc moved the block: the free names the move",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "row");
      t.fill(m.p, 1, 16);
      m.q = yield* t.realloc(m.p, 64, "row grown");
      seen.push(t.read8(m.p));
      yield* t.free(m.q);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p!,
            size: 1,
            access: "read",
            block: blk(0, "inside", 16, m.p!, "quarantined"),
            sites: `row / row grown, realloc moved it to ${hex(m.q!)}`,
          }),
        ],
        seen: [1],
      }),
  },
  {
    name: "read after realloc(p, 0), which frees p and returns NULL",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "row");
      seen.push(yield* t.realloc(m.p, 0, "row dropped"));
      seen.push(t.read8(m.p));
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p!,
            size: 1,
            access: "read",
            block: blk(0, "inside", 16, m.p!, "quarantined"),
            sites: "row / row dropped",
          }),
        ],
        seen: [0, 0],
      }),
  },
  {
    name: "a freed buffer given to print: the kernel refuses it (bad-pointer) with the checker's use-after-free",
    *body(t, { m }) {
      m.p = yield* t.malloc(16, 8, "line");
      t.fill(m.p, 65, 16);
      yield* t.free(m.p, "line done");
      yield* t.print(m.p, 4);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "use-after-free",
            address: m.p!,
            size: 4,
            access: "read",
            syscall: "print",
            block: blk(0, "inside", 16, m.p!, "quarantined"),
            sites: "line / line done",
          }),
        ],
        state: "faulted",
        fault: "bad-pointer use-after-free",
      }),
  },
  {
    name: "read of a record whose slab gave its pages back to the slab array's page pool",
    heap: "slab-array",
    *body(t, { m }, seen) {
      const records: number[] = [];
      for (let i = 0; i < 16; i++) records.push(yield* t.calloc(1, 24, "record"));
      m.p = records.at(-1)!;
      for (const r of records) yield* t.free(r, "record done");
      for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(200, 8, "churn"));
      seen.push(t.read32(m.p));
    },
    expect: (m) =>
      outcome({
        // Pages, not a block: the report names the block of pages (see the pages test below).
        reports: [report({ kind: "use-after-free", address: m.p!, size: 4, access: "read" })],
        seen: [0],
      }),
  },
];

/** Read and write after free in the other heap kinds. */
const KINDS: CorpusCase[] = (["heap", "slab-array"] as const).flatMap((heap) =>
  [false, true].map(
    (write): CorpusCase => ({
      name: `${write ? "write" : "read"} of a freed block of a ${heap} heap`,
      heap,
      *body(t, { m }, seen) {
        m.p = yield* t.malloc(24, 8, "message");
        yield* t.free(m.p, "message done");
        if (write) t.write8(m.p + 3, 1);
        else seen.push(t.read8(m.p + 3));
      },
      expect: (m) =>
        outcome({
          reports: [
            report({
              kind: "use-after-free",
              address: m.p! + 3,
              size: 1,
              access: write ? "write" : "read",
              block: blk(3, "inside", 24, m.p!, "quarantined", `${heap}:bug`),
              sites: "message / message done",
            }),
          ],
          ...(write ? { state: "faulted", fault: "checker use-after-free" } : { seen: [0] }),
        }),
    }),
  ),
);

describe("corpus: use after free", () => {
  it.each([...CASES, ...KINDS].map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
  });

  it("the pages' report names the block of pages, its page pool and who gave it back", () => {
    const c = CASES.at(-1)!;
    const { m, k } = runCase(c);
    const r = k.checker!.reports.find((x) => x.taskName === "bug")!;
    const heap = k.task("bug")!.heap!;
    expect(r.pages).toMatchObject({
      owner: expect.stringContaining("slab-array:bug"),
      offset: m.p! - r.pages!.address,
    });
    expect(r.pages!.address >= heap.base && r.pages!.address + r.pages!.size <= heap.base + heap.size).toBe(true);
    expect(r.pages!.freed.taskName).toBe("bug");
  });
});
