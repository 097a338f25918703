/**
 * Memory accesses as a kernel's tasks make them: every case first boots a whole kernel and runs
 * tasks for a while in the same process (so V8 has seen every shape a real run shows it), then
 * measures 32-bit load+store pairs at seeded random addresses of a realistic mix against the same
 * loop over a raw DataView at the same addresses (the baseline, timed alternately with each row
 * in the row's own process: the ratio is the median run-by-run ratio; the baseline rows show
 * the loop measured in processes of its own).
 *
 * - hw: a task-like MPU plan (40% stack, 30% data, 20% a shared region with disabled subregions,
 *   10% CCM), unprivileged, MPU on, through `core.read32/write32`; with and without cycle counting.
 *   The same on a PMSAv8 board (STM32U585, Cortex-M33): the plan's grants laid out by the PMSAv8
 *   driver as a task's are (no overlaps, the kernel's regions included; the stack's guard by
 *   PSPLIM, the shared region the six middle eighths, SRAM4 in place of CCM).
 * - checker on, inside a task: the task's own code (`t.read32/t.write32` in its generator) on
 *   words of a live heap block, of its live stack, and a 30% stack / 70% heap mix.
 * - bounds (informational): the tests those rows' fast path makes, written inline in the loop
 *   (the bench kit's `checksInlineRun`), for the hw mix and for the checker's mix with its
 *   filter word: what the checks cost without the core around them.
 */
import {
  type BaselineRun,
  checksInlineRun,
  type Measurement,
  measure,
  mulberry32,
  PAIRED_RUNS,
} from "@rtos-sim/bench-kit";
import { type Board, type MpuGrant, Perm, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { bootKernel, type Kernel, planMpu, type TaskContext } from "../src/index.js";

/** Load+store pairs per measured run. */
export const ACCESS_PAIRS = 1 << 20;

/** Operations per measured run (a load and a store per pair). */
export const ACCESS_OPS = 2 * ACCESS_PAIRS;

/** The second RAM the task-like plan reaches (10% of its accesses), per board: CCM, SRAM4. */
const SECOND_RAM: Readonly<Record<string, { readonly region: string; readonly size: number }>> = {
  stm32f407: { region: "CCM", size: 16384 },
  stm32u585: { region: "SRAM4", size: 8192 },
};

/** A kernel like an app's: three tasks with heaps and a shared partition, run for 20 ms. */
function bootedKernel(memcheck: boolean, board: Board = STM32F407): Kernel {
  const k = bootKernel({
    board,
    memcheck,
    // The measuring task runs a whole loop (millions of cycles) between two yields.
    watchdogCycles: 0,
    partitions: [
      { name: "shared", size: 8192 },
      { name: "ccm", ...SECOND_RAM[board.name]! },
    ],
  });
  for (let n = 0; n < 3; n++) {
    k.spawn({
      name: `w${n}`,
      partitions: { shared: "rw" },
      *main(t) {
        for (;;) {
          const p = yield* t.malloc(64);
          t.write32(p, n);
          yield* t.free(p);
          yield* t.sleep({ ms: 1 });
        }
      },
    });
  }
  k.run({ ms: 20 });
  return k;
}

/** Word addresses from seeded picks: each pick chooses a range by weight, then a word in it. */
function mix(ranges: readonly { base: number; size: number; weight: number }[], seed = 7): Uint32Array {
  const rnd = mulberry32(seed);
  const out = new Uint32Array(ACCESS_PAIRS);
  for (let i = 0; i < out.length; i++) {
    let u = rnd();
    const w = Math.floor(rnd() * 0x3fffffff);
    let r = ranges[ranges.length - 1]!;
    for (const x of ranges) {
      if (u < x.weight) {
        r = x;
        break;
      }
      u -= x.weight;
    }
    out[i] = r.base + 4 * (w % (r.size >>> 2));
  }
  return out;
}

/** The baseline: the same loop over a raw DataView, at the same addresses folded into 1 MiB. */
export function rawMixBaseline(addresses: Uint32Array): Measurement {
  const b = rawMixRun(addresses);
  return measure(b.name, b.ops, b.run);
}

/** The loop of {@link rawMixBaseline}, which each row also times alternately in its own process. */
function rawMixRun(addresses: Uint32Array): BaselineRun {
  const dv = new DataView(new ArrayBuffer(1 << 20));
  return {
    name: "raw DataView load+store, same addresses",
    ops: ACCESS_OPS,
    run: () => {
      let acc = 0;
      for (let i = 0; i < addresses.length; i++) {
        const a = addresses[i]! & 0xffffc;
        acc = (acc + dv.getUint32(a, true)) | 0;
        dv.setUint32(a, acc, true);
      }
      return acc;
    },
  };
}

interface WordMemory {
  read32(address: number): number;
  write32(address: number, value: number): void;
}

function loop(m: WordMemory, addresses: Uint32Array): number {
  let acc = 0;
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    acc = (acc + m.read32(a)) | 0;
    m.write32(a, acc);
  }
  return acc;
}

