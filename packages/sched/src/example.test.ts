import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { Scheduler, TIMEOUT, TraceRecorder, WaitQueue } from "./index.js";

/** The README example (examples/mailbox.ts), with its printed lines collected: keeps the README true. */
describe("README example", () => {
  it("prints what the README says, with the same trace hash", () => {
    const lines: string[] = [];
    const machine = createMachine(STM32F407);
    const mailbox: unknown[] = [];
    const sched = new Scheduler({
      machine,
      tickHz: 1000,
      costs: { syscall: 12, contextSwitch: 40 },
      watchdog: { cycles: 1_000_000 },
      syscall(task, req) {
        switch (req.op) {
          case "send":
            if (rx.wakeOne(req.value) === null) mailbox.push(req.value);
            return 0;
          case "recv":
            if (mailbox.length > 0) return mailbox.shift();
            rx.block(task, { ms: req.timeoutMs as number });
            return undefined;
          default:
            throw new Error(`unknown op ${req.op}`);
        }
      },
    });
    const rx = new WaitQueue(sched, { name: "rx" });
    sched.spawn({
      name: "sensor",
      priority: 1,
      *entry() {
        for (let i = 1; i <= 3; i++) {
          machine.core.read32(0x08000000);
          yield { op: "sleep", ms: 10 };
          yield { op: "send", value: i * 100 };
        }
      },
    });
    sched.spawn({
      name: "logger",
      priority: 2,
      *entry() {
        for (;;) {
          const v = yield { op: "recv", timeoutMs: 25 };
          if (v === TIMEOUT) return "no more data";
          const now = sched.now();
          lines.push(`tick ${now.ticks} (cycle ${now.cycles}): got ${String(v)}`);
        }
      },
    });
    const trace = new TraceRecorder(sched.events);
    const end = sched.run({ until: { ms: 100 } });
    expect(lines).toEqual([
      "tick 10 (cycle 1680070): got 100",
      "tick 20 (cycle 3360110): got 200",
      "tick 30 (cycle 5040092): got 300",
    ]);
    expect(end).toEqual({ reason: "no-tasks", now: { cycles: 9_240_000, ticks: 55, ms: 55 }, switches: 7, slices: 9 });
    expect(sched.tasks().map((t) => `${t.name}: ${t.state} ${String(t.exitValue ?? "")}`)).toEqual([
      "sensor: stopped ",
      "logger: stopped no more data",
    ]);
    expect(trace.records.length).toBe(47);
    expect(trace.hash()).toBe("d11d2e18603d1b00");
  });
});
