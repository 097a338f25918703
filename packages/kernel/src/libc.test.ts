import { describe, expect, it } from "vitest";
import type { TaskContext } from "./task-context.js";
import { bootTest } from "./test-kit.js";

/** Runs `body` as task "c" with the checker on (or off); returns the kernel and what the body returned. */
function run<T>(memcheck: boolean, body: (t: TaskContext) => Generator<unknown, T, unknown>) {
  const k = bootTest({ memcheck });
  const out: { value?: T } = {};
  k.spawn({
    name: "c",
    *main(t) {
      out.value = yield* body(t);
    },
  });
  k.run({ ms: 5 });
  return { k, value: out.value, reports: k.checker?.reports ?? [] };
}

describe("the C library of a task", () => {
  it.each([false, true])("memcpy, memmove, memset, memcmp and strlen give C's answers (checker %s)", (memcheck) => {
    const { k, value } = run(memcheck, function* (t) {
      const a = yield* t.malloc(32);
      const b = yield* t.malloc(32);
      t.memset(a, 0x41, 8);
      t.write8(a + 8, 0);
      const copied = t.memcpy(b, a, 9);
      const moved = t.memmove(a + 1, a, 8); // overlapping: fine for memmove
      t.write8(a + 9, 0);
      const out = [
        copied === b,
        moved === a + 1,
        t.strlen(b),
        t.strlen(a),
        t.memcmp(a, b, 9),
        t.memcmp(b, a, 8),
        t.memcmp(a, a + 1, 0),
        [...t.readBytes(a, 10)],
      ];
      yield* t.free(a);
      yield* t.free(b);
      return out;
    });
    expect(k.faults).toEqual([]);
    expect(value).toEqual([true, true, 8, 9, 0x41, 0, 0, [0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0]]);
    expect(k.checker?.reports ?? []).toEqual([]);
  });

  it("memcpy between overlapping ranges is overlapping-copy; fixed: memmove", () => {
    const bug = run(true, function* (t) {
      const p = yield* t.malloc(32);
      t.memset(p, 1, 32);
      t.memcpy(p + 4, p, 16);
    });
    expect(bug.reports.map((r) => [r.kind, r.size])).toEqual([["overlapping-copy", 16]]);
    expect(bug.k.faults[0]).toMatchObject({ kind: "checker", checker: { kind: "overlapping-copy" } });
    expect(bug.reports[0]!.details).toEqual([
      expect.stringMatching(/^source \[0x[0-9a-f]+, 0x[0-9a-f]+\), destination/),
    ]);

    const fixed = run(true, function* (t) {
      const p = yield* t.malloc(32);
      t.memset(p, 1, 32);
      t.memmove(p + 4, p, 16);
      yield* t.free(p);
    });
    expect([fixed.reports, fixed.k.faults]).toEqual([[], []]);
  });

  it("a copy that leaves its block is heap-buffer-overflow; copying unwritten bytes is not a use, comparing them is", () => {
    const overflow = run(true, function* (t) {
      const a = yield* t.malloc(16);
      const b = yield* t.malloc(32);
      t.memset(b, 7, 32);
      t.memcpy(a, b, 20); // 4 bytes too many
    });
    expect(overflow.reports.map((r) => [r.kind, r.access, r.block?.size, r.block?.relation])).toEqual([
      ["heap-buffer-overflow", "write", 16, "right"],
    ]);

    const uninit = run(true, function* (t) {
      const a = yield* t.malloc(16);
      const b = yield* t.malloc(16);
      t.write32(a, 1); // bytes 4..15 never written
      t.memcpy(b, a, 16); // fine: the copy carries "uninitialized" along
      const same = t.memcmp(b, a, 4); // fine: written bytes
      t.memcmp(b, a, 8); // bytes 4..7 of both were never written (b's copied so)
      yield* t.free(a);
      yield* t.free(b);
      return same;
    });
    expect(uninit.value).toBe(0);
    const [a, b] = uninit.reports.map((r) => r.block!.address).reverse();
    expect(uninit.reports.map((r) => [r.kind, r.address])).toEqual([
      ["uninitialized-read", b! + 4], // memcmp reads both ranges whole, as ASan's strict_memcmp
      ["uninitialized-read", a! + 4],
    ]);
  });

  it("strlen of a string without its NUL reads past the block: heap-buffer-overflow; fixed: terminated", () => {
    const bug = run(true, function* (t) {
      const p = yield* t.malloc(8);
      t.memset(p, 0x61, 8); // "aaaaaaaa", no terminator
      const n = t.strlen(p);
      yield* t.free(p);
      return n;
    });
    expect(bug.reports.map((r) => [r.kind, r.access, r.address - r.block!.address])).toEqual([
      ["heap-buffer-overflow", "read", 8],
    ]);

    const fixed = run(true, function* (t) {
      const p = yield* t.malloc(8);
      t.memset(p, 0x61, 7);
      t.write8(p + 7, 0);
      const n = t.strlen(p);
      yield* t.free(p);
      return n;
    });
    expect([fixed.value, fixed.reports]).toEqual([7, []]);
  });

  it("a bad length faults the task with BAD_ARGUMENT", () => {
    const { k } = run(false, function* (t) {
      const p = yield* t.malloc(8);
      t.memset(p, 0, -1);
    });
    expect(k.faults[0]!.message).toMatch(/BAD_ARGUMENT: memset: n must be an integer in \[0, 2\^32 - 1\], got -1/);
  });
});
