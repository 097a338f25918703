import { type AppCheck, type AppDescription, defineApp, type Kernel } from "@rtos-sim/kernel";
import { plural } from "../shared/format.js";
import { skippedCheck } from "../shared/not-reached.js";
import {
  ATTITUDE,
  FLIGHT_TASKS,
  IMU_DEADLINE_MS,
  MIXER_DEADLINE_MS,
  MOTORS,
  RING,
  RING_BYTES,
  SEM_SAMPLE,
  TELEMETRY_PERIOD_MS,
} from "./layout.js";
import { flightTasks } from "./tasks.js";

/** Kernel settings of the flight controller: its three partitions and its semaphore. */
export const FLIGHT_KERNEL: NonNullable<AppDescription["kernel"]> = {
  partitions: [
    { name: RING, size: RING_BYTES },
    { name: ATTITUDE, size: 1024 },
    { name: MOTORS, size: 1024 },
  ],
  semaphores: [{ name: SEM_SAMPLE }],
};

/** What the flight tasks produced: enough to tell two runs apart. */
export interface FlightOutputs {
  /** UART lines per flight task. */
  readonly uart: Readonly<Record<string, readonly string[]>>;
  /** The actuator's FNV-1a hash of every CCR write, and the number of writes. */
  readonly actuatorHash: number;
  /** Number of CCR writes the actuator took. */
  readonly actuatorWrites: number;
  /** Bytes of each partition at the end (hex). */
  readonly partitions: Readonly<Record<string, string>>;
}