/** The task-like plan's address mix on a booted kernel's machine. */
function taskLikePlan(k: Kernel): Uint32Array {
  const m = k.machine;
  const shared = k.partitions.get("shared")!;
  const ccm = k.partitions.get("ccm")!;
  const stack = 0x2000c000;
  const data = 0x2000e000;
  // Regions 0-3 as a task's plan would have them (the kernel's stay highest-numbered).
  m.mpu.setRegion(0, { base: stack, size: 0x800, access: "rw" });
  m.mpu.setRegion(1, { base: data, size: 0x1000, access: "rw" });
  m.mpu.setRegion(2, { base: shared.base, size: shared.size, access: "rw", subregionDisable: 0x81 });
  m.mpu.setRegion(3, { base: ccm.base, size: ccm.size, access: "rw" });
  const sub = shared.size / 8;
  return mix([
    { base: stack, size: 0x800, weight: 0.4 },
    { base: data, size: 0x1000, weight: 0.3 },
    { base: shared.base + sub, size: 6 * sub, weight: 0.2 },
    { base: ccm.base, size: ccm.size, weight: 0.1 },
  ]);
}

/**
 * The task-like plan on a PMSAv8 board: the same four grants (the stack guarded by 32 bytes, so
 * the driver starts its region above the guard and loads PSPLIM; the shared region as the six
 * middle eighths PMSAv7 reaches through subregions), laid out and loaded by the kernel's PMSAv8
 * driver with the kernel's own grants, as at a switch to a task. The mix is the same.
 */
function taskLikePlanV8(k: Kernel): Uint32Array {
  const shared = k.partitions.get("shared")!;
  const ram2 = k.partitions.get("ccm")!;
  const stack = 0x2000c000;
  const data = 0x2000e000;
  const sub = shared.size / 8;
  const grant = (id: string, base: number, size: number, guard = 0): MpuGrant => ({
    id,
    label: id,
    base,
    size,
    access: "rw",
    ...(guard ? { guard } : {}),
  });
  const plan = planMpu(
    k.mpuDriver,
    k.kernelGrants,
    [
      grant("stack", stack, 0x800, 32),
      grant("data", data, 0x1000),
      grant("shared", shared.base + sub, 6 * sub),
      grant("ram2", ram2.base, ram2.size),
    ],
    "bench task",
  );
  k.loader.loadPlan(plan);
  return mix([
    { base: stack + 32, size: 0x800 - 32, weight: 0.4 },
    { base: data, size: 0x1000, weight: 0.3 },
    { base: shared.base + sub, size: 6 * sub, weight: 0.2 },
    { base: ram2.base, size: ram2.size, weight: 0.1 },
  ]);
}

/** The boards of the hw rows: a plan and a row label per MPU architecture. */
const TASK_LIKE = {
  pmsav7: { board: STM32F407, plan: taskLikePlan, label: "" },
  pmsav8: { board: STM32U585, plan: taskLikePlanV8, label: " on PMSAv8 (STM32U585, Cortex-M33, driver layout)" },
} as const;

/** hw row: the task-like plan, unprivileged Thread mode, MPU on, cycle counting as asked. */
export function hwTaskLike(cycles: boolean, architecture: keyof typeof TASK_LIKE = "pmsav7"): Measurement {
  const { board, plan, label } = TASK_LIKE[architecture];
  const k = bootedKernel(false, board);
  const addresses = plan(k);
  const core = k.machine.core;
  core.mode = "thread";
  core.controlNPriv = true;
  core.countCycles = cycles;
  const name = `hw: task-like plan${label}, unprivileged, MPU on${cycles ? ", cycle counting on" : ""}`;
  return measure(name, ACCESS_OPS, () => loop(core, addresses), {
    runs: PAIRED_RUNS,
    baseline: rawMixRun(addresses),
  });
}

