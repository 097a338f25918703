/**
 * Corpus, the rest of the references' table: overlapping copies (ASan's memcpy-param-overlap,
 * Memcheck's "Source and destination overlap"), leaks at the task's exit in Memcheck's kinds,
 * zero-size and huge allocations (typed refusals: NULL and, above 16 MiB, ASan's
 * allocation-size-too-big; calloc-overflow), a read of a page of the heap's page pool no slab
 * holds, a wild read (the MPU's fault), and a task writing its allocator's own header: stopped
 * at the write; with the checker's "continue" policy the write lands and the allocator's header
 * check refuses the next operation on the block (a `heap` fault, nothing changed), whenever the
 * quarantine hands the block back to it, even inside a restart.
 */
import { describe, expect, it } from "vitest";
import { blk, type CorpusCase, outcome, report, runCase } from "./rig.js";

const COPIES: CorpusCase[] = [
  {
    name: "memcpy(p + 4, p, 16): the destination overlaps the source's end",
    *body(t, { m }) {
      m.p = yield* t.malloc(32, 8, "line");
      t.memset(m.p, 0x20, 32);
      t.memcpy(m.p + 4, m.p, 16);
    },
    expect: (m) =>
      outcome({
        reports: [report({ kind: "overlapping-copy", address: m.p! + 4, size: 16, access: null })],
        state: "faulted",
        fault: "checker overlapping-copy",
      }),
  },
  {
    name: "memcpy(p, p + 4, 16): the destination overlaps the source's start",
    *body(t, { m }) {
      m.p = yield* t.malloc(32, 8, "line");
      t.memset(m.p, 0x20, 32);
      t.memcpy(m.p, m.p + 4, 16);
    },
    expect: (m) =>
      outcome({
        reports: [report({ kind: "overlapping-copy", address: m.p!, size: 16, access: null })],
        state: "faulted",
        fault: "checker overlapping-copy",
      }),
  },
  {
    // Memcheck reports a copy onto itself (its overlap test counts ranges that start together);
    // ASan skips memcpy(p, p, n), which a struct self-assignment can compile to.
    name: "memcpy(p, p, 16): a copy onto itself overlaps (as Memcheck says; ASan lets it be)",
    *body(t, { m }) {
      m.p = yield* t.malloc(32, 8, "line");
      t.memset(m.p, 0x20, 32);
      t.memcpy(m.p, m.p, 16);
    },
    expect: (m) =>
      outcome({
        reports: [report({ kind: "overlapping-copy", address: m.p!, size: 16, access: null })],
        state: "faulted",
        fault: "checker overlapping-copy",
      }),
  },
  {
    name: "memmove(p + 4, p, 16): fine",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "line");
      t.memset(m.p, 0x20, 32);
      seen.push(t.memmove(m.p + 4, m.p, 16) === m.p + 4);
      yield* t.free(m.p);
    },
    expect: () => outcome({ reports: [], seen: [true] }),
  },
];

const LEAKS: CorpusCase[] = [
  {
    name: "a block nothing points to at the task's exit: definitely lost",
    *body(t, { m }) {
      m.p = yield* t.malloc(48, 8, "session");
      t.fill(m.p, 0, 48);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "leak-definite",
            address: m.p!,
            size: 48,
            access: null,
            block: blk(0, "inside", 48, m.p!),
            sites: "session / live",
          }),
        ],
      }),
  },
  {
    name: "a list whose head nothing points to: the head definitely lost, the node indirectly",
    *body(t, { m }) {
      m.head = yield* t.malloc(16, 8, "list head");
      m.node = yield* t.malloc(16, 8, "list node");
      t.fill(m.node, 0, 16);
      t.fill(m.head, 0, 16);
      t.write32(m.head, m.node);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "leak-definite",
            address: m.head!,
            size: 16,
            access: null,
            block: blk(0, "inside", 16, m.head!),
            sites: "list head / live",
          }),
          report({
            kind: "leak-indirect",
            address: m.node!,
            size: 16,
            access: null,
            block: blk(0, "inside", 16, m.node!),
            sites: "list node / live",
          }),
        ],
      }),
  },
  {
    name: "only a pointer into the block's middle left (in a partition): possibly lost",
    partitions: { shared: "rw" },
    *body(t, { m, k }) {
      m.p = yield* t.malloc(64, 8, "ring");
      t.fill(m.p, 0, 64);
      t.write32(k.partitions.get("shared")!.base, m.p + 16);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "leak-possible",
            address: m.p!,
            size: 64,
            access: null,
            block: blk(0, "inside", 64, m.p!),
            sites: "ring / live",
          }),
        ],
      }),
  },
  {
    name: "a pointer to the block kept in a partition: still reachable, not reported",
    partitions: { shared: "rw" },
    *body(t, { m, k }) {
      m.p = yield* t.malloc(64, 8, "table");
      t.fill(m.p, 0, 64);
      t.write32(k.partitions.get("shared")!.base, m.p);
    },
    expect: () => outcome({ reports: [] }),
  },
];

