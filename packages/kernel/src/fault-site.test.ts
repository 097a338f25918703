import { describe, expect, it } from "vitest";
import type { TaskSpec } from "./config.js";
import { faultSite, isSchedulerFrame } from "./fault-site.js";
import { bootTest } from "./test-kit.js";

/** This file: the task bodies below are the lines the records name (line numbers asserted). */
const THIS_FILE = /fault-site\.test\.ts$/;

describe("the task's line in fault records (faultSites)", () => {
  it("names the access of a hardware fault and whose memory it reached, in the record and the dump", () => {
    const k = bootTest();
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        yield* t.sleep({ ms: 10 });
      },
    });
    k.spawn({
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.write32(victim.stack.top - 8, 0xdeadbeef);
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("memmanage");
    expect(f.memory).toBe('the stack of task "victim"');
    expect(f.source).toMatchObject({ line: 22, column: 11, function: "main" });
    expect(f.source!.file).toMatch(THIS_FILE);
    const lines = f.dump.split("\n");
    expect(lines[2]).toMatch(/^ {2}at .*fault-site\.test\.ts:22:11 in main$/);
    expect(lines).toContain('  memory: the stack of task "victim"');
  });

  it("names the throw of an error the task raised; a fault the kernel finds in a syscall has no line by default", () => {
    const k = bootTest();
    k.spawn({
      name: "thrower",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        throw new RangeError("bad state");
      },
    });
    const kernelBase = k.kernelBlock.base;
    k.spawn({
      name: "deputy",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        yield* t.print(kernelBase, 16);
      },
    });
    k.run({ ms: 5 });
    const [thrown, deputy] = k.faults;
    expect(thrown!.kind).toBe("uncaught");
    expect(thrown!.source).toMatchObject({ line: 42, column: 15, function: "main" });
    expect(thrown!.memory).toBeUndefined();
    // The kernel checked the buffer after the task's generator had yielded: no frame of the task's.
    expect(deputy!.kind).toBe("bad-pointer");
    expect(deputy!.source).toBeUndefined();
  });

  it("faultSites: false names no line; the record is otherwise the same", () => {
    const rogue = (kernelBase: number): TaskSpec => ({
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.read32(kernelBase);
      },
    });
    const on = bootTest();
    on.spawn(rogue(on.kernelBlock.base));
    on.run({ ms: 3 });
    const off = bootTest({ faultSites: false });
    off.spawn(rogue(off.kernelBlock.base));
    off.run({ ms: 3 });
    expect(off.faults[0]!.source).toBeUndefined();
    expect(on.faults[0]!.source).toBeDefined();
    const { source: _s, dump: onDump, ...onRest } = on.faults[0]!;
    const { dump: offDump, ...offRest } = off.faults[0]!;
    expect(offRest).toEqual(onRest);
    expect(onDump.split("\n").filter((l) => !l.startsWith("  at "))).toEqual(offDump.split("\n"));
  });

  it("takes no line from below the scheduler (the host's call into the kernel) or from the simulator", () => {
    const stack = [
      "Error: x",
      "    at Core.raise (/r/packages/hw/src/access-path.ts:900:19)",
      "    at Dispatcher.runSlice (/r/packages/sched/src/dispatcher.ts:363:22)",
      "    at runApp (/r/apps/workloads/src/run/kernel-app.ts:10:3)",
    ].join("\n");
    const e = new Error("x");
    e.stack = stack;
    expect(faultSite(e, {})).toBeNull();
    e.stack = stack.replace("Dispatcher.runSlice (/r/packages/sched", "main (/r/app.ts:3:4) x (/r/packages/sched");
    expect(faultSite(e, { root: "/r" })).toBeNull();
    e.stack = [
      stack.split("\n")[0],
      stack.split("\n")[1],
      "    at main (/r/my-app.ts:3:4)",
      ...stack.split("\n").slice(2),
    ].join("\n");
    expect(faultSite(e, { root: "/r" })).toEqual({ file: "my-app.ts", line: 3, column: 4, function: "main" });
    expect(faultSite("not an error", {})).toBeNull();
    // What a task throws is its own: getters that throw, revoked proxies, a map that throws.
    const hostile = new Error("x");
    Object.defineProperty(hostile, "stack", {
      get() {
        throw new Error("boom");
      },
    });
    expect(faultSite(hostile, {})).toBeNull();
    const { proxy, revoke } = Proxy.revocable(new Error("y"), {});
    revoke();
    expect(faultSite(proxy, {})).toBeNull();
    expect(
      faultSite(e, {
        map: () => {
          throw new Error("no map");
        },
      }),
    ).toBeNull();
    expect(isSchedulerFrame("/x/node_modules/@rtos-sim/sched/dist/index.js")).toBe(true);
    expect(isSchedulerFrame("/x/packages/sched/src/dispatcher.test.ts")).toBe(false);
    expect(isSchedulerFrame("/x/packages/kernel/src/kernel.ts")).toBe(false);
  });

  it("refuses malformed options with BAD_CONFIG naming the field, before anything is built", () => {
    const bad = (faultSites: unknown) => () => bootTest({ faultSites: faultSites as never });
    expect(bad("yes")).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", context: expect.objectContaining({ field: "faultSites" }) }),
    );
    expect(bad({ root: 7 })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", context: expect.objectContaining({ field: "faultSites.root" }) }),
    );
    expect(bad({ map: "f" })).toThrow(
      expect.objectContaining({ code: "BAD_CONFIG", context: expect.objectContaining({ field: "faultSites.map" }) }),
    );
    expect(bad({ syscalls: 1 })).toThrow(
      expect.objectContaining({
        code: "BAD_CONFIG",
        context: expect.objectContaining({ field: "faultSites.syscalls" }),
      }),
    );
    expect(bad({ rooot: "/" })).toThrow(
      /faultSites\.rooot is not a FaultSiteOptions field: FaultSiteOptions has root, map, skip, syscalls/,
    );
  });
});

