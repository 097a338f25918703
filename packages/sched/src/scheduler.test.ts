import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { SchedError } from "./errors.js";
import { Scheduler } from "./scheduler.js";
import type { Task } from "./task.js";
import { CPT, setup } from "./test-setup.js";
import { WaitQueue } from "./wait-queue.js";

function errorOf(f: () => unknown): [string, Record<string, unknown>] | string {
  try {
    f();
  } catch (e) {
    if (e instanceof SchedError) return [e.code, e.context];
    return String(e);
  }
  return "no error";
}

describe("priorities and round-robin", () => {
  it("runs the highest priority first and rotates tasks of one priority at each yield", () => {
    const { sched } = setup();
    const log: string[] = [];
    const body = (name: string) =>
      function* () {
        for (let i = 0; i < 3; i++) {
          log.push(name);
          yield { op: "yield" };
        }
      };
    sched.spawn({ name: "A", priority: 1, entry: body("A") });
    sched.spawn({ name: "B", priority: 1, entry: body("B") });
    sched.spawn({ name: "C", priority: 2, entry: body("C") });
    sched.spawn({ name: "L", priority: 0, entry: body("L") });
    const r = sched.run();
    expect(log.join("")).toBe("CCCABABABLLL");
    expect(r.reason).toBe("no-tasks");
    // C, then A B A B A B A B (the fourth slices end the tasks), then L; C's own yields are not
    // switches: it got the CPU back
    expect(sched.switches).toBe(10);
    expect(sched.tasks().map((t) => [t.name, t.state, t.stats.slices])).toEqual([
      ["A", "stopped", 4],
      ["B", "stopped", 4],
      ["C", "stopped", 4],
      ["L", "stopped", 4],
    ]);
  });

  it("keeps a ready list per priority behind a bitmap", () => {
    const { sched } = setup({ priorities: 8 });
    const idle = function* () {
      yield { op: "yield" };
    };
    const a = sched.spawn({ name: "a", priority: 3, entry: idle });
    const b = sched.spawn({ name: "b", priority: 7, entry: idle });
    const c = sched.spawn({ name: "c", priority: 3, entry: idle });
    expect(sched.readyBitmap).toBe(0b1000_1000);
    expect(sched.readyAt(3)).toEqual([a, c]);
    const d = sched.next();
    expect(d.kind === "run" && d.task === b && d.timeslice === "none").toBe(true);
    sched.step(); // b yields: back of priority 7, alone there
    expect(sched.readyAt(7)).toEqual([b]);
    sched.step(); // b finishes
    expect(sched.readyBitmap).toBe(0b0000_1000);
    sched.setPriority(c, 5);
    expect(sched.readyBitmap).toBe(0b0010_1000);
    const d2 = sched.next();
    expect(d2.kind === "run" && d2.task === c).toBe(true);
  });

  it("preempts at a syscall with a timeslice, and never without one", () => {
    const logs: string[] = [];
    for (const timeslice of ["none", 1] as const) {
      const { sched, machine } = setup({ timeslice, syscall: () => 0 });
      const log: string[] = [];
      const body = (name: string, n: number) =>
        function* () {
          for (let i = 0; i < n; i++) {
            machine.core.fill(0x20000000, 0, 4 * 30_000); // 30 000 word writes: 30 000 cycles
            log.push(name);
            yield { op: "noop" }; // answered at once: the task keeps the CPU unless preempted
          }
        };
      sched.spawn({ name: "A", priority: 1, entry: body("A", 8) });
      sched.spawn({ name: "B", priority: 1, entry: body("B", 8) });
      sched.spawn({
        name: "H",
        priority: 2,
        *entry() {
          yield { op: "sleep", ticks: 2 }; // due at cycle 336 000, during A's second slice
          log.push("H");
        },
      });
      sched.run();
      logs.push(log.join(""));
    }
    // cooperative: each task runs until it ends. Timeslice 1 tick (168 000 cycles): A is rotated
    // out after 6 steps (180 000 cycles); B's sixth step ends at 360 000, past H's wake
    // (336 000), so H preempts B at that syscall. Cooperative: A ends at 240 000, before H is due.
    expect(logs).toEqual(["AAAAAAAABBBBBBBBH", "AAAAAABBBBBBHAABB"]);
  });
});

