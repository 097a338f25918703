/**
 * kernel benchmarks: context switches per second between 4 unprivileged tasks, each with its
 * own stack, heap and partition plan, so every switch reloads the MPU (the task regions through
 * the RBAR/RASR alias registers), stacks the outgoing task's 8-word exception frame on its stack
 * in simulated memory, saves its SP in its TCB in kernel memory, reads the next task's SP,
 * unstacks its frame and checks the instruction fetch at its code address. The baseline is the
 * bare generator-switch rate measured in the same run (4 generators yielding `{ op: "yield" }`,
 * resumed round-robin by a plain loop, no kernel). Call frames with the checker on: calls per
 * second with 32-byte stack redzones against the same calls without (bench/frames.ts). Every case
 * runs in its own process.
 */
import { type BenchGroup, benchMain, measure, row } from "@rtos-sim/bench-kit";
import { STM32F407 } from "@rtos-sim/hw";
import { bootKernel } from "../src/index.js";
import { checkerBaseline, checkerBound, checkerInTask, hwBaseline, hwBound, hwTaskLike } from "./access.js";
import { framesCase } from "./frames.js";
import { tlsfInKernel } from "./tlsf.js";

const OPS = 1 << 18;
const TASKS = 4;

function bare() {
  const its = Array.from({ length: TASKS }, () =>
    (function* () {
      for (;;) yield { op: "yield" };
    })(),
  );
  return measure(`bare generator switch, ${TASKS} generators`, OPS, () => {
    let acc = 0;
    let k = 0;
    for (let i = 0; i < OPS; i++) {
      const r = its[k]!.next();
      if (r.value.op === "yield") acc++;
      k = k + 1 === TASKS ? 0 : k + 1;
    }
    return acc;
  });
}

