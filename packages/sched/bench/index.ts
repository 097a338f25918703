/**
 * sched benchmarks: the bare generator-switch rate (N generators yielding `{ op: "yield" }`,
 * resumed round-robin by a plain loop) as the baseline, and the scheduler's context switches per
 * second with 2, 8 and 32 tasks of one priority yielding the same way (ready lists, state
 * changes, cycle accounting, SysTick, syscall dispatch), with hooks or a trace recorder, and
 * tasks that sleep (timer heap). Every case runs in its own process.
 */
import { benchMain, measure, row } from "@rtos-sim/bench-kit";
import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { Scheduler, TraceRecorder } from "../src/index.js";

const OPS = 1 << 20;

function bare(n: number) {
  const its = Array.from({ length: n }, () =>
    (function* () {
      for (;;) yield { op: "yield" };
    })(),
  );
  return measure(`bare generator switch, ${n} generators`, OPS, () => {
    let acc = 0;
    let k = 0;
    for (let i = 0; i < OPS; i++) {
      const r = its[k]!.next();
      if (r.value.op === "yield") acc++;
      k = k + 1 === n ? 0 : k + 1;
    }
    return acc;
  });
}

function sched(n: number, opts: { hooks?: boolean; trace?: boolean } = {}) {
  const machine = createMachine(STM32F407);
  const noop = () => {};
  const s = new Scheduler({
    machine,
    ...(opts.hooks ? { switchIn: noop, switchOut: noop, beforeStep: noop, afterStep: noop } : {}),
  });
  for (let i = 0; i < n; i++) {
    s.spawn({
      name: `t${i}`,
      priority: 1,
      *entry() {
        for (;;) yield { op: "yield" };
      },
    });
  }
  let rec: TraceRecorder | null = null;
  const extra = opts.hooks ? ", 4 no-op hooks" : opts.trace ? ", trace recorder attached" : "";
  // a traced switch keeps 4 records (state x2, switch, syscall): fewer switches per run
  const ops = opts.trace ? OPS >> 4 : OPS;
  return measure(`scheduler switch, ${n} tasks${extra}`, ops, () => {
    if (opts.trace) {
      rec?.detach();
      rec = new TraceRecorder(s.events); // fresh each run: memory stays bounded
    }
    const r = s.run({ slices: ops });
    return r.switches;
  });
}

/** Tasks that sleep 1..4 ticks in a loop: timer-heap insert and pop, idle jumps, wake-ups. */
function sleepers(n: number) {
  const s = new Scheduler({ machine: createMachine(STM32F407) });
  for (let i = 0; i < n; i++) {
    const ticks = 1 + (i % 4);
    s.spawn({
      name: `s${i}`,
      priority: i % 4,
      *entry() {
        for (;;) yield { op: "sleep", ticks };
      },
    });
  }
  return measure(`sleep and wake, ${n} tasks (1..4 ticks, 4 priorities)`, OPS, () => s.run({ slices: OPS }).switches);
}

benchMain(
  "sched",
  {
    bare8: () => bare(8),
    bare2: () => bare(2),
    bare32: () => bare(32),
    sched2: () => sched(2),
    sched8: () => sched(8),
    sched32: () => sched(32),
    sched8hooks: () => sched(8, { hooks: true }),
    sched8trace: () => sched(8, { trace: true }),
    sleepers32: () => sleepers(32),
  },
  (r) => [
    {
      group: "context switches per second (tasks yielding round-robin)",
      baseline: r.bare8!.name,
      // every case present (BENCH_ONLY may select some), each against the same-run baseline
      rows: ["bare8", "bare2", "bare32", "sched2", "sched8", "sched32", "sched8hooks", "sched8trace", "sleepers32"]
        .filter((k) => r[k] !== undefined)
        .map((k) => row(r[k]!, r.bare8!)),
    },
  ],
);
