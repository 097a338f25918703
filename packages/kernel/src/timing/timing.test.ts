import {
  type Board,
  Cfsr,
  MPS2_AN386,
  MPS2_AN505,
  MPS3_AN547,
  RP2040,
  RP2350,
  STM32F407,
  STM32H743XG,
  STM32H743XI,
  STM32H750XB,
  STM32U585,
} from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelError } from "../errors.js";
import type { Kernel } from "../kernel.js";
import type { KTask } from "../task-record.js";
import { KERNEL_COSTS, type KernelCosts } from "./kernel-costs.js";

/** A kernel with nothing but the tasks a test spawns. */
function boot(board: Board): Kernel {
  return bootKernel({ board });
}

const now = (k: Kernel) => k.scheduler.now().cycles;

/** Cycles a task's `info` syscall takes on `board`, from before its SVC to after its return (its handler touches no simulated memory). */
function infoCycles(board: Board): number {
  const k = boot(board);
  const marks: number[] = [];
  k.spawn({
    name: "t",
    *main(t) {
      marks.push(now(k));
      yield* t.info();
      marks.push(now(k));
    },
  });
  k.run({ ms: 1 });
  return marks[1]! - marks[0]!;
}

/** A switch-in's load of the task's CONTROL from its TCB (1) and its MSR CONTROL (`controlRestore`): 2. */
const CONTROL = 1 + KERNEL_COSTS.controlRestore;

describe("syscalls (docs/timing.md)", () => {
  it("a syscall on the MPS2-AN386: SVC entry 12 + dispatch 19 + return 10 = 41 cycles", () => {
    expect(infoCycles(MPS2_AN386)).toBe(41);
  });

  it("on the STM32F407 the flash vector and return fetches cost their wait states: 19 + 19 + 15 = 53", () => {
    // entry: 3 + max(9 for the CCM stack, 6 + 5 + 5 for the flash vector and handler); return:
    // 10 + the fetch of the task's flash code (5 wait states)
    expect(infoCycles(STM32F407)).toBe(19 + 19 + 15);
  });
});

describe("exception entry and return on every built-in board (docs/timing.md's table)", () => {
  it.each([
    { board: MPS2_AN386, name: MPS2_AN386.name, entry: 12, ret: 10 },
    { board: MPS2_AN505, name: MPS2_AN505.name, entry: 12, ret: 10 },
    { board: STM32F407, name: STM32F407.name, entry: 19, ret: 15 },
    { board: STM32U585, name: STM32U585.name, entry: 17, ret: 14 },
    { board: RP2350, name: RP2350.name, entry: 13, ret: 12 },
    { board: RP2040, name: RP2040.name, entry: 19, ret: 15 },
    { board: STM32H743XI, name: STM32H743XI.name, entry: 27, ret: 19 },
    { board: STM32H743XG, name: STM32H743XG.name, entry: 27, ret: 19 },
    { board: STM32H750XB, name: STM32H750XB.name, entry: 27, ret: 19 },
    { board: MPS3_AN547, name: MPS3_AN547.name, entry: 13, ret: 12 },
  ])("$name: a syscall is its SVC entry ($entry) + 19 + its return ($ret)", ({ board, entry, ret }) => {
    expect(infoCycles(board)).toBe(entry + KERNEL_COSTS.svcDispatch + ret);
  });
});