/** Bound of the hw rows: the bench kit's `checksInlineRun` on the PMSAv7 task-like plan, unprivileged. */
export function hwBound(): Measurement {
  const k = bootedKernel(false);
  const addresses = taskLikePlan(k);
  const core = k.machine.core;
  core.mode = "thread";
  core.controlNPriv = true;
  const bound = checksInlineRun(core, addresses, { readBit: Perm.UR, writeBit: Perm.UW });
  return measureBound(bound, addresses);
}

/** A bound row: its loop timed against the raw loop over the same addresses, in its process. */
function measureBound(bound: BaselineRun, addresses: Uint32Array): Measurement {
  return measure(bound.name, bound.ops, bound.run, { runs: PAIRED_RUNS, baseline: rawMixRun(addresses) });
}

/** Baseline for the hw rows (their address mix). */
export function hwBaseline(architecture: keyof typeof TASK_LIKE = "pmsav7"): Measurement {
  const { board, plan } = TASK_LIKE[architecture];
  const m = rawMixBaseline(plan(bootedKernel(false, board)));
  return architecture === "pmsav7" ? m : { ...m, name: `${m.name} (PMSAv8 mix)` };
}

const AREA_BYTES = 1024;

/** Checker rows: the measuring task's loop (see {@link checkerTask}), a slice per run. */
export function checkerInTask(which: "heap" | "stack" | "mix"): Measurement {
  const { k, addresses, acc } = checkerTask(which);
  const name = {
    heap: "checker on, inside a task: words in a live heap block",
    stack: "checker on, inside a task: the task's live stack",
    mix: "checker on, inside a task: 30% stack / 70% heap",
  }[which];
  const before = k.checker!.reports.length;
  const m = measure(
    name,
    ACCESS_OPS,
    () => {
      const r = k.run({ slices: 1 });
      if (r.reason !== "slices" || k.faults.length > 0) throw new Error(`bench run ended: ${r.reason}`);
      return acc();
    },
    { runs: PAIRED_RUNS, baseline: rawMixRun(addresses) },
  );
  if (k.checker!.reports.length !== before) throw new Error("the checker reported a correct program");
  return m;
}

/**
 * Bound of the checker rows: the bench kit's `checksInlineRun` on the 30% stack / 70% heap mix, with the
 * permissions, filter state and filter mask the measuring task has when it starts its loop.
 */
export function checkerBound(): Measurement {
  const { addresses, bound } = checkerTask("mix");
  return measureBound(bound, addresses);
}

/**
 * The checker rows' kernel: a task on a checker-on kernel initialises 1 KiB of a heap block and
 * 1 KiB of its stack (a pushed frame), picks its addresses, then runs the access loop through its
 * own task context once per slice. Also the bound's loop, made inside the task before its loop.
 */
function checkerTask(which: "heap" | "stack" | "mix") {
  const k = bootedKernel(true);
  let setup: { addresses: Uint32Array; bound: BaselineRun } | null = null;
  let acc = 0;
  k.spawn({
    name: "bench",
    priority: 5,
    stackSize: 4096,
    *main(t: TaskContext) {
      const heap = yield* t.malloc(AREA_BYTES);
      const stack = t.push(AREA_BYTES);
      t.fill(heap, 0, AREA_BYTES);
      t.fill(stack, 0, AREA_BYTES);
      const weights = { heap: [1, 0], stack: [0, 1], mix: [0.7, 0.3] }[which];
      const addresses = mix(
        [
          { base: heap, size: AREA_BYTES, weight: weights[0]! },
          { base: stack, size: AREA_BYTES, weight: weights[1]! },
        ].filter((r) => r.weight > 0),
      );
      const core = k.machine.core;
      const mask = core.hook?.filter?.filterMasks[core.actor] ?? 0;
      setup = {
        addresses,
        bound: checksInlineRun(core, addresses, { readBit: Perm.UR, writeBit: Perm.UW, filterMask: mask }),
      };
      yield* t.yield();
      for (;;) {
        acc ^= loop(t, addresses);
        yield* t.yield();
      }
    },
  });
  k.run({ slices: 8 });
  const s = setup as { addresses: Uint32Array; bound: BaselineRun } | null;
  if (s === null) throw new Error("the bench task did not start");
  return { k, ...s, acc: () => acc };
}

/** Baseline for the checker rows: the mix of heap and stack words folded into 1 MiB. */
export function checkerBaseline(): Measurement {
  return rawMixBaseline(
    mix([
      { base: 0x20004000, size: AREA_BYTES, weight: 0.7 },
      { base: 0x20008000, size: AREA_BYTES, weight: 0.3 },
    ]),
  );
}
