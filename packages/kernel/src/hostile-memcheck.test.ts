import { MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import type { MemReport } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import type { FunctionType } from "./data/frames.js";
import { fn } from "./data/frames.js";
import { u32 } from "./data/types.js";
import { KernelError } from "./errors.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import { bootTest, victim } from "./test-kit.js";

// A hostile task against the memory checker: what it hands to t.enter and to the C library is
// checked once and used as checked, so its own task faults (or catches a typed error) and the
// checker's view of the victim's memory, and the victim, are as without the attack.

const VICTIM_LINES = Array.from({ length: 10 }, (_, i) => `va ${i}`);

/** A kernel with the checker, the victim `va` (10 rounds, 1 ms apart) and `evil`, run `ms`. */
function attack(evil: (t: TaskContext, k: Kernel) => Generator<unknown, void, unknown>, ms = 40) {
  const k = bootTest({ memcheck: true });
  k.spawn({ name: "evil", main: (t) => evil(t, k) });
  k.spawn(victim("va", 1, k, true));
  const result = k.run({ ms });
  return {
    k,
    result,
    lines: k.task("va")!.output,
    faults: k.faults.map((f) => [f.task, f.kind, f.message]),
    reports: k.checker!.reports.map((r) => [r.kind, r.address]),
  };
}

/** The checker's states of va's heap (a test-side look: reads the shadow, changes nothing). */
function vaShadow(k: Kernel): Uint8Array {
  const h = k.task("va")!.heap!;
  return k.checker!.shadow.snapshot(h.base, h.size);
}

const LOCALS = fn("hostile_locals", { locals: { x: u32 } });

describe("E7: t.enter takes only function types made by fn()", () => {
  it("a forged FunctionType (frozen layout, unfrozen redzone moved onto va's heap between calls) is BAD_ARGUMENT each time; nothing is poisoned", () => {
    const codes: unknown[] = [];
    const seen: { sp: number[]; depth: number[]; frames: number[]; same: boolean[] } = {
      sp: [],
      depth: [],
      frames: [],
      same: [],
    };
    const { lines, faults, reports } = attack(function* (t, k) {
      yield* t.sleep({ ms: 2 }); // va has its block by now and sleeps
      const va = k.task("va")!;
      const zone = { offset: 0, size: 8 }; // inside the frame: what a first check would see
      const zones = Object.freeze([zone]);
      const layout = (size: number) =>
        Object.freeze({
          function: "f",
          size,
          savedOffset: size - 4,
          savedWords: 1,
          locals: Object.freeze([]),
          redzones: zones,
          redzone: 32,
        });
      const forged = {
        name: "f",
        id: 1,
        saves: 1,
        layout: () => layout(16),
        localsClass: () => class {},
      } as unknown as FunctionType;
      const sp = t.sp;
      const before = vaShadow(k);
      for (let i = 0; i < 3; i++) {
        try {
          t.enter(forged);
          codes.push("entered");
        } catch (e) {
          codes.push(e instanceof KernelError ? e.code : String(e));
        }
        // The audit's move: the zone now lies on va's heap, 128 bytes of it.
        zone.offset = va.heap!.base - (t.sp - 16);
        zone.size = 128;
      }
      seen.sp.push(t.sp - sp);
      seen.depth.push(t.callDepth);
      seen.frames.push(k.checker!.stacks.get(t.id)!.frames.length);
      seen.same.push(vaShadow(k).every((b, i) => b === before[i]));
      yield* t.sleep({ ms: 20 });
    });
    expect(codes).toEqual(["BAD_ARGUMENT", "BAD_ARGUMENT", "BAD_ARGUMENT"]);
    expect(seen).toEqual({ sp: [0], depth: [0], frames: [0], same: [true] });
    expect(faults).toEqual([]);
    expect(reports).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("uncaught, the forged type faults its task (bad-syscall, BAD_ARGUMENT) and va runs on", () => {
    const { lines, faults, reports } = attack(function* (t) {
      yield* t.sleep({ ms: 2 });
      t.enter({ ...LOCALS } as unknown as FunctionType); // a copy of a genuine one: not genuine
      yield* t.sleep({ ms: 1 });
    });
    expect(faults).toEqual([["evil", "bad-syscall", "BAD_ARGUMENT: enter: fn must be a function type made by fn()"]]);
    expect(reports).toEqual([]);
    expect(lines).toEqual(VICTIM_LINES);
  });

  it("a Proxy of a genuine type is refused by identity: none of its traps runs", () => {
    const traps: string[] = [];
    let code: unknown = null;
    const { faults } = attack(function* (t) {
      const p = new Proxy(LOCALS, {
        get(target, key, r) {
          traps.push(`get ${String(key)}`);
          return Reflect.get(target, key, r);
        },
        getPrototypeOf(target) {
          traps.push("getPrototypeOf");
          return Reflect.getPrototypeOf(target);
        },
      });
      try {
        t.enter(p);
      } catch (e) {
        code = (e as KernelError).code;
      }
      yield* t.yield();
    });
    expect([code, traps, faults]).toEqual(["BAD_ARGUMENT", [], []]);
  });

  it("a genuine type still works under the checker, and the frame it gives is frozen (leave trusts its fields)", () => {
    let out: unknown[] = [];
    const { k, faults, reports } = attack(function* (t, k) {
      const sp = t.sp;
      const f = t.enter(LOCALS);
      f.locals.x = 7;
      let threw = false;
      try {
        (f as { base: number }).base = sp; // would desynchronise leave from the checker's record
      } catch (e) {
        threw = e instanceof TypeError;
      }
      const redzone = k.checker!.shadow.get(f.base); // below the local: a redzone
      out = [Object.isFrozen(f), threw, f.locals.x, t.callDepth, redzone];
      t.leave(f);
      out.push(t.sp === sp, t.callDepth);
      yield* t.yield();
    });
    expect(faults).toEqual([]);
    expect(reports).toEqual([]);
    expect(out).toEqual([true, true, 7, 1, 0x40 /* Tag.StackRedzone */, true, 0]);
    expect(k.task("va")!.output).toEqual(VICTIM_LINES);
  });
});

describe("E8: a checked copy checks the task's access to the source before any work per byte", () => {
  /** evil copies its 16-byte block onto itself, `n` bytes; the fault its task gets, and its block. */
  function hugeCopy(n: number, memcheck: boolean) {
    const k = bootTest({ memcheck });
    let p = 0;
    k.spawn(victim("va", 1, k, true));
    k.spawn({
      name: "evil",
      *main(t) {
        p = yield* t.malloc(16);
        t.memmove(p, p, n);
        yield* t.yield();
      },
    });
    k.run({ ms: 20 });
    const heap = k.task("evil")!.heap!;
    return { k, p, heapEnd: heap.base + heap.size, faults: k.faults, lines: k.task("va")!.output };
  }

  it.each([true, false])(
    "memmove of 2^32 - 1 bytes (the range wraps: the core reads byte by byte): MemManage at the end of the task's heap at once (checker %s)",
    (memcheck) => {
      const r = hugeCopy(0xffffffff, memcheck);
      expect(
        r.faults.map((f) => [f.task, f.kind, f.hw?.faultAddress, f.hw?.access.address, f.hw?.access.size]),
      ).toEqual([["evil", "memmanage", r.heapEnd, r.heapEnd, 1]]);
      expect(r.lines).toEqual(VICTIM_LINES);
      if (!memcheck) return;
      // The bytes read past the block, one access each, are reported (reads go on under the
      // default stop-writes policy): all of them evil's, inside its own heap region.
      const reports = r.k.checker!.reports;
      expect(reports[0]).toMatchObject({ kind: "heap-buffer-overflow", address: r.p + 16, access: "read", size: 1 });
      expect(reports.every((x) => x.taskName === "evil" && x.address >= r.p + 16 && x.address < r.heapEnd)).toBe(true);
    },
  );

  it.each([true, false])(
    "memmove of 16 MiB (one block transfer): MemManage at the first granule past the task's heap (checker %s)",
    (memcheck) => {
      const r = hugeCopy(0x1000000, memcheck);
      expect(
        r.faults.map((f) => [f.task, f.kind, f.hw?.faultAddress, f.hw?.access.address, f.hw?.access.size]),
      ).toEqual([["evil", "memmanage", r.heapEnd, r.p, 0x1000000]]);
      expect(r.k.checker?.reports ?? []).toEqual([]);
      expect(r.lines).toEqual(VICTIM_LINES);
    },
  );

  it("memmove onto another task's heap, 2^32 - 1 bytes from the task's own block: faults on the source, va's shadow and bytes untouched", () => {
    const seen: boolean[] = [];
    const { k, faults, lines } = attack(function* (t, k) {
      yield* t.sleep({ ms: 2 });
      const p = yield* t.malloc(16);
      const va = k.task("va")!.heap!;
      const before = [vaShadow(k), k.machine.bus.peek(va.base, va.size)];
      try {
        t.memmove(va.base, p, 0xffffffff);
      } finally {
        const after = [vaShadow(k), k.machine.bus.peek(va.base, va.size)];
        seen.push(after.every((a, i) => a.every((b, j) => b === before[i]![j])));
      }
    });
    expect(seen).toEqual([true]);
    const heap = k.task("evil")!.heap!;
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.faultAddress])).toEqual([
      ["evil", "memmanage", heap.base + heap.size],
    ]);
    expect(faults).toHaveLength(1);
    expect(lines).toEqual(VICTIM_LINES);
  });
});

