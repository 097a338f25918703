import { describe, expect, it } from "vitest";
import type { KernelOptions } from "../config.js";
import type { TaskContext } from "../task-context.js";
import { bootTest } from "../test-kit.js";

/** Runs `body` as task "a"; returns the kernel and what the body returned. */
function run<T>(options: Partial<KernelOptions>, body: (t: TaskContext) => Generator<unknown, T, unknown>) {
  const k = bootTest(options);
  const out: { value?: T } = {};
  k.spawn({
    name: "a",
    *main(t) {
      out.value = yield* body(t);
    },
  });
  k.run({ ms: 5 });
  return { k, value: out.value, reports: k.checker?.reports ?? [] };
}

describe("calloc", () => {
  it("n * size zeroed bytes, initialized for the checker; checker off the same", () => {
    for (const memcheck of [false, true]) {
      const { k, value } = run({ memcheck }, function* (t) {
        const p = yield* t.malloc(64);
        t.memset(p, 0xff, 64);
        yield* t.free(p);
        const q = yield* t.calloc(4, 16, "table");
        const bytes = [...t.readBytes(q, 64)];
        yield* t.free(q);
        return [q !== 0, bytes.every((b) => b === 0), yield* t.calloc(0, 16), yield* t.calloc(16, 0)];
      });
      expect(value).toEqual([true, true, 0, 0]);
      expect([k.faults, k.checker?.reports ?? []]).toEqual([[], []]);
    }
  });

  it("n * size above 32 bits: NULL and calloc-overflow (a hand-written malloc(n * size) wraps); fixed: it fits", () => {
    const bug = run({ memcheck: true }, function* (t) {
      const wrapped = yield* t.malloc(Math.imul(0x10000, 0x10001) >>> 0); // what C's 32-bit n * size gives: 65536
      yield* t.free(wrapped);
      return yield* t.calloc(0x10000, 0x10001);
    });
    expect(bug.value).toBe(0);
    expect(bug.k.faults).toEqual([]);
    expect(bug.reports.map((r) => [r.kind, r.taskName, r.mode, r.syscall, r.message])).toEqual([
      [
        "calloc-overflow",
        "a",
        "user",
        "calloc",
        "calloc parameters overflow: count * size (65536 * 65537) cannot be represented in 32 bits",
      ],
    ]);
    expect(bug.reports[0]!.details).toEqual(["count 65536, size 65537: the product wraps to 65536 in 32 bits"]);

    const fixed = run({ memcheck: true }, function* (t) {
      const p = yield* t.calloc(0x100, 0x4);
      yield* t.free(p);
      return p !== 0;
    });
    expect([fixed.value, fixed.reports]).toEqual([true, []]);
  });

  it("without the checker the overflow is still NULL, silently", () => {
    const { k, value } = run({}, function* (t) {
      return yield* t.calloc(0xffffffff, 2);
    });
    expect([value, k.faults]).toEqual([0, []]);
  });
});

describe("too-big allocations", () => {
  it("malloc above 16 MiB: NULL and allocation-size-too-big (it used to fault the task); fixed: within the limit", () => {
    const bug = run({ memcheck: true }, function* (t) {
      return [yield* t.malloc(0x1000001), yield* t.realloc(0, 0x2000000), yield* t.calloc(0x1000, 0x1001)];
    });
    expect(bug.value).toEqual([0, 0, 0]);
    expect(bug.k.faults).toEqual([]);
    expect(bug.reports.map((r) => [r.kind, r.size, r.syscall])).toEqual([
      ["allocation-size-too-big", 0x1000001, "malloc"],
      ["allocation-size-too-big", 0x2000000, "realloc"],
      ["allocation-size-too-big", 0x1001000, "calloc"],
    ]);
    expect(bug.reports[0]!.message).toBe(
      "malloc: requested allocation size 16777217 (0x01000001) exceeds the maximum of 16777216 bytes (16 MiB, the largest task heap)",
    );

    const fixed = run({ memcheck: true }, function* (t) {
      return yield* t.malloc(0x1000000); // 16 MiB: allowed, though this 4 KiB heap cannot hold it
    });
    expect([fixed.value, fixed.reports, fixed.k.faults]).toEqual([0, [], []]);
  });

  it("a realloc above the limit leaves the block as it was", () => {
    const { value, reports } = run({ memcheck: true }, function* (t) {
      const p = yield* t.malloc(16);
      t.write32(p, 0xfeed);
      const q = yield* t.realloc(p, 0x40000000);
      const kept = t.read32(p);
      yield* t.free(p);
      return [q, kept];
    });
    expect(value).toEqual([0, 0xfeed]);
    expect(reports.map((r) => r.kind)).toEqual(["allocation-size-too-big"]);
  });

  it('allocationTooBig: "fault" makes it fault the caller, the report attached', () => {
    const { k } = run({ memcheck: true, allocationTooBig: "fault" }, function* (t) {
      yield* t.malloc(0x1000001);
    });
    const f = k.faults[0]!;
    expect([f.kind, f.checker?.kind]).toEqual(["bad-syscall", "allocation-size-too-big"]);
    expect(f.message).toMatch(/^BAD_ARGUMENT: malloc: requested allocation size 16777217/);
    expect(f.dump).toContain("Memory checker:");
  });
});

describe("aligned malloc", () => {
  it("an alignment the heap's kind cannot give (128 on a slab array) is NULL, not a heap fault; 64 is served", () => {
    for (const memcheck of [false, true]) {
      const k = bootTest({ memcheck });
      const out: number[] = [];
      k.spawn({
        name: "a",
        heap: "slab-array",
        *main(t) {
          out.push(yield* t.malloc(16, 128), yield* t.malloc(16, 1024));
          const p = yield* t.malloc(16, 64);
          out.push(p % 64, p !== 0 ? 1 : 0);
          yield* t.free(p);
        },
      });
      k.run({ ms: 5 });
      expect([out, k.faults]).toEqual([[0, 0, 0, 1], []]);
      expect(k.checker?.reports ?? []).toEqual([]);
    }
  });
});
