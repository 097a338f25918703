/**
 * Corpus, heap overflows (ASan's heap-buffer-overflow tests, Memcheck's "Invalid read/write ... N
 * bytes after a block"): one byte (or one access) past either end of a block, read and write,
 * each access size the core has (1, 2, 4; an f64 is two word accesses, as VLDR.64 and LDRD are,
 * so the word that leaves the block is the one reported), an access straddling the end, a
 * memset past it, a write into the next block's redzone or the allocator's header between
 * blocks, a write far past the redzone into a live neighbour (not seen: the design's limit, as
 * ASan's and Memcheck's), and the same bugs in a first-fit heap and a slab array.
 */
import { describe, expect, it } from "vitest";
import type { HeapKind } from "../heaps/table.js";
import { blk, type CorpusCase, outcome, report, runCase } from "./rig.js";

type Access = "read8" | "read16" | "read32" | "readF64" | "write8" | "write16" | "write32" | "writeF64";

const SIZE: Record<Access, 1 | 2 | 4 | 8> = {
  read8: 1,
  read16: 2,
  read32: 4,
  readF64: 8,
  write8: 1,
  write16: 2,
  write32: 4,
  writeF64: 8,
};

/** A 24-byte block, written whole, then one access of `op` just past its end (right) or before its start (left). */
function offByOne(op: Access, side: "right" | "left"): CorpusCase {
  const size = SIZE[op];
  const write = op.startsWith("write");
  // An f64 reaching one word past the block: its first word in the block (right) or in the
  // redzone (left); the word outside is a 4-byte access.
  const word = Math.min(size, 4);
  const at = (p: number) => (side === "right" ? p + 24 - (size === 8 ? 4 : 0) : p - word);
  return {
    name: `${op} one past the ${side === "right" ? "end" : "start"} of a 24-byte block`,
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(24, 8, "buffer");
      t.fill(m.p, 1, 24);
      const a = at(m.p);
      if (op === "write8") t.write8(a, 0);
      else if (op === "write16") t.write16(a, 0);
      else if (op === "write32") t.write32(a, 0);
      else if (op === "writeF64") t.writeF64(a, 1.5);
      else if (op === "readF64") t.readF64(a);
      else seen.push(t[op](a));
      seen.push("past the bug");
      yield* t.free(m.p);
    },
    expect: (m) => {
      const bad = side === "right" ? m.p! + 24 : m.p! - word;
      const distance = side === "right" ? 0 : word;
      return outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: bad,
            size: word,
            access: write ? "write" : "read",
            block: blk(distance, side, 24, m.p!),
            sites: "buffer / live",
          }),
        ],
        // A bad write stops the task (the default "stop-writes"); a bad read is reported and it goes on.
        ...(write ? { state: "faulted", fault: "checker heap-buffer-overflow" } : {}),
        seen: write ? [] : op === "readF64" ? ["past the bug"] : [0, "past the bug"],
      });
    },
  };
}

const OPS = Object.keys(SIZE) as Access[];

const BY_ONE: CorpusCase[] = OPS.flatMap((op) => [offByOne(op, "right"), offByOne(op, "left")]);

const AROUND: CorpusCase[] = [
  {
    name: "read32 starting in the last byte of a 13-byte block: the first byte past it is named",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(13, 8, "odd");
      t.fill(m.p, 1, 13);
      seen.push(t.read32(m.p + 12));
      yield* t.free(m.p);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: m.p! + 13,
            size: 4,
            access: "read",
            block: blk(0, "right", 13, m.p!),
            sites: "odd / live",
          }),
        ],
        seen: [1],
      }),
  },
  {
    name: "memset of 32 bytes over a 20-byte block: one write of the whole length, at the first bad byte",
    *body(t, { m }) {
      m.p = yield* t.malloc(20, 8, "record");
      t.memset(m.p, 0, 32);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: m.p! + 20,
            size: 32,
            access: "write",
            block: blk(0, "right", 20, m.p!),
            sites: "record / live",
          }),
        ],
        state: "faulted",
        fault: "checker heap-buffer-overflow",
      }),
  },
  {
    name: "a write into the allocator's header between two blocks: named to the right of the nearer block",
    *body(t, { m }) {
      m.a = yield* t.malloc(16, 8, "a");
      m.b = yield* t.malloc(16, 8, "b");
      t.write8(m.a + 16 + 16 + 2, 7); // past a's redzone: b's header
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: m.a! + 34,
            size: 1,
            access: "write",
            block: blk(18, "right", 16, m.a!),
            sites: "a / live",
          }),
        ],
        state: "faulted",
        fault: "checker heap-buffer-overflow",
      }),
  },
  {
    name: "a write into the next block's left redzone: named to the left of that block",
    *body(t, { m }) {
      m.a = yield* t.malloc(16, 8, "a");
      m.b = yield* t.malloc(16, 8, "b");
      t.write8(m.b - 1, 7);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: m.b! - 1,
            size: 1,
            access: "write",
            block: blk(1, "left", 16, m.b!),
            sites: "b / live",
          }),
        ],
        state: "faulted",
        fault: "checker heap-buffer-overflow",
      }),
  },
  {
    // The limit of redzones (ASan's, Memcheck's, the seed's): an index that jumps past the
    // redzone lands in a live block, whose bytes the task may write. docs/checker-reports.md says so.
    name: "a write far past a block's redzone into a live neighbour: not seen (it lands in memory the task owns)",
    *body(t, { m }, seen) {
      m.a = yield* t.malloc(16, 8, "a");
      m.b = yield* t.malloc(16, 8, "b");
      t.fill(m.b, 0, 16);
      t.write8(m.a + (m.b - m.a) + 4, 7); // a[56 + 4]: b[4]
      seen.push(m.b - m.a, t.read8(m.b + 4));
      yield* t.free(m.a);
      yield* t.free(m.b);
    },
    expect: () => outcome({ reports: [], seen: [56, 7] }),
  },
];

/** The off-by-one bugs in the other heap kinds: a first-fit heap names it alike, a slab array as KASAN does. */
function inKind(heap: HeapKind, side: "right" | "left", write: boolean): CorpusCase {
  const kind = heap === "slab-array" ? "slab-out-of-bounds" : "heap-buffer-overflow";
  return {
    name: `${write ? "write8" : "read8"} one past the ${side === "right" ? "end" : "start"} of a 24-byte block of a ${heap} heap`,
    heap,
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(24, 8, "buffer");
      t.fill(m.p, 1, 24);
      const a = side === "right" ? m.p + 24 : m.p - 1;
      if (write) t.write8(a, 0);
      else seen.push(t.read8(a));
      yield* t.free(m.p);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind,
            address: side === "right" ? m.p! + 24 : m.p! - 1,
            size: 1,
            access: write ? "write" : "read",
            block: blk(side === "right" ? 0 : 1, side, 24, m.p!, "live", `${heap}:bug`),
            sites: "buffer / live",
          }),
        ],
        ...(write ? { state: "faulted", fault: `checker ${kind}` } : { seen: [0] }),
      }),
  };
}

const KINDS: CorpusCase[] = (["heap", "slab-array"] as const).flatMap((heap) => [
  inKind(heap, "right", false),
  inKind(heap, "left", false),
  inKind(heap, "right", true),
  inKind(heap, "left", true),
]);

describe.each([
  ["off by one, every access size, both ends", BY_ONE],
  ["around a block", AROUND],
  ["other heap kinds", KINDS],
])("corpus: heap overflow, %s", (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
  });
});
