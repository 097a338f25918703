import { findBoard } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { finishRun, prepareRun } from "../run/context.js";
import { mpuDemo } from "./app.js";

async function simulatedUs(durationMs: number): Promise<{ us: number; ok: boolean }> {
  const run = prepareRun(mpuDemo, findBoard("stm32f407")!, { seed: 1, durationMs, memcheck: false });
  await mpuDemo.run(run.ctx);
  const result = finishRun(run, 0);
  return { us: result.simulatedUs, ok: result.verdict.ok };
}

describe("mpu-demo", () => {
  it("covers the duration asked for, a fraction of its 1 ms tick included (the last tick is cut short)", async () => {
    expect(await simulatedUs(0.5)).toEqual({ us: 500, ok: true });
    expect(await simulatedUs(2.5)).toEqual({ us: 2500, ok: true });
    expect(await simulatedUs(20)).toEqual({ us: 20_000, ok: true });
  });
});
