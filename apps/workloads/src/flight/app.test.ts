import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { flight, flightOutputs } from "./app.js";
import { TELEMETRY_PERIOD_MS } from "./layout.js";

function runFlight(board?: string, seed = 1, memcheck?: boolean) {
  return runApp(flight, { ...(board ? { board } : {}), seed, ...(memcheck === undefined ? {} : { memcheck }) });
}

describe("flight", () => {
  it("runs 1 s on the STM32F407: telemetry lines, motors written, no faults, every check ok", () => {
    const run = runFlight();
    expect(run.result.reason).toBe("until");
    expect(run.result.ms).toBe(1000);
    expect(run.kernel.faults).toEqual([]);
    expect(run.kernel.checker?.reports ?? []).toEqual([]);
    const lines = run.kernel.task("telemetry")!.output;
    expect(lines[0]).toMatch(/^flight controller on stm32f407: imu 500 Hz/);
    const telemetry = lines.filter((l) => l.startsWith("t="));
    expect(telemetry.length).toBe(1000 / TELEMETRY_PERIOD_MS - 1);
    expect(telemetry[0]).toMatch(
      /^t= {2}100 ms \| roll +[+-]\d+\.\d\d pitch +[+-]\d+\.\d\d yaw +[+-]\d+\.\d\d deg \| motors( \d{4}){4} \| imu samples 51 lost 0$/,
    );
    expect(lines).toContain(
      "log: 5 records live in the slab (32 B each, 512 B slab in the heap), 5 written, 0 recycled",
    );
    const act = run.kernel.devices.actuator!;
    expect(act.writes).toBe(4 * 250);
    for (const d of act.duty) expect(d).toBeGreaterThanOrEqual(1000);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it("keeps 8 records live in its log slab after 2 s", () => {
    const run = runApp(flight, { durationMs: 2050 });
    const lines = run.kernel.task("telemetry")!.output;
    expect(lines).toContain(
      "log: 8 records live in the slab (32 B each, 512 B slab in the heap), 20 written, 12 recycled",
    );
  });

  it.each(["stm32h743xi", "mps2-an386"])("runs on %s too", (board) => {
    const run = runFlight(board);
    expect(run.result.reason).toBe("until");
    expect(run.kernel.faults).toEqual([]);
    expect(run.kernel.devices.actuator!.writes).toBe(1000);
    expect(run.kernel.task("telemetry")!.output.length).toBeGreaterThanOrEqual(10);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it("is deterministic: same seed, same UART output and actuator hash", () => {
    const a = flightOutputs(runFlight(undefined, 7).kernel);
    const b = flightOutputs(runFlight(undefined, 7).kernel);
    expect(b).toEqual(a);
    const c = flightOutputs(runFlight(undefined, 8).kernel);
    expect(c.actuatorHash).not.toBe(a.actuatorHash); // the seed drives the sensor noise
  });

  it("runs without the checker with no faults", () => {
    const run = runFlight(undefined, 1, false);
    expect(run.kernel.checker).toBeNull();
    expect(run.kernel.faults).toEqual([]);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });
});
