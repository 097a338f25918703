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
import { RING, SEM_SAMPLE } from "../flight/layout.js";
import { rollIntegralAddress } from "../flight/mixer.js";

/**
 * 0xE000EDA0: the PMSAv7 MPU's RASR (region attribute and size register); on PMSAv8 the same
 * word is MPU_RLAR (region limit address register, docs/mpu-model.md). Either way an MPU register,
 * privileged only.
 */
export const MPU_RASR = 0xe000eda0;
/** Milliseconds between two attempts (the first at {@link FIRST_ATTEMPT_MS}). */
export const ATTEMPT_SPACING_MS = 50;
/** When attempt `index` of {@link ATTEMPTS} strikes (ms): the time its rogue wakes. */
export const attemptAt = (index: number): number => FIRST_ATTEMPT_MS + index * ATTEMPT_SPACING_MS;
/**
 * The first attempt's time. Odd milliseconds: the IMU runs on even ticks, so the rogue only
 * ever runs while every flight task sleeps or waits.
 */
export const FIRST_ATTEMPT_MS = 51;
/** The rogue's priority: below every flight task. */
export const ROGUE_PRIORITY = 0;
/**
 * Each rogue's watchdog budget (`TaskSpec.watchdogCycles`), in microseconds of its board's
 * clock: far below the kernel's default of 10 ticks, which the flight estimator's filter step
 * needs. A cooperative kernel cannot preempt, so an untrusted task held to the default could
 * keep the CPU up to 10 ms and make the IMU and mixer miss their deadlines; held to 50 us it is
 * stopped inside the idle time between two flight jobs, and flight runs exactly as without it.
 */
export const ROGUE_WATCHDOG_US = 50;

/** What an attempt is expected to end in: a fault of `kind`, or `"refused"` (an error code, no fault). */
export interface Expectation {
  /**
   * The fault kind the attempt must end in (e.g. "memmanage"), or "refused": the kernel refuses the call and the task
   * takes no fault.
   */
  readonly kind: FaultKind | "refused";
  /** With `"refused"`: the lines the rogue prints, one per call (`result <n>`). */
  readonly printed?: readonly string[];
  /** CFSR bits that must be set (names as `decodeCfsr` gives them), or per kernel (by its MPU). */
  readonly cfsr?: readonly string[] | ((kernel: Kernel) => readonly string[]);
  /** The address the fault must name (MMFAR/BFAR, or the access for instruction fetches). */
  readonly address?: (kernel: Kernel) => number;
  /**
   * Also accepted: a checker fault whose report is of this kind (with the checker on, it may see
   * the wrong done before the MPU does, e.g. a stack pointer moved into the guard: a fault of kind
   * `kind` then, or `checker`, with the report and no hardware fault).
   */
  readonly checkerKind?: string;
}

/** One thing the rogue tries, in its own task. */
export interface Attempt {
  /** Task name (`rogue-...`). */
  readonly task: string;
  /** What it tries, in words. */
  readonly what: string;
  /**
   * What it tries on a PMSAv8 (ARMv8-M) board, when the words differ there (the MPU register at
   * the same address has another name); {@link Attempt.what} when absent.
   */
  readonly whatPmsav8?: string;
  /** How the attempt must end. */
  readonly expect: Expectation;
  /** The attempt's task spec; `at` is when it strikes (ms). */
  readonly spec: (env: AppEnv, at: number) => TaskSpec;
}

/** What attempt `a` tries, in the words of the kernel's MPU architecture. */
export function attemptWhat(kernel: Kernel, a: Attempt): string {
  return kernel.machine.mpu.architecture === "pmsav8" && a.whatPmsav8 !== undefined ? a.whatPmsav8 : a.what;
}

const taskOf = (kernel: Kernel, name: string) => {
  const k = kernel.task(name);
  if (!k) throw new Error(`no task ${name}`);
  return k;
};

