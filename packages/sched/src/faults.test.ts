import { Fault, Shcsr } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { SchedError } from "./errors.js";
import type { WatchdogEvent } from "./events.js";
import { setup } from "./test-setup.js";

const SRAM = 0x20000000;

describe("watchdog", () => {
  it("faults a task that holds the CPU past its cycle budget, at its first yield past it", () => {
    const { sched, machine } = setup({ watchdog: { cycles: 1000 }, syscall: () => 0 });
    const dogs: WatchdogEvent[] = [];
    sched.events.on("watchdog", (e) => dogs.push(e));
    let spins = 0;
    const spin = sched.spawn({
      name: "spin",
      priority: 2,
      *entry() {
        for (;;) {
          for (let i = 0; i < 300; i++) machine.core.read32(SRAM + 4 * i); // 300 cycles
          spins++;
          yield { op: "poll" }; // answered at once: the task never gives up the CPU
        }
      },
    });
    let politeRuns = 0;
    const polite = sched.spawn({
      name: "polite",
      priority: 1,
      *entry() {
        for (let k = 0; k < 3; k++) {
          for (let i = 0; i < 900; i++) machine.core.read32(SRAM + 4 * i);
          politeRuns++;
          yield { op: "yield" };
        }
      },
    });
    sched.run();
    expect(spins).toBe(4); // 300, 600, 900 cycles are within budget; 1200 is not
    expect(spin.state).toBe("faulted");
    expect(spin.fault).toEqual({
      kind: "watchdog",
      message: 'watchdog: task "spin" ran 1200 cycles (budget 1000) without yielding the CPU',
    });
    expect(dogs.map((d) => [d.task.name, d.cycles, d.steps, d.budgetCycles, d.budgetSteps])).toEqual([
      ["spin", 1200, 4, 1000, null],
    ]);
    // 900 cycles per slice, then a yield: never faulted
    expect([polite.state, politeRuns]).toEqual(["stopped", 3]);
  });

  it("keeps counting across run() calls that cut a slice short at their time limit", () => {
    const { sched, machine } = setup({ watchdog: { cycles: 50_000 }, syscall: () => 0 });
    const hog = sched.spawn({
      name: "hog",
      priority: 0,
      *entry() {
        for (;;) {
          machine.core.fill(0x20000000, 0, 4 * 10_000); // 10 000 cycles
          yield { op: "poll" };
        }
      },
    });
    // ten runs of 25 000 cycles each: each ends inside the hog's slice
    for (let i = 1; i <= 10 && hog.state !== "faulted"; i++) sched.run({ until: { cycles: 25_000 * i } });
    expect(hog.fault?.message).toBe('watchdog: task "hog" ran 60000 cycles (budget 50000) without yielding the CPU');
    expect(sched.now().cycles).toBe(60_000);
  });

  it("counts steps too, for tasks that never touch memory", () => {
    const { sched } = setup({ watchdog: { steps: 5 }, syscall: () => 0 });
    const t = sched.spawn({
      name: "busy",
      priority: 0,
      *entry() {
        for (;;) yield { op: "poll" };
      },
    });
    sched.run();
    expect(t.fault?.message).toBe('watchdog: task "busy" ran 6 steps (budget 5) without yielding the CPU');
    expect(t.stats.steps).toBe(6);
  });

  it("a task's own budget replaces the scheduler's; {} gives it none; a bad one is refused at spawn", () => {
    const { sched, machine } = setup({ watchdog: { cycles: 1000 }, syscall: () => 0 });
    const spinner = (name: string, watchdog?: { cycles?: number }) =>
      sched.spawn({
        name,
        priority: 1,
        ...(watchdog ? { watchdog } : {}),
        *entry() {
          for (let n = 0; n < 10; n++) {
            for (let i = 0; i < 100; i++) machine.core.read32(SRAM + 4 * i); // 100 cycles
            yield { op: "poll" };
          }
        },
      });
    const tight = spinner("tight", { cycles: 250 });
    const free = spinner("free", {});
    const usual = spinner("usual");
    expect(() => spinner("bad", { cycles: 0 })).toThrow(/^SCHED_OPTION: spawn watchdog.cycles must be an integer >= 1/);
    expect(sched.tasks().map((t) => t.name)).toEqual(["tight", "free", "usual"]);
    sched.run();
    expect(tight.fault?.message).toBe('watchdog: task "tight" ran 300 cycles (budget 250) without yielding the CPU');
    expect([free.state, usual.state]).toEqual(["stopped", "stopped"]);
  });
});

