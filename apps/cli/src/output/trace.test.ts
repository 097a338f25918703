import { RunRecorder, type RunResult, traceHash } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { validateTrace } from "../../test/trace-format.js";
import { runCli } from "../cli/cli.js";
import { buildTrace, TRACE_PID } from "./trace.js";

async function runResult(app = "mpu-demo", duration = "20ms"): Promise<RunResult> {
  let out = "";
  await runCli(["run", app, "--duration", duration, "--json"], {
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
    const result = await runResult();
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
    // The trace hash the summary prints for the same run, so a trace file names the run it is of.
    expect(trace.otherData).toEqual({
      app: "mpu-demo",
      board: "stm32f407",
      seed: 1,
      simulatedUs: 20_000,
      ok: true,
      traceHash: traceHash(result),
    });
    expect(trace.otherData.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a kernel app's run (isolation: faults, syscalls, checker) gives a valid trace too", async () => {
    const result = await runResult("isolation", "300ms");
    expect(result.faults.length).toBeGreaterThan(0);
    const trace = buildTrace(result);
    expect(validateTrace(JSON.parse(JSON.stringify(trace)))).toEqual([]);
    expect(trace.traceEvents.some((e) => e.ph === "X" && e.tid > 0)).toBe(true);
  });

  it("carries every task's timing: response-time counters per job, the CPU load and a timing line per task", async () => {
    const result = await runResult("flight", "100ms");
    const trace = buildTrace(result);
    expect(validateTrace(JSON.parse(JSON.stringify(trace)))).toEqual([]);
    const responses = trace.traceEvents.filter((e) => e.ph === "C" && e.name === "response time (us)");
    const imuJobs = result.tasks.find((t) => t.name === "imu")!.timing!.jobs;
    expect(responses.filter((e) => Object.keys(e.args ?? {})[0] === "imu")).toHaveLength(imuJobs);
    expect(trace.otherData.cpuLoad).toBe(result.cpuLoad);
    expect(trace.otherData["timing:imu"]).toMatch(
      /^jobs 50, missed 0, response max [\d.]+ us, jitter [\d.]+ us, CPU [\d.]+ us$/,
    );
    expect(trace.otherData["timing:kernel"]).toBeUndefined();
  });

  it("a missed deadline is an instant event on the task's thread", () => {
    const miss = {
      t: 8000,
      kind: "deadline" as const,
      task: 1,
      name: "deadline missed",
      args: { responseUs: 1200, deadlineUs: 500, releaseMs: 8 },
    };
    const base = JSON.parse(JSON.stringify(emptyResult())) as RunResult;
    const trace = buildTrace({ ...base, events: [miss] });
    expect(trace.traceEvents.find((e) => e.name === "deadline missed")).toMatchObject({
      ph: "i",
      cat: "deadline",
      tid: 1,
      ts: 8000,
      args: { responseUs: 1200, deadlineUs: 500 },
    });
  });
});

/** A run with one task and nothing else in it. */
function emptyResult(): RunResult {
  const rec = new RunRecorder({
    app: { name: "t", summary: "t", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 10, memcheck: false },
  });
  rec.addTask("ctl");
  return rec.finish({ simulatedUs: 10_000, cycles: 1_680_000, wallMs: 1, memcheckActive: false });
}
