/**
 * Corpus, uninitialized reads (Memcheck's "Use of uninitialised value", MSan's
 * use-of-uninitialized-value): a fresh block read at each access size, the bytes realloc added
 * in every heap kind (the kept bytes stay initialized), calloc's zeroes (fine), a call frame's
 * local never written (Memcheck's "created by a stack allocation"), a pushed stack buffer, and
 * a syscall given a buffer with unwritten bytes ("Syscall param ... points to uninitialised
 * byte(s)"). Reads are reported and the task goes on, with the byte's value (the stack's 0xA5
 * paint, the heap's zeroes).
 */
import { describe, expect, it } from "vitest";
import { localAddress } from "../data/call-stack.js";
import { fn } from "../data/frames.js";
import { array, u8, u32 } from "../data/types.js";
import type { HeapKind } from "../heaps/table.js";
import { blk, type CorpusCase, outcome, report, runCase } from "./rig.js";

const PARSE = fn("parse", { locals: { len: u32, name: array(u8, 8), crc: u32 } });

/** A fresh 16-byte block whose first byte was written, read at +1 with `op`. */
function fresh(op: "read8" | "read16" | "read32"): CorpusCase {
  const size = op === "read8" ? 1 : op === "read16" ? 2 : 4;
  return {
    name: `${op} of a fresh block's byte never written`,
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "config");
      t.write8(m.p, 0x41);
      seen.push(t[op](op === "read8" ? m.p + 1 : m.p)); // read16 and read32 start at the written byte
      yield* t.free(m.p);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "uninitialized-read",
            address: m.p! + 1,
            size,
            access: "read",
            block: blk(1, "inside", 16, m.p!),
            sites: "config / live",
          }),
        ],
        seen: [op === "read8" ? 0 : 0x41],
      }),
  };
}

/** A 16-byte block written whole, grown to 40 by realloc: its first 16 bytes read fine, byte 16 is new. */
function grown(heap: HeapKind): CorpusCase {
  return {
    name: `a ${heap} block grown by realloc: the kept bytes read fine, the added ones are uninitialized`,
    heap,
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "row");
      t.fill(m.p, 1, 16);
      m.q = yield* t.realloc(m.p, 40, "row grown");
      seen.push(t.read32(m.q + 12), t.read32(m.q + 16));
      yield* t.free(m.q);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "uninitialized-read",
            address: m.q! + 16,
            size: 4,
            access: "read",
            block: blk(16, "inside", 40, m.q!, "live", `${heap}:bug`),
            sites: "row grown / live",
          }),
        ],
        seen: [0x01010101, 0],
      }),
  };
}

const CASES: CorpusCase[] = [
  fresh("read8"),
  fresh("read16"),
  fresh("read32"),
  grown("tlsf"),
  grown("heap"),
  grown("slab-array"),
  {
    name: "calloc's block reads as zeroes: fine",
    *body(t, { m }, seen) {
      m.p = yield* t.calloc(4, 4, "counters");
      seen.push(t.read32(m.p + 12));
      yield* t.free(m.p);
    },
    expect: () => outcome({ reports: [], seen: [0] }),
  },
  {
    name: "a call frame's local read before it was written: the frame and the local are named",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }, seen) {
      const f = t.enter(PARSE);
      m.s = localAddress(f, "len");
      seen.push(f.locals.len);
      t.leave(f);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "uninitialized-read",
            address: m.s!,
            size: 4,
            access: "read",
            frame: "0 inside 'len' of parse (live)",
          }),
        ],
        seen: [0xa5a5a5a5],
      }),
  },
  {
    name: "a pushed stack buffer read before it was written",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m }, seen) {
      m.s = t.push(16);
      seen.push(t.read32(m.s + 4));
      t.pop(16);
    },
    expect: (m) =>
      outcome({
        reports: [report({ kind: "uninitialized-read", address: m.s! + 4, size: 4, access: "read" })],
        seen: [0xfffffffd], // what an exception frame left there (EXC_RETURN): stale, not the task's
      }),
  },
  {
    name: "print of a buffer whose bytes 1..3 were never written: the syscall goes on",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "line");
      t.write8(m.p, 0x41);
      seen.push(yield* t.print(m.p, 4));
      yield* t.free(m.p);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "uninitialized-read",
            address: m.p! + 1,
            size: 4,
            access: "read",
            syscall: "print",
            block: blk(1, "inside", 16, m.p!),
            sites: "line / live",
          }),
        ],
        seen: [4],
      }),
  },
];

describe("corpus: uninitialized reads", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
  });
});