describe("simulated time", () => {
  it("charges accesses (1 + wait states), syscalls and switches; sleeps wake exactly on their tick", () => {
    const { sched, machine } = setup({ costs: { syscall: 10, contextSwitch: 4 } });
    const seen: [string, number, number][] = [];
    const now = (label: string) => {
      const n = sched.now();
      seen.push([label, n.cycles, n.ticks]);
    };
    sched.spawn({
      name: "t",
      priority: 1,
      *entry() {
        for (let i = 0; i < 10; i++) machine.core.read32(0x08000000 + 4 * i); // flash, 5 wait states: 60 cycles
        now("flash");
        yield { op: "sleep", ticks: 1 };
        now("woke1");
        machine.core.read32(0x20000000); // SRAM: 1 cycle
        now("sram");
        yield { op: "sleep", ms: 2.5 }; // 3 ticks
        now("woke2");
      },
    });
    expect(sched.run()).toMatchObject({ reason: "no-tasks", now: { cycles: 4 * CPT, ticks: 4, ms: 4 } });
    expect(seen).toEqual([
      ["flash", 4 + 60, 0], // switch 4, then 10 flash reads
      ["woke1", CPT, 1], // slept at cycle 74 (tick 0) until tick 1
      ["sram", CPT + 1, 1],
      ["woke2", 4 * CPT, 4], // slept at tick 1 for 3 ticks
    ]);
    // SysTick was programmed and advanced with the clock: RVR = cycles per tick - 1
    expect(machine.systick.rvr).toBe(CPT - 1);
    expect(machine.systick.enabled).toBe(true);
  });

  it("timersAt counts the sleeps and timeouts that expire at exactly one tick", () => {
    const { sched } = setup();
    const counts: number[][] = [];
    for (const ticks of [2, 3, 2]) {
      sched.spawn({
        name: `s${ticks}`,
        priority: 1,
        *entry() {
          yield { op: "sleep", ticks };
        },
      });
    }
    sched.spawn({
      name: "probe",
      priority: 0,
      *entry() {
        counts.push([1, 2, 3, 4].map((tick) => sched.timersAt(tick)));
      },
    });
    sched.run();
    expect(counts).toEqual([[0, 2, 1, 0]]);
  });

  it("jumps idle time to the next wake-up, calls the idle hook, and stops at the time limit", () => {
    const idles: [number, number | null][] = [];
    const { sched } = setup({ idle: (i) => idles.push([i.from, i.to]) });
    const woke: number[] = [];
    sched.spawn({
      name: "p",
      priority: 0,
      *entry() {
        for (;;) {
          yield { op: "sleep", ticks: 10 };
          woke.push(sched.now().ticks);
        }
      },
    });
    const r = sched.run({ until: { ms: 35 } });
    expect(r.reason).toBe("until");
    expect(r.now).toEqual({ cycles: 35 * CPT, ticks: 35, ms: 35 });
    expect(woke).toEqual([10, 20, 30]);
    expect(idles).toEqual([
      [0, 10 * CPT],
      [10 * CPT, 20 * CPT],
      [20 * CPT, 30 * CPT],
      [30 * CPT, 35 * CPT],
    ]);
    expect(sched.run({ until: { ticks: 41 } }).now.ticks).toBe(41);
    expect(woke).toEqual([10, 20, 30, 40]);
  });

  it("a run's time limit pauses the running slice on the CPU: runs in any windows are one run", () => {
    function trace(windows: readonly number[]) {
      const events: string[] = [];
      const { sched, machine } = setup({
        syscall: () => 0,
        switchIn: (t) => events.push(`in ${t.name}`),
        switchOut: (t) => events.push(`out ${t.name}`),
        pause: (t) => events.push(`pause ${t.name}`),
        resume: (t) => events.push(`resume ${t.name}`),
      });
      const body = (name: string, sleep: number, steps: number) =>
        function* () {
          if (sleep > 0) yield { op: "sleep", ticks: sleep };
          for (let i = 0; i < steps; i++) {
            machine.core.fill(0x20000000, 0, 4 * 30_000); // 30 000 word writes: 30 000 cycles
            yield { op: "noop" }; // answered at once: the slice goes on
          }
          events.push(`${name} done at ${sched.now().cycles}`);
        };
      // H sleeps first (it runs first: priority 2); it is due at tick 1 (168 000 cycles), in the
      // middle of A's slice, and waits for A's end either way (cooperative)
      sched.spawn({ name: "H", priority: 2, entry: body("H", 1, 2) });
      sched.spawn({ name: "A", priority: 1, entry: body("A", 0, 8) });
      let r = sched.run({ until: { cycles: 0 } });
      for (const cycles of windows) {
        r = sched.run({ until: { cycles } });
        if (r.reason !== "until") break;
      }
      return { events, switches: r.switches, now: r.now.cycles };
    }
    const one = trace([1_000_000]);
    expect(one.events).toEqual([
      "in H",
      "out H",
      "in A",
      "A done at 240000",
      "out A",
      "in H",
      "H done at 300000",
      "out H",
    ]);
    // Windows ending in the middle of A's slice pause it (no switch), and the paused slice goes on first.
    const windowed = trace([60_000, 120_000, 130_000, 170_000, 1_000_000]);
    expect(windowed.events.filter((e) => !e.startsWith("pause") && !e.startsWith("resume"))).toEqual(one.events);
    expect(windowed.events.filter((e) => e.startsWith("pause"))).toEqual(["pause A", "pause A", "pause A", "pause A"]);
    expect([windowed.switches, windowed.now]).toEqual([one.switches, one.now]);
  });

  it("the switch-in's cycles are its task's but not its slice's, with or without a beforeStep hook, and when it faults the task", () => {
    function slice(withBeforeStep: boolean, faultIn: boolean) {
      const seen: { now?: number; cycles?: number } = {};
      const { sched, machine } = setup({
        syscall: () => 0,
        switchIn: (t) => {
          machine.core.charge(100);
          if (faultIn) sched.fault(t, { kind: "kernel-error", message: "switch-in" });
        },
        ...(withBeforeStep ? { beforeStep: () => machine.core.charge(10) } : {}),
        switchOut: (_t, _s, info) => {
          seen.cycles = info.cycles;
        },
      });
      const a = sched.spawn({
        name: "A",
        priority: 1,
        *entry() {
          seen.now = sched.now().cycles; // the task's first step sees the switch-in's cycles
          machine.core.charge(1000);
          yield { op: "yield" };
        },
      });
      sched.step();
      return [seen.now, seen.cycles, a.stats.cycles, sched.now().cycles];
    }
    // [the time the first step sees, the slice's cycles the switch-out is told, the task's cycles, now]
    expect(slice(true, false)).toEqual([110, 1010, 1110, 1110]);
    expect(slice(false, false)).toEqual([100, 1000, 1100, 1100]);
    expect(slice(true, true)).toEqual([undefined, 0, 100, 100]);
  });

  it("a paused task stopped between the runs is switched out at the next run, not resumed", () => {
    const events: string[] = [];
    const { sched, machine } = setup({
      syscall: () => 0,
      switchIn: (t) => events.push(`in ${t.name}`),
      switchOut: (t) => events.push(`out ${t.name} ${t.state}`),
      pause: (t) => events.push(`pause ${t.name}`),
      resume: (t) => events.push(`resume ${t.name}`),
    });
    const a = sched.spawn({
      name: "A",
      priority: 1,
      *entry() {
        for (;;) {
          machine.core.fill(0x20000000, 0, 4 * 30_000);
          yield { op: "noop" };
        }
      },
    });
    sched.run({ until: { cycles: 50_000 } });
    expect([a.state, sched.current]).toEqual(["running", null]);
    const d = sched.next();
    expect(d.kind === "run" && d.task === a).toBe(true); // the paused task is the one to run
    sched.stop(a, { unwind: false });
    sched.run({ until: { cycles: 100_000 } });
    expect(events).toEqual(["in A", "pause A", "resume A", "out A stopped"]);
    expect(a.state).toBe("stopped");
  });

  it("counts the cycles it jumps over as idle: the CPU load is what is left", () => {
    const { sched, machine } = setup({ costs: { syscall: 12, contextSwitch: 0 } });
    sched.spawn({
      name: "p",
      priority: 0,
      *entry() {
        for (;;) {
          for (let i = 0; i < 100; i++) machine.core.read32(0x20000000); // 100 cycles of SRAM
          yield { op: "sleep", ticks: 1 };
        }
      },
    });
    const r = sched.run({ until: { ms: 10 } });
    // every tick: 100 reads + 12 for the sleep request, then idle until the next tick
    expect(r.idleCycles).toBe(10 * (CPT - 112));
    expect(sched.idleCycles).toBe(r.idleCycles);
    expect(sched.task(1)!.stats.cycles).toBe(10 * 112);
  });

  it("wakes equal-tick sleepers in the order they went to sleep", () => {
    const { sched } = setup();
    const log: string[] = [];
    for (const [name, ticks] of [
      ["a", 3],
      ["b", 2],
      ["c", 3],
    ] as const) {
      sched.spawn({
        name,
        priority: 1,
        *entry() {
          yield { op: "sleep", ticks };
          log.push(`${name}@${sched.now().ticks}`);
          if (name === "b") yield { op: "sleep", ticks: 1 };
          if (name === "b") log.push(`${name}@${sched.now().ticks}`);
        },
      });
    }
    sched.run();
    expect(log).toEqual(["b@2", "a@3", "c@3", "b@3"]);
  });
});

