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

  it.each([false, true])("strcpy copies the string and its NUL, returns dst (checker %s)", (memcheck) => {
    const { value, reports } = run(memcheck, function* (t) {
      const src = yield* t.malloc(8);
      const dst = yield* t.malloc(8);
      t.writeString(src, "motor\0");
      t.memset(dst, 0x7e, 8);
      const r = t.strcpy(dst, src);
      const out = [r === dst, [...t.readBytes(dst, 8)]];
      yield* t.free(src);
      yield* t.free(dst);
      return out;
    });
    expect(value).toEqual([true, [0x6d, 0x6f, 0x74, 0x6f, 0x72, 0, 0x7e, 0x7e]]);
    expect(reports.map((r) => `${r.kind} ${r.message}`)).toEqual([]);
  });

  it("strcpy into strlen(src) bytes: the NUL is a heap-buffer-overflow one past the block; an overlap is overlapping-copy", () => {
    const bug = run(true, function* (t) {
      const src = yield* t.malloc(8);
      t.writeString(src, "motor\0");
      const dst = yield* t.malloc(t.strlen(src)); // the classic: no room for the terminator
      t.strcpy(dst, src);
    });
    expect(bug.reports.map((r) => [r.kind, r.access, r.address - r.block!.address, r.block!.size])).toEqual([
      ["heap-buffer-overflow", "write", 5, 5],
    ]);
    expect(bug.k.faults.map((f) => f.kind)).toEqual(["checker"]); // a write error stops the task

    const overlap = run(true, function* (t) {
      const p = yield* t.malloc(16);
      t.writeString(p, "abcdef\0");
      t.strcpy(p + 2, p);
    });
    expect(overlap.reports.map((r) => r.kind)).toEqual(["overlapping-copy"]);

    const uninit = run(true, function* (t) {
      const src = yield* t.malloc(8);
      const dst = yield* t.malloc(8);
      t.write8(src, 0x61); // one character, then bytes never written: the scan reads them
      t.strcpy(dst, src);
    });
    expect(uninit.reports.map((r) => r.kind)[0]).toBe("uninitialized-read");
  });

  it("a bad length faults the task with BAD_ARGUMENT", () => {
    const { k } = run(false, function* (t) {
      const p = yield* t.malloc(8);
      t.memset(p, 0, -1);
    });
    expect(k.faults[0]!.message).toMatch(/BAD_ARGUMENT: memset: n must be an integer in \[0, 2\^32 - 1\], got -1/);
  });
});

describe("the C library's arguments are read once, as plain numbers", () => {
  type Call = [string, (t: TaskContext, a: number, b: number, x: unknown) => unknown];
  /** Each function with `x` in one argument; `a`, `b` two 16-byte blocks of the task. */
  const calls: Call[] = [
    ["memcpy dst", (t, _a, b, x) => t.memcpy(x as number, b, 4)],
    ["memcpy src", (t, a, _b, x) => t.memcpy(a, x as number, 4)],
    ["memcpy n", (t, a, b, x) => t.memcpy(a, b, x as number)],
    ["memmove dst", (t, _a, b, x) => t.memmove(x as number, b, 4)],
    ["memmove src", (t, a, _b, x) => t.memmove(a, x as number, 4)],
    ["memmove n", (t, a, b, x) => t.memmove(a, b, x as number)],
    ["memset dst", (t, _a, _b, x) => t.memset(x as number, 1, 4)],
    ["memset value", (t, a, _b, x) => t.memset(a, x as number, 4)],
    ["memset n", (t, a, _b, x) => t.memset(a, 1, x as number)],
    ["memcmp a", (t, _a, b, x) => t.memcmp(x as number, b, 4)],
    ["memcmp b", (t, a, _b, x) => t.memcmp(a, x as number, 4)],
    ["memcmp n", (t, a, b, x) => t.memcmp(a, b, x as number)],
    ["strlen s", (t, _a, _b, x) => t.strlen(x as number)],
  ];

  /** Runs `call` with `x`, catching; the error's code and message, and whether the blocks' bytes and states changed. */
  function attempt(memcheck: boolean, call: Call[1], x: (a: number) => unknown) {
    return run(memcheck, function* (t) {
      const a = yield* t.malloc(16);
      const b = yield* t.malloc(16);
      t.memset(a, 0x41, 16);
      t.memset(b, 0x42, 15);
      t.write8(b + 15, 0);
      let error: { code?: unknown; message?: unknown } = {};
      try {
        call(t, a, b, x(a));
      } catch (e) {
        error = { code: (e as { code?: unknown }).code, message: (e as Error).message };
      }
      const bytes = [...t.readBytes(a, 16), ...t.readBytes(b, 16)];
      yield* t.free(a);
      yield* t.free(b);
      return { error, bytes };
    });
  }

  const UNCHANGED = [...Array(16).fill(0x41), ...Array(15).fill(0x42), 0];

  it.each(calls.flatMap(([name, call]) => [false, true].map((m) => [name, m, call] as const)))(
    "%s given an object with valueOf: BAD_ARGUMENT, valueOf never called, nothing changed (checker %s)",
    (name, memcheck, call) => {
      let calls = 0;
      const r = attempt(memcheck, call, (a) => ({
        valueOf: () => {
          calls++;
          return calls === 1 ? a : 0x20004000;
        },
      }));
      const [fn, field] = name.split(" ");
      expect(r.value?.error.code).toBe("BAD_ARGUMENT");
      expect(r.value?.error.message).toMatch(new RegExp(`^BAD_ARGUMENT: ${fn}: ${field} must be .*, got object$`));
      expect(calls).toBe(0);
      expect(r.value?.bytes).toEqual(UNCHANGED);
      expect([r.k.faults, r.reports]).toEqual([[], []]);
    },
  );

  it.each([-4, 2 ** 32, 0.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "an address of %s is BAD_ARGUMENT (nothing touched)",
    (bad) => {
      for (const [name, call] of calls.filter(([n]) => !n.endsWith(" n") && n !== "memset value")) {
        const r = attempt(true, call, () => bad);
        expect([name, r.value?.error.code, r.value?.bytes]).toEqual([name, "BAD_ARGUMENT", UNCHANGED]);
        expect(r.value?.error.message).toContain(`must be an address, an integer in [0, 2^32 - 1], got ${bad}`);
      }
    },
  );

  it("a huge n is checked by the core before any byte is compared: memcmp of 16 MiB faults at the end of the task's heap (checker off and on)", () => {
    for (const memcheck of [false, true]) {
      const { k } = run(memcheck, function* (t) {
        const a = yield* t.malloc(16);
        t.memcmp(a, a, 0x1000000);
      });
      const heap = k.task("c")!.heap!;
      expect(k.faults.map((f) => [f.kind, f.hw?.faultAddress])).toEqual([["memmanage", heap.base + heap.size]]);
    }
  });
});