const SIZES: CorpusCase[] = [
  {
    name: "malloc(0), calloc(0, 4), realloc(NULL, 0): NULL, no report",
    *body(t, _env, seen) {
      seen.push(yield* t.malloc(0), yield* t.calloc(0, 4), yield* t.realloc(0, 0));
    },
    expect: () => outcome({ reports: [], seen: [0, 0, 0] }),
  },
  {
    name: "malloc(64 MiB) and malloc(0xffffffff): NULL and allocation-size-too-big; malloc(16 MiB): NULL (no room)",
    *body(t, _env, seen) {
      seen.push(yield* t.malloc(64 << 20), yield* t.malloc(0xffffffff), yield* t.malloc(16 << 20));
    },
    expect: () =>
      outcome({
        reports: [
          report({ kind: "allocation-size-too-big", address: 0, size: 64 << 20, access: null, syscall: "malloc" }),
          report({ kind: "allocation-size-too-big", address: 0, size: 0xffffffff, access: null, syscall: "malloc" }),
        ],
        seen: [0, 0, 0],
      }),
  },
  {
    name: "realloc(p, 2 GiB): NULL and allocation-size-too-big, p unchanged",
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(16, 8, "row");
      t.fill(m.p, 3, 16);
      seen.push(yield* t.realloc(m.p, 0x80000000), t.read8(m.p + 15));
      yield* t.free(m.p);
    },
    expect: () =>
      outcome({
        reports: [
          report({
            kind: "allocation-size-too-big",
            address: 0,
            size: 0x80000000,
            access: null,
            syscall: "realloc",
          }),
        ],
        seen: [0, 3],
      }),
  },
  {
    name: "calloc(65536, 65537): the product wraps 32 bits: NULL and calloc-overflow",
    *body(t, _env, seen) {
      seen.push(yield* t.calloc(0x10000, 0x10001));
    },
    expect: () =>
      outcome({
        reports: [report({ kind: "calloc-overflow", address: 0, size: 0, access: null, syscall: "calloc" })],
        seen: [0],
      }),
  },
];

const MEMORY: CorpusCase[] = [
  {
    name: "a read of a page of a slab array's page pool that no slab holds: invalid-access",
    heap: "slab-array",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t, { m, k }, seen) {
      const heap = k.task("bug")!.heap!;
      m.x = heap.base + heap.size - 64;
      seen.push(t.read32(m.x));
    },
    expect: (m) =>
      outcome({ reports: [report({ kind: "invalid-access", address: m.x!, size: 4, access: "read" })], seen: [0] }),
  },
  {
    name: "a read outside every memory region: the MPU faults it (MemManage) before the checker sees it",
    // biome-ignore lint/correctness/useYield: a case's body is a task generator; this one makes no syscall
    *body(t) {
      t.read32(0x30000000);
    },
    expect: () => outcome({ reports: [], state: "faulted", fault: "memmanage" }),
  },
];

/** The header of the block at `p` with the checker's 16-byte redzone: 8 bytes before its inner block (TLSF, first fit). */
const header = (p: number) => p - 16 - 8;

