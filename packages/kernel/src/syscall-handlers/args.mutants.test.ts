import { describe, expect, it } from "vitest";
import { KernelError } from "../errors.js";
import type { Kernel } from "../kernel.js";
import type { TaskContext } from "../task-context.js";
import { bootTest } from "../test-kit.js";
import {
  int,
  isObjectName,
  MAX_ALLOC,
  MAX_OBJECT_NAME,
  name,
  oneOf,
  optionalInt,
  optionalString,
  polls,
  type RawRequest,
  timeout,
} from "./args.js";

/**
 * The syscall validators pinned at their edges (a hand mutation audit found these unheld): each
 * bound taken and the next value refused, with the `BAD_ARGUMENT` error's exact message and
 * context; and `accessible`'s split between the MPU's refusal (no checker report) and the
 * checker's (its report, for the access the call makes).
 */

/** What `fn` threw: its class, code, message and context. */
function thrown(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof KernelError)) return { notKernelError: String(e) };
    return { code: e.code, message: e.message, context: e.context };
  }
  return "no error";
}

const req = (fields: Record<string, unknown>): RawRequest => ({ op: "test-op", ...fields });

describe("int and optionalInt: integers in [min, max]", () => {
  it("takes both bounds and refuses one past each, a fraction, NaN and a numeric string, naming the op, field and value", () => {
    expect([int(req({ n: 3 }), "n", 3, 9), int(req({ n: 9 }), "n", 3, 9)]).toEqual([3, 9]);
    expect(int(req({ n: 0xffffffff }), "n", 0, 0xffffffff)).toBe(0xffffffff);
    for (const v of [2, 10, 3.5, Number.NaN, "5", null]) {
      expect(thrown(() => int(req({ n: v }), "n", 3, 9))).toEqual({
        code: "BAD_ARGUMENT",
        message: `BAD_ARGUMENT: test-op: n must be an integer in [3, 9], got ${String(v)}`,
        context: { op: "test-op", field: "n", value: v },
      });
    }
  });

  it("optionalInt: an absent field is undefined; null is not absent", () => {
    expect(optionalInt(req({}), "n", 0, 4)).toBeUndefined();
    expect(optionalInt(req({ n: undefined }), "n", 0, 4)).toBeUndefined();
    expect(optionalInt(req({ n: 4 }), "n", 0, 4)).toBe(4);
    expect(thrown(() => optionalInt(req({ n: null }), "n", 0, 4))).toMatchObject({ code: "BAD_ARGUMENT" });
    expect(thrown(() => optionalInt(req({ n: 5 }), "n", 0, 4))).toMatchObject({ code: "BAD_ARGUMENT" });
  });

  it("MAX_ALLOC is 16 MiB: what a heap syscall takes at most", () => {
    expect(MAX_ALLOC).toBe(16_777_216);
  });
});

