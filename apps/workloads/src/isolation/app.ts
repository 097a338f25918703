import { type AppCheck, type AppDescription, defineApp, type FaultRecord, type Kernel, runApp } from "@rtos-sim/kernel";
import { FLIGHT_KERNEL, type FlightOutputs, flightChecks, flightOutputs } from "../flight/app.js";
import { flightTasks } from "../flight/tasks.js";
import { notReached } from "../shared/not-reached.js";
import { ATTEMPTS, type Attempt, attemptAt, attemptWhat, rogueTasks } from "./attempts.js";

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** One line describing a fault record: time, kind, CFSR names, address, access, action. */
export function describeFault(f: FaultRecord): string {
  const at = `t=${f.ms.toFixed(3)} ms`;
  if (!f.hw) return `${at} ${f.kind}: ${f.message} -> ${f.action}`;
  const addr = f.hw.faultAddress ?? f.hw.access.address;
  // ARMv6-M has no CFSR: the bits are the simulator's classification, said as such.
  const status = f.hw.faultStatusRegisters
    ? `CFSR ${hex(f.hw.cfsr)} ${f.hw.cfsrNames.join(" ")}`
    : `no CFSR (ARMv6-M); simulator: ${f.hw.cause} ${f.hw.cfsrNames.join(" ")}`;
  return (
    `${at} ${f.kind} (${f.hw.exception}) ${status}` +
    ` at ${hex(addr)} (${f.hw.access.kind} of ${f.hw.access.size} B${f.hw.access.privileged ? ", privileged" : ", unprivileged"}) -> ${f.action}`
  );
}

/** Whether an attempt's fault is what it should be; the reason when not. */
export function judgeAttempt(
  kernel: Kernel,
  a: Attempt,
): {
  /** The attempt ended as expected. */
  ok: boolean;
  /** One line: what the attempt did and how it ended, or what differed from the expectation. */
  detail: string;
} {
  const faults = kernel.faults.filter((f) => f.task === a.task);
  const f = faults[0];
  const what = attemptWhat(kernel, a);
  if (a.expect.kind === "refused") {
    const printed = kernel.task(a.task)?.output ?? [];
    const want = a.expect.printed ?? [];
    const ok = !f && printed.length === want.length && printed.every((l, i) => l === want[i]);
    const got = f ? describeFault(f) : printed.join(", ");
    return { ok, detail: `${what}: ${ok ? `refused (${got})` : `expected ${want.join(", ")}, got ${got}`}` };
  }
  if (!f) return { ok: false, detail: `${what}: NOT stopped (no fault)` };
  const problems: string[] = [];
  // With the checker on, a stack overflow is still kind stack-overflow (the report is its detail);
  // other reports are kind checker.
  const byChecker = f.kind === "checker" || f.kind === a.expect.kind;
  if (a.expect.checkerKind !== undefined && byChecker && !f.hw && f.checker?.kind === a.expect.checkerKind) {
    if (f.action !== "stopped") problems.push(`action ${f.action}`);
    const detail = `${what}: ${describeFault(f)} (memory checker: ${f.checker.kind})`;
    return { ok: problems.length === 0, detail: problems.length ? `${detail} [${problems.join("; ")}]` : detail };
  }
  // On ARMv6-M every hardware fault is a HardFault: the kernel's kind says so, and the
  // simulator's classification (cause, CFSR bits, address) is what the rest compares.
  const hwKinds: readonly string[] = ["memmanage", "busfault", "usagefault"];
  const wantKind =
    f.hw !== undefined && !f.hw.faultStatusRegisters && hwKinds.includes(a.expect.kind) ? "hardfault" : a.expect.kind;
  if (f.kind !== wantKind) problems.push(`kind ${f.kind}, expected ${wantKind}`);
  const bits = typeof a.expect.cfsr === "function" ? a.expect.cfsr(kernel) : (a.expect.cfsr ?? []);
  for (const bit of bits) if (!f.hw?.cfsrNames.includes(bit)) problems.push(`CFSR lacks ${bit}`);
  if (a.expect.address) {
    const want = a.expect.address(kernel) >>> 0;
    const got = f.hw ? (f.hw.faultAddress ?? f.hw.access.address) >>> 0 : null;
    if (got !== want) problems.push(`address ${got === null ? "none" : hex(got)}, expected ${hex(want)}`);
  }
  if (f.action !== "stopped") problems.push(`action ${f.action}`);
  if (faults.length !== 1) problems.push(`${faults.length} faults`);
  const detail = `${what}: ${describeFault(f)}${problems.length ? ` [${problems.join("; ")}]` : ""}`;
  return { ok: problems.length === 0, detail };
}

