import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { CheckerFault, checkedAllocator, formatReport, MemoryChecker } from "@rtos-sim/memcheck";

const m = createMachine(STM32F407);
const tasks = ["boot", "sensor", "logger"];
const checker = new MemoryChecker(m, {
  clock: () => m.core.cycles, // simulated time: core cycles
  timeUnit: "cycles",
  taskName: (t) => tasks[t] ?? `T${t}`,
  data: [{ start: 0x20000000, size: 0x400, name: ".data" }],
}).attach();

// A tiny bump allocator standing in for @rtos-sim/alloc (any Allocator-shaped object works).
let next = 0x20001000;
const bump = {
  name: "heap",
  kind: "heap",
  observer: null,
  allocate: (size: number) => {
    const p = next;
    next += (size + 7) & ~7;
    return p;
  },
  free: () => {},
  owns: () => true,
  blockSize: () => undefined,
  stats: () => ({}),
  releaseEmpty: () => 0,
};
checker.pagesGiven(0x20001000, 0x1000, "heap"); // the region manager gave the heap 4 KiB
const heap = checkedAllocator(checker, bump, { redzone: 16, quarantineBytes: 1024 });

m.core.countCycles = true;
m.core.actor = makeActor(ActorMode.User, 1); // task "sensor" runs
const buf = heap.allocate(10, 8, "sensor.c:12")!;
for (let i = 0; i < 10; i++) m.core.write8(buf + i, i);
try {
  m.core.write16(buf + 10, 0xbeef); // one past the end
} catch (e) {
  if (!(e instanceof CheckerFault)) throw e;
  console.log(formatReport(e.report));
  m.core.clearFault(); // the kernel would stop the task here
}
heap.free(buf, "sensor.c:20");
m.core.read8(buf + 3); // reads are reported and go on
console.log(checker.reports.map((r) => `${r.kind} at 0x${r.address.toString(16)}`).join("\n"));
console.log(checker.cost());
