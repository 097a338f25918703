import { findBoard } from "@rtos-sim/hw";
import { CONTROL_PRIVILEGED, type AppDescription as KernelAppDescription, TcbField } from "@rtos-sim/kernel";
import { captureStack, parseFrames, type StackFrame } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { finishRun, prepareRun } from "./context.js";
import { fromKernelApp, isKernelApp, type KernelAppExpectations, startKernelApp } from "./kernel-app.js";
import { traceHash } from "./trace-hash.js";

/** A worker that prints through the kernel, and a rogue that reads the kernel's memory. */
const twoTasks: KernelAppDescription & KernelAppExpectations = {
  name: "two-tasks",
  description: "a worker and a rogue",
  durationMs: 20,
  tasks: (env) => [
    {
      name: "worker",
      *main(t) {
        for (let i = 0; i < 3; i++) {
          const p = yield* t.malloc(16);
          t.writeString(p, `w${i}\n`);
          yield* t.print(p, 3);
          yield* t.free(p);
          yield* t.sleep({ ms: 1 });
        }
      },
    },
    {
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        t.read32(env.kernelBlock.base);
      },
    },
  ],
  check: (kernel) => [{ name: "worker printed 3 lines", ok: kernel.task("worker")?.output.length === 3, detail: "" }],
  expectFault: (f) => f.task === "rogue",
};

function run(app: KernelAppDescription & KernelAppExpectations, memcheck: boolean, board = "stm32f407") {
  const cli = fromKernelApp(app);
  const prepared = prepareRun(cli, findBoard(board)!, { seed: 1, durationMs: 20, memcheck });
  void cli.run(prepared.ctx);
  return finishRun(prepared, 0);
}

