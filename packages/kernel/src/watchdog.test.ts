import { describe, expect, it } from "vitest";
import { bootTest } from "./test-kit.js";

describe("watchdog", () => {
  it("without the interrupt, stops a task that loops touching memory past its budget at its next syscall", () => {
    const k = bootTest({ watchdogCycles: 10_000, watchdogInterrupt: false });
    expect(k.watchdog).toBeNull();
    let after = false;
    const t = k.spawn({
      name: "busy",
      *main(t) {
        const p = yield* t.malloc(16);
        for (let i = 0; i < 20_000; i++) t.write32(p, i); // 20,000+ cycles without giving up the CPU
        yield* t.yield();
        after = true;
      },
    });
    k.spawn({
      name: "other",
      *main(t) {
        for (let i = 0; i < 3; i++) yield* t.sleep({ ms: 1 });
      },
    });
    const r = k.run({ ms: 10 });
    expect(r.reason).toBe("no-tasks");
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.action]).toEqual(["busy", "watchdog", "stopped"]);
    expect(f.message).toMatch(/^watchdog: task "busy" ran 2\d{4} cycles \(budget 10000\) without yielding the CPU$/);
    expect(after).toBe(false);
    expect(k.schedTask(t).state).toBe("faulted");
  });

  it("stops a task that loops touching memory without ever yielding (the cycle alarm trips, by default)", () => {
    const k = bootTest({ watchdogCycles: 10_000 });
    const beats: number[] = [];
    k.spawn({
      name: "steady",
      *main(t) {
        for (let i = 0; i < 5; i++) {
          beats.push(i);
          t.write32(t.stackTop - 8, i);
          yield* t.sleep({ ms: 1 });
        }
      },
    });
    const spin = k.spawn({
      name: "spin",
      *main(t) {
        const p = yield* t.malloc(16);
        for (let i = 0; ; i++) t.write32(p, i); // never yields
      },
    });
    const seen: string[] = [];
    k.events.on("watchdog", (e) => seen.push(`${e.task}: ${e.message}`));
    const r = k.run({ ms: 20 });
    expect(r.reason).toBe("no-tasks");
    expect(k.faults).toHaveLength(1);
    const f = k.faults[0]!;
    expect(f.task).toBe("spin");
    expect(f.kind).toBe("watchdog");
    expect(f.message).toMatch(
      /^WATCHDOG: task "spin" would run 100\d\d cycles \(budget 10000\) without yielding the CPU$/,
    );
    expect(seen).toEqual([`spin: ${f.message}`]);
    expect(k.schedTask(spin).state).toBe("faulted");
    expect(beats).toEqual([0, 1, 2, 3, 4]); // the others go on
  });

  it("running in time windows does not renew the budget: a slice paused by a run's limit keeps what it used", () => {
    /** A hog on a 10-tick budget: 9 ticks of syscalls that return at once, then a loop with none. */
    function hog(windows: boolean): number {
      const k = bootTest({ watchdogCycles: 1_680_000 }); // 10 ticks of the STM32F407
      k.spawn({
        name: "hog",
        *main(t) {
          for (let i = 0; i < 90; i++) {
            t.compute(16_800);
            yield* t.info(); // answered at once: the slice goes on
          }
          for (;;) t.compute(1000);
        },
      });
      if (windows) for (let ms = 1; ms <= 30; ms++) k.run({ ms });
      else k.run({ ms: 30 });
      expect(k.faults.map((f) => f.kind)).toEqual(["watchdog"]);
      return k.faults[0]!.ms;
    }
    const cycles = (ms: number) => Math.round(ms * 168_000);
    // one run: the budget runs out 1,680,000 cycles after the task's first switch-in (cycle 59),
    // inside a compute(1000) from 1,679,582 that the tick at 1,680,000 splits: its first 418
    // cycles and the tick (82) are charged, the rest would pass the budget (the ticks taken before
    // count in it: they are the task's time)
    expect(cycles(hog(false))).toBe(1_680_082);
    // 1 ms runs: the same run. Each window's end pauses the slice on the CPU (no context saved,
    // the budget set aside and taken up again); a renewed budget would let it run 19 ms
    expect(cycles(hog(true))).toBe(1_680_082);
  });

  it("a task catching the watchdog error cannot go on: the error is latched", () => {
    const k = bootTest({ watchdogCycles: 5_000, watchdogInterrupt: true });
    let caught = 0;
    k.spawn({
      name: "sly",
      *main(t) {
        for (let i = 0; ; i++) {
          try {
            t.write32(t.stackTop - 8, i);
          } catch {
            caught++;
            yield* t.yield(); // tries to carry on
          }
        }
      },
    });
    k.run({ ms: 5 });
    expect(caught).toBe(1);
    expect(k.faults.map((f) => f.kind)).toEqual(["watchdog"]);
  });

  it("a task catching the watchdog error cannot compute on either: t.compute rethrows the latched error", () => {
    // t.compute charged on past the latch: 400 slices of 1 ms ran to their end, simulated time
    // went 40 times past the budget and past the run's own limit, and the fault came at 400 ms.
    const k = bootTest({ watchdogCycles: 168_000 * 10 });
    const errors: unknown[] = [];
    let computed = 0;
    k.spawn({
      name: "sly",
      *main(t) {
        for (let i = 0; i < 400; i++) {
          try {
            t.compute(168_000); // 1 ms
            computed++;
          } catch (e) {
            errors.push(e);
          }
        }
        yield* t.yield();
      },
    });
    k.run({ ms: 300 });
    // The 10th millisecond (the switch into the task came first) trips the watchdog; every later
    // call throws the same error, charging nothing.
    expect(computed).toBe(9);
    expect(errors.length).toBe(391);
    expect(new Set(errors).size).toBe(1);
    expect((errors[0] as { code?: string }).code).toBe("WATCHDOG");
    const f = k.faults[0]!;
    expect([k.faults.length, f.task, f.kind, f.action]).toEqual([1, "sly", "watchdog", "stopped"]);
    expect(f.ms).toBeLessThan(11);
    expect(k.scheduler.now().cycles).toBeLessThan(168_000 * 11);
  });

  it("a task burning cycles in syscalls is caught at its SVC entry or return, never inside the allocator", () => {
    const k = bootTest({ watchdogCycles: 3_000 });
    const churn = k.spawn({
      name: "churn",
      *main(t) {
        for (;;) {
          const p = yield* t.malloc(32); // kernel work: never interrupted
          yield* t.free(p);
        }
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("watchdog");
    expect(f.message).toMatch(
      /^WATCHDOG: task "churn" would run (\d+) cycles \(budget 3000\) without yielding the CPU$/,
    );
    expect(Number(/run (\d+)/.exec(f.message)![1])).toBeGreaterThan(3000);
    expect(churn.live.size).toBeLessThanOrEqual(1); // each malloc's block freed, or the last one live
  });

  it("tasks that yield within the budget are never faulted; watchdogCycles 0 turns it off", () => {
    const k = bootTest({ watchdogCycles: 0, watchdogInterrupt: true });
    const long = k.spawn({
      name: "long",
      *main(t) {
        for (let i = 0; i < 50_000; i++) t.write32(t.stackTop - 8, i);
        yield* t.yield();
      },
    });
    expect(long.watchdogCycles).toBe(0);
    expect(k.run({ ms: 5 }).reason).toBe("no-tasks");
    expect(k.faults).toEqual([]);
  });

  it("a task's own watchdogCycles replaces the kernel's budget, for the interrupt and at its requests", () => {
    const k = bootTest({ watchdogCycles: 100_000 });
    const spin = (name: string, watchdogCycles?: number) =>
      k.spawn({
        name,
        priority: 1,
        ...(watchdogCycles === undefined ? {} : { watchdogCycles }),
        *main(t) {
          for (let i = 0; i < 20_000; i++) t.write32(t.stackTop - 8, i); // >= 20,000 cycles
          yield* t.yield();
        },
      });
    const tight = spin("tight", 5_000);
    const usual = spin("usual");
    const none = spin("none", 0);
    expect([tight.watchdogCycles, usual.watchdogCycles, none.watchdogCycles]).toEqual([5_000, 100_000, 0]);
    k.run({ ms: 20 });
    expect(k.faults.map((f) => [f.task, f.kind])).toEqual([["tight", "watchdog"]]);
    expect(k.faults[0]!.message).toMatch(/^WATCHDOG: task "tight" would run 500\d cycles \(budget 5000\)/);
    expect(() => spin("bad", -1)).toThrow(/^BAD_TASK: task "bad": watchdogCycles must be an integer >= 0/);
  });

  it("costs no access hook (the checker stays the core's hook) and never interrupts a syscall's allocator work", () => {
    const k = bootTest({ memcheck: true, watchdogCycles: 2_000 });
    expect(k.machine.core.hook).toBe(k.checker);
    let blocks = 0;
    const t = k.spawn({
      name: "hungry",
      heapSize: 16 * 1024,
      *main(t) {
        // Every malloc's allocator work charges cycles; the alarm comes due inside one of them
        // and waits for the task's own next access (the exception return unstacking the SVC's
        // frame, or the write below), so the heap stays whole.
        for (;;) {
          const p = yield* t.malloc(24);
          t.write32(p, blocks++);
        }
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["hungry", "watchdog"]);
    expect(f.hw).toBeUndefined();
    expect(blocks).toBeGreaterThan(0);
    expect(t.live.size - blocks).toBeGreaterThanOrEqual(0); // the last malloc done, maybe not yet written
    expect(t.live.size - blocks).toBeLessThanOrEqual(1);
    expect(k.checker!.reports).toEqual([]);
  });
});
