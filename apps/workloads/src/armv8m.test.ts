import { MPS2_AN505, MPS3_AN547, RP2350, STM32U585 } from "@rtos-sim/hw";
import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { flightOutputs } from "./flight/app.js";
import { flight, isolation } from "./index.js";

/**
 * What ARMv8-M changes for the apps (every app passing its checks on every board is in
 * registry.test.ts): the PMSAv8 MPU through the kernel's MPU driver, stack guards through PSPLIM.
 */
describe.each([STM32U585, RP2350, MPS2_AN505, MPS3_AN547])("the built-in apps on $name (PMSAv8)", (board) => {
  it("isolation: the stack overflow stops at PSPLIM (UsageFault STKOF), with and without the checker", () => {
    for (const memcheck of [true, false]) {
      const run = runApp(isolation, { board, memcheck });
      const f = run.kernel.faults.find((x) => x.task === "rogue-stack-overflow")!;
      const t = run.kernel.task("rogue-stack-overflow")!;
      expect([f.kind, f.hw?.cfsrNames, f.action]).toEqual(["stack-overflow", ["STKOF"], "stopped"]);
      expect(f.message).toContain("stack limit");
      // The push that faulted left SP at the limit's side: never below the guard's top.
      expect(t.ctx.sp).toBeGreaterThanOrEqual(t.stack.base + 32);
    }
  });

  it("isolation: the MPU register the rogue writes is named as PMSAv8 names it (MPU_RLAR at 0xE000EDA0)", () => {
    const run = runApp(isolation, { board, memcheck: false });
    const c = run.checks.find((x) => x.name === "rogue-mpu-write")!;
    expect(c.ok, c.detail).toBe(true);
    expect(c.detail).toMatch(
      /^reprogram the MPU \(write MPU_RLAR\): t=[0-9.]+ ms busfault \(BusFault\) CFSR 0x00008200 PRECISERR BFARVALID at 0xe000eda0 /,
    );
  });

  it("flight: the control loop runs as on a PMSAv7 board (every motor update, telemetry line and check)", () => {
    // The outputs themselves differ: the filter's size and the sensor's timing follow the clock.
    const v8 = runApp(flight, { board, memcheck: false });
    const v7 = runApp(flight, { board: "mps2-an386", memcheck: false });
    const [a, b] = [flightOutputs(v8.kernel), flightOutputs(v7.kernel)];
    expect([a.actuatorWrites, a.uart.telemetry?.length]).toEqual([b.actuatorWrites, b.uart.telemetry?.length]);
    expect(a.actuatorWrites).toBe(1000);
    expect(v8.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v8.kernel.faults).toEqual([]);
  });
});
