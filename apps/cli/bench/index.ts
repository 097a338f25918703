/**
 * CLI benchmarks: how much faster than real time the apps simulate. One operation is one
 * simulated millisecond, so ops/s / 1000 is the "x real time" figure. The baseline is a bare loop
 * making the demo's memory accesses and MPU writes on a machine, with no kernel bookkeeping and
 * no recorder, measured in the same run. Each case runs in its own process (see benchMain).
 *
 * Run: `cd apps/cli && pnpm bench`.
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { finishRun, flight, fromKernelApp, mpuDemo, prepareRun } from "@rtos-sim/apps";
import { type BenchGroup, type BenchRow, benchMain, type Measurement, measure, row } from "@rtos-sim/bench-kit";
import { createMachine, encodeRegion, MpuCtrl, MpuReg, Rbar, STM32F407 } from "@rtos-sim/hw";
import { type AppDescription as KernelApp, runApp } from "@rtos-sim/kernel";
import { buildTrace } from "../src/output/trace.js";
import { renderReport } from "../src/report/html.js";

/** Simulated milliseconds per measured run. */
const SIM_MS = 1000;

/** The demo's work per tick without the app: two context switches (3 MPU regions each), a fetch and the data accesses. */
function bare() {
  return measure("bare machine loop (baseline)", SIM_MS, () => {
    const m = createMachine(STM32F407);
    const { core, mpu } = m;
    core.countCycles = true;
    const regions = [0x20001000, 0x20002000].map((ram) =>
      [
        encodeRegion(1, 8, { base: ram, size: 0x1000, access: "rw" }),
        encodeRegion(2, 8, { base: 0x20003000, size: 0x400, access: "rw" }),
        encodeRegion(3, 8, { base: 0x40004400, size: 0x400, access: "rw", memory: "device" }),
      ].map((r, i) => [(r.rbar | Rbar.VALID | (i + 1)) >>> 0, r.rasr] as const),
    );
    const code = encodeRegion(0, 8, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
    core.write32(MpuReg.RBAR, (code.rbar | Rbar.VALID) >>> 0);
    core.write32(MpuReg.RASR, code.rasr);
    core.write32(MpuReg.CTRL, MpuCtrl.ENABLE | MpuCtrl.PRIVDEFENA);
    let acc = 0;
    for (let tick = 0; tick < SIM_MS; tick++) {
      for (let t = 0; t < 2; t++) {
        core.mode = "handler";
        for (const [rbar, rasr] of regions[t]!) {
          core.write32(MpuReg.RBAR, rbar);
          core.write32(MpuReg.RASR, rasr);
        }
        core.mode = "thread";
        core.controlNPriv = true;
        core.fetch(0x08000100);
        const base = t === 0 ? 0x20001000 : 0x20002000;
        acc = (acc + core.read32(base)) | 0;
        core.write32(base, acc);
        acc = (acc + core.read32(0x20003000)) | 0;
        core.write32(0x20003000 + 8 + 4 * (tick % 200), acc);
        core.controlNPriv = false;
      }
      core.cycles = (tick + 1) * 168_000;
      if (mpu.regionCount !== 8) throw new Error("unexpected board");
    }
    return acc;
  });
}

function demo(outputs: boolean) {
  const name = outputs ? "mpu-demo run + JSON + trace + HTML report" : "mpu-demo run (recorder, no output)";
  return measure(name, SIM_MS, () => {
    const run = prepareRun(mpuDemo, STM32F407, { seed: 1, durationMs: SIM_MS, memcheck: false });
    void mpuDemo.run(run.ctx);
    const result = finishRun(run, 0);
    if (!outputs) return result.slices.length;
    return JSON.stringify(result).length + JSON.stringify(buildTrace(result)).length + renderReport(result).length;
  });
}

/** A small kernel workload: three tasks allocating, printing and sleeping every millisecond. */
const WORKLOAD: KernelApp = {
  name: "bench-workload",
  description: "three tasks: malloc, write, print, free, sleep 1 ms",
  tasks: ["a", "b", "c"].map((name) => ({
    name,
    *main(t) {
      for (let i = 0; ; i++) {
        const p = yield* t.malloc(24);
        t.writeString(p, `${name}${i % 10}`);
        if (i % 100 === 0) yield* t.print(p, 2);
        yield* t.free(p);
        yield* t.sleep({ ms: 1 });
      }
    },
  })),
};

function kernelPlain() {
  return measure("kernel workload, runApp (baseline for the adapter)", SIM_MS, () => {
    const r = runApp(WORKLOAD, { board: STM32F407, seed: 1, durationMs: SIM_MS, memcheck: true });
    return r.result.switches;
  });
}

function kernelAdapted() {
  return measure("kernel workload through the CLI (every event recorded)", SIM_MS, () => {
    const app = fromKernelApp(WORKLOAD);
    const run = prepareRun(app, STM32F407, { seed: 1, durationMs: SIM_MS, memcheck: true });
    void app.run(run.ctx);
    return finishRun(run, 0).slices.length;
  });
}

/** The default command's 1 s of flight (checker on) in this process, warm: the cold row's baseline. */
function flightWarm() {
  return measure("flight 1 s, checker on, runApp in a warm process (baseline)", SIM_MS, () => {
    const r = runApp(flight, { seed: 1, durationMs: SIM_MS, memcheck: true });
    return r.result.switches;
  });
}

/**
 * What a user sees first: `rtos-sim run` (the default app, flight, 1 s, checker on) as a new
 * Node process, from its start to its exit: module loading, the JIT's warm-up, the run and the
 * output. Runs the built CLI (`dist/main.js`, which this package's bench builds first).
 */
function coldCommand() {
  const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
  return measure(
    "rtos-sim run (default: flight 1 s, checker on), a new process: start to exit",
    SIM_MS,
    () => {
      const r = spawnSync(process.execPath, [main, "run", "--json"], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`rtos-sim run exited with ${r.status}: ${r.stderr}`);
      return r.stdout.length;
    },
    { warmup: 1, runs: 5 },
  );
}

/** A table group: its title, its baseline row's case and its rows (the cases a run measured). */
function group(title: string, baseline: Measurement, rows: BenchRow[]): BenchGroup {
  return { group: title, baseline: baseline.name, rows };
}

const realTime = (opsPerSec: number) => `${Math.round(opsPerSec / 1000)}x`;
/** One decimal: the cold command runs near real time. */
const realTime1 = (opsPerSec: number) => `${(opsPerSec / 1000).toFixed(1)}x`;

const cases = {
  bare,
  demo: () => demo(false),
  demoOutputs: () => demo(true),
  kernelPlain,
  kernelAdapted,
  flightWarm,
  coldCommand,
};

benchMain("cli", cases, (r) => {
  const groups: BenchGroup[] = [];
  if (r.bare && r.demo && r.demoOutputs) {
    groups.push(
      group("simulated milliseconds per second (1 s of the MPU demo on the STM32F407)", r.bare, [
        row(r.bare, r.bare, undefined, { "x real time": realTime(r.bare.opsPerSec) }),
        row(r.demo, r.bare, { opsPerSec: 50_000 }, { "x real time": realTime(r.demo.opsPerSec) }),
        row(r.demoOutputs, r.bare, undefined, { "x real time": realTime(r.demoOutputs.opsPerSec) }),
      ]),
    );
  }
  if (r.kernelPlain && r.kernelAdapted) {
    groups.push(
      group("simulated milliseconds per second (1 s of a 3-task kernel workload, checker on)", r.kernelPlain, [
        row(r.kernelPlain, r.kernelPlain, undefined, { "x real time": realTime(r.kernelPlain.opsPerSec) }),
        row(r.kernelAdapted, r.kernelPlain, undefined, { "x real time": realTime(r.kernelAdapted.opsPerSec) }),
      ]),
    );
  }
  if (r.flightWarm && r.coldCommand) {
    groups.push(
      group("the first command a user runs: simulated milliseconds per wall second (informational)", r.flightWarm, [
        row(r.flightWarm, r.flightWarm, undefined, { "x real time": realTime1(r.flightWarm.opsPerSec) }),
        row(r.coldCommand, r.flightWarm, undefined, { "x real time": realTime1(r.coldCommand.opsPerSec) }),
      ]),
    );
  }
  return groups;
});