/** The parts of two flight runs' outputs that differ (empty when identical). */
export function diffOutputs(a: FlightOutputs, b: FlightOutputs): string[] {
  const out: string[] = [];
  for (const task of Object.keys(a.uart)) {
    const x = a.uart[task] ?? [];
    const y = b.uart[task] ?? [];
    if (x.length !== y.length || x.some((l, i) => l !== y[i])) out.push(`UART lines of ${task}`);
  }
  if (a.actuatorHash !== b.actuatorHash || a.actuatorWrites !== b.actuatorWrites) out.push("actuator writes");
  for (const name of Object.keys(a.partitions)) {
    if (a.partitions[name] !== b.partitions[name]) out.push(`partition ${name}`);
  }
  return out;
}

/**
 * The control run of `isolation`: flight plus the rogues' harmless twins (`rogueTasks` with
 * `control`), which wake when the rogues strike and exit without attacking.
 */
export const isolationControl: AppDescription = defineApp({
  name: "isolation-control",
  description: "flight plus the rogue tasks' harmless twins: the control run of isolation",
  board: "stm32f407",
  durationMs: 1000,
  memcheck: true,
  kernel: FLIGHT_KERNEL,
  tasks: (env) => [...flightTasks(env), ...rogueTasks(env, { control: true })],
});

/**
 * The isolation checks: each attempt stopped with the expected fault, and the flight tasks'
 * outputs (UART lines, actuator write hash, the three partitions' bytes) identical to a
 * `control` run (default {@link isolationControl}) on the same board with the same seed,
 * requested duration (`run.durationMs`: a run ends at the running task's next syscall after it,
 * so the control run asked for the time it ended would run further) and checker setting.
 */
export function isolationChecks(
  kernel: Kernel,
  run: { readonly seed: number; readonly durationMs: number },
  control: AppDescription = isolationControl,
): AppCheck[] {
  const checks: AppCheck[] = ATTEMPTS.map(
    (a, i) =>
      notReached(kernel, a.task, attemptWhat(kernel, a), attemptAt(i)) ?? { name: a.task, ...judgeAttempt(kernel, a) },
  );
  const { seed, durationMs } = run;
  const clean = runApp(control, {
    board: kernel.machine.board,
    seed,
    durationMs,
    memcheck: kernel.options.memcheck ?? false,
  });
  const mine = flightOutputs(kernel);
  const theirs = flightOutputs(clean.kernel);
  const diff = diffOutputs(mine, theirs);
  const lines = Object.values(mine.uart).reduce((n, l) => n + l.length, 0);
  checks.push({
    name: "flight outputs identical to a control run without the attacks",
    ok: diff.length === 0,
    detail:
      diff.length === 0
        ? `${lines} UART lines, ${mine.actuatorWrites} actuator writes (hash ${hex(mine.actuatorHash)}) and the ring, attitude and motors partitions are byte-identical to a ${durationMs} ms control run (${control.name})`
        : `differ: ${diff.join(", ")}`,
  });
  checks.push(...flightChecks(kernel));
  return checks;
}

/**
 * `isolation`: `flight` plus fourteen rogue tasks, one attempt each at the lowest priority every
 * 50 ms (while the flight tasks sleep): read kernel memory, write another task's stack and heap,
 * write the read-only ring, drive the actuator it was not granted, reprogram the MPU, execute
 * from data or another task's code, pass a kernel pointer to a syscall, overflow its stack,
 * forge heap links and a free, use IPC objects without rights and spin without yielding
 * (`ATTEMPTS`). Each attempt is stopped with its fault decoded, or refused with an error
 * code; the flight outputs match a clean run byte for byte.
 */
export const isolation: AppDescription = defineApp({
  name: "isolation",
  description:
    "flight plus fourteen rogue tasks: every attack stopped or refused by the MPU or the kernel, flight output unchanged",
  board: "stm32f407",
  durationMs: 1000,
  memcheck: true,
  kernel: FLIGHT_KERNEL,
  tasks: (env) => [...flightTasks(env), ...rogueTasks(env)],
  check: (kernel, env) => isolationChecks(kernel, env),
  // Every rogue task is there to be stopped: its faults and checker reports are the point.
  expectFault: (f) => f.task.startsWith("rogue-"),
  expectReport: (r) => r.taskName.startsWith("rogue-"),
});
