import { defineApp, type Kernel, runApp } from "@rtos-sim/kernel";
import { Tag } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { diffOutputs } from "../isolation/app.js";
import { FLIGHT_KERNEL, flight, flightChecks, flightOutputs } from "./app.js";
import { BUG_SAMPLE } from "./estimator.js";
import { IMU_PERIOD_MS, MIXER_MAIN, MIXER_PERIOD_MS, TELEMETRY_PERIOD_MS } from "./layout.js";
import { DUTY_MIN } from "./mixer.js";
import { type FlightOptions, flightTasks } from "./tasks.js";

function runFlight(board?: string, seed = 1, memcheck?: boolean) {
  return runApp(flight, { ...(board ? { board } : {}), seed, ...(memcheck === undefined ? {} : { memcheck }) });
}

/** `flight` with options for its tasks (an injected bug). */
function flightWith(options: FlightOptions, memcheck: boolean) {
  const app = defineApp({
    name: "flight-bug",
    description: "flight with an injected bug",
    kernel: FLIGHT_KERNEL,
    tasks: (env) => flightTasks(env, options),
    check: (kernel) => flightChecks(kernel),
  });
  return runApp(app, { memcheck });
}

describe("flight", () => {
  it("runs 1 s on the STM32F407: telemetry lines, motors written, no faults, every check ok", () => {
    const run = runFlight();
    expect(run.result.reason).toBe("until");
    expect(run.result.ms).toBe(1000);
    expect(run.kernel.faults).toEqual([]);
    expect(run.kernel.checker?.reports ?? []).toEqual([]);
    const lines = run.kernel.task("telemetry")!.output;
    expect(lines[0]).toMatch(/^flight controller on stm32f407: imu 500 Hz -> ring -> estimator \(20-state filter\)/);
    const telemetry = lines.filter((l) => l.startsWith("t="));
    expect(telemetry.length).toBe(1000 / TELEMETRY_PERIOD_MS - 1);
    expect(telemetry[0]).toMatch(
      /^t= {2}100 ms \| roll +[+-]\d+\.\d\d pitch +[+-]\d+\.\d\d yaw +[+-]\d+\.\d\d deg \| motors( \d{4}){4} \| imu samples 51 lost 0$/,
    );
    expect(lines).toContain(
      "log: 5 records live in the slab (32 B each, 512 B slab in the heap), 5 written, 0 recycled",
    );
    const act = run.kernel.devices.actuator!;
    expect(act.writes).toBe(4 * (1000 / MIXER_PERIOD_MS));
    for (const d of act.duty) expect(d).toBeGreaterThanOrEqual(1000);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it("a run too short for a control job skips the checks of what it had no time to do, and fails none", () => {
    // 0.5 ms: the imu's first job is done (deadline 0.5 ms), the mixer's is not (it ends at 0.66 ms).
    const short = runApp(flight, { durationMs: 0.5 });
    expect(short.kernel.nowMs()).toBeLessThan(1.5);
    expect(short.checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ["telemetry lines", true, false],
      ["motors driven", false, true],
      ["imu samples", true, false],
      ["control deadlines met", false, true],
      ["no faults in the flight tasks", true, false],
    ]);
    expect(short.checks[1]!.detail).toBe(
      `not reached, the run ended at ${Math.round(short.kernel.nowMs() * 1000) / 1000} ms, before the first deadline (1.5 ms): 0 CCR writes, duties 0 0 0 0, hash 811c9dc5`,
    );
    // 0.1 us: the imu's first job still runs to its end (cooperative), no other job starts.
    const none = runApp(flight, { durationMs: 0.0001 });
    expect(none.checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ["telemetry lines", true, false],
      ["motors driven", false, true],
      ["imu samples", true, false],
      ["control deadlines met", false, true],
      ["no faults in the flight tasks", true, false],
    ]);
    // 2 ms is long enough: every check is judged.
    expect(runApp(flight, { durationMs: 2 }).checks.every((c) => c.ok && !c.skipped)).toBe(true);
  });

  it("loads a 168 MHz STM32F407 like a real flight loop: 20-40 % CPU, >= 15,000 accesses per ms, every deadline met", () => {
    let accesses = 0;
    const run = runApp(flight, {
      memcheck: false,
      beforeRun: (k) => {
        // Every checked access the tasks and the kernel make (a block transfer counts once).
        k.machine.core.hook = {
          onAccess() {
            accesses++;
          },
        };
      },
    });
    const k = run.kernel;
    const load = k.cpuLoad();
    expect(load).toBeGreaterThan(0.2);
    expect(load).toBeLessThan(0.4);
    expect(accesses / run.result.ms).toBeGreaterThanOrEqual(15_000);
    const imu = k.taskTiming(k.task("imu")!);
    const mixer = k.taskTiming(k.task("mixer")!);
    expect([imu.jobs, imu.missed, imu.period, imu.deadline]).toEqual([1000 / IMU_PERIOD_MS, 0, 336_000, 84_000]);
    expect([mixer.jobs, mixer.missed, mixer.period, mixer.deadline]).toEqual([
      1000 / MIXER_PERIOD_MS,
      0,
      672_000,
      252_000,
    ]);
    // The mixer waits for the IMU's job and the estimator's filter run at its release.
    expect(mixer.responseMin!).toBeGreaterThan(imu.responseMax!);
    // The estimator does most of the work; every task's CPU time is counted.
    const cpu = k.tasks().map((t) => k.taskTiming(t).cpuCycles);
    expect(cpu[1]!).toBeGreaterThan(cpu[0]! + cpu[2]! + cpu[3]!);
    expect(cpu.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(run.result.cycles - run.result.idleCycles);
  });

  it("keeps 8 records live in its log slab after 2 s", () => {
    const run = runApp(flight, { durationMs: 2050, memcheck: false });
    const lines = run.kernel.task("telemetry")!.output;
    expect(lines).toContain(
      "log: 8 records live in the slab (32 B each, 512 B slab in the heap), 20 written, 12 recycled",
    );
  });

  it.each(["stm32h743xi", "mps2-an386"])("runs on %s too", (board) => {
    const run = runFlight(board, 1, false);
    expect(run.result.reason).toBe("until");
    expect(run.kernel.faults).toEqual([]);
    expect(run.kernel.devices.actuator!.writes).toBe(1000);
    expect(run.kernel.task("telemetry")!.output.length).toBeGreaterThanOrEqual(10);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it("is deterministic: same seed, same UART output and actuator hash", () => {
    const a = flightOutputs(runFlight(undefined, 7, false).kernel);
    const b = flightOutputs(runFlight(undefined, 7, false).kernel);
    expect(b).toEqual(a);
    const c = flightOutputs(runFlight(undefined, 8, false).kernel);
    expect(c.actuatorHash).not.toBe(a.actuatorHash); // the seed drives the sensor noise
  });

  it("runs with the checker with no reports and the same outputs", () => {
    const on = runFlight(undefined, 1, true);
    expect(on.kernel.checker).not.toBeNull();
    expect(on.kernel.checker!.reports).toEqual([]);
    expect(on.kernel.faults).toEqual([]);
    // Its frames had the checker's redzones: the estimator's main frame (live for the task's life) is fenced.
    const est = on.kernel.checker!.stacks.get(on.kernel.task("estimator")!.id)!;
    expect(est.frames.map((f) => f.shape.function)).toContain("estimator_main");
    const main = est.frames.find((f) => f.shape.function === "estimator_main")!;
    expect(main.shape.redzones.length).toBeGreaterThan(0);
    expect(on.kernel.checker!.shadow.get(main.base)).toBe(Tag.StackRedzone);
    for (const c of on.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    expect(flightOutputs(on.kernel).actuatorHash).toBe(
      flightOutputs(runFlight(undefined, 1, false).kernel).actuatorHash,
    );
  });
});

describe("a memory bug in the flight state", () => {
  it("without the checker, an overflow in the estimator's heap corrupts the filter: the motor outputs change", () => {
    const clean = flightOutputs(runFlight(undefined, 1, false).kernel);
    const bug = flightWith({ bug: "accel-overflow" }, false);
    expect(bug.kernel.faults).toEqual([]); // nothing stops it
    const diff = diffOutputs(clean, flightOutputs(bug.kernel));
    expect(diff).toContain("actuator writes");
    expect(diff).toContain("UART lines of telemetry");
    expect(diff).toContain("partition attitude");
  });

  it("a privileged task that clears the mixer's armed flag (a local of its main frame) stops every motor at the minimum duty", () => {
    let kernel: Kernel | null = null;
    const app = defineApp({
      name: "flight-disarm",
      description: "flight with its armed flag cleared at 500 ms",
      kernel: FLIGHT_KERNEL,
      tasks: (env) => [
        ...flightTasks(env, {}),
        {
          name: "glitch",
          privileged: true,
          *main(t) {
            yield* t.sleep({ ms: 500 });
            const mixer = kernel!.task("mixer")!;
            const layout = MIXER_MAIN.layout(0); // no checker: no redzones
            const armed = layout.locals.find((l) => l.name === "armed")!;
            // main's frame is the first on the mixer's stack, right below its top
            t.write16(mixer.stack.top - layout.size + armed.offset, 0);
          },
        },
      ],
      check: (k) => flightChecks(k),
    });
    const before = runFlight(undefined, 1, false).kernel.devices.actuator!.duty;
    const run = runApp(app, {
      memcheck: false,
      beforeRun: (k) => {
        kernel = k;
      },
    });
    expect(run.kernel.faults).toEqual([]);
    expect(before.some((d) => d > DUTY_MIN)).toBe(true);
    expect([...run.kernel.devices.actuator!.duty]).toEqual([DUTY_MIN, DUTY_MIN, DUTY_MIN, DUTY_MIN]);
    const last = run.kernel
      .task("telemetry")!
      .output.filter((l) => l.startsWith("t="))
      .at(-1)!;
    expect(last).toMatch(/\| motors 1000 1000 1000 1000 \|/);
  });

  it("with the checker, the overflow is a heap-buffer-overflow report and the estimator is stopped at its first byte", () => {
    const run = flightWith({ bug: "accel-overflow" }, true);
    const f = run.kernel.faults.find((x) => x.task === "estimator")!;
    expect(f.kind).toBe("checker");
    const r = f.checker!;
    expect(r.kind).toBe("heap-buffer-overflow");
    expect(r.block!.size).toBe(12); // the 3-float measurement block
    expect(r.address).toBe(r.block!.address + 12);
    // sample 250 was taken at 498 ms; the estimator works on it right after
    expect(f.ms).toBeGreaterThan((BUG_SAMPLE - 1) * IMU_PERIOD_MS);
    expect(f.ms).toBeLessThan(BUG_SAMPLE * IMU_PERIOD_MS);
    expect(run.checks.find((c) => c.name === "no faults in the flight tasks")!.ok).toBe(false);
  });
});