describe("E9a: the C library reads each argument once, as a plain number", () => {
  it("memmove with a valueOf dst (own block for the check, va's counter for the INI copy) is BAD_ARGUMENT; valueOf never runs", () => {
    let counterAt = 0;
    let final = 0;
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "va",
      *main(t) {
        const p = yield* t.malloc(16);
        counterAt = p;
        t.write32(p, 0);
        for (let i = 0; i < 20; i++) {
          t.write32(p, t.read32(p) + 1); // reads what it wrote in an earlier slice
          yield* t.sleep({ ms: 1 });
        }
        final = t.read32(p);
        yield* t.free(p);
      },
    });
    const seen: unknown[] = [];
    k.spawn({
      name: "evil",
      *main(t) {
        yield* t.sleep({ ms: 3 });
        const src = yield* t.malloc(16); // never written: uninitialized
        const own = yield* t.malloc(16);
        let calls = 0;
        const dst = {
          valueOf: () => {
            calls++;
            return calls === 1 ? own : counterAt;
          },
        } as unknown as number;
        const sh = k.checker!.shadow;
        const before = [sh.get(counterAt), sh.snapshot(own, 16), k.machine.bus.peek(own, 16)];
        let code: unknown = null;
        try {
          t.memmove(dst, src, 4);
        } catch (e) {
          code = (e as KernelError).code;
        }
        seen.push(code, calls, [sh.get(counterAt), sh.snapshot(own, 16), k.machine.bus.peek(own, 16)]);
        seen.push(before);
        t.memmove(dst, src, 4); // uncaught: the task faults
      },
    });
    k.run({ ms: 40 });
    const [code, calls, after, before] = seen;
    expect([code, calls]).toEqual(["BAD_ARGUMENT", 0]);
    expect(after).toEqual(before);
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      ["evil", "bad-syscall", "BAD_ARGUMENT: memmove: dst must be an address, an integer in [0, 2^32 - 1], got object"],
    ]);
    expect(k.checker!.reports).toEqual([]);
    expect(final).toBe(20);
  });
});