describe("the task's line of a syscall the kernel faults it in (faultSites.syscalls)", () => {
  /** Three tasks whose syscalls fault: a buffer in kernel memory, a free of a pointer the heap never gave, an unlock of a mutex another task owns. */
  function run(options: Parameters<typeof bootTest>[0]) {
    const k = bootTest({ ...options, mutexes: [{ name: "bus" }] });
    const kernelBase = k.kernelBlock.base;
    k.spawn({
      name: "deputy",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        yield* t.print(kernelBase, 16);
      },
    });
    k.spawn({
      name: "freer",
      heapSize: 4096,
      *main(t) {
        const p = yield* t.malloc(32);
        yield* t.free(p + 8);
      },
    });
    k.spawn({
      name: "owner",
      mutexes: ["bus"],
      *main(t) {
        yield* t.mutexLock("bus");
        yield* t.sleep({ ms: 10 });
      },
    });
    k.spawn({
      name: "thief",
      mutexes: ["bus"],
      *main(t) {
        yield* t.sleep({ ms: 2 });
        yield* nested(t);
      },
    });
    k.run({ ms: 5 });
    return k;
  }

  /** A helper of task code: the line named is its own `yield*`, the first frame of task code. */
  function* nested(t: Parameters<TaskSpec["main"]>[0]) {
    yield* t.mutexUnlock("bus");
  }

  it("names the task's yield* of the syscall, in the record and the dump", () => {
    const k = run({ faultSites: { syscalls: true } });
    const by = new Map(k.faults.map((f) => [f.task, f]));
    expect([...by.keys()].sort()).toEqual(["deputy", "freer", "thief"]);
    expect(by.get("deputy")).toMatchObject({
      kind: "bad-pointer",
      source: { line: 160, column: 18, function: "main" },
    });
    expect(by.get("deputy")!.source!.file).toMatch(THIS_FILE);
    expect(by.get("freer")).toMatchObject({ kind: "heap", source: { line: 168, column: 18, function: "main" } });
    expect(by.get("thief")).toMatchObject({ source: { line: 193, column: 14, function: "nested" } });
    expect(by.get("deputy")!.dump.split("\n")[2]).toMatch(/^ {2}at .*fault-site\.test\.ts:160:18 in main$/);
  });

  it("is off by default, and the records are otherwise the same", () => {
    const on = run({ faultSites: { syscalls: true } });
    const off = run({});
    expect(off.faults.map((f) => f.source)).toEqual([undefined, undefined, undefined]);
    const strip = (f: (typeof on.faults)[number]) => {
      const { source: _s, dump, ...rest } = f;
      return { ...rest, dump: dump.split("\n").filter((l) => !l.startsWith("  at ")) };
    };
    expect(on.faults.map(strip)).toEqual(off.faults.map(strip));
  });

  it("a checker with source sites captures the syscalls' stacks already: fault records name the line too", () => {
    const k = run({ memcheck: { sourceSites: true } });
    expect(k.faults.find((f) => f.task === "deputy")!.source).toMatchObject({ line: 160, function: "main" });
  });
});

describe("faultSites.syscalls: a capture names only its own request", () => {
  it("a bare request after a t.yield() or t.sleep() the scheduler carried out: no line (it named the yield's)", () => {
    const k = bootTest({ faultSites: { syscalls: true } });
    const lines: Record<string, number> = {};
    k.spawn({
      name: "bare",
      *main(t) {
        yield* t.yield();
        yield* t.sleep({ ms: 1 });
        yield { op: "free", ptr: 0x1234 } as never; // the kernel finds the bad free: no yield* here
      },
    });
    k.spawn({
      name: "called",
      *main(t) {
        yield* t.yield();
        lines.called = lineOf(new Error());
        yield* t.free(0x1234);
      },
    });
    k.run({ ms: 5 });
    const by = new Map(k.faults.map((f) => [f.task, f]));
    expect([by.get("bare")!.kind, by.get("bare")!.source]).toEqual(["heap", undefined]);
    expect(by.get("called")).toMatchObject({ kind: "heap", source: { line: lines.called! + 1, function: "main" } });
  });
});

/** The line of this file an error was created at. */
function lineOf(e: Error): number {
  const m = /fault-site\.test\.ts:(\d+):\d+/.exec(e.stack ?? "");
  return Number(m![1]);
}