describe("decisions and the idle hook", () => {
  it("next() says whom it would run, or until when it would sleep; sleepUntil and wake end sleeps", () => {
    const { sched } = setup({
      syscall: (task, req, s) => {
        if (req.op === "until") s.sleepUntil(task, req.tick as number);
        return "late";
      },
    });
    const got: unknown[] = [];
    const t = sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        got.push(yield { op: "until", tick: 4 });
        got.push(sched.now().ticks);
        got.push(yield { op: "until", tick: 100 });
        got.push(sched.now().ticks);
      },
    });
    sched.step();
    expect(sched.next()).toEqual({ kind: "sleep", until: 4 * CPT });
    expect(t.wakeAt).toBe(4);
    sched.step(); // idle: jump to tick 4
    sched.step(); // runs to the second sleep
    expect(got).toEqual(["late", 4]);
    sched.wake(t, "early");
    expect(t.wakeAt).toBeNull();
    sched.run();
    expect(got).toEqual(["late", 4, "early", 4]);
    expect(sched.next()).toEqual({ kind: "sleep", until: null });
  });

  it("sleepUntil takes an absolute tick: late in the clock's range it is checked as one, not added to now", () => {
    const { sched } = setup({
      syscall: (task, req, s) => {
        if (req.op === "until") s.sleepUntil(task, req.tick as number);
      },
    });
    const max = Math.floor(Number.MAX_SAFE_INTEGER / CPT); // 53 614 226 238 ticks: the clock's last
    const got: unknown[] = [];
    sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        yield { op: "until", tick: 30_000_000_000 };
        got.push(sched.now().ticks);
        yield { op: "until", tick: 30_000_000_001 }; // now + this would be past the range
        got.push(sched.now().ticks);
        yield { op: "until", tick: max + 1 };
      },
    });
    sched.run();
    expect(got).toEqual([30_000_000_000, 30_000_000_001]);
    const t = sched.tasks()[0]!;
    expect(t.fault?.kind).toBe("syscall-error");
    expect((t.fault!.error as SchedError).code).toBe("DURATION");
  });

  it("sleepUntil refuses a tick that is not a non-negative integer (DURATION), before anything changes", () => {
    for (const tick of [-1, 1.5, Number.NaN]) {
      const { sched } = setup({
        syscall: (task, req, s) => {
          if (req.op === "until") s.sleepUntil(task, tick);
        },
      });
      const t = sched.spawn({
        name: "t",
        priority: 0,
        *entry() {
          yield { op: "until" };
        },
      });
      sched.run();
      expect((t.fault!.error as SchedError).code).toBe("DURATION");
    }
  });

  it("does not jump time when the idle hook makes a task ready (a device interrupt)", () => {
    let irqs = 0;
    const { sched } = setup({
      syscall: (task) => {
        rx.block(task);
      },
      idle: (info, s) => {
        if (info.to === null && irqs < 2) {
          irqs++;
          s.charge(100); // the interrupt handler's work
          rx.wakeOne(`irq${irqs}`);
        }
      },
    });
    const rx = new WaitQueue(sched);
    const got: string[] = [];
    sched.spawn({
      name: "driver",
      priority: 1,
      *entry() {
        for (;;) got.push(`${String(yield { op: "wait-irq" })}@${sched.now().cycles}`);
      },
    });
    expect(sched.run().reason).toBe("blocked");
    expect(got).toEqual(["irq1@100", "irq2@200"]);
  });
});