describe("E10: a report a task catches is frozen at every level", () => {
  it("rewriting the CheckerFault or its report (kind, task name, block history) throws; the checker's list and the fault record keep what the checker said", () => {
    const tries: string[] = [];
    const { k, faults } = attack(function* (t) {
      const p = yield* t.malloc(16);
      yield* t.free(p);
      try {
        t.write32(p, 1); // a write after free: the default policy stops the task
      } catch (e) {
        const f = e as { report: Record<string, unknown>; context: Record<string, unknown> };
        const r = f.report as { block: { allocated: Record<string, unknown> }; details: string[] };
        const attempts: Array<[string, () => void]> = [
          ["report.kind", () => (f.report.kind = "heap-buffer-overflow")],
          ["report.taskName", () => (f.report.taskName = "va")],
          ["report.block.allocated.time", () => (r.block.allocated.time = 0)],
          ["report.details.push", () => r.details.push("forged")],
          ["fault.report", () => (f.report = {})],
          ["fault.context.report", () => (f.context.report = {})],
        ];
        for (const [what, attempt] of attempts) {
          try {
            attempt();
            tries.push(`${what}: written`);
          } catch (x) {
            tries.push(`${what}: ${(x as Error).name}`);
          }
        }
        throw e;
      }
    });
    expect(tries).toEqual([
      "report.kind: TypeError",
      "report.taskName: TypeError",
      "report.block.allocated.time: TypeError",
      "report.details.push: TypeError",
      "fault.report: TypeError",
      "fault.context.report: TypeError",
    ]);
    const r = k.checker!.reports[0]!;
    expect([r.kind, r.taskName, Object.isFrozen(r), Object.isFrozen(r.block)]).toEqual([
      "use-after-free",
      "evil",
      true,
      true,
    ]);
    expect(faults[0]?.slice(0, 2)).toEqual(["evil", "checker"]);
    expect(k.faults[0]!.checker).toBe(r);
  });
});