const METADATA: CorpusCase[] = [
  {
    name: "a write to the block's allocator header: heap-buffer-overflow, the task stops before it lands",
    *body(t, { m }) {
      m.p = yield* t.malloc(32, 8, "record");
      t.write32(header(m.p), 0xffffffff);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: header(m.p!),
            size: 4,
            access: "write",
            block: blk(24, "left", 32, m.p!),
            sites: "record / live",
          }),
        ],
        state: "faulted",
        fault: "checker heap-buffer-overflow",
      }),
  },
  {
    name: "the same write let through (onError continue, no quarantine): the next free is refused (HEAP_CORRUPTION)",
    memcheck: { onError: "continue", quarantineBytes: 0 },
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "record");
      t.write32(header(m.p), 0x7ff8);
      seen.push(yield* t.malloc(32, 8, "next")); // a block elsewhere: fine
      yield* t.free(m.p);
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: header(m.p!),
            size: 4,
            access: "write",
            block: blk(24, "left", 32, m.p!),
            sites: "record / live",
          }),
        ],
        state: "faulted",
        fault: `heap HEAP_CORRUPTION: tlsf:bug: heap corruption (header check failed) at 0x10002000`,
        seen: [m.p! + 72],
      }),
  },
  {
    name: "the same with the quarantine: found when the quarantine hands the block back, in a later free",
    memcheck: { onError: "continue" },
    *body(t, { m }, seen) {
      m.p = yield* t.malloc(32, 8, "record");
      t.write32(header(m.p), 0x7ff8);
      yield* t.free(m.p, "record done"); // into the quarantine: the allocator does not see it yet
      for (let i = 0; i < 30; i++) {
        seen.push(i);
        yield* t.free(yield* t.malloc(48, 8, "churn"));
      }
    },
    expect: (m) =>
      outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: header(m.p!),
            size: 4,
            access: "write",
            block: blk(24, "left", 32, m.p!),
            sites: "record / live",
          }),
        ],
        state: "faulted",
        fault: `heap HEAP_CORRUPTION: tlsf:bug: heap corruption (header check failed) at 0x10002000`,
        seen: Array.from({ length: 13 }, (_, i) => i),
      }),
  },
  {
    // The restart gives back the task's live blocks: the block whose free found the corruption
    // was freed (into the quarantine) before the eviction failed, and is not freed a second time.
    name: "the same under a restart policy: each run faults at its own corruption, no double free",
    memcheck: { onError: "continue" },
    faultPolicy: { restart: 1 },
    *body(t, { m }, seen) {
      const p = yield* t.malloc(32, 8, "record");
      m.p ??= p;
      t.write32(header(p), 0x7ff8);
      yield* t.free(p, "record done");
      for (let i = 0; i < 30; i++) {
        seen.push(i);
        yield* t.free(yield* t.malloc(48, 8, "churn"));
      }
    },
    expect: (m, k) => {
      const faults = k.task("bug")!.faults.map((f) => `${f.kind} ${f.message}`);
      expect(faults).toEqual([
        "heap HEAP_CORRUPTION: tlsf:bug: heap corruption (header check failed) at 0x10002000",
        expect.stringMatching(/^heap HEAP_CORRUPTION: tlsf:bug: heap corruption \(header check failed\) at 0x/),
      ]);
      return outcome({
        reports: [
          report({
            kind: "heap-buffer-overflow",
            address: header(m.p!),
            size: 4,
            access: "write",
            block: blk(24, "left", 32, m.p!),
            sites: "record / live",
          }),
          expect.objectContaining({ kind: "heap-buffer-overflow", size: 4, access: "write" }),
        ],
        state: "faulted",
        fault: `heap HEAP_CORRUPTION: tlsf:bug: heap corruption (header check failed) at 0x10002000`,
        // The restarted run's blocks lie elsewhere (the first run's corrupted block stays where
        // it is): its corruption is met one churn earlier.
        seen: [...Array.from({ length: 13 }, (_, i) => i), ...Array.from({ length: 12 }, (_, i) => i)],
      });
    },
  },
];

METADATA.push({
  // The realloc moved the block, then its free of the old one met the corrupted header: it fails
  // (a heap fault), and the block it moved to is not left live for nobody (no block is held).
  name: "the same met inside a realloc that moves a block: the realloc fails, no block left behind",
  memcheck: { onError: "continue", quarantineBytes: 100 },
  *body(t, { m }, seen) {
    m.p = yield* t.malloc(32, 8, "record");
    t.write32(header(m.p), 0x7ff8);
    yield* t.free(m.p, "record done"); // 72 bytes of the 100 the quarantine holds
    m.q = yield* t.malloc(32, 8, "row");
    t.fill(m.q, 1, 32);
    seen.push("realloc");
    yield* t.realloc(m.q, 64, "row grown"); // moves; its free of q hands p back: refused
    seen.push("past the realloc");
  },
  expect: (m, k) => {
    const leaks = k.checker!.checkLeaks();
    expect([leaks.held, leaks.definite]).toEqual([[], []]);
    expect(k.task("bug")!.heap!.allocator.live.blocks.size).toBe(0);
    return outcome({
      reports: [
        report({
          kind: "heap-buffer-overflow",
          address: header(m.p!),
          size: 4,
          access: "write",
          block: blk(24, "left", 32, m.p!),
          sites: "record / live",
        }),
      ],
      state: "faulted",
      fault: `heap HEAP_CORRUPTION: tlsf:bug: heap corruption (header check failed) at 0x10002000`,
      seen: ["realloc"],
    });
  },
});

describe.each([
  ["overlapping copies", COPIES],
  ["leaks at the task's exit", LEAKS],
  ["zero-size and huge allocations", SIZES],
  ["memory nobody gave out", MEMORY],
  ["the allocator's own header", METADATA],
])("corpus: %s", (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { outcome: got, m, k } = runCase(c);
    expect(got).toEqual(c.expect(m, k));
  });
});
