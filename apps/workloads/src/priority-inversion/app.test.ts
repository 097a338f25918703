import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { CONTROL_BOUND_US, controlTiming, HOG_MS, priorityInversion, priorityInversionWithSemaphore } from "./app.js";

describe("priority-inversion", () => {
  it("with the mutex, control's worst response is logger's last 1 ms and its own work; logger runs next at each wait", () => {
    const run = runApp(priorityInversion);
    expect(controlTiming(run.kernel)).toEqual({ worstUs: 1114, jobs: 10, missed: 0 });
    expect(run.checks).toEqual([
      {
        name: "control-response",
        ok: true,
        detail: `control's worst response 1114 us over 10 jobs (bound ${CONTROL_BOUND_US} us: the rest of logger's section, not telemetry's ${HOG_MS} ms)`,
      },
      { name: "control-deadlines", ok: true, detail: "10 jobs in 10 periods, 0 missed" },
      {
        name: "logger-inherits",
        ok: true,
        detail:
          "control waited for the bus 9 times; next to run: logger (logger, at control's priority, ahead of telemetry)",
      },
    ]);
    expect(run.kernel.faults).toEqual([]);
    expect(run.kernel.mutexes.get("bus")!.waiters.length).toBe(0);
  });

  it("with a semaphore as the lock (no inheritance), telemetry runs first: control waits its 6 ms too", () => {
    const run = runApp(priorityInversionWithSemaphore);
    expect(controlTiming(run.kernel)).toEqual({ worstUs: 7126, jobs: 10, missed: 0 });
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["control-response", false],
      ["control-deadlines", true],
      ["logger-inherits", false],
    ]);
    expect(run.checks[2]!.detail).toContain("next to run: telemetry");
  });
});