describe("the timer peripheral (TIM2 CNT, whole microseconds)", () => {
  it("reads the exact microsecond at a boundary: 1001 at cycle 168,168 of the STM32F407, 2002 at 336,336", () => {
    const k = boot(STM32F407);
    const seen: number[] = [];
    k.spawn({
      name: "t",
      devices: ["timer"],
      *main(t) {
        const cnt = k.device("timer").base + 0x24;
        for (const at of [168_100, 168_168, 336_334, 336_336]) {
          // The tick before `at` is taken first (its 82 cycles, docs/timing.md): compute up to
          // it, and one cycle past it. The CNT read charges its 2 cycles first: the device sees
          // the clock after them.
          const tick = Math.floor(at / 168_000) * 168_000;
          if (now(k) < tick) t.compute(tick - now(k) + 1);
          t.compute(at - now(k) - 2);
          seen.push(t.read32(cnt));
        }
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    // (the float ms x 1000 read 1000 at 168,168 and 2001 at 336,336)
    expect(seen).toEqual([1000, 1001, 2001, 2002]);
  });
});

describe("a task's end (docs/timing.md)", () => {
  /** A task that ends (with `exit`, or by returning) and the next task's first line: the cycles between. */
  function end(how: "exit" | "return"): number {
    const k = boot(MPS2_AN386);
    const marks: number[] = [];
    k.spawn({
      name: "a",
      *main(t) {
        yield* t.yield(); // both tasks have run once: b's next line follows a's end
        marks.push(now(k));
        if (how === "exit") yield* t.exit();
      },
    });
    k.spawn({
      name: "b",
      *main(t) {
        yield* t.yield();
        marks.push(now(k));
      },
    });
    k.run({ ms: 1 });
    return marks[1]! - marks[0]!;
  }

  it("ends as a task deleting itself: SVC entry 12 + dispatch 19, the tail-chain into PendSV 6 and its pick 108 (no context saved), the next task's switch-in 61 and return 10", () => {
    expect(end("exit")).toBe(12 + KERNEL_COSTS.svcDispatch + 6 + KERNEL_COSTS.schedule + 61 + 10);
    expect(end("exit")).toBe(216);
    // A main that returns makes the same exit call, unwritten.
    expect(end("return")).toBe(end("exit"));
  });
});

describe("the idle loop", () => {
  it("switching into it restores the idle context and returns to the loop: 37 cycles on the MPS2-AN386, 42 on the STM32F407", () => {
    // PendSV's restore half 12, the idle TCB's saved SP 1 and CONTROL 2 (load, MSR), LDM of
    // R4-R11 and EXC_RETURN 9 + 1, the MPU compare 2, the exception return 10 (+ 5 flash wait
    // states for the loop's fetch on the F407).
    expect(boot(MPS2_AN386).timing.idleEntry()).toBe(12 + 1 + CONTROL + 9 + 1 + 2 + 10);
    expect(boot(STM32F407).timing.idleEntry()).toBe(12 + 1 + CONTROL + 9 + 1 + 2 + 15);
  });

  it("is charged once per idle period, to no task", () => {
    const k = boot(MPS2_AN386);
    const a = k.spawn({
      name: "a",
      *main(t) {
        for (let i = 0; i < 3; i++) yield* t.sleep({ ticks: 1 });
      },
    });
    const r = k.run({ ms: 10 });
    // Four idle periods (three sleeps, then the end); three SysTick wakes from idle.
    const wake = 12 + 195 + 6 + 23 + 108;
    expect(r.cycles - r.idleCycles - k.taskTiming(a).cpuCycles).toBe(3 * wake + 4 * k.timing.idleEntry());
  });
});

describe("context switches", () => {
  /** Two tasks handing the CPU to each other with `yield`: the cycles from A's yield to B's next line. */
  function cooperative(board: Board, fp: boolean, costs: Partial<KernelCosts> = {}): number {
    const k = bootKernel({ board, costs });
    const marks: number[] = [];
    for (const name of ["a", "b"]) {
      k.spawn({
        name,
        *main(t) {
          if (fp) t.writeF32(t.push(8), 1); // an FP context from here on
          yield* t.yield(); // the first round: both tasks reach their loop
          for (let i = 0; i < 2; i++) {
            marks.push(now(k));
            yield* t.yield();
          }
        },
      });
    }
    k.run({ ms: 1 });
    return marks[1]! - marks[0]!;
  }

  it("the SVC that gives up the CPU returns by tail-chaining into PendSV (6): with no software costs, 12 + 6 + 11 + 12 + 10", () => {
    const none = { svcDispatch: 0, contextSave: 0, schedule: 0, contextRestore: 0, controlRestore: 0 };
    // SVC entry 12, tail-chain 6, save 11 (9 stores, STM, TCB store), restore 12 (the TCB's SP
    // and CONTROL, 9 loads, LDM), return 10
    expect(cooperative(MPS2_AN386, false, none)).toBe(12 + 6 + 11 + 12 + 10 + 36);
  });

  it("cooperative, MPS2-AN386: 201 cycles (FreeRTOS 10.3 on a Cortex-M4F) + 36 for the MPU reload + 2 for CONTROL", () => {
    // SVC entry 12, dispatch 19, tail-chain into PendSV 6, save 23 (9 stores, STM, TCB store, 12), pick 108,
    // restore 23 (12, TCB load, 9 loads, LDM), return 10; the MPU port's steps: the reload,
    // 2 x (LDM 8 + STM 8 + 2), and the task's CONTROL (a load from its TCB and MSR CONTROL)
    expect(cooperative(MPS2_AN386, false)).toBe(201 + 36 + CONTROL);
    expect(CONTROL).toBe(2);
  });

  it("cooperative between two FP tasks: +68 (lazy S0-S15/FPSCR 17, VSTM 17, VLDM 17, FP unstacking 17; FreeRTOS: 268)", () => {
    expect(cooperative(MPS2_AN386, true)).toBe(201 + 68 + 36 + CONTROL);
  });

  it("cooperative on the STM32F407: the flash wait states of the vector, handler and return fetches add 12", () => {
    expect(cooperative(STM32F407, false)).toBe(201 + 36 + CONTROL + (19 - 12) + (15 - 10));
  });

  it("cooperative on the MPS2-AN505 (PMSAv8): the reload also writes MAIR0/1, RNR per 4 regions and PSPLIM: 201 + 48", () => {
    // MAIR0/1: LDM 2 + STM 2 (3 + 3); per 4 regions MOVS + STR RNR (2), LDM 8 + STM 8 (9 + 9);
    // PSPLIM: LDR from the TCB + MSR (2). 6 + 2 x 20 + 2 = 48.
    expect(boot(MPS2_AN505).timing.mpuReload(8)).toBe(48);
    expect(cooperative(MPS2_AN505, false)).toBe(201 + 48 + CONTROL);
    // 16 regions (the MPS3-AN547's Cortex-M55): 6 + 4 x 20 + 2 = 88; PMSAv7's 16 stay 72.
    expect(boot(MPS3_AN547).timing.mpuReload(16)).toBe(88);
    expect(boot(STM32H743XI).timing.mpuReload(16)).toBe(72);
  });

  it("RP2040 (ARMv6-M, no MPU alias registers): each region's pair is an LDM of 2 and an STM of 2 to RBAR/RASR: 8 x 6 = 48", () => {
    expect(boot(RP2040).timing.mpuReload(8)).toBe(48);
  });

  it("preemptive, MPS2-AN386: a task woken by SysTick from idle runs 377 cycles after the tick (+36 MPU, +2 CONTROL)", () => {
    const k = boot(MPS2_AN386);
    const marks: number[] = [];
    k.spawn({
      name: "sleeper",
      *main(t) {
        yield* t.sleep({ ticks: 1 });
        marks.push(now(k));
        yield* t.sleep({ ticks: 1 });
        marks.push(now(k));
      },
    });
    k.spawn({
      name: "other",
      *main(t) {
        yield* t.exit(); // runs once while the sleeper sleeps: its MPU plan is loaded last
      },
    });
    k.run({ ms: 3 });
    const tick = k.scheduler.clock.cyclesPerTick;
    // SysTick entry 12, tick handler 195, tail-chain 6, the idle context's save 23, pick 108,
    // restore 23, return 10; the MPU reload 36 (the other task's plan was loaded) and CONTROL 2
    expect(marks[0]! - tick).toBe(377 + 36 + CONTROL);
    // the second wake finds the sleeper's own plan still loaded: compare and skip (2)
    expect(marks[1]! - 2 * tick).toBe(377 + KERNEL_COSTS.mpuSkip + CONTROL);
  });
});

describe("faults (docs/timing.md, Faults)", () => {
  const { faultHandler, schedule } = KERNEL_COSTS;
  /** The handler's PPB accesses for a MemManage with MMARVALID: CFSR, HFSR, MMFAR loaded, CFSR and HFSR cleared. */
  const SCS = 3 + 2;
  /**
   * PendSV's restore half for a task not run yet: 12, its TCB's SP, its CONTROL (load and MSR),
   * R4-R11 and EXC_RETURN (9 + LDM 1), the MPU reload 36.
   */
  const SWITCH_IN = 12 + 1 + CONTROL + 9 + 1 + 36;

  interface FaultRun {
    /** Cycles from the faulting access to the next task's first step. */
    readonly gap: number;
    /** The faulting task's CPU cycles after its fault, less those before the faulting access. */
    readonly faultCpu: number;
    readonly k: Kernel;
    readonly a: KTask;
    /** The faulting task's SP at the fault. */
    readonly sp: number;
  }

  /** Task "a" reads kernel memory (MemManage DACCVIOL) after `setup`; task "b" runs next. */
  function memManage(
    board: Board,
    setup: (t: Parameters<KTask["spec"]["main"]>[0], a: KTask) => void = () => {},
  ): FaultRun {
    const k = boot(board);
    const marks: number[] = [];
    let before = 0;
    let sp = 0;
    const a = k.spawn({
      name: "a",
      priority: 2,
      *main(t) {
        setup(t, a);
        sp = t.sp;
        marks.push(now(k));
        before = k.taskTiming(a).cpuCycles;
        t.read32(k.kernelBlock.base); // MemManage DACCVIOL: the task's policy stops it
        yield* t.yield(); // never reached
      },
    });
    k.spawn({
      name: "b",
      *main(t) {
        marks.push(now(k));
        yield* t.exit();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => [f.task, f.kind, f.action])).toEqual([["a", "memmanage", "stopped"]]);
    return { gap: marks[1]! - marks[0]!, faultCpu: k.taskTiming(a).cpuCycles - before, k, a, sp };
  }

  it("a MemManage on the MPS2-AN386: entry 12, handler 5 + 120, tail-chain 6, pick 108, then the next task's switch-in and return: 322 cycles", () => {
    const r = memManage(MPS2_AN386);
    // entry: 12 (the 8 stacking stores on the task's stack and 4); the handler: CFSR, HFSR and
    // MMFAR loads, CFSR and HFSR write-1-to-clear stores (1 cycle each on the PPB), its 120; the
    // tail-chain into PendSV 6 and its pick 108 (the faulted context is not saved); then task b:
    // switch-in 61 (MPU reload 36) and the exception return 10 at its first step.
    expect(r.gap).toBe(12 + SCS + faultHandler + 6 + schedule + SWITCH_IN + 10);
    expect(r.gap).toBe(322);
    // Everything up to the pick is the faulting task's CPU time (its exception); b's switch-in is b's.
    expect(r.faultCpu).toBe(12 + SCS + faultHandler + 6 + schedule);
    expect(r.k.machine.scb.cfsr).toBe(0); // the handler cleared what it read
  });

  it("a MemManage on the STM32F407: the flash vector and handler fetches make the entry 19, the return 15: 334 cycles", () => {
    const r = memManage(STM32F407);
    // entry: 3 + max(9 for the stacking on the stack, 6 + 5 + 5 for the flash vector and handler)
    expect(r.gap).toBe(19 + SCS + faultHandler + 6 + schedule + SWITCH_IN + 15);
    expect(r.gap).toBe(334);
  });

  it("a MemManage on the STM32H743: entry 27 (flash vector and handler), 16 MPU regions to reload, return 19: 382 cycles", () => {
    const r = memManage(STM32H743XI);
    // the switch-in reloads 16 regions: 4 x (LDM 8 + STM 8 + 2) = 72
    expect(r.gap).toBe(27 + SCS + faultHandler + 6 + schedule + (12 + 1 + CONTROL + 9 + 1 + 72) + 19);
    expect(r.gap).toBe(382);
  });

  it("with an FP context the frame is stacked below the 72 bytes reserved for S0-S15 and FPSCR, which stay unwritten: the same 322 cycles", () => {
    const r = memManage(MPS2_AN386, (t) => {
      t.push(256); // below the first frame the task was created with
      t.writeF32(t.push(8), 1); // a VSTR: an FP context from here on
    });
    // lazy stacking: the handler runs no FP instruction, so nothing is written into the space
    expect(r.gap).toBe(322);
    const bus = r.k.machine.bus;
    expect(Array.from(bus.peek(r.sp - 72, 72)).every((b) => b === 0xa5)).toBe(true); // still STACK_FILL
    const xpsr = bus.peek(r.sp - 72 - 4, 4);
    expect(xpsr[3]).toBe(0x01); // the frame's xPSR (Thumb bit) right below the reserved space
  });

  it("a stacking fault of the MemManage's own entry (MSTKERR) is derived: its bits are read and cleared, no second fault, no stores: 314 cycles", () => {
    const GUARD = 32;
    const r = memManage(MPS2_AN386, (t) => {
      t.push(1024 - GUARD - 16); // 16 bytes left above the stack guard: the frame reaches into it
    });
    expect(r.gap).toBe(322 - 8); // the 8 stacking stores were not made
    const f = r.k.faults[0]!;
    expect(f.hw?.cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID); // the task's fault: the record's
    expect(r.k.machine.scb.cfsr).toBe(0); // MSTKERR was in CFSR too, cleared with it
  });

  it("a stacking fault of an SVC's entry (MSTKERR, no MMFAR) is taken in its place: no second entry, 4 PPB accesses", () => {
    const k = boot(MPS2_AN386);
    const marks: number[] = [];
    k.spawn({
      name: "a",
      priority: 2,
      *main(t) {
        t.setSp(k.kernelBlock.base + 0x240); // the SVC's frame would go into kernel memory
        marks.push(now(k));
        yield* t.yield();
      },
    });
    k.spawn({
      name: "b",
      *main(t) {
        marks.push(now(k));
        yield* t.exit();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => f.hw?.cfsr)).toEqual([Cfsr.MSTKERR]);
    // The SVC's entry as charged (12 with its dispatch 19; its stores were refused), then CFSR and
    // HFSR loaded and cleared (no address register valid), 120, 6, 108; b: 61 + 10
    expect(marks[1]! - marks[0]!).toBe(
      12 - 8 + KERNEL_COSTS.svcDispatch + 4 + faultHandler + 6 + schedule + SWITCH_IN + 10,
    );
  });

  it("a fault the kernel finds in software (a syscall's bad pointer) costs the handler's 120, the tail-chain and the pick after the SVC", () => {
    const k = boot(MPS2_AN386);
    const marks: number[] = [];
    k.spawn({
      name: "a",
      priority: 2,
      *main(t) {
        marks.push(now(k));
        yield* t.print(k.kernelBlock.base, 4); // BAD_POINTER: not the task's memory
      },
    });
    k.spawn({
      name: "b",
      *main(t) {
        marks.push(now(k));
        yield* t.exit();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => f.kind)).toEqual(["bad-pointer"]);
    // SVC entry 12 and dispatch 19, no fault status to read, the handler 120, 6, 108; b: 61 + 10
    expect(marks[1]! - marks[0]!).toBe(12 + KERNEL_COSTS.svcDispatch + faultHandler + 6 + schedule + SWITCH_IN + 10);
  });

  it("a task restarted at every fault: each restart costs the fault, the new first frame, its MPU record and its own switch-in: 325 cycles", () => {
    const k = boot(MPS2_AN386);
    const starts: number[] = [];
    k.spawn({
      name: "a",
      faultPolicy: "restart",
      *main(t) {
        starts.push(now(k));
        if (starts.length < 4) t.read32(k.kernelBlock.base);
        yield* t.exit();
      },
    });
    k.run({ ms: 1 });
    // the fault 12 + 5 + 120; the restart branches to the task's entry (a fetch, 1) and writes
    // its first frame (8 stores), R4-R11 and EXC_RETURN (9), the TCB's SP, CONTROL and release
    // tick (3) and the TCB's MPU record again (16 stores: 8 regions); 6 + 108; the switch-in with
    // its own MPU plan still loaded (12 + 1 + 2 + 2 + 9 + 1) and the return 10
    const each =
      12 +
      SCS +
      faultHandler +
      (1 + 8 + 9 + 3 + 16) +
      6 +
      schedule +
      (12 + 1 + CONTROL + KERNEL_COSTS.mpuSkip + 9 + 1) +
      10;
    expect(each).toBe(325);
    expect(starts.slice(1).map((c, i) => c - starts[i]!)).toEqual([each, each, each]);
  });
});

describe("computation, CPU time, load", () => {
  it("t.compute(n) charges n cycles to the task; a bad count is BAD_ARGUMENT", () => {
    const k = boot(MPS2_AN386);
    const marks: number[] = [];
    const a = k.spawn({
      name: "a",
      *main(t) {
        marks.push(now(k));
        t.compute(1000);
        marks.push(now(k));
        yield* t.yield();
        t.compute(1.5);
      },
    });
    k.run({ ms: 1 });
    expect(marks[1]! - marks[0]!).toBe(1000);
    expect(k.taskTiming(a).cpuCycles).toBeGreaterThan(1000);
    expect(k.faults[0]!.message).toMatch(/^BAD_ARGUMENT: compute: cycles must be a non-negative integer/);
  });

  it("t.compute of 2^32 cycles or more is BAD_ARGUMENT, nothing charged (with the watchdog off, 2^53 took the clock past its last exact cycle and the next sleep faulted)", () => {
    const k = bootKernel({ board: MPS2_AN386, watchdogCycles: 0 });
    const seen: unknown[] = [];
    k.spawn({
      name: "a",
      *main(t) {
        for (const n of [2 ** 32, 2 ** 53, 1e300]) {
          const before = t.cycles;
          try {
            t.compute(n);
          } catch (e) {
            seen.push([(e as KernelError).code, (e as KernelError).context, t.cycles - before]);
          }
        }
        t.compute(2 ** 32 - 1);
        yield* t.sleep({ ms: 1 });
      },
    });
    k.run({ ms: 1 });
    expect(seen).toEqual([
      ["BAD_ARGUMENT", { cycles: 2 ** 32 }, 0],
      ["BAD_ARGUMENT", { cycles: 2 ** 53 }, 0],
      ["BAD_ARGUMENT", { cycles: 1e300 }, 0],
    ]);
    expect(k.faults).toEqual([]);
  });

  it("a restarted task keeps the CPU time of its earlier runs: tasks, kernel and idle add up to the clock", () => {
    /** Busy cycles no task was charged: the SysTick wakes from idle (the run harness's kernel row). */
    function kernelCycles(restart: boolean): { kernel: number; first: number; total: number } {
      const k = boot(MPS2_AN386);
      let runs = 0;
      const a = k.spawn({
        name: "a",
        faultPolicy: { restart: 1 },
        *main(t) {
          runs++;
          t.compute(10_000);
          yield* t.sleep({ ticks: 1 });
          if (restart && runs === 1) throw new Error("boom"); // restarted once
        },
      });
      const r = k.run({ ms: 10 });
      expect(runs).toBe(restart ? 2 : 1);
      const cpu = k.taskTiming(a).cpuCycles;
      return { kernel: r.cycles - r.idleCycles - cpu, first: cpu, total: r.cycles };
    }
    const plain = kernelCycles(false);
    const restarted = kernelCycles(true);
    // The kernel's share is the SysTick wakes from idle, one per sleep (entry 12, handler 195,
    // tail-chain 6, the idle save 23, pick 108), and the switches into the idle loop, one per
    // idle period (PendSV's restore half 12, the idle TCB's SP 1 and CONTROL 2, R4-R11 and
    // EXC_RETURN 9 + 1, the MPU compare 2, the exception return 10): one run sleeps once and idles twice (asleep,
    // then ended), the restarted task sleeps twice and idles three times. The restarted task's
    // first run (its 10 000 cycles and more) stays its own, not the kernel's.
    const wake = 12 + 195 + 6 + 23 + 108;
    const idleEntry = 12 + 1 + CONTROL + 9 + 1 + 2 + 10;
    expect(plain.kernel).toBe(wake + 2 * idleEntry);
    expect(restarted.kernel).toBe(2 * wake + 3 * idleEntry);
    expect(restarted.first).toBeGreaterThan(2 * 10_000);
  });

  it("the CPU load is the share of time not idle", () => {
    const k = boot(MPS2_AN386); // 25 000 cycles per 1 ms tick
    k.spawn({
      name: "busy",
      period: { ms: 1 },
      *main(t) {
        for (;;) {
          t.compute(5000);
          yield* t.nextPeriod();
        }
      },
    });
    const r = k.run({ ms: 100 });
    expect(r.idleCycles).toBeGreaterThan(0);
    const load = k.cpuLoad();
    expect(load).toBeGreaterThan(0.2);
    expect(load).toBeLessThan(0.23); // 5000 of every 25 000 cycles, plus the kernel's switches
    expect(load).toBeCloseTo(1 - r.idleCycles / r.cycles, 12);
  });
});

describe("periodic tasks and deadlines", () => {
  it("jobs are released every period; response time counts from the release; a late job misses its deadline", () => {
    const k = boot(MPS2_AN386);
    const lates: number[] = [];
    const p = k.spawn({
      name: "ctl",
      period: { ms: 2 },
      deadline: { ms: 1 },
      *main(t) {
        for (let job = 0; job < 6; job++) {
          t.compute(job === 3 ? 30_000 : 1000); // job 3 runs 1.2 ms: past its 1 ms deadline
          lates.push(yield* t.nextPeriod());
        }
      },
    });
    const jobs: { release: number; missed: boolean; response: number }[] = [];
    k.events.on("job", (e) => jobs.push({ release: e.releaseMs, missed: e.missed, response: e.responseUs }));
    k.run({ ms: 20 });
    expect(k.faults).toEqual([]);
    expect(lates).toEqual([0, 0, 0, 0, 0, 0]);
    expect(jobs.map((j) => j.release)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(jobs.map((j) => j.missed)).toEqual([false, false, false, true, false, false]);
    const s = k.taskTiming(p);
    expect([s.jobs, s.missed, s.period, s.deadline]).toEqual([6, 1, 50_000, 25_000]);
    expect(s.responseMax).toBeGreaterThan(30_000);
    expect(s.responseMin).toBeLessThan(2000);
    // the periodic jobs after the first: the tick wake from idle, the switch-in, 1000 cycles, the SVC entry
    expect(jobs[4]!.response).toBe(jobs[5]!.response);
  });

  it("a job that overruns its period: nextPeriod reports the releases already past and the next job starts at once", () => {
    const k = boot(MPS2_AN386);
    const lates: number[] = [];
    k.spawn({
      name: "slow",
      period: { ticks: 1 },
      *main(t) {
        t.compute(60_000); // 2.4 ticks
        lates.push(yield* t.nextPeriod());
        lates.push(yield* t.nextPeriod());
      },
    });
    k.run({ ms: 10 });
    expect(lates).toEqual([2, 1]);
  });

  it("jobs keep their period across the wrap of the TCB's 32-bit tick count (2^32 ticks)", () => {
    // One cycle per tick: the tick count passes 2^32 after 172 s of simulated time.
    const k = bootKernel({ board: MPS2_AN386, tickHz: MPS2_AN386.clockHz, watchdogCycles: 0 });
    const lates: number[] = [];
    const p = k.spawn({
      name: "slow",
      period: { ticks: 1_000_000_000 },
      *main(t) {
        for (let job = 0; job < 8; job++) {
          t.compute(100);
          lates.push(yield* t.nextPeriod());
        }
      },
    });
    const releases: number[] = [];
    k.events.on("job", (e) => releases.push(e.releaseMs / 40)); // 40 ms per 10^9 ticks
    k.run({ ms: 250_000 }); // 6.25 x 10^9 ticks: jobs released at 0, 10^9, ..., 6 x 10^9
    expect(lates).toEqual([0, 0, 0, 0, 0, 0]); // the seventh job's nextPeriod sleeps past the end
    expect(releases).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect([k.taskTiming(p).jobs, k.taskTiming(p).missed]).toEqual([7, 0]);
  });

  it("a task without a period is measured per activation (wake to block); nextPeriod faults it", () => {
    const k = boot(MPS2_AN386);
    const w = k.spawn({
      name: "worker",
      deadline: { ms: 0.1 },
      *main(t) {
        for (let i = 0; i < 3; i++) {
          yield* t.sleep({ ms: 1 });
          t.compute(i === 2 ? 5000 : 100); // the last activation overruns 0.1 ms (2500 cycles)
        }
        yield* t.nextPeriod();
      },
    });
    k.run({ ms: 10 });
    const s = k.taskTiming(w);
    // the third activation ran past its deadline and its nextPeriod faulted it: cut short, a miss
    expect([s.jobs, s.missed, s.period]).toEqual([2, 1, null]);
    expect(k.faults[0]!.kind).toBe("bad-syscall");
    expect(k.faults[0]!.message).toMatch(/next-period: task worker has no period/);
  });

  it("a job that never completes misses its deadline, and so does every release piling up behind it", () => {
    const k = bootKernel({ board: MPS2_AN386, semaphores: [{ name: "never" }] }); // 25 000 cycles per tick
    const p = k.spawn({
      name: "stuck",
      period: { ticks: 2 },
      deadline: { ticks: 1 },
      semaphores: { never: "take" },
      *main(t) {
        for (let job = 0; job < 3; job++) {
          t.compute(100);
          yield* t.nextPeriod();
        }
        yield* t.semTake("never"); // the job released at tick 6 blocks for good
      },
    });
    k.spawn({
      name: "clock",
      *main(t) {
        for (;;) yield* t.sleep({ ticks: 5 }); // keeps the run going (a run where every task blocks ends)
      },
    });
    k.run({ ms: 7 });
    // at tick 7 the job released at tick 6 has used exactly its deadline: not missed yet
    expect([k.taskTiming(p).jobs, k.taskTiming(p).missed]).toEqual([3, 0]);
    k.run({ ms: 20 });
    // at tick 20 the releases at ticks 6, 8, ..., 18 are all past their deadlines (7, 9, ..., 19)
    expect([k.taskTiming(p).jobs, k.taskTiming(p).missed]).toEqual([3, 7]);
  });

  it("a job cut short by a fault is a miss; a restarted periodic task's jobs start at the restart's tick", () => {
    const k = boot(MPS2_AN386);
    const releases: number[] = [];
    let runs = 0;
    const p = k.spawn({
      name: "crashy",
      period: { ticks: 2 },
      faultPolicy: { restart: 1 },
      *main(t) {
        runs++;
        for (let job = 0; job < 2; job++) {
          t.compute(100);
          yield* t.nextPeriod();
        }
        t.compute(100);
        throw new Error("crash"); // in the job released at tick 4 (8 after the restart)
      },
    });
    k.events.on("job", (e) => releases.push(e.releaseMs));
    k.run({ ms: 20 });
    expect(runs).toBe(2);
    expect(k.faults.map((f) => f.action)).toEqual(["restarted", "stopped"]);
    expect(releases).toEqual([0, 2, 4, 6]); // the restart at tick 4 releases a job at once
    expect([k.taskTiming(p).jobs, k.taskTiming(p).missed]).toEqual([4, 2]);
  });

  it("periods must be whole ticks; deadlines positive (BAD_TASK, nothing created)", () => {
    const k = boot(MPS2_AN386);
    const main = function* () {};
    expect(() => k.spawn({ name: "a", period: { ms: 1.5 }, main })).toThrow(
      'BAD_TASK: task "a": period must be { ticks } or { ms } of a whole number of ticks, at least 1 (a tick is 1 ms: tickHz 1000), got { ms: 1.5 } (1.5 ticks)',
    );
    expect(() => k.spawn({ name: "b", period: { ticks: 0 }, main })).toThrow(/period .*, got \{ ticks: 0 \}$/);
    expect(() => k.spawn({ name: "b", period: 2 as never, main })).toThrow(/period .*, got number$/);
    expect(() => k.spawn({ name: "b", period: { s: 2 } as never, main })).toThrow(
      /period .*, got an object without a number in ticks or ms$/,
    );
    expect(() => k.spawn({ name: "c", deadline: { ms: -1 }, main })).toThrow(/deadline/);
    expect(k.tasks()).toEqual([]);
  });
});