describe("hooks", () => {
  it("lands an idle jump exactly on the wake-up even when the idle hook did some work", () => {
    const { sched } = setup({ idle: (_i, s) => s.charge(50) });
    const woke: number[] = [];
    sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        yield { op: "sleep", ticks: 1 };
        woke.push(sched.now().cycles);
      },
    });
    sched.run();
    expect(woke).toEqual([CPT]);
  });

  it("leaves the interrupted task faulted (kernel-error) when a hook throws, and rethrows", () => {
    const { sched } = setup({
      beforeStep: () => {
        throw new Error("kernel bug");
      },
    });
    const t = sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        yield { op: "yield" };
      },
    });
    expect(() => sched.step()).toThrowError("kernel bug");
    expect(t.state).toBe("faulted");
    expect(t.fault?.kind).toBe("kernel-error");
    expect(t.fault?.message).toBe("a scheduler hook threw Error: kernel bug");
    expect(sched.current).toBeNull();
    expect(sched.step()).toEqual({ kind: "done", reason: "no-tasks" });
  });
});

describe("syscall interface", () => {
  it("resumes the task at once with the handler's value; unknown ops and bad requests fault", () => {
    const got: unknown[] = [];
    const { sched } = setup({
      syscall: (task, req) => (req.op === "add" ? (req.a as number) + (req.b as number) : `${task.name}:${req.op}`),
    });
    const t = sched.spawn({
      name: "t",
      priority: 1,
      *entry() {
        got.push(yield { op: "add", a: 2, b: 3 });
        got.push(yield { op: "info" });
      },
    });
    sched.run();
    expect(got).toEqual([5, "t:info"]);
    expect(t.stats).toEqual({ slices: 1, steps: 3, syscalls: 2, cycles: 0 });

    const { sched: s2 } = setup();
    const u = s2.spawn({
      name: "u",
      priority: 1,
      *entry() {
        yield { op: "malloc", size: 8 };
      },
    });
    const v = s2.spawn({
      name: "v",
      priority: 1,
      *entry() {
        yield 42 as never;
      },
    });
    const w = s2.spawn({
      name: "w",
      priority: 1,
      *entry() {
        yield { op: "sleep", ticks: -1 };
      },
    });
    const x = s2.spawn({
      name: "x",
      priority: 1,
      *entry() {
        yield { op: "sleep", ms: 1e300 }; // would never wake at a cycle the clock can count
      },
    });
    s2.run();
    expect(x.fault?.kind).toBe("bad-syscall");
    expect(x.fault?.message).toBe('task "x": DURATION: ms ends past the last cycle the clock counts (2^53 - 1)');
    expect(u.fault).toEqual({ kind: "unknown-syscall", message: 'task "u" made unknown syscall "malloc"' });
    expect(v.fault).toEqual({ kind: "bad-syscall", message: 'task "v" yielded 42, not a syscall request' });
    expect(w.fault?.kind).toBe("bad-syscall");
    expect(w.fault?.message).toBe('task "w": DURATION: ticks must be a non-negative integer');
  });

  it("lets the handler yield, sleep or stop the task, or fault it by throwing", () => {
    const log: unknown[] = [];
    const { sched } = setup({
      syscall: (task, req, s) => {
        if (req.op === "give-up") s.yield(task);
        else if (req.op === "nap") s.sleep(task, { ticks: 2 });
        else if (req.op === "quit") s.stop(task);
        else throw new Error("EINVAL");
        return "ok";
      },
    });
    const a = sched.spawn({
      name: "a",
      priority: 1,
      *entry() {
        log.push(yield { op: "give-up" });
        log.push(yield { op: "nap" });
        log.push(sched.now().ticks);
        try {
          yield { op: "quit" };
          log.push("not reached");
        } finally {
          log.push("finally");
        }
      },
    });
    const b = sched.spawn({
      name: "b",
      priority: 1,
      *entry() {
        log.push("b");
        yield { op: "bogus" };
      },
    });
    sched.run();
    expect(log).toEqual(["b", "ok", "ok", 2, "finally"]);
    expect(a.state).toBe("stopped");
    expect(b.state).toBe("faulted");
    expect(b.fault?.kind).toBe("syscall-error");
    expect(b.fault?.message).toBe('syscall "bogus" failed: Error: EINVAL');
  });
});

