import { describe, expect, it } from "vitest";
import { validateTrace } from "../../test/trace-format.js";
import { runCli } from "../cli/cli.js";
import type { RunResult } from "../run/result.js";
import { buildTrace, TRACE_PID } from "./trace.js";

async function demoResult(): Promise<RunResult> {
  let out = "";
  await runCli(["run", "mpu-demo", "--duration", "20ms", "--json"], {
    out: (t) => {
      out += t;
    },
    err: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
    cwd: process.cwd(),
  });
  return JSON.parse(out) as RunResult;
}

describe("buildTrace", () => {
  it("one X event per slice, named threads, fault and counter events; valid format", async () => {
    const result = await demoResult();
    const trace = buildTrace(result);
    expect(validateTrace(JSON.parse(JSON.stringify(trace)))).toEqual([]);
    const ev = trace.traceEvents;
    expect(ev[0]).toEqual({
      name: "process_name",
      ph: "M",
      ts: 0,
      pid: TRACE_PID,
      tid: 0,
      args: { name: "rtos-sim mpu-demo on stm32f407" },
    });
    expect(ev.filter((e) => e.ph === "X")).toHaveLength(result.slices.length);
    const first = result.slices[0]!;
    expect(ev.find((e) => e.ph === "X")).toEqual({
      name: result.tasks[first.task]!.name,
      cat: "run",
      ph: "X",
      ts: first.start,
      dur: first.end - first.start,
      pid: TRACE_PID,
      tid: first.task,
    });
    const fault = ev.find((e) => e.cat === "fault");
    expect(fault).toMatchObject({
      ph: "i",
      s: "t",
      tid: 1,
      ts: result.faults[0]!.t,
      args: { cfsr: "0x00000082", mmfar: "0x20000010", bfar: null },
    });
    const counters = ev.filter((e) => e.ph === "C");
    expect(counters.length).toBe(result.counters.reduce((n, c) => n + c.samples.length, 0));
    expect(counters[0]).toMatchObject({
      name: "memory held (bytes)",
      args: { kernel: 4096, sensor: 5120, logger: 4096 },
    });
    expect(trace.otherData).toEqual({ app: "mpu-demo", board: "stm32f407", seed: 1, simulatedUs: 20_000, ok: true });
  });
});
