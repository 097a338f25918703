import { createMachine, Fault, MPS3_AN547, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { FAULT_RECORD_LIMIT, RECORD_LIMIT, recordingSummary } from "./record-limit.js";
import { boardInfo, mpuRegionInfo, RunRecorder } from "./recorder.js";

const app = { name: "t", summary: "test", source: "builtin" as const, file: null };
const options = { seed: 1, durationMs: 1, memcheck: true };

/** A real fault from the hardware model: an unprivileged read of privileged memory. */
function mpuFault(): { fault: Fault; machine: ReturnType<typeof createMachine> } {
  const machine = createMachine(STM32F407);
  machine.mpu.setControl({ enable: true, privdefena: true });
  machine.core.write32(0xe000ed24, 1 << 16);
  machine.core.controlNPriv = true;
  try {
    machine.core.read32(0x20000040);
  } catch (e) {
    if (e instanceof Fault) return { fault: e, machine };
  }
  throw new Error("no fault");
}

describe("mpuRegionInfo: a region decoded per architecture", () => {
  it("PMSAv7: RBAR (as read with RNR = n) and RASR with AP, TEX/C/B/S and SIZE", () => {
    const m = createMachine(STM32F407);
    m.mpu.setRegion(5, { base: 0x20003000, size: 0x400, access: "priv-rw-user-ro", subregionDisable: 0x80 });
    expect(mpuRegionInfo(m.mpu.region(5), "ring")).toEqual({
      number: 5,
      base: 0x20003000,
      size: 0x400,
      access: "priv-rw-user-ro",
      executable: false,
      memoryType: "normal",
      srd: 0x80,
      label: "ring",
      registers: {
        architecture: "pmsav7",
        rbar: 0x20003005,
        rasr: 0x1203_8013,
        ap: 0b010,
        tex: 0,
        c: true,
        b: true,
        s: false,
        sizeField: 9,
      },
    });
  });

  it("PMSAv8: RBAR, RLAR, SH, PXN and the MAIR attribute AttrIndx selects", () => {
    const m = createMachine(MPS3_AN547);
    m.mpu.setMair(1, 0x04);
    m.mpu.setRegion(3, {
      base: 0x49303000,
      size: 0x60,
      access: "priv-rw",
      attrIndex: 1,
      privilegedExecuteNever: true,
    });
    expect(mpuRegionInfo(m.mpu.region(3), "UART0")).toEqual({
      number: 3,
      base: 0x49303000,
      size: 0x60,
      access: "priv-rw",
      executable: false,
      memoryType: "device",
      srd: 0,
      label: "UART0",
      registers: {
        architecture: "pmsav8",
        rbar: 0x49303001,
        rlar: 0x49303053,
        ap: 0,
        shareability: "non-shareable",
        pxn: true,
        attrIndex: 1,
        attr: 0x04,
        device: "nGnRE",
      },
    });
  });

  it("boardInfo names the MPU architecture", () => {
    expect([boardInfo(STM32F407).mpuArchitecture, boardInfo(STM32U585).mpuArchitecture]).toEqual(["pmsav7", "pmsav8"]);
  });
});

describe("RunRecorder", () => {
  it("task 0 is the kernel; tasks get ids in order; slices add up to CPU share", () => {
    let now = 0;
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => now });
    const a = rec.addTask("a", { memoryHeld: 1024 });
    const b = rec.addTask("b");
    expect([a, b]).toEqual([1, 2]);
    rec.slice(a, 0, 250);
    rec.slice(a, 500, 750);
    rec.slice(b, 250, 500);
    now = 1000;
    const r = rec.finish({ simulatedUs: 1000, cycles: 168_000, wallMs: 1, memcheckActive: false });
    expect(r.tasks.map((t) => [t.id, t.name, t.cpuUs, t.cpuShare, t.memoryHeld])).toEqual([
      [0, "kernel", 0, 0, 0],
      [1, "a", 500, 0.5, 1024],
      [2, "b", 250, 0.25, 0],
    ]);
    expect(r.verdict).toEqual({ ok: true, problems: [] });
    expect([r.cpuLoad, r.tasks[1]!.timing]).toEqual([null, null]);
  });

  it("a CPU time and a timing the app sets win over the slices; the CPU load goes into the result", () => {
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => 1000 });
    const a = rec.addTask("a");
    rec.slice(a, 0, 100);
    rec.setCpuTime(a, 120);
    const timing = {
      periodUs: 500,
      deadlineUs: 500,
      jobs: 2,
      missed: 0,
      responseMaxUs: 60,
      responseMinUs: 40,
      responseMeanUs: 50,
      jitterUs: 20,
    };
    rec.setTiming(a, timing);
    rec.cpuLoad = 0.12;
    const r = rec.finish({ simulatedUs: 1000, cycles: 168_000, wallMs: 1, memcheckActive: false });
    expect([r.tasks[1]!.cpuUs, r.tasks[1]!.cpuShare, r.tasks[1]!.timing, r.cpuLoad]).toEqual([120, 0.12, timing, 0.12]);
  });

  it("decodes a fault with the registers the handler read; an expected fault keeps the run OK", () => {
    const { fault } = mpuFault();
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => 12.5 });
    const t = rec.addTask("rogue");
    const m = createMachine(STM32F407);
    m.mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true, memory: "normal-wt" });
    rec.setMpuRegions(t, [mpuRegionInfo(m.mpu.region(0), "code")]);
    const record = rec.fault(fault, {
      task: t,
      expected: true,
      note: "planned",
      registers: { cfsr: 0x82, hfsr: 0, mmfar: 0x20000040, bfar: 0 },
    });
    expect(record).toMatchObject({
      t: 12.5,
      taskName: "rogue",
      exception: 4,
      exceptionName: "MemManage",
      escalated: false,
      cfsr: 0x82,
      cfsrNames: ["DACCVIOL", "MMARVALID"],
      mmfar: 0x20000040,
      bfar: null,
      access: { address: 0x20000040, size: 4, kind: "read", privileged: false },
      expected: true,
      note: "planned",
    });
    expect(record.mpuRegions.map((m) => m.label)).toEqual(["code"]);
    const r = rec.finish({ simulatedUs: 20, cycles: 0, wallMs: 0, memcheckActive: false });
    expect(r.tasks[1]?.faults).toBe(1);
    expect(r.verdict.ok).toBe(true);
  });

  it("unexpected faults, checker errors, failed checks and crashes are problems", () => {
    const { fault } = mpuFault();
    const rec = new RunRecorder({ app, board: STM32F407, options });
    rec.fault(fault, { task: 0 });
    rec.report({
      t: 0,
      task: 1,
      kind: "use-after-free",
      severity: "error",
      message: "use-after-free on 0x20000010",
      address: 0x20000010,
      details: [],
      expected: false,
    });
    rec.report({
      t: 0,
      task: 1,
      kind: "leak-definite",
      severity: "error",
      message: "leak",
      address: null,
      details: [],
      expected: true,
    });
    rec.report({
      t: 0,
      task: 1,
      kind: "leak-reachable",
      severity: "warning",
      message: "reachable",
      address: null,
      details: [],
      expected: false,
    });
    rec.check("fine", true);
    rec.check("broken", false, "why");
    rec.crash("stopped");
    const r = rec.finish({ simulatedUs: 0, cycles: 0, wallMs: 0, memcheckActive: true });
    expect(r.verdict.problems).toEqual([
      "stopped",
      `unexpected fault in kernel: ${fault.message}`,
      "checker error: use-after-free on 0x20000010",
      "check failed: broken (why)",
    ]);
    expect(r.verdict.ok).toBe(false);
  });

  it("streams UART lines, notes and faults to the listener", () => {
    const seen: string[] = [];
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => 5 });
    rec.listener = {
      uart: (l, name) => seen.push(`uart ${l.t} ${name} ${l.text}`),
      note: (t, name, text) => seen.push(`note ${t} ${name} ${text}`),
      fault: (f) => seen.push(`fault ${f.taskName}`),
    };
    const t = rec.addTask("tx");
    rec.uart(t, "hello");
    rec.note("booted");
    rec.fault(mpuFault().fault, { task: t, expected: true });
    expect(seen).toEqual(["uart 5 tx hello", "note 5 kernel booted", "fault tx"]);
    const r = rec.finish({ simulatedUs: 5, cycles: 0, wallMs: 0, memcheckActive: false });
    expect(r.events.map((e) => [e.kind, e.name])).toEqual([
      ["uart", "hello"],
      ["note", "booted"],
      ["fault", "MemManage DACCVIOL|MMARVALID"],
    ]);
  });

  it("counters keep samples per name with their unit", () => {
    let now = 0;
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => now });
    rec.counter("heap", "bytes", { a: 1 });
    now = 10;
    rec.counter("heap", "bytes", { a: 3 });
    rec.counter("pages", "pages", { used: 2 });
    const r = rec.finish({ simulatedUs: 10, cycles: 0, wallMs: 0, memcheckActive: false });
    expect(r.counters).toEqual([
      {
        name: "heap",
        unit: "bytes",
        samples: [
          { t: 0, values: { a: 1 } },
          { t: 10, values: { a: 3 } },
        ],
      },
      { name: "pages", unit: "pages", samples: [{ t: 10, values: { used: 2 } }] },
    ]);
  });

  it("a long run keeps the first `limit` entries of each list, counts the rest, and still fails on what it dropped", () => {
    let now = 0;
    const rec = new RunRecorder({ app, board: STM32F407, options, clock: () => now, limit: 2 });
    const a = rec.addTask("a");
    for (let i = 0; i < 5; i++) rec.slice(a, i * 10, i * 10 + 5);
    for (let i = 0; i < 3; i++) {
      now = i;
      rec.uart(a, `line ${i}`); // a UART line is an event too
    }
    const { fault } = mpuFault();
    rec.fault(fault, { task: a, expected: true });
    rec.fault(fault, { task: a, expected: true });
    rec.fault(fault, { task: a }); // unexpected, past the limit
    const report = {
      t: 0,
      task: a,
      kind: "use-after-free" as const,
      severity: "error" as const,
      message: "uaf",
      address: 0x20000010,
      details: [],
      expected: true,
    };
    rec.report(report);
    rec.report(report);
    rec.report({ ...report, expected: false }); // a checker error past the limit
    rec.report({ ...report, severity: "warning", expected: false }); // a warning fails nothing
    // Five samples in a series of at most 2: t0+t1 merged, then t0..t3, and t4 alone (partial).
    for (let t = 0; t < 5; t++) rec.counter("heap", "bytes", { a: t }, t);
    const r = rec.finish({ simulatedUs: 50, cycles: 0, wallMs: 0, memcheckActive: true });
    expect(r.slices).toEqual([
      { task: a, start: 0, end: 5 },
      { task: a, start: 10, end: 15 },
    ]);
    expect(r.events.map((e) => e.name)).toEqual(["line 0", "line 1"]);
    expect(r.uart.map((l) => l.text)).toEqual(["line 0", "line 1"]);
    expect([r.faults.length, r.reports.length, r.tasks[1]!.faults, r.tasks[1]!.cpuUs]).toEqual([2, 2, 3, 25]);
    expect(r.counters[0]!.samples).toEqual([
      { t: 0, values: { a: 3 } },
      { t: 4, values: { a: 4 } },
    ]);
    expect(r.recording).toEqual({
      limit: 2,
      faultLimit: 2,
      // Slices 3, events 1 + 3 faults, UART 1, faults 1, reports 2.
      dropped: { slices: 3, events: 4, uart: 1, faults: 1, reports: 2 },
      samplesMerged: 3,
    });
    expect(r.verdict.problems).toEqual([
      "1 more unexpected fault(s), past the run's recording limit",
      "1 more checker error(s), past the run's recording limit",
    ]);
  });

  it("keeps at most FAULT_RECORD_LIMIT faults, the heaviest entries (a fault storm's JSON outgrew V8's longest string)", () => {
    const rec = new RunRecorder({ app, board: STM32F407, options });
    const a = rec.addTask("a");
    const { fault } = mpuFault();
    for (let i = 0; i < FAULT_RECORD_LIMIT + 5; i++) rec.fault(fault, { task: a, expected: true });
    const r = rec.finish({ simulatedUs: 50, cycles: 0, wallMs: 0, memcheckActive: false });
    expect([r.faults.length, r.tasks[1]!.faults, r.events.length]).toEqual([
      FAULT_RECORD_LIMIT,
      FAULT_RECORD_LIMIT + 5,
      FAULT_RECORD_LIMIT + 5,
    ]);
    expect(r.recording).toEqual({
      limit: RECORD_LIMIT,
      faultLimit: FAULT_RECORD_LIMIT,
      dropped: { slices: 0, events: 0, uart: 0, faults: 5, reports: 0 },
      samplesMerged: 0,
    });
    expect(recordingSummary(r.recording!)).toBe(
      "the run kept the first 10,000 faults (5 more not kept); the task table, the CPU load and the verdict cover the whole run",
    );
  });

  it("a run within its limit has no `recording` (its result and trace hash are as before); a bad limit is a RangeError", () => {
    const rec = new RunRecorder({ app, board: STM32F407, options, limit: 4 });
    rec.slice(rec.addTask("a"), 0, 1);
    expect("recording" in rec.finish({ simulatedUs: 1, cycles: 0, wallMs: 0, memcheckActive: false })).toBe(false);
    for (const limit of [0, 3, 1.5, -2, Number.NaN])
      expect(() => new RunRecorder({ app, board: STM32F407, options, limit })).toThrow(RangeError);
  });
});
