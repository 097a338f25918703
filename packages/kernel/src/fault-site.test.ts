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

  it("names the throw of an error the task raised; a fault the kernel finds in a syscall has no line", () => {
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
    expect(bad({ rooot: "/" })).toThrow(
      /faultSites\.rooot is not a SourceSiteOptions field: SourceSiteOptions has root, map, skip/,
    );
  });
});