describe("bad input changes nothing", () => {
  it("rejects bad options, priorities, entries, states and reentrant runs with typed codes", () => {
    expect(errorOf(() => setup({ priorities: 33 }))).toEqual(["SCHED_OPTION", { option: "priorities", value: 33 }]);
    expect(errorOf(() => setup({ tickHz: 7 }))[0]).toBe("SCHED_OPTION");
    expect(errorOf(() => setup({ costs: { syscall: -1 } }))).toEqual([
      "SCHED_OPTION",
      { option: "costs.syscall", value: -1 },
    ]);
    expect(errorOf(() => setup({ watchdog: { cycles: 0 } }))[0]).toBe("SCHED_OPTION");
    expect(errorOf(() => setup({ timeslice: 0 }))[0]).toBe("SCHED_OPTION");

    const { sched } = setup({ priorities: 4 });
    const entry = function* () {
      yield { op: "yield" };
    };
    expect(errorOf(() => sched.spawn({ name: "x", priority: 4, entry }))).toEqual(["TASK_PRIORITY", { priority: 4 }]);
    expect(errorOf(() => sched.spawn({ name: "x", priority: 1, entry: 5 as never }))[0]).toBe("TASK_ENTRY");
    expect(errorOf(() => sched.spawn({ name: "x", priority: 1, entry: (() => 5) as never }))[0]).toBe("TASK_ENTRY");
    expect(sched.tasks()).toEqual([]);
    expect(sched.readyBitmap).toBe(0);

    const t = sched.spawn({ name: "t", priority: 1, entry });
    expect(t.id).toBe(1);
    expect(errorOf(() => sched.sleep(t, { ticks: 1 }))).toEqual([
      "TASK_STATE",
      { task: 1, state: "ready", operation: "block, sleep or yield" },
    ]);
    expect(errorOf(() => sched.restart(t))[0]).toBe("TASK_STATE");
    expect(errorOf(() => sched.fault(t, { kind: 1 } as never))[0]).toBe("FAULT_REASON");
    const other = setup().sched.spawn({ name: "o", priority: 0, entry });
    expect(errorOf(() => sched.stop(other as Task<unknown>))[0]).toBe("TASK_UNKNOWN");
    expect(errorOf(() => sched.run({ until: { ms: -1 } }))[0]).toBe("DURATION");
    expect(t.state).toBe("ready");
    expect(sched.readyAt(1)).toEqual([t]);

    const { sched: s2 } = setup({ afterStep: (_t, s) => s.step() });
    s2.spawn({ name: "r", priority: 0, entry });
    expect(() => s2.run()).toThrowError(/RUN_REENTRANT/);
  });

  it("charge past the clock's last exact cycle (2^53 - 1) is DURATION, nothing charged (it was taken, and every later sleep faulted)", () => {
    const { sched } = setup();
    sched.charge(1000);
    const max = Number.MAX_SAFE_INTEGER - 1000;
    for (const n of [max + 1, 2 ** 60, 1e300]) {
      expect(errorOf(() => sched.charge(n))).toEqual(["DURATION", { cycles: n, maxCycles: max }]);
    }
    expect(errorOf(() => sched.charge(Number.NaN))[0]).toBe("DURATION");
    expect(sched.now().cycles).toBe(1000);
    sched.charge(max);
    expect(sched.now().cycles).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("options that are no object, no machine, a spawn or stop with no options object, run(null): typed codes, not TypeErrors", () => {
    expect(errorOf(() => new Scheduler(undefined as never))).toEqual([
      "SCHED_OPTION",
      { option: "options", value: "undefined" },
    ]);
    expect(errorOf(() => new Scheduler({ machine: null as never }))).toEqual([
      "SCHED_OPTION",
      { option: "machine", value: "null" },
    ]);
    expect(errorOf(() => new Scheduler({ machine: { board: STM32F407 } as never }))).toEqual([
      "SCHED_OPTION",
      { option: "machine", value: "object" },
    ]);

    // A hook that is not a function was taken, and threw a TypeError mid-run (the syscall
    // handler's faulted the task); a flag that is not a boolean was read as its truthiness.
    for (const hook of ["syscall", "switchIn", "switchOut", "beforeStep", "afterStep", "onFault", "idle"]) {
      expect(errorOf(() => new Scheduler({ machine: createMachine(STM32F407), [hook]: 5 } as never))).toEqual([
        "SCHED_OPTION",
        { option: hook, value: "number" },
      ]);
    }
    expect(errorOf(() => new Scheduler({ machine: createMachine(STM32F407), onState: null as never }))).toEqual([
      "SCHED_OPTION",
      { option: "onState", value: "null" },
    ]);
    expect(errorOf(() => new Scheduler({ machine: createMachine(STM32F407), countCycles: "no" as never }))).toEqual([
      "SCHED_OPTION",
      { option: "countCycles", value: "string" },
    ]);

    const { sched } = setup();
    const entry = function* () {
      for (;;) yield { op: "sleep", ticks: 1 };
    };
    for (const bad of [undefined, null, 5]) {
      expect(errorOf(() => sched.spawn(bad as never))).toEqual([
        "SCHED_OPTION",
        { option: "spawn", value: bad === null ? "null" : typeof bad },
      ]);
    }
    expect(sched.tasks()).toEqual([]);

    const t = sched.spawn({ name: "t", priority: 1, entry });
    // null was a TypeError; { unwind: "no" } unwound the task; both leave it as it was.
    expect(errorOf(() => sched.stop(t, null as never))).toEqual(["SCHED_OPTION", { option: "stop", value: "null" }]);
    expect(errorOf(() => sched.stop(t, { unwind: "no" } as never))).toEqual([
      "SCHED_OPTION",
      { option: "stop", value: "string" },
    ]);
    expect(errorOf(() => sched.run(null as never))).toEqual(["DURATION", { value: "null" }]);
    expect([t.state, sched.readyAt(1), sched.now().cycles]).toEqual(["ready", [t], 0]);
    sched.stop(t, { unwind: false });
    expect(t.state).toBe("stopped");
  });
});