/** The mixer's roll PID integral, in the frame of its `main` at the top of its stack. */
const mixerIntegral = (mixer: { readonly stack: { readonly top: number } }) => rollIntegralAddress(mixer.stack.top);
/** The first word of the telemetry heap: its TLSF block header. */
const telemetryHeap = (telemetry: { readonly heap: { readonly base: number } | null }) => telemetry.heap?.base ?? 0;

/**
 * A rogue task that sleeps until `at` and then runs `act` (and makes the syscall `act` returns,
 * if any); its fault stops it ("stop" policy).
 */
function rogue(
  name: string,
  at: number,
  extra: Partial<TaskSpec>,
  act: (t: TaskContext) => Syscall | Generator<unknown, void, unknown> | undefined,
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
      if (call === undefined) return;
      if ("next" in call) yield* call;
      else yield call;
    },
  };
}

/** Prints `result <n>` with a buffer on the stack (the rogues have no heap). */
function* printResult(t: TaskContext, n: number): Generator<unknown, void, unknown> {
  const line = `result ${n}\n`;
  const buf = t.push(16);
  t.writeString(buf, line);
  yield* t.print(buf, line.length);
  t.pop(16);
}

/** The heap allocators' public header check (any task can compute it, so it can forge it). */
function headerCheck(h: number, w0: number, slack: number): number {
  return ((Math.imul((w0 & ~2) ^ h ^ (slack << 13), 0x9e3779b1) >>> 18) << 16) | slack;
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
        t.read32(env.kernelBlock.base);
        return undefined;
      }),
  },
  {
    task: "rogue-stack-write",
    what: "write the mixer's roll PID integral on its stack",
    expect: { kind: "memmanage", cfsr: ["DACCVIOL", "MMARVALID"], address: (k) => mixerIntegral(taskOf(k, "mixer")) },
    spec: (env, at) =>
      rogue("rogue-stack-write", at, {}, (t) => {
        t.writeF32(mixerIntegral(env.task("mixer")), 1e6);
        return undefined;
      }),
  },
  {
    task: "rogue-heap-write",
    what: "write the telemetry heap's first block header",
    expect: {
      kind: "memmanage",
      cfsr: ["DACCVIOL", "MMARVALID"],
      address: (k) => telemetryHeap(taskOf(k, "telemetry")),
    },
    spec: (env, at) =>
      rogue("rogue-heap-write", at, {}, (t) => {
        t.write32(telemetryHeap(env.task("telemetry")), 0);
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
    whatPmsav8: "reprogram the MPU (write MPU_RLAR)",
    expect: { kind: "busfault", cfsr: ["PRECISERR", "BFARVALID"], address: () => MPU_RASR },
    spec: (_env, at) =>
      rogue("rogue-mpu-write", at, {}, (t) => {
        t.write32(MPU_RASR, 0);
        return undefined;
      }),
  },
  {
    task: "rogue-exec-data",
    what: "execute from data (branch into the IMU ring)",
    expect: { kind: "memmanage", cfsr: ["IACCVIOL"], address: (k) => k.partitions.get(RING)!.base },
    spec: (env, at) =>
      rogue("rogue-exec-data", at, {}, (t) => {
        t.branch(env.partition(RING).base);
        return undefined;
      }),
  },
  {
    task: "rogue-code-theft",
    what: "run the mixer's code (branch into its code region)",
    expect: { kind: "memmanage", cfsr: ["IACCVIOL"], address: (k) => taskOf(k, "mixer").code },
    spec: (env, at) =>
      rogue("rogue-code-theft", at, {}, (t) => {
        t.branch(env.task("mixer").code);
        return undefined;
      }),
  },
  {
    task: "rogue-bad-pointer",
    what: "make the kernel print 16 bytes of kernel memory (sys.print)",
    expect: { kind: "bad-pointer" },
    spec: (env, at) => rogue("rogue-bad-pointer", at, {}, () => sys.print(env.kernelBlock.base, 16)),
  },
  {
    task: "rogue-stack-overflow",
    what: "overflow its own stack (unbounded recursion, 64 B frames)",
    expect: {
      kind: "stack-overflow",
      // PMSAv7: the guard region faults the first write below the stack (MemManage); PMSAv8: the
      // stack limit register stops the push itself (UsageFault STKOF).
      cfsr: (k) => (k.machine.mpu.architecture === "pmsav8" ? ["STKOF"] : ["DACCVIOL", "MMARVALID"]),
      checkerKind: "stack-overflow",
    },
    spec: (_env, at) =>
      rogue("rogue-stack-overflow", at, {}, (t) => {
        for (let depth = 0; ; depth++) {
          const frame = t.push(64); // a call's frame
          t.write32(frame, depth); // its saved registers
        }
      }),
  },
  {
    task: "rogue-heap-unlink",
    what: "forge a free block's links in its own heap so the allocator's unlink writes MPU_CTRL = 0",
    // With the checker on, the write into the freed block is a use after free first.
    expect: { kind: "heap", checkerKind: "use-after-free" },
    spec: (_env, at) =>
      rogue("rogue-heap-unlink", at, { heapSize: 4096 }, function* (t) {
        yield* t.malloc(24);
        const b = yield* t.malloc(24);
        const c = yield* t.malloc(24);
        const d = yield* t.malloc(24);
        yield* t.malloc(24); // keeps d from merging with the rest of the heap
        yield* t.free(d);
        yield* t.free(b); // b heads the list, d is behind it: unlinking d goes through its links
        t.write32(d, 0); // d's next link (an overflow of c)
        t.write32(d + 4, 0xe000ed94 - 8); // d's prev link: "prev->next = next" hits MPU_CTRL
        yield* t.free(c); // c merges with the free d: d is unlinked
      }),
  },
  {
    task: "rogue-forged-free",
    what: "free a block it forged (header with the public check word) inside its own live block",
    expect: { kind: "heap", checkerKind: "invalid-free" },
    spec: (_env, at) =>
      rogue("rogue-forged-free", at, { heapSize: 4096 }, function* (t) {
        const a = yield* t.malloc(128);
        const fake = a + 32;
        t.write32(fake, 48);
        t.write32(fake + 4, headerCheck(fake, 48, 0));
        yield* t.free(fake + 8);
      }),
  },
  {
    task: "rogue-ipc",
    what: "give and take the IMU's sample semaphore (no right to either)",
    expect: { kind: "refused", printed: ["result -1", "result -1"] },
    spec: (_env, at) =>
      rogue("rogue-ipc", at, {}, function* (t) {
        yield* printResult(t, yield* t.semGive(SEM_SAMPLE));
        const r = yield* t.semTake(SEM_SAMPLE, { ticks: 0 });
        yield* printResult(t, typeof r === "number" ? r : 0);
      }),
  },
  {
    task: "rogue-busy-loop",
    what: "spin forever touching its stack, never giving the CPU up",
    expect: { kind: "watchdog" },
    spec: (_env, at) =>
      rogue("rogue-busy-loop", at, {}, (t) => {
        const p = t.push(16);
        for (let i = 0; ; i++) t.write32(p, i);
      }),
  },
];

/**
 * The rogue tasks of an isolation run, spaced `ATTEMPT_SPACING_MS` apart, each on a {@link
 * ROGUE_WATCHDOG_US} budget. With `control`, their harmless twins for the control run: the same
 * specs (memory, priority, MPU regions) that wake at the same time and exit without attacking,
 * so the control run pays the same kernel work (spawns, the SysTick that wakes them, their exit)
 * and the only difference left between the two runs is the attacks.
 */
export function rogueTasks(env: AppEnv, options: { readonly control?: boolean } = {}): TaskSpec[] {
  const watchdogCycles = Math.round((env.board.clockHz * ROGUE_WATCHDOG_US) / 1e6);
  return ATTEMPTS.map((a, i) => {
    const at = attemptAt(i);
    const spec: TaskSpec = { watchdogCycles, ...a.spec(env, at) };
    if (!options.control) return spec;
    return {
      ...spec,
      *main(t) {
        yield* t.sleep({ ms: at });
      },
    };
  });
}