function kernel(opts: { memcheck?: boolean; noWatchdog?: boolean } = {}) {
  const k = bootKernel({
    board: STM32F407,
    memcheck: opts.memcheck ?? false,
    ...(opts.noWatchdog ? { watchdogCycles: 0 } : {}),
    partitions: Array.from({ length: TASKS }, (_, i) => ({ name: `p${i}`, size: 1024 })),
  });
  for (let i = 0; i < TASKS; i++) {
    k.spawn({
      name: `t${i}`,
      partitions: { [`p${i}`]: "rw", [`p${(i + 1) % TASKS}`]: "ro" },
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
  }
  const extra = [opts.memcheck ? "memory checker on" : "", opts.noWatchdog ? "watchdog off" : ""].filter(
    (x) => x !== "",
  );
  const name = `kernel switch, ${TASKS} tasks, MPU reload + frames${extra.length ? `, ${extra.join(", ")}` : ""}`;
  let loads = 0;
  const m = measure(name, OPS, () => {
    const l0 = k.loader.loads;
    const r = k.run({ slices: OPS });
    loads = k.loader.loads - l0;
    if (r.reason !== "slices" || k.faults.length > 0) throw new Error(`bench run ended: ${r.reason}`);
    return r.switches;
  });
  if (loads !== OPS) throw new Error(`expected a reload per switch, got ${loads} for ${OPS}`);
  return m;
}

benchMain(
  "kernel",
  {
    bare: () => bare(),
    kernel: () => kernel(),
    noWatchdog: () => kernel({ noWatchdog: true }),
    memcheck: () => kernel({ memcheck: true }),
    hwRaw: () => hwBaseline(),
    hwTask: () => hwTaskLike(false),
    hwTaskCycles: () => hwTaskLike(true),
    hwBound: () => hwBound(),
    hwRawV8: () => hwBaseline("pmsav8"),
    hwTaskV8: () => hwTaskLike(false, "pmsav8"),
    hwTaskCyclesV8: () => hwTaskLike(true, "pmsav8"),
    mcRaw: () => checkerBaseline(),
    mcHeap: () => checkerInTask("heap"),
    mcStack: () => checkerInTask("stack"),
    mcMix: () => checkerInTask("mix"),
    mcBound: () => checkerBound(),
    framesNoRz: () => framesCase({ stackRedzone: 0 }, "calls, checker on, frames without redzones (stackRedzone 0)"),
    framesRz: () => framesCase(true, "calls, checker on, 32-byte redzones around each local (the default)"),
    framesOff: () => framesCase(false, "calls, checker off (plain frames)"),
    tlsfPriv: () => tlsfInKernel(true),
    tlsfTask: () => tlsfInKernel(false),
  },
  (r) => {
    const groups: BenchGroup[] = [];
    if (r.bare) {
      groups.push({
        group: "context switches per second (4 tasks yielding round-robin, each with its own MPU plan)",
        baseline: r.bare.name,
        rows: [
          row(r.bare, r.bare),
          ...(r.kernel ? [row(r.kernel, r.bare, { opsPerSec: 2_000_000 })] : []),
          ...["noWatchdog", "memcheck"].filter((x) => r[x] !== undefined).map((x) => row(r[x]!, r.bare!)),
        ],
      });
    }
    if (r.hwRaw) {
      groups.push({
        group: "memory accesses in a process that booted a kernel: hw (task-like plan)",
        baseline: r.hwRaw.name,
        rows: [
          row(r.hwRaw, r.hwRaw),
          ...(r.hwTask ? [row(r.hwTask, r.hwRaw, { ratio: 0.25 })] : []),
          ...(r.hwTaskCycles ? [row(r.hwTaskCycles, r.hwRaw, { ratio: 0.2 })] : []),
          ...(r.hwBound ? [row(r.hwBound, r.hwRaw)] : []),
          // PMSAv8: the same targets, against the raw loop over its own address mix.
          ...(r.hwRawV8 ? [row(r.hwRawV8, r.hwRaw)] : []),
          ...(r.hwTaskV8 && r.hwRawV8 ? [row(r.hwTaskV8, r.hwRawV8, { ratio: 0.25 })] : []),
          ...(r.hwTaskCyclesV8 && r.hwRawV8 ? [row(r.hwTaskCyclesV8, r.hwRawV8, { ratio: 0.2 })] : []),
        ],
      });
    }
    if (r.mcRaw) {
      groups.push({
        group: "memory accesses in a process that booted a kernel: checker on, inside a task",
        baseline: r.mcRaw.name,
        rows: [
          row(r.mcRaw, r.mcRaw),
          ...(r.mcHeap ? [row(r.mcHeap, r.mcRaw, { ratio: 0.15 })] : []),
          ...(r.mcStack ? [row(r.mcStack, r.mcRaw, { ratio: 0.1 })] : []),
          ...(r.mcMix ? [row(r.mcMix, r.mcRaw, { ratio: 0.1 })] : []),
          ...(r.mcBound ? [row(r.mcBound, r.mcRaw)] : []),
        ],
      });
    }
    if (r.framesNoRz) {
      groups.push({
        group: "call frames per second in a task (enter, locals written and read, leave): the cost of stack redzones",
        baseline: r.framesNoRz.name,
        rows: [
          row(r.framesNoRz, r.framesNoRz),
          ...(r.framesRz ? [row(r.framesRz, r.framesNoRz, { ratio: 0.5 })] : []),
          ...(r.framesOff ? [row(r.framesOff, r.framesNoRz)] : []),
        ],
      });
    }
    if (r.tlsfPriv || r.tlsfTask) {
      groups.push({
        group: "TLSF on the standard allocator trace in a process that booted a kernel (STM32H743, MPU on)",
        baseline: "none (absolute target)",
        rows: [
          ...(r.tlsfPriv ? [row(r.tlsfPriv, null, { opsPerSec: 15e6 })] : []),
          ...(r.tlsfTask ? [row(r.tlsfTask, null, { opsPerSec: 15e6 })] : []),
        ],
      });
    }
    return groups;
  },
);
