/**
 * Call frames with the memory checker on: a call-heavy task (each outer call makes two leaf calls;
 * every frame has a scalar and an array local, written and read back) in calls per second. The
 * rows differ only in the frame redzone: none (`memcheck.stackRedzone: 0`: the checker's hooks
 * still follow every call and poison returned frames, the baseline, measured in the same run),
 * and 32 bytes (the default: larger frames, their redzones poisoned at each call). A row with the
 * checker off gives the plain cost of a call for scale.
 */
import { type Measurement, measure } from "@rtos-sim/bench-kit";
import { STM32F407 } from "@rtos-sim/hw";
import { array, bootKernel, fn, type KernelOptions, type TaskContext, u8, u32 } from "../src/index.js";

const OUTER = fn("bench_outer", { locals: { acc: u32, tmp: array(u8, 12) } });
const LEAF = fn("bench_leaf", { locals: { i: u32, buf: array(u32, 4) } });

/** Outer calls per slice (each makes 2 leaf calls: 3 calls). */
const OUTER_PER_SLICE = 1 << 14;
/** Calls per measured run (one slice). */
export const FRAME_CALLS = 3 * OUTER_PER_SLICE;

function leaf(t: TaskContext, n: number): number {
  const f = t.enter(LEAF);
  f.locals.i = n;
  f.locals.buf.set(n & 3, n);
  const v = f.locals.buf.get(n & 3) + f.locals.i;
  t.leave(f);
  return v;
}

function outer(t: TaskContext, n: number): number {
  const f = t.enter(OUTER);
  f.locals.acc = leaf(t, n) + leaf(t, n + 1);
  f.locals.tmp.set(n % 12, n);
  const v = f.locals.acc;
  t.leave(f);
  return v;
}

/** The call loop on a kernel booted with `memcheck` (redzone as asked), measured one slice per run. */
export function framesCase(memcheck: KernelOptions["memcheck"], label: string): Measurement {
  const k = bootKernel({ board: STM32F407, memcheck, watchdogCycles: 0 });
  let acc = 0;
  k.spawn({
    name: "calls",
    stackSize: 2048,
    *main(t) {
      for (;;) {
        for (let n = 0; n < OUTER_PER_SLICE; n++) acc = (acc + outer(t, n)) | 0;
        yield* t.yield();
      }
    },
  });
  k.run({ slices: 2 });
  const before = k.checker?.reports.length ?? 0;
  const m = measure(
    label,
    FRAME_CALLS,
    () => {
      const r = k.run({ slices: 1 });
      if (r.reason !== "slices" || k.faults.length > 0) throw new Error(`bench run ended: ${r.reason}`);
      return acc;
    },
    { runs: 9 },
  );
  if ((k.checker?.reports.length ?? 0) !== before) throw new Error("the checker reported a correct program");
  return m;
}