describe("E11: a task flooding the checker with reports does not silence another task's", () => {
  // The caps bound the reports kept; counted over all tasks, 1000 reads of its own uninitialized
  // block by one task (each a report: a new address, and reads do not stop under stop-writes)
  // filled them, and every later report of every other task was dropped: never kept, never
  // emitted to the kernel's "checker" listeners, and with a non-stopping kind not even a fault.
  for (const board of [STM32F407, MPS2_AN505]) {
    it(`evil's 1024 uninitialized reads keep its first 1000; va's uninitialized read and write after free are still kept and emitted (${board.name})`, () => {
      const k = bootTest({ memcheck: true }, board);
      const emitted: MemReport[] = [];
      k.events.on("checker", (r) => emitted.push(r));
      let flood = 0;
      let va = 0;
      k.spawn({
        name: "evil",
        *main(t) {
          flood = yield* t.malloc(1024);
          for (let i = 0; i < 1024; i++) t.read8(flood + i); // uninitialized-read, goes on
          yield* t.sleep({ ms: 20 });
          yield* t.free(flood);
        },
      });
      k.spawn({
        name: "va",
        *main(t) {
          yield* t.sleep({ ms: 5 });
          va = yield* t.malloc(16);
          t.read32(va); // uninitialized-read: the report goes on
          yield* t.free(va);
          t.write32(va, 1); // use-after-free: stops va
        },
      });
      k.run({ ms: 40 });
      const of = (name: string, list: readonly MemReport[]) =>
        list.filter((r) => r.taskName === name).map((r) => [r.kind, r.address, r.access]);
      const vaReports = [
        ["uninitialized-read", va, "read"],
        ["use-after-free", va, "write"],
      ];
      expect(of("va", k.checker!.reports)).toEqual(vaReports);
      expect(of("va", emitted)).toEqual(vaReports);
      expect(k.faults.map((f) => [f.task, f.kind, f.checker?.kind])).toEqual([["va", "checker", "use-after-free"]]);
      const evil = of("evil", k.checker!.reports);
      expect([evil.length, evil[0], evil[999]]).toEqual([
        1000,
        ["uninitialized-read", flood, "read"],
        ["uninitialized-read", flood + 999, "read"],
      ]);
      expect(k.checker!.suppressed).toBe(24);
    });
  }
});