describe("watchdog options that are not { cycles?, steps? }", () => {
  // They read as {}: no budget, so `watchdog: 5000` or a misspelt `{ cycle: 5000 }` turned the watchdog off.
  const bad: [unknown, string, unknown][] = [
    [5000, "watchdog", "number"],
    [null, "watchdog", "null"],
    [{ cycle: 5000 }, "watchdog.cycle", undefined],
    [{ cycles: 5000, step: 2 }, "watchdog.step", undefined],
  ];

  it.each(bad)("spawn watchdog %j is SCHED_OPTION (%s), nothing spawned", (watchdog, option, value) => {
    const { sched } = setup({ watchdog: { cycles: 1000 } });
    let error: unknown;
    try {
      sched.spawn({ name: "w", priority: 1, watchdog: watchdog as never, *entry() {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchedError);
    expect(error).toMatchObject({
      code: "SCHED_OPTION",
      context: { option: `spawn ${option}`, ...(value === undefined ? {} : { value }) },
    });
    expect(sched.tasks()).toEqual([]);
  });

  it.each(bad)("the scheduler's watchdog %j is SCHED_OPTION (%s)", (watchdog, option, value) => {
    let error: unknown;
    try {
      setup({ watchdog: watchdog as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchedError);
    expect(error).toMatchObject({
      code: "SCHED_OPTION",
      context: { option, ...(value === undefined ? {} : { value }) },
    });
  });
});

describe("faults", () => {
  it("lets afterStep fault a task that caught its own MPU fault, so it cannot go on", () => {
    const log: string[] = [];
    const { sched, machine } = setup({
      switchIn: () => {
        machine.core.controlNPriv = true; // tasks run unprivileged
      },
      switchOut: () => {
        machine.core.controlNPriv = false;
      },
      afterStep: (task, s) => {
        const f = machine.core.pendingFault;
        if (f !== null) {
          machine.core.clearFault();
          machine.core.controlNPriv = false;
          s.fault(task, { kind: "memmanage", message: f.message, error: f });
        }
      },
    });
    machine.scb.shcsr = Shcsr.MEMFAULTENA;
    machine.mpu.setRegion(0, { base: SRAM, size: 0x20000, access: "priv-rw" });
    machine.mpu.setControl({ enable: true, privdefena: true });
    const sneaky = sched.spawn({
      name: "sneaky",
      priority: 2,
      *entry() {
        try {
          machine.core.read32(SRAM + 0x100);
        } catch {
          log.push("caught");
        }
        yield { op: "yield" };
        log.push("continued");
      },
    });
    const other = sched.spawn({
      name: "other",
      priority: 1,
      *entry() {
        log.push("other runs");
        yield { op: "yield" };
      },
    });
    sched.run();
    expect(log).toEqual(["caught", "other runs"]);
    expect(sneaky.state).toBe("faulted");
    expect(sneaky.fault?.kind).toBe("memmanage");
    expect(sneaky.fault?.error).toBeInstanceOf(Fault);
    expect(machine.scb.mmfar).toBe(SRAM + 0x100);
    expect(other.state).toBe("stopped");
  });

  it("faults a task whose generator throws (uncaught), and a faulted task runs no finally block", () => {
    const log: string[] = [];
    const { sched } = setup();
    const t = sched.spawn({
      name: "bad",
      priority: 0,
      *entry() {
        try {
          yield { op: "yield" };
          throw new RangeError("index 9");
        } finally {
          log.push("finally");
        }
      },
    });
    sched.run();
    // the throw itself runs the generator's own finally (JS semantics) before the fault
    expect(log).toEqual(["finally"]);
    expect(t.fault?.kind).toBe("uncaught");
    expect(t.fault?.message).toBe('task "bad" threw RangeError: index 9');

    log.length = 0;
    const u = sched.spawn({
      name: "u",
      priority: 0,
      *entry() {
        try {
          yield { op: "sleep", ticks: 5 };
        } finally {
          log.push("u finally");
        }
      },
    });
    sched.step();
    sched.fault(u, { kind: "kernel", message: "panic policy" });
    expect(u.state).toBe("faulted");
    expect(sched.timerCount).toBe(0);
    sched.run();
    expect(log).toEqual([]);
    expect(() => sched.fault(u, { kind: "again", message: "" })).toThrowError(/TASK_STATE/);
  });

  it("onFault can restart a task up to a threshold, then stop it (a fault policy)", () => {
    const { sched } = setup({
      onFault: (task, _reason, s) => {
        if (task.restarts < 2) s.restart(task);
        else s.stop(task);
      },
    });
    let starts = 0;
    const t = sched.spawn({
      name: "crashy",
      priority: 1,
      *entry() {
        starts++;
        yield { op: "sleep", ticks: 1 };
        throw new Error("boom");
      },
    });
    sched.run();
    expect(starts).toBe(3);
    expect(t.restarts).toBe(2);
    expect(t.state).toBe("stopped");
    expect(sched.now().ticks).toBe(3);
  });

  it("beforeRestart runs at every restart, the policy's or one from outside, with the ended run's stats, after the state check", () => {
    const seen: [string, string, number, number][] = [];
    const { sched } = setup({
      beforeRestart: (task) => seen.push([task.name, task.state, task.stats.slices, task.restarts]),
    });
    const t = sched.spawn({
      name: "t",
      priority: 1,
      *entry() {
        yield { op: "sleep", ticks: 1 };
      },
    });
    let error: unknown;
    try {
      sched.restart(t); // ready: TASK_STATE, and the hook is not called
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "TASK_STATE" });
    sched.run();
    expect(t.state).toBe("stopped");
    sched.restart(t);
    expect(seen).toEqual([["t", "stopped", 2, 0]]);
    expect([t.state, t.restarts, t.stats.slices]).toEqual(["ready", 1, 0]);
  });

  it("tells switchOut when the slice's context was discarded by a restart", () => {
    const outs: [string, number, number, boolean][] = [];
    const { sched, machine } = setup({
      onFault: (task, _reason, s) => {
        if (task.restarts === 0) s.restart(task);
      },
      switchOut: (task, _s, slice) => {
        outs.push([task.state, slice.steps, slice.cycles, slice.restarted]);
      },
    });
    sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        machine.core.fill(0x20000000, 0, 40); // 10 cycles
        yield { op: "yield" };
        throw new Error("once");
      },
    });
    sched.run();
    expect(outs).toEqual([
      ["ready", 1, 10, false],
      ["ready", 1, 0, true], // faulted and restarted inside the slice
      ["ready", 1, 10, false],
      ["faulted", 1, 0, false], // second fault: no restart
    ]);
  });

  it("halts the run from a hook (a panic policy)", () => {
    const { sched } = setup({ onFault: (_t, r, s) => s.halt(`panic: ${r.kind}`) });
    sched.spawn({
      name: "p",
      priority: 1,
      *entry() {
        yield { op: "nope" };
      },
    });
    const q = sched.spawn({
      name: "q",
      priority: 0,
      *entry() {
        yield { op: "yield" };
      },
    });
    expect(sched.run().reason).toBe("halted");
    expect(sched.halted).toBe("panic: unknown-syscall");
    expect(q.state).toBe("ready");
    expect(sched.step()).toEqual({ kind: "halted", reason: "panic: unknown-syscall" });
  });
});

describe("kill and errors delivered into a task", () => {
  it("stop() runs the finally blocks in the task's own turn; a request yielded while unwinding is not carried out", () => {
    const log: string[] = [];
    const { sched } = setup({
      switchIn: (t) => {
        log.push(`in:${t.name}`);
      },
    });
    const victim = sched.spawn({
      name: "victim",
      priority: 1,
      *entry() {
        try {
          try {
            for (;;) yield { op: "sleep", ticks: 100 };
          } finally {
            log.push("inner finally");
            yield { op: "sleep", ticks: 1 }; // not carried out: unwinding goes on
            log.push("not reached");
          }
        } finally {
          log.push("outer finally");
        }
      },
    });
    sched.step(); // victim sleeps
    sched.stop(victim);
    expect([victim.state, victim.stopping, sched.timerCount]).toEqual(["ready", true, 0]);
    sched.run();
    expect(log).toEqual(["in:victim", "in:victim", "inner finally", "outer finally"]);
    expect([victim.state, victim.stopping]).toEqual(["stopped", false]);
    expect(sched.now().cycles).toBe(0); // no sleep was carried out
  });

  it("stop({ unwind: false }) stops at once without running task code", () => {
    const log: string[] = [];
    const { sched } = setup();
    const t = sched.spawn({
      name: "t",
      priority: 1,
      *entry() {
        try {
          yield { op: "sleep", ticks: 3 };
        } finally {
          log.push("finally");
        }
      },
    });
    sched.step();
    sched.stop(t, { unwind: false });
    expect(t.state).toBe("stopped");
    sched.stop(t); // already stopped: no-op
    sched.run();
    expect(log).toEqual([]);
  });

  it("throwInto wakes a sleeping task with an error it may catch", () => {
    const { sched } = setup({ syscall: (task, _req, s) => s.sleep(task, { ticks: 50 }) });
    const got: string[] = [];
    const t = sched.spawn({
      name: "t",
      priority: 1,
      *entry() {
        try {
          yield { op: "long-wait" };
          got.push("woke normally");
        } catch (e) {
          got.push(`caught ${(e as Error).message} at tick ${sched.now().ticks}`);
        }
        return "done";
      },
    });
    sched.step();
    sched.run({ until: { ticks: 7 } });
    sched.throwInto(t, new Error("cancelled"));
    sched.run();
    expect(got).toEqual(["caught cancelled at tick 7"]);
    expect([t.state, t.exitValue]).toEqual(["stopped", "done"]);
    expect(() => sched.throwInto(t, new Error("x"))).toThrowError(/TASK_STATE/);
  });
});
