import { RP2040 } from "@rtos-sim/hw";
import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { flightOutputs } from "./flight/app.js";
import { APPS, runnableApp } from "./registry.js";
import { finishRun, prepareRun } from "./run/context.js";
import { ColourMap } from "./view/colours.js";
import { timelineSvg } from "./view/svg.js";

/**
 * The built-in apps on the ARMv6-M RP2040 (Cortex-M0+): every app runs and passes its checks;
 * every hardware fault is a HardFault whose record says no register holds the classification
 * (docs/fault-reports.md, "ARMv6-M"). The dma app runs on the RP2040's DMA (its channel 0, the
 * `dma` role): the intruder's stop is a HardFault too.
 */
describe("the built-in apps on the RP2040 (ARMv6-M)", () => {
  it.each(APPS.map((a) => [a.app.name, a] as const))("%s passes its checks", async (_name, entry) => {
    const app = runnableApp(entry);
    const run = prepareRun(app, RP2040, {
      seed: 1,
      durationMs: app.defaultDurationMs ?? 1000,
      memcheck: app.defaultMemcheck ?? true,
    });
    await app.run(run.ctx);
    const result = finishRun(run, 0);
    expect(result.verdict.problems).toEqual([]);
    expect(result.verdict.ok).toBe(true);
    // Every hardware fault is a HardFault, none escalated, none with fault status registers.
    for (const f of result.faults.filter((x) => x.hardware)) {
      expect([f.exception, f.escalated, f.faultStatusRegisters, f.hfsr], f.message).toEqual([3, false, false, 0]);
    }
  });

  it("isolation: each rogue is stopped by a HardFault, its classification the simulator's", () => {
    const run = runApp(APPS[1]!.app as Parameters<typeof runApp>[0], { board: RP2040, memcheck: false });
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    const f = (task: string) => run.kernel.faults.find((x) => x.task === task)!;
    expect([f("rogue-kernel-read").kind, f("rogue-kernel-read").hw?.cause]).toEqual(["hardfault", "MemManage"]);
    expect(f("rogue-actuator").hw?.faultAddress).toBe(0x40050034); // the PWM slice's register on the RP2040
    expect([f("rogue-mpu-write").kind, f("rogue-mpu-write").hw?.cfsrNames]).toEqual([
      "hardfault",
      ["PRECISERR", "BFARVALID"],
    ]);
    const c = run.checks.find((x) => x.name === "rogue-mpu-write")!;
    expect(c.detail).toMatch(
      /^reprogram the MPU \(write MPU_RASR\): t=[0-9.]+ ms hardfault \(HardFault\) no CFSR \(ARMv6-M\); simulator: BusFault PRECISERR BFARVALID at 0xe000eda0 \(write of 4 B, unprivileged\) -> stopped$/,
    );
    expect(f("rogue-stack-overflow").kind).toBe("stack-overflow");
  });

  it("flight: the control loop runs as on the other boards (every motor update, no fault)", () => {
    const run = runApp(APPS[0]!.app as Parameters<typeof runApp>[0], { board: RP2040, memcheck: false });
    expect(flightOutputs(run.kernel).actuatorWrites).toBe(1000);
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.kernel.faults).toEqual([]);
  });

  it("mpu-demo: the handler reads no fault register; the check names the HardFault and the simulator's MemManage", async () => {
    const app = runnableApp(APPS[4]!);
    const run = prepareRun(app, RP2040, { seed: 1, durationMs: 600, memcheck: false });
    await app.run(run.ctx);
    const result = finishRun(run, 0);
    const c = result.checks.find((x) => x.name === "the MPU stopped the sensor's read of kernel data")!;
    expect([c.passed, c.detail]).toEqual([
      true,
      "HardFault (ARMv6-M: no CFSR or MMFAR); simulator: MemManage DACCVIOL|MMARVALID at 0x20000010",
    ]);
    // The trace's event and the timeline SVG's marker name the HardFault first, the class as the simulator's.
    const label = "HardFault (simulator: MemManage) DACCVIOL|MMARVALID";
    expect(result.events.filter((e) => e.kind === "fault").map((e) => e.name)).toEqual([label]);
    expect(timelineSvg(result, new ColourMap())).toContain(`<title>${label} in sensor at `);
  });
  it("dma: the RP2040's DMA reads and rewrites the keeper's key and the rogue's MPU record; the intruder stopped by a HardFault", () => {
    const app = APPS.find((a) => a.app.name === "dma")!;
    const run = runApp(app.app as Parameters<typeof runApp>[0], { board: RP2040 });
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.checks.length).toBe(7);
    const f = run.kernel.faults.find((x) => x.task === "intruder")!;
    expect([f.kind, f.hw?.cause, f.hw?.faultAddress, f.hw?.faultStatusRegisters]).toEqual([
      "hardfault",
      "MemManage",
      0x50000000,
      false,
    ]);
  });
});
