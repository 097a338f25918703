import { type Board, Cfsr, MPS2_AN386, MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { fn } from "./data/frames.js";
import { u32 } from "./data/types.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import { GUARD_BYTES } from "./task-record.js";
import { KERNEL_COSTS } from "./timing/kernel-costs.js";

/** A call with two words of locals. */
const STEP = fn("step", { locals: { a: u32, b: u32 } });
const now = (k: Kernel) => k.scheduler.now().cycles;

/** Calls `STEP` until SP is within a frame of `headroom` bytes of the stack's bottom, then reserves the rest. */
function descend(t: TaskContext, headroom: number): void {
  const bottom = t.stackBase + GUARD_BYTES;
  while (t.sp - bottom >= headroom + 64) t.enter(STEP);
  if (t.sp - bottom > headroom) t.push(t.sp - bottom - headroom);
  expect(t.sp - bottom).toBe(headroom);
}

/** A task at `headroom` bytes above its stack's bottom computing across the first tick, and a task that keeps running. */
function deep(board: Board, headroom: number, fp = false) {
  const k = bootKernel({ board });
  const cpt = k.scheduler.clock.cyclesPerTick;
  const raised: number[] = [];
  k.machine.core.emitter.on("fault", () => raised.push(now(k)));
  let done = false;
  const d = k.spawn({
    name: "deep",
    *main(t) {
      if (fp) t.writeF32(t.sp - 4, 1.5); // a VSTR: CONTROL.FPCA, the task has an FP context
      descend(t, headroom);
      t.compute(cpt); // the tick falls inside
      done = true;
      yield* t.exit();
    },
  });
  const other = k.spawn({
    name: "other",
    *main(t) {
      for (let i = 0; i < 3; i++) yield* t.sleep({ ticks: 1 });
    },
  });
  k.run({ ms: 5 });
  return { k, d, other, done, raised, cpt };
}

describe("SysTick taken while a task runs: its frame on the task's stack (docs/timing.md)", () => {
  it("STM32F407 (PMSAv7): 31 bytes of headroom or less, the tick's stacking faults MemManage MSTKERR at the tick; the other task goes on", () => {
    for (const headroom of [24, 16, 0]) {
      const { k, d, other, done, raised, cpt } = deep(STM32F407, headroom);
      expect(done).toBe(false);
      expect(d.faults.length).toBe(1);
      const f = d.faults[0]!;
      expect([f.kind, f.hw?.cfsr, f.hw?.faultAddress, f.hw?.cause, f.action]).toEqual([
        "stack-overflow",
        Cfsr.MSTKERR, // 0x10, MMARVALID clear: no MMFAR for a stacking fault
        null,
        "MemManage",
        "stopped",
      ]);
      expect(f.message).toMatch(
        /^stack overflow by exception stacking: the SysTick taken with SP at 0x[0-9a-f]{8} stacks its frame into the stack guard$/,
      );
      // at the tick: the compute reached cycle 168,000, the entry's latency beyond its stores (11) went before the first store
      expect(raised).toEqual([cpt + 11]);
      expect(k.scheduler.task(other.id)?.state).toBe("stopped");
      expect(k.faults.map((x) => x.task)).toEqual(["deep"]);
    }
  });

  it("MPS2-AN505 (PMSAv8): the frame below PSPLIM is UsageFault STKOF at the tick, nothing written below the limit", () => {
    const { k, d, other, done, raised, cpt } = deep(MPS2_AN505, 24);
    expect(done).toBe(false);
    const f = d.faults[0]!;
    expect([f.kind, f.hw?.cfsr, f.hw?.faultAddress, f.hw?.cause]).toEqual([
      "stack-overflow",
      Cfsr.STKOF,
      null,
      "UsageFault",
    ]);
    expect(f.message).toMatch(/stacks its frame into the stack limit \(UsageFault STKOF\)$/);
    expect(raised).toEqual([cpt + 4]); // 12 - 8 stores
    expect(k.scheduler.task(other.id)?.state).toBe("stopped");
  });

  it("32 bytes of headroom is enough for a basic frame; with an FP context the entry reserves 104", () => {
    for (const board of [STM32F407, MPS2_AN505]) {
      const r = deep(board, 32);
      expect([board.name, r.done, r.d.faults.map((f) => f.message)]).toEqual([board.name, true, []]);
    }
    const fpFault = deep(STM32F407, 96, true);
    expect([fpFault.done, fpFault.d.faults[0]?.hw?.cfsr]).toEqual([false, Cfsr.MSTKERR]);
    const fpOk = deep(STM32F407, 104, true);
    expect([fpOk.done, fpOk.d.faults]).toEqual([true, []]);
  });

  it("SP moved below the stack block: within 128 bytes the stacking fault is still the stack's overflow; further down it is not diagnosed as one", () => {
    const seen: [number, string | undefined, string | undefined][] = [];
    for (const below of [0, 64, 128, 136, 512]) {
      const k = bootKernel({ board: STM32F407 });
      const cpt = k.scheduler.clock.cyclesPerTick;
      const d = k.spawn({
        name: "deep",
        *main(t) {
          expect(t.stackBase).toBe(0x10000400);
          t.setSp(t.stackBase - below); // a MOV to SP: nothing is written, the MPU is not asked
          t.compute(cpt); // the tick falls inside: its frame goes below SP
          yield* t.exit();
        },
      });
      k.run({ ms: 3 });
      const f = d.faults[0];
      seen.push([below, f?.kind, f?.message]);
      expect([f?.hw?.cfsr, f?.hw?.faultAddress]).toEqual([Cfsr.MSTKERR, null]);
    }
    const under = (sp: string) =>
      `stack overflow by exception stacking: the SysTick taken with SP at ${sp} stacks its frame into the memory below the stack's guard (at 0x10000400)`;
    // the frame's 8 words below SP: the lowest is the first one refused
    const corrupt = (sp: string, at: string) =>
      `corrupt stack pointer ${sp}: MemManage MSTKERR on write of 4 byte(s) at ${at} while stacking the exception frame`;
    expect(seen).toEqual([
      [0, "stack-overflow", under("0x10000400")],
      [64, "stack-overflow", under("0x100003c0")],
      [128, "stack-overflow", under("0x10000380")],
      [136, "memmanage", corrupt("0x10000378", "0x10000358")],
      [512, "memmanage", corrupt("0x10000200", "0x100001e0")],
    ]);
  });

  it("the restart policy: the task starts again after the stacking fault, and the ticks its timers wait for still wake them", () => {
    const k = bootKernel({ board: STM32F407 });
    const cpt = k.scheduler.clock.cyclesPerTick;
    let runs = 0;
    const d = k.spawn({
      name: "deep",
      faultPolicy: { restart: 2 },
      *main(t) {
        runs++;
        descend(t, 8);
        t.compute(cpt);
        yield* t.exit();
      },
    });
    const woke: number[] = [];
    k.spawn({
      name: "sleeper",
      *main(t) {
        for (let i = 0; i < 3; i++) {
          yield* t.sleep({ ticks: 1 });
          woke.push(k.scheduler.now().ticks);
        }
      },
    });
    k.run({ ms: 10 });
    expect(runs).toBe(3);
    expect(d.faults.map((f) => f.action)).toEqual(["restarted", "restarted", "stopped"]);
    // deep holds the CPU (cooperative scheduling) through its three runs, a tick each: the
    // sleeper's first wake (tick 1) runs at tick 3, when deep is stopped, and its ticks go on
    expect(woke).toEqual([3, 4, 5]);
  });
});

describe("with the memory checker", () => {
  it("the tick's frame is stacked and unstacked below SP as an SVC's is: no report, at any depth with room for it, in a call's frame too", () => {
    for (const headroom of [32, 200]) {
      const k = bootKernel({ board: STM32F407, memcheck: true, watchdogCycles: 0 });
      const cpt = k.scheduler.clock.cyclesPerTick;
      let done = false;
      const d = k.spawn({
        name: "deep",
        *main(t) {
          const f = t.enter(STEP); // a frame with redzones: the tick falls inside its call
          f.locals.a = 1;
          const below = t.sp - (t.stackBase + GUARD_BYTES) - headroom;
          t.push(below);
          t.compute(2 * cpt);
          t.pop(below);
          f.locals.b = f.locals.a;
          t.leave(f);
          done = true;
          yield* t.exit();
        },
      });
      k.run({ ms: 5 });
      expect([headroom, done, d.faults.map((x) => x.message), k.checker?.reports.length]).toEqual([
        headroom,
        true,
        [],
        0,
      ]);
    }
  });
});

describe("the tick's cycles (docs/timing.md)", () => {
  /** Cycles a task's compute of `n` cycles takes from its first cycle, with `fp` an FP context. */
  function computed(board: Board, n: number, fp = false): number {
    const k = bootKernel({ board, watchdogCycles: 0 });
    let took = -1;
    k.spawn({
      name: "t",
      *main(t) {
        if (fp) t.writeF32(t.sp - 4, 1);
        const from = t.cycles;
        t.compute(n);
        took = t.cycles - from;
        yield* t.exit();
      },
    });
    k.run({ ms: 20 });
    return took;
  }

  it("a tick that wakes nothing: entry + tickIdle (48) + return, 70 on the MPS2-AN386, 82 on the STM32F407; N ticks, N times", () => {
    const cpt386 = MPS2_AN386.clockHz / 1000;
    expect(KERNEL_COSTS.tickIdle).toBe(48);
    expect(computed(MPS2_AN386, cpt386 - 1000)).toBe(cpt386 - 1000); // no tick inside
    for (const ticks of [1, 2, 5]) {
      expect(computed(MPS2_AN386, ticks * cpt386) - ticks * cpt386).toBe(ticks * (12 + 48 + 10));
      expect(computed(STM32F407, ticks * 168_000) - ticks * 168_000).toBe(ticks * (19 + 48 + 15));
    }
    // an FP context: the entry reserves the FP space, lazily (no FP stores, no +17)
    expect(computed(MPS2_AN386, 3 * cpt386, true) - 3 * cpt386).toBe(3 * 70);
  });

  it("a tick that wakes a task is charged once, when it falls: entry + tickWake (195) + return, the further wakes tickWakeMore (40)", () => {
    function run(sleepers: number): { extra: number; woke: number[] } {
      const k = bootKernel({ board: MPS2_AN386, watchdogCycles: 0 });
      const cpt = k.scheduler.clock.cyclesPerTick;
      let extra = -1;
      const woke: number[] = [];
      for (let i = 0; i < sleepers; i++) {
        k.spawn({
          name: `s${i}`,
          priority: 2,
          *main(t) {
            yield* t.sleep({ ticks: 1 });
            woke.push(k.scheduler.now().ticks);
          },
        });
      }
      k.spawn({
        name: "busy",
        priority: 1,
        *main(t) {
          const from = t.cycles;
          t.compute(cpt);
          extra = t.cycles - from - cpt;
          yield* t.yield();
        },
      });
      const before = k.taskTiming(k.task("busy")!).cpuCycles;
      k.run({ ms: 3 });
      expect(before).toBe(0);
      return { extra, woke };
    }
    expect(run(0)).toEqual({ extra: 12 + 48 + 10, woke: [] });
    expect(run(1)).toEqual({ extra: 12 + 195 + 10, woke: [1] });
    expect(run(3)).toEqual({ extra: 12 + 195 + 2 * 40 + 10, woke: [1, 1, 1] });
  });

  it("the stack peak includes the tick's frame: 32 bytes below the deepest SP, 104 with an FP context", () => {
    for (const fp of [false, true]) {
      const k = bootKernel({ board: MPS2_AN386, watchdogCycles: 0 });
      const cpt = k.scheduler.clock.cyclesPerTick;
      let depth = 0;
      const t = k.spawn({
        name: "t",
        *main(t) {
          if (fp) t.writeF32(t.sp - 4, 1);
          t.push(512);
          depth = t.stackTop - t.sp;
          t.compute(cpt);
          t.pop(512);
          yield* t.exit();
        },
      });
      k.run({ ms: 2 });
      expect(k.stackUsage(t).peak).toBe(depth + (fp ? 104 : 32));
    }
  });

  it("the watchdog still fires at its budget with ticks taken meanwhile (the two share the core's alarm)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 20_000, max: 200_000 }), fc.integer({ min: 1, max: 40_000 }), (budget, chunk) => {
        const k = bootKernel({ board: MPS2_AN386, watchdogCycles: budget });
        k.spawn({
          name: "hog",
          *main(t) {
            yield* t.info(); // the budget is not renewed by a syscall that returns at once
            for (;;) t.compute(chunk);
          },
        });
        k.run({ ms: 12 });
        expect(k.faults.map((f) => f.kind)).toEqual(["watchdog"]);
        const used = Number(/would run (\d+) cycles/.exec(k.faults[0]!.message)![1]);
        // stopped at the first charge past the budget: a compute's piece (at most `chunk`, split
        // at the ticks), after at most one tick's handler (70) that ran past it held
        expect(used).toBeGreaterThan(budget);
        expect(used).toBeLessThanOrEqual(budget + chunk + 70);
      }),
      { seed: 0x5eee2, numRuns: 25 },
    );
  });
});