function hexBytes(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Collects the flight tasks' outputs from a kernel after a run (partitions read with debugger peeks). */
export function flightOutputs(kernel: Kernel): FlightOutputs {
  const uart: Record<string, readonly string[]> = {};
  for (const name of FLIGHT_TASKS) uart[name] = [...(kernel.task(name)?.output ?? [])];
  const partitions: Record<string, string> = {};
  for (const name of [RING, ATTITUDE, MOTORS]) {
    const p = kernel.partitions.get(name);
    partitions[name] = p ? hexBytes(kernel.machine.bus.peek(p.base, p.size)) : "";
  }
  const act = kernel.devices.actuator;
  return { uart, actuatorHash: act?.hash ?? 0, actuatorWrites: act?.writes ?? 0, partitions };
}

const us = (cycles: number | null, hz: number) => (cycles === null ? "-" : `${((cycles * 1e6) / hz).toFixed(1)} us`);

/** The deadline check of the periodic control tasks: every job of `imu` and `mixer` in time. */
function deadlineCheck(kernel: Kernel): AppCheck {
  const hz = kernel.machine.board.clockHz;
  const parts: string[] = [];
  let ok = true;
  for (const [name, deadline] of [
    ["imu", IMU_DEADLINE_MS],
    ["mixer", MIXER_DEADLINE_MS],
  ] as const) {
    const k = kernel.task(name);
    const s = k ? kernel.taskTiming(k) : null;
    if (!s || s.jobs === 0 || s.missed > 0) ok = false;
    parts.push(
      s
        ? `${name}: ${s.jobs} jobs, ${s.missed} missed (deadline ${deadline} ms), response max ${us(s.responseMax, hz)}, jitter ${us(
            s.responseMax === null || s.responseMin === null ? null : s.responseMax - s.responseMin,
            hz,
          )}`
        : `${name}: missing`,
    );
  }
  return {
    name: "control deadlines met",
    ok,
    detail: `${parts.join("; ")}; CPU load ${(100 * kernel.cpuLoad()).toFixed(1)}%`,
  };
}

/**
 * A check whose subject had no time to happen: the run ended before `deadlineMs`, the first
 * deadline of the task that produces it (both control tasks are released at 0 ms), with nothing
 * produced yet. Skipped rather than failed: `--duration 0.5` is too short for a mixer job, not a
 * flight controller that missed one. Returns null when the check is to be judged.
 */
function tooEarly(kernel: Kernel, check: AppCheck, deadlineMs: number, nothingYet: boolean): AppCheck | null {
  if (kernel.nowMs() >= deadlineMs || !nothingYet) return null;
  return skippedCheck(
    kernel,
    check.name,
    (ended) =>
      `not reached, the run ended at ${ended} ms, before the first deadline (${deadlineMs} ms): ${check.detail}`,
  );
}

/**
 * The checks of a flight run: telemetry lines, motor writes, IMU samples, deadlines, no faults.
 * A run that ends before the first deadline of the task a check looks at, with nothing of it
 * done yet, skips that check.
 */
export function flightChecks(kernel: Kernel): AppCheck[] {
  const lines = (kernel.task("telemetry")?.output ?? []).filter((l) => l.startsWith("t="));
  const act = kernel.devices.actuator;
  const ms = kernel.nowMs();
  // A line at every full period strictly before the end of the run.
  const expectedLines = Math.max(0, Math.ceil(ms / TELEMETRY_PERIOD_MS) - 1);
  const flightFaults = kernel.faults.filter((f) => (FLIGHT_TASKS as readonly string[]).includes(f.task));
  const seq = (() => {
    const p = kernel.partitions.get(RING);
    return p ? kernel.machine.bus.peek(p.base, 4).reduce((a, b, i) => a + b * 256 ** i, 0) : 0;
  })();
  const writes = act?.writes ?? 0;
  const motors: AppCheck = {
    name: "motors driven",
    ok: writes > 0,
    detail: `${writes} CCR writes, duties ${act ? [...act.duty].join(" ") : "-"}, hash ${(act?.hash ?? 0).toString(16).padStart(8, "0")}`,
  };
  const samples: AppCheck = { name: "imu samples", ok: seq > 0, detail: `${seq} samples written to the ring` };
  const deadlines = deadlineCheck(kernel);
  // A control task without a completed job, and no miss anywhere (a miss is judged at once).
  const timings = ["imu", "mixer"].flatMap((name) => {
    const k = kernel.task(name);
    return k ? [kernel.taskTiming(k)] : [];
  });
  const noJobs = timings.some((t) => t.jobs === 0) && timings.every((t) => t.missed === 0);
  return [
    {
      name: "telemetry lines",
      ok: lines.length >= expectedLines,
      detail: `${plural(lines.length, "telemetry line")} on the UART (${expectedLines} expected: one every ${TELEMETRY_PERIOD_MS} ms)`,
    },
    tooEarly(kernel, motors, MIXER_DEADLINE_MS, writes === 0) ?? motors,
    tooEarly(kernel, samples, IMU_DEADLINE_MS, seq === 0) ?? samples,
    tooEarly(kernel, deadlines, MIXER_DEADLINE_MS, noJobs) ?? deadlines,
    {
      name: "no faults in the flight tasks",
      ok: flightFaults.length === 0,
      detail:
        flightFaults.length === 0 ? "none" : flightFaults.map((f) => `${f.task}: ${f.kind} ${f.message}`).join("; "),
    },
  ];
}

/**
 * `flight` (the default app): a small UAV flight controller whose state lives in simulated memory
 * (struct views, call frames). `imu` (priority 6, periodic 500 Hz, deadline 0.5 ms) reads the
 * sensor's FIFO, low-pass filters each axis and puts the sample into the `ring` partition
 * (read-write for it, read-only for the others), then signals a semaphore; `estimator` (5) runs
 * a Kalman filter over every new sample (its covariance propagated densely in its heap) into
 * `attitude`; `mixer` (4, periodic 250 Hz, deadline 1.5 ms), the one task granted the actuator,
 * runs a PID per axis and writes CCR1..CCR4; `telemetry` (2, every 100 ms) takes a log record
 * from a slab in its heap and prints it through the UART it is granted. On the STM32F407 the CPU
 * is about 30 % loaded.
 */
export const flight: AppDescription = defineApp({
  name: "flight",
  description: "UAV flight controller: IMU -> ring -> estimator -> attitude -> mixer -> motors, telemetry on the UART",
  board: "stm32f407",
  durationMs: 1000,
  memcheck: true,
  kernel: FLIGHT_KERNEL,
  tasks: (env) => flightTasks(env),
  check: (kernel) => flightChecks(kernel),
});