describe("kernel apps as machine apps", () => {
  it("recognises a kernel app description", () => {
    expect(isKernelApp(twoTasks)).toBe(true);
    expect(isKernelApp({ name: "x", summary: "s", run() {} })).toBe(false);
  });

  it("records the kernel's tasks, slices, UART lines, faults, page maps and checks", () => {
    const r = run(twoTasks, true);
    expect(r.app.name).toBe("two-tasks");
    expect(r.memcheckActive).toBe(true);
    expect(r.simulatedUs).toBeGreaterThan(0);
    expect(r.tasks.map((t) => t.name)).toEqual(["kernel", "worker", "rogue"]);
    expect(r.uart.map((l) => [l.task, l.text])).toEqual([
      [1, "w0"],
      [1, "w1"],
      [1, "w2"],
    ]);
    expect(r.slices.filter((s) => s.task === 1).length).toBeGreaterThan(0);
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({
      taskName: "rogue",
      kind: "memmanage",
      hardware: true,
      cause: "MemManage",
      expected: true,
    });
    expect(r.faults[0]!.cfsrNames).toContain("DACCVIOL");
    // The kernel says whose memory the access reached, and the line of the rogue's code.
    expect(r.faults[0]!.memory).toBe("kernel memory");
    expect(r.faults[0]!.source).toMatch(/kernel-app\.test\.ts:31:11 in main$/);
    expect(r.tasks[2]!.mpuRegions.length).toBeGreaterThan(0);
    // Each task's stack peak (its 1 KiB stack, 992 bytes above the guard): its first context (an
    // 8-word exception frame and the 9 words PendSV restores), as deep as a switch-out in a
    // syscall goes; neither task's code pushes anything.
    expect(r.tasks.map((t) => t.stack)).toEqual([null, { size: 992, peak: 68 }, { size: 992, peak: 68 }]);
    // The worker held one 16-byte block at a time in its 4 KiB heap; the rogue allocated nothing.
    expect(r.tasks.map((t) => t.heap)).toEqual([null, { size: 4096, peak: 16 }, { size: 4096, peak: 0 }]);
    // The kernel row shows the kernel's own region: the highest of the STM32F407's eight (with
    // per-task code regions, the default, the kernel grants no code).
    expect(r.tasks[0]!.mpuRegions.map((m) => [m.number, m.label, m.base, m.size, m.access])).toEqual([
      [7, "kernel", 0x20004000, 0x2000, "priv-rw"],
    ]);
    expect(r.pageMaps.length).toBeGreaterThan(0);
    expect(r.pageMaps.every((m) => m.source === "region manager")).toBe(true);
    expect(r.checks).toEqual([{ name: "worker printed 3 lines", passed: true, detail: "" }]);
    expect(r.counters[0]?.name).toBe("heap in use");
    expect(r.verdict).toEqual({ ok: true, problems: [] });
  });

  it("names the task's line of a syscall the kernel faults it in when the app asks (faultSites.syscalls), with the run's root", () => {
    const deputy = (faultSites?: false | { syscalls: boolean }): KernelAppDescription => ({
      name: "deputy",
      description: "a task that asks the kernel to print kernel memory",
      durationMs: 5,
      ...(faultSites === undefined ? {} : { kernel: { faultSites } }),
      tasks: (env) => [
        {
          name: "deputy",
          *main(t) {
            yield* t.print(env.kernelBlock.base, 16);
          },
        },
      ],
    });
    const r = run(deputy({ syscalls: true }), false);
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({ taskName: "deputy", kind: "bad-pointer" });
    expect(r.faults[0]!.source).toMatch(/kernel-app\.test\.ts:105:22 in main$/);
    // Off by default (a stack capture per syscall), and with sites off altogether.
    expect(run(deputy(), false).faults[0]!.source).toBeNull();
    expect(run(deputy(false), false).faults[0]!.source).toBeNull();
  });

  it("the run's --memcheck turns the checker on whatever the app's default; the app's settings carry over", () => {
    expect(run({ ...twoTasks, memcheck: false }, true).memcheckActive).toBe(true);
    // A leaky worker with source sites on: the report's line is relative to the run's source root.
    const leaky: KernelAppDescription = {
      name: "leaky",
      description: "a task that ends holding a block",
      durationMs: 5,
      memcheck: { sourceSites: true },
      tasks: [
        {
          name: "leaky",
          *main(t) {
            const p = yield* t.malloc(24);
            t.write32(p, 1);
          },
        },
      ],
    };
    const cli = fromKernelApp(leaky);
    // The repository root: where this file's path (from a JS stack) has apps/workloads/.
    const self = parseFrames(captureStack().stack ?? "").find((f) => f.file.endsWith("kernel-app.test.ts"))!.file;
    const root = self.slice(0, self.lastIndexOf("apps/workloads/"));
    const prepared = prepareRun(cli, findBoard("stm32f407")!, {
      seed: 1,
      durationMs: 5,
      memcheck: true,
      sourceRoot: root,
    });
    void cli.run(prepared.ctx);
    const r = finishRun(prepared, 0);
    expect(r.options).toEqual({ seed: 1, durationMs: 5, memcheck: true }); // the root is not recorded
    expect(r.reports.map((x) => x.kind)).toEqual(["leak-definite"]);
    expect(r.reports[0]!.details[1]).toMatch(/^ {4}#0 apps\/workloads\/src\/run\/kernel-app\.test\.ts:\d+:\d+/);
    // The run's frame map (the playground's source maps) reaches the checker, before the skip test.
    const mapped = (mapSourceFrame: (f: StackFrame) => StackFrame) => {
      const p = prepareRun(cli, findBoard("stm32f407")!, { seed: 1, durationMs: 5, memcheck: true, mapSourceFrame });
      void cli.run(p.ctx);
      return finishRun(p, 0);
    };
    const renamed = mapped((f) => (f.file === self ? { ...f, file: "bundle/leaky.ts", line: 7, column: 3 } : f));
    expect(renamed.reports[0]!.details[1]).toBe("    #0 bundle/leaky.ts:7:3 in main");
    expect(renamed.options).toEqual({ seed: 1, durationMs: 5, memcheck: true });
    // A frame mapped into the simulator's packages is passed over: the next frame outside them is named.
    const hidden = mapped((f) => (f.file === self ? { ...f, file: "packages/kernel/src/x.ts" } : f));
    expect(hidden.reports[0]!.details[1]).not.toContain("kernel-app.test.ts");
    expect(traceHash(renamed)).toBe(traceHash(r));
    expect(r.leaks).toEqual({
      definite: { bytes: 24, blocks: 1 },
      indirect: { bytes: 0, blocks: 0 },
      possible: { bytes: 0, blocks: 0 },
      reachable: { bytes: 0, blocks: 0 },
      held: { bytes: 0, blocks: 0 },
    });
  });

  it("a run whose tasks all block with no timer pending says so, naming each task's wait, and ends there", () => {
    const r = run(
      {
        name: "deadlock",
        description: "two tasks take two semaphores in opposite orders",
        kernel: {
          semaphores: [
            { name: "a", initial: 1, max: 1 },
            { name: "b", initial: 1, max: 1 },
          ],
        },
        tasks: [
          {
            name: "left",
            semaphores: { a: "take", b: "take" },
            *main(t) {
              yield* t.semTake("a");
              yield* t.sleep({ ms: 1 });
              yield* t.semTake("b");
            },
          },
          {
            name: "right",
            semaphores: { a: "take", b: "take" },
            *main(t) {
              yield* t.semTake("b");
              yield* t.sleep({ ms: 1 });
              yield* t.semTake("a");
            },
          },
        ],
      },
      false,
    );
    const notes = r.events.filter((e) => e.kind === "note").map((e) => e.name);
    expect(notes).toContain(
      "every task is blocked and nothing can wake them (no timer pending: left waits in sem:b, right waits in sem:a): the system would idle for ever, so the run ends at 1.006 ms of the 20.000 ms asked for",
    );
    expect(r.simulatedUs).toBeLessThan(1010);
    expect(r.tasks.filter((t) => t.state === "blocked").map((t) => t.name)).toEqual(["left", "right"]);
  });

  it("an unplanned fault fails the run", () => {
    const r = run({ ...twoTasks, expectFault: undefined }, false);
    expect(r.memcheckActive).toBe(false);
    expect(r.verdict.ok).toBe(false);
    expect(r.verdict.problems[0]).toMatch(/^unexpected fault in rogue: /);
  });

  it("a fault the kernel detects (a bad syscall pointer) is recorded without hardware registers", () => {
    const r = run(
      {
        name: "bad-pointer",
        description: "a task hands the kernel a pointer into kernel memory",
        tasks: (env) => [
          {
            name: "liar",
            *main(t) {
              yield* t.print(env.kernelBlock.base, 4);
            },
          },
        ],
        expectFault: (f) => f.task === "liar",
      },
      false,
    );
    expect(r.faults).toHaveLength(1);
    const f = r.faults[0]!;
    expect(f).toMatchObject({
      taskName: "liar",
      hardware: false,
      exception: 0,
      cfsr: 0,
      mmfar: null,
      bfar: null,
      expected: true,
    });
    expect(f.kind).toBe("bad-pointer");
    expect(f.message.length).toBeGreaterThan(0);
    expect(f.dump).not.toBeNull();
    expect(r.verdict.ok).toBe(true);
  });

  it("a fault under an MPU record overwritten in the task's TCB shows the regions the registers held, not the plan", () => {
    const r = run(
      {
        name: "forged-record",
        description: "a privileged task makes another task's partition region no-access in its TCB",
        kernel: { partitions: [{ name: "p", size: 1024 }] },
        tasks: (env) => [
          {
            name: "victim",
            partitions: { p: "rw" },
            *main(t) {
              yield* t.sleep({ ms: 1 }); // the admin rewrites its record meanwhile
              t.read32(env.partition("p").base); // MemManage: its region now says no access
            },
          },
          {
            name: "admin",
            privileged: true,
            *main(t) {
              const record = env.task("victim").tcb + TcbField.MPU;
              for (let n = 0; n < env.board.mpuRegions; n++) {
                if ((t.read32(record + 8 * n) & ~0x1f) === env.partition("p").base) {
                  const rasr = t.read32(record + 8 * n + 4);
                  t.write32(record + 8 * n + 4, (rasr & ~(7 << 24)) >>> 0); // AP = 000: no access
                }
              }
              yield* t.exit();
            },
          },
        ],
        expectFault: (f) => f.task === "victim",
      },
      false,
    );
    expect(r.faults.map((f) => [f.taskName, f.kind])).toEqual([["victim", "memmanage"]]);
    const regions = r.faults[0]!.mpuRegions;
    const p = r.tasks.find((x) => x.name === "victim")!;
    expect(p.mpuRegions.find((x) => x.label === "partition p (rw)")?.access).toBe("rw"); // the plan
    const held = regions.find((x) => x.base === r.faults[0]!.mmfar)!;
    expect(held).toMatchObject({
      access: "none",
      label: "held, not victim's plan: its TCB's MPU record was overwritten, and loaded as found",
    });
    expect(regions.every((x) => x.label === held.label)).toBe(true);
    expect(regions.map((x) => x.number)).toEqual(p.mpuRegions.map((x) => x.number)); // the same regions enabled
  });

  it("a record forged in PSPLIM alone (PMSAv8) held the plan's regions: the fault lists them as the plan's", () => {
    const r = run(
      {
        name: "forged-psplim",
        description: "a privileged task raises another task's PSPLIM in its TCB",
        tasks: (env) => [
          {
            name: "victim",
            *main(t) {
              yield* t.sleep({ ms: 1 });
              t.push(256); // below the forged PSPLIM: UsageFault STKOF
            },
          },
          {
            name: "admin",
            privileged: true,
            *main(t) {
              const victim = env.task("victim");
              // PMSAv8's record: MAIR0, MAIR1, (RBAR, RLAR) per region, then PSPLIM.
              const psplim = victim.tcb + TcbField.MPU + 4 * (2 + 2 * env.board.mpuRegions);
              t.write32(psplim, victim.stack.top - 64);
              yield* t.exit();
            },
          },
        ],
        expectFault: (f) => f.task === "victim",
      },
      false,
      "mps2-an505",
    );
    expect(r.faults.map((f) => [f.taskName, f.kind])).toEqual([["victim", "stack-overflow"]]);
    const victim = r.tasks.find((x) => x.name === "victim")!;
    expect(r.faults[0]!.mpuRegions).toEqual(victim.mpuRegions);
  });

  it("a task its TCB's CONTROL word made privileged is listed privileged at the end of the run", () => {
    const r = run(
      {
        name: "forged-control",
        description: "a privileged task promotes another in its TCB",
        tasks: (env) => [
          {
            name: "victim",
            *main(t) {
              for (let i = 0; i < 3; i++) yield* t.sleep({ ms: 1 });
            },
          },
          {
            name: "admin",
            privileged: true,
            *main(t) {
              t.write32(env.task("victim").tcb + TcbField.CONTROL, CONTROL_PRIVILEGED);
              yield* t.exit();
            },
          },
        ],
      },
      false,
    );
    expect(r.faults).toEqual([]);
    expect(r.tasks.map((x) => [x.name, x.privileged])).toEqual([
      ["kernel", true],
      ["victim", true],
      ["admin", true],
    ]);
  });

  it("records each task's timing: CPU time, jobs, response times, missed deadlines, and the CPU load", () => {
    const periodic: KernelAppDescription = {
      name: "periodic",
      description: "a periodic task that misses one deadline",
      durationMs: 20,
      tasks: () => [
        {
          name: "ctl",
          period: { ms: 2 },
          deadline: { ms: 0.5 },
          *main(t) {
            for (let job = 0; ; job++) {
              t.compute(job === 4 ? 168_000 : 16_800); // 1 ms once, else 0.1 ms (168 MHz)
              yield* t.nextPeriod();
            }
          },
        },
      ],
    };
    const r = run(periodic, false);
    const ctl = r.tasks.find((t) => t.name === "ctl")!;
    const timing = ctl.timing!;
    expect([timing.periodUs, timing.deadlineUs, timing.jobs, timing.missed]).toEqual([2000, 500, 10, 1]);
    expect(timing.responseMaxUs!).toBeGreaterThan(1000);
    expect(timing.responseMinUs!).toBeGreaterThan(100);
    expect(timing.jitterUs).toBeCloseTo(timing.responseMaxUs! - timing.responseMinUs!, 9);
    expect(ctl.cpuUs).toBeGreaterThan(9 * 100 + 1000);
    expect(r.cpuLoad!).toBeGreaterThan(0.09);
    expect(r.cpuLoad!).toBeLessThan(0.11);
    expect(r.tasks[0]!.timing).toBeNull();
    // The kernel's row holds the busy time no task was charged (ticks, wake-ups): every row adds
    // up to the CPU load.
    expect(r.tasks[0]!.cpuUs).toBeGreaterThan(0);
    expect(r.tasks.reduce((sum, t) => sum + t.cpuShare, 0)).toBeCloseTo(r.cpuLoad!, 12);
    // `cycles` covers the run, idle time included, as `simulatedUs` does (168 MHz).
    expect(r.cycles).toBeCloseTo(r.simulatedUs * 168, 6);
    const samples = r.counters.find((c) => c.name === "response time")!;
    expect(samples.unit).toBe("us");
    expect(samples.samples).toHaveLength(10);
    const misses = r.events.filter((e) => e.kind === "deadline");
    expect(misses.map((e) => [e.task, e.name, e.args?.releaseMs])).toEqual([[ctl.id, "deadline missed", 8]]);
  });
});

describe("startKernelApp", () => {
  const options = { seed: 4, durationMs: 20, memcheck: true };
  const board = findBoard("stm32f407")!;

  it("advanced one slice at a time, the run records the same result (trace hash) as fromKernelApp's run", () => {
    const app = fromKernelApp(twoTasks);
    const whole = prepareRun(app, board, options);
    void app.run(whole.ctx);
    const expected = finishRun(whole, 0);

    const stepped = prepareRun(app, board, options);
    const run = startKernelApp(twoTasks, stepped.ctx);
    expect(run.kernel.tasks().map((t) => t.name)).toEqual(["worker", "rogue"]);
    let steps = 0;
    while (!run.advance(1)) steps++;
    expect(steps).toBeGreaterThan(5);
    expect(run.finished).toBe(true);
    expect(run.advance(1)).toBe(true);
    run.close();
    run.close(); // once
    const got = finishRun(stepped, 0);
    expect(got.faults.map((f) => f.taskName)).toEqual(["rogue"]);
    expect(got.checks).toEqual(expected.checks);
    expect(traceHash(got)).toBe(traceHash(expected));
  });

  it("records a skipped check as skipped: it neither passes nor fails the run", () => {
    const app: KernelAppDescription = {
      ...twoTasks,
      check: () => [
        { name: "made", ok: true, detail: "" },
        { name: "not made", ok: false, skipped: true, detail: "not reached" },
      ],
    };
    const r = run(app, false);
    expect(r.checks).toEqual([
      { name: "made", passed: true, detail: "" },
      { name: "not made", passed: false, detail: "not reached", skipped: true },
    ]);
    expect(r.verdict).toEqual({ ok: true, problems: [] });
    expect(r.events.filter((e) => e.kind === "check").map((e) => e.args)).toEqual([
      { passed: true },
      { passed: false, skipped: true },
    ]);
    const failing: KernelAppDescription = { ...app, check: () => [{ name: "failed", ok: false, detail: "why" }] };
    expect(run(failing, false).verdict).toEqual({ ok: false, problems: ["check failed: failed (why)"] });
  });
});