describe("a host error inside the SysTick handler (a task at the edge of JavaScript's stack)", () => {
  it("leaves the task in Thread mode, unprivileged, and the tick is taken at its next computation", () => {
    const k = bootKernel({ board: STM32F407, watchdogCycles: 0 });
    const cpt = k.scheduler.clock.cyclesPerTick;
    const ticks = (k as unknown as { ticks: { taken: number } }).ticks;
    const timersAt = k.scheduler.timersAt.bind(k.scheduler);
    let throws = 1;
    // The handler's body asks the scheduler for the tick's wakes: the first time, a host error.
    k.scheduler.timersAt = (tick: number) => {
      if (throws-- > 0) throw new RangeError("Maximum call stack size exceeded");
      return timersAt(tick);
    };
    const seen: unknown[] = [];
    k.spawn({
      name: "deep",
      *main(t) {
        try {
          t.compute(cpt); // the first tick falls inside
        } catch (e) {
          seen.push((e as Error).name, k.machine.core.mode, k.machine.core.privileged, ticks.taken);
        }
        t.compute(10 * cpt);
        seen.push(ticks.taken);
        yield* t.exit();
      },
    });
    k.run({ ms: 20 });
    expect(seen).toEqual(["RangeError", "thread", false, 0, 11]);
    expect(k.faults).toEqual([]);
  });
});
