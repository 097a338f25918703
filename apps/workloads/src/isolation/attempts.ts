import {
  ActuatorReg,
  type AppEnv,
  type FaultKind,
  type Kernel,
  type Syscall,
  sys,
  type TaskContext,
  type TaskSpec,
} from "@rtos-sim/kernel";
import { RING } from "../flight/layout.js";
import { rollIntegralAddress } from "../flight/mixer.js";

/** Address of the MPU's RASR register (the region attribute and size register). */
export const MPU_RASR = 0xe000eda0;
/** Milliseconds between two attempts (the first at {@link FIRST_ATTEMPT_MS}). */
export const ATTEMPT_SPACING_MS = 50;
/**
 * The first attempt's time. Odd milliseconds: the IMU runs on even ticks, so the rogue only
 * ever runs while every flight task sleeps or waits.
 */
export const FIRST_ATTEMPT_MS = 51;
/** The rogue's priority: below every flight task. */
export const ROGUE_PRIORITY = 0;

/** What an attempt is expected to end in. */
export interface Expectation {
  readonly kind: FaultKind;
  /** CFSR bits that must be set (names as `decodeCfsr` gives them). */
  readonly cfsr?: readonly string[];
  /** The address the fault must name (MMFAR/BFAR, or the access for instruction fetches). */
  readonly address?: (kernel: Kernel) => number;
  /**
   * Also accepted: a checker fault whose report is of this kind (with the checker on, it may see
   * the wrong done before the MPU does, e.g. a stack pointer moved into the guard).
   */
  readonly checkerKind?: string;
}

/** One thing the rogue tries, in its own task. */
export interface Attempt {
  /** Task name (`rogue-...`). */
  readonly task: string;
  /** What it tries, in words. */
  readonly what: string;
  readonly expect: Expectation;
  /** The attempt's task spec; `at` is when it strikes (ms). */
  readonly spec: (env: AppEnv, at: number) => TaskSpec;
}

const taskOf = (kernel: Kernel, name: string) => {
  const k = kernel.task(name);
  if (!k) throw new Error(`no task ${name}`);
  return k;
};

/** The mixer's roll PID integral, in the frame of its `main` at the top of its stack. */
const mixerIntegral = (kernel: Kernel) => rollIntegralAddress(taskOf(kernel, "mixer").stack.top);
/** The first word of the telemetry heap: its TLSF block header. */
const telemetryHeap = (kernel: Kernel) => taskOf(kernel, "telemetry").heap?.base ?? 0;

/**
 * A rogue task that sleeps until `at` and then runs `act` (and makes the syscall `act` returns,
 * if any); its fault stops it ("stop" policy).
 */
function rogue(
  name: string,
  at: number,
  extra: Partial<TaskSpec>,
  act: (t: TaskContext) => Syscall | undefined,
): TaskSpec {
  return {
    name,
    priority: ROGUE_PRIORITY,
    stackSize: 1024,
    heapSize: 0,
    faultPolicy: "stop",
    ...extra,
    *main(t) {
      yield* t.sleep({ ms: at });
      const call = act(t);
      if (call) yield call;
    },
  };
}

/**
 * Everything the rogue tries, in order: one task per attempt, each faulting and stopping. The
 * targets are real addresses of this kernel (found the way an attacker reads a map file).
 */
export const ATTEMPTS: readonly Attempt[] = [
  {
    task: "rogue-kernel-read",
    what: "read the kernel's memory",
    expect: { kind: "memmanage", cfsr: ["DACCVIOL", "MMARVALID"], address: (k) => k.kernelBlock.base },
    spec: (env, at) =>
      rogue("rogue-kernel-read", at, {}, (t) => {
        t.read32(env.kernel.kernelBlock.base);
        return undefined;
      }),
  },
  {
    task: "rogue-stack-write",
    what: "write the mixer's roll PID integral on its stack",
    expect: { kind: "memmanage", cfsr: ["DACCVIOL", "MMARVALID"], address: mixerIntegral },
    spec: (env, at) =>
      rogue("rogue-stack-write", at, {}, (t) => {
        t.writeF32(mixerIntegral(env.kernel), 1e6);
        return undefined;
      }),
  },
  {
    task: "rogue-heap-write",
    what: "write the telemetry heap's first block header",
    expect: { kind: "memmanage", cfsr: ["DACCVIOL", "MMARVALID"], address: telemetryHeap },
    spec: (env, at) =>
      rogue("rogue-heap-write", at, {}, (t) => {
        t.write32(telemetryHeap(env.kernel), 0);
        return undefined;
      }),
  },
  {
    task: "rogue-ring-write",
    what: "write the IMU ring it may only read",
    expect: { kind: "memmanage", cfsr: ["DACCVIOL", "MMARVALID"], address: (k) => k.partitions.get(RING)!.base },
    spec: (env, at) =>
      rogue("rogue-ring-write", at, { partitions: { [RING]: "ro" } }, (t) => {
        const ring = env.partition(RING).base;
        t.read32(ring); // reading is allowed
        t.write32(ring, 0);
        return undefined;
      }),
  },
  {
    task: "rogue-actuator",
    what: "drive motor 1 through the actuator it was not granted",
    expect: {
      kind: "memmanage",
      cfsr: ["DACCVIOL", "MMARVALID"],
      address: (k) => k.device("actuator").base + ActuatorReg.CCR1,
    },
    spec: (env, at) =>
      rogue("rogue-actuator", at, {}, (t) => {
        t.write32(env.device("actuator") + ActuatorReg.CCR1, 2000);
        return undefined;
      }),
  },
  {
    task: "rogue-mpu-write",
    what: "reprogram the MPU (write MPU_RASR)",
    expect: { kind: "busfault", cfsr: ["PRECISERR", "BFARVALID"], address: () => MPU_RASR },
    spec: (_env, at) =>
      rogue("rogue-mpu-write", at, {}, (t) => {
        t.write32(MPU_RASR, 0);
        return undefined;
      }),
  },
  {
    task: "rogue-exec-data",
    what: "execute from data (its code address is the IMU ring)",
    expect: { kind: "memmanage", cfsr: ["IACCVIOL"], address: (k) => k.partitions.get(RING)!.base },
    // The instruction fetch at its first dispatch faults: it strikes at boot, before sleeping.
    spec: (env, at) => rogue("rogue-exec-data", at, { code: env.partition(RING).base }, () => undefined), // never reached
  },
  {
    task: "rogue-bad-pointer",
    what: "make the kernel print 16 bytes of kernel memory (sys.print)",
    expect: { kind: "bad-pointer" },
    spec: (env, at) => rogue("rogue-bad-pointer", at, {}, () => sys.print(env.kernel.kernelBlock.base, 16)),
  },
  {
    task: "rogue-stack-overflow",
    what: "overflow its own stack (unbounded recursion, 64 B frames)",
    expect: { kind: "stack-overflow", cfsr: ["DACCVIOL", "MMARVALID"], checkerKind: "stack-overflow" },
    spec: (_env, at) =>
      rogue("rogue-stack-overflow", at, {}, (t) => {
        for (let depth = 0; ; depth++) {
          const frame = t.push(64); // a call's frame
          t.write32(frame, depth); // its saved registers
        }
      }),
  },
];

/** The rogue tasks of an isolation run, spaced `ATTEMPT_SPACING_MS` apart. */
export function rogueTasks(env: AppEnv): TaskSpec[] {
  return ATTEMPTS.map((a, i) => a.spec(env, FIRST_ATTEMPT_MS + i * ATTEMPT_SPACING_MS));
}