describe("names, strings, choices", () => {
  it("a name is 1 to 64 characters", () => {
    expect(MAX_OBJECT_NAME).toBe(64);
    expect([isObjectName("a"), isObjectName("n".repeat(64))]).toEqual([true, true]);
    expect([isObjectName(""), isObjectName("n".repeat(65)), isObjectName(7), isObjectName(undefined)]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(name(req({ q: "n".repeat(64) }), "q")).toBe("n".repeat(64));
    expect(thrown(() => name(req({ q: "n".repeat(65) }), "q"))).toEqual({
      code: "BAD_ARGUMENT",
      message: "BAD_ARGUMENT: test-op: q must be a name",
      context: { op: "test-op", field: "q", value: "n".repeat(65) },
    });
  });

  it("optionalString: absent is undefined, a string is itself, anything else is refused", () => {
    expect([optionalString(req({}), "s"), optionalString(req({ s: "" }), "s")]).toEqual([undefined, ""]);
    expect(thrown(() => optionalString(req({ s: 5 }), "s"))).toEqual({
      code: "BAD_ARGUMENT",
      message: "BAD_ARGUMENT: test-op: s must be a string",
      context: { op: "test-op", field: "s", value: 5 },
    });
  });

  it("oneOf: one of the listed strings, else refused with the list", () => {
    expect(oneOf(req({ a: "rw" }), "a", ["ro", "rw"])).toBe("rw");
    expect(thrown(() => oneOf(req({ a: "wr" }), "a", ["ro", "rw"]))).toEqual({
      code: "BAD_ARGUMENT",
      message: 'BAD_ARGUMENT: test-op: a must be "ro" or "rw"',
      context: { op: "test-op", field: "a", value: "wr" },
    });
  });
});

describe("timeout and polls", () => {
  it("a timeout is { ticks } (an integer >= 0) or { ms } (finite, >= 0); 0 is a timeout", () => {
    expect(timeout(req({}))).toBeUndefined();
    expect(timeout(req({ timeout: { ticks: 0 } }))).toEqual({ ticks: 0 });
    expect(timeout(req({ timeout: { ms: 0 } }))).toEqual({ ms: 0 });
    expect(timeout(req({ timeout: { ms: 2.5 } }))).toEqual({ ms: 2.5 });
    // A bad ticks falls back to ms when there is one.
    expect(timeout(req({ timeout: { ticks: -1, ms: 3 } }))).toEqual({ ms: 3 });
    for (const t of [
      null,
      5,
      "soon",
      {},
      { ticks: 1.5 },
      { ticks: -1 },
      { ms: -1 },
      { ms: Number.POSITIVE_INFINITY },
    ]) {
      expect(thrown(() => timeout(req({ timeout: t })))).toEqual({
        code: "BAD_ARGUMENT",
        message: "BAD_ARGUMENT: test-op: timeout must be { ticks } or { ms } >= 0",
        context: { op: "test-op", field: "timeout" },
      });
    }
  });

  it("polls: a wait of 0 ticks polls; no wait, a wait of a tick, and one too long for the clock do not", () => {
    const sched = bootTest().scheduler;
    expect(polls(sched, { ticks: 0 })).toBe(true);
    expect(polls(sched, { ms: 0 })).toBe(true);
    expect(polls(sched, undefined)).toBe(false);
    expect(polls(sched, { ticks: 1 })).toBe(false);
    expect(polls(sched, { ms: 0.5 })).toBe(false); // rounded up to a tick
    expect(polls(sched, { ms: 1e300 })).toBe(false); // the clock refuses it
  });
});

describe("accessible: the MPU's refusal and the checker's", () => {
  /** One task `rx` with the checker on, granted "ro" read-only and queue "q"; `body` makes its one call. */
  function run(body: (t: TaskContext, k: Kernel) => Generator<unknown, void, unknown>): Kernel {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "rx",
      partitions: { ro: "ro" },
      queues: { q: "both" },
      *main(t) {
        yield* body(t, k);
      },
    });
    k.run({ ms: 5 });
    return k;
  }

  it("a receive into a freed block: BAD_POINTER with the checker's use-after-free report for a write", () => {
    const k = run(function* (t) {
      const p = yield* t.malloc(16);
      yield* t.free(p);
      yield* t.receive("q", p, 16);
    });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.message]).toEqual([
      "rx",
      "bad-pointer",
      "BAD_POINTER: receive: task rx passed a buffer it may not write: access to a freed block (in quarantine)",
    ]);
    expect(f.checker).toMatchObject({
      kind: "use-after-free",
      access: "write",
      size: 16,
      mode: "user",
      taskName: "rx",
    });
    expect(k.checker!.reports.map((r) => r.kind)).toEqual(["use-after-free"]);
  });

  it("a receive into a partition it may only read: BAD_POINTER from its MPU view, no checker report", () => {
    const k = run(function* (t, kk) {
      yield* t.receive("q", kk.partitions.get("ro")!.base, 16);
    });
    const ro = k.partitions.get("ro")!.base;
    const f = k.faults[0]!;
    const h = (a: number) => `0x${a.toString(16).padStart(8, "0")}`;
    expect([f.task, f.kind, f.message]).toEqual([
      "rx",
      "bad-pointer",
      `BAD_POINTER: receive: task rx passed a buffer it may not write: write of [${h(ro)}, ${h(ro + 16)}) denied at ${h(ro)} by the task's MPU view`,
    ]);
    expect(f.checker ?? null).toBeNull();
    expect(k.checker!.reports).toEqual([]);
  });

  it("a print of the kernel's memory (the MPU refuses it, the checker would too): no checker report", () => {
    const k = run(function* (t, kk) {
      yield* t.print(kk.kernelBlock.base + 1024, 8);
    });
    const f = k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["rx", "bad-pointer"]);
    expect(f.message).toMatch(/^BAD_POINTER: print: task rx passed a buffer it may not read: read of \[0x/);
    expect(f.checker ?? null).toBeNull();
    expect(k.checker!.reports).toEqual([]);
  });
});
