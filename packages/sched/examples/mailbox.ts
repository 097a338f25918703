/**
 * The README example: two tasks and a mailbox built on a WaitQueue, on an STM32F407 at 168 MHz.
 * Run: `npx tsx --conditions=source examples/mailbox.ts` (or after `pnpm build`, without the flag).
 */
import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { Scheduler, TIMEOUT, TraceRecorder, WaitQueue } from "@rtos-sim/sched";

const machine = createMachine(STM32F407); // 168 MHz: 168 000 cycles per 1 ms tick
const mailbox: unknown[] = [];
const sched = new Scheduler({
  machine,
  tickHz: 1000,
  costs: { syscall: 12, contextSwitch: 40 },
  watchdog: { cycles: 1_000_000 },
  // The kernel's part: every op except the built-in yield and sleep comes here.
  syscall(task, req) {
    switch (req.op) {
      case "send":
        if (rx.wakeOne(req.value) === null) mailbox.push(req.value); // hand over, or keep
        return 0;
      case "recv":
        if (mailbox.length > 0) return mailbox.shift();
        rx.block(task, { ms: req.timeoutMs as number }); // resumes with a message or TIMEOUT
        return undefined;
      default:
        throw new Error(`unknown op ${req.op}`); // faults the task (kind "syscall-error")
    }
  },
});
const rx = new WaitQueue(sched, { name: "rx" });

sched.spawn({
  name: "sensor",
  priority: 1,
  *entry() {
    for (let i = 1; i <= 3; i++) {
      machine.core.read32(0x08000000); // a flash read: 1 + 5 wait states = 6 cycles
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
      console.log(`tick ${now.ticks} (cycle ${now.cycles}): got ${String(v)}`);
    }
  },
});

const trace = new TraceRecorder(sched.events);
const end = sched.run({ until: { ms: 100 } });
console.log(end.reason, end.now, `switches=${end.switches}`);
console.log(sched.tasks().map((t) => `${t.name}: ${t.state} ${String(t.exitValue ?? "")}`));
console.log(`trace: ${trace.records.length} records, hash ${trace.hash()}`);
