import type { FaultRecord } from "@rtos-sim/apps";
import { RunRecorder } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { makeStyle } from "../cli/io.js";
import { renderReport } from "../report/html.js";
import { formatFault, formatSummary, SUMMARY_LIMIT, taskTable } from "./human.js";
import { buildTrace } from "./trace.js";

/** The end of a 10 ms run on the STM32F407 (168 MHz). */
const TEN_MS = { simulatedUs: 10_000, cycles: 1_680_000, wallMs: 1, memcheckActive: false };

/** A recorder for the stack and heap peak tests. */
function stacksRecorder() {
  return new RunRecorder({
    app: { name: "s", summary: "stacks", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 10, memcheck: false },
  });
}

function result(timed: boolean) {
  const rec = new RunRecorder({
    app: { name: "ctl", summary: "a control loop", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 10, memcheck: false },
  });
  const t = rec.addTask("ctl");
  rec.slice(t, 0, 1000);
  if (timed) {
    rec.setTiming(t, {
      periodUs: 2000,
      deadlineUs: 500,
      jobs: 5,
      missed: 1,
      responseMaxUs: 1200,
      responseMinUs: 100,
      responseMeanUs: 320,
      jitterUs: 1100,
    });
    rec.cpuLoad = 0.1;
  }
  return rec.finish(TEN_MS);
}

describe("the human summary", () => {
  it("shows jobs, response max, jitter and missed deadlines per task, and the CPU load, when the run measured them", () => {
    const style = makeStyle(false);
    const table = taskTable(result(true), style);
    expect(table).toMatch(
      /^task\s+state\s+CPU share\s+jobs\s+response max\s+jitter\s+missed\s+faults\s+memory held\s+MPU regions$/m,
    );
    expect(table).toMatch(/^ctl\s+ready\s+10\.00%\s+5\s+1\.200 ms\s+1\.100 ms\s+1\s+0\s+0 B\s+0$/m);
    expect(table).toMatch(/^kernel\s+running\s+0\.00%\s+-\s+-\s+-\s+-\s+0/m);
    expect(formatSummary(result(true), style)).toContain("memory checker off, CPU load 10.00%");
  });

  it("adds a line under the table for a task that missed deadlines (they do not fail the run)", () => {
    const r = result(true);
    const summary = formatSummary(r, makeStyle(false));
    expect(summary).toContain("\n\ndeadline  ctl missed 1 of 5 deadline(s) of 500 us; response max 1.200 ms\n");
    expect(r.verdict.ok).toBe(true);
    expect(formatSummary(result(false), makeStyle(false))).not.toContain("deadline  ");
  });

  it("says why a task missed more deadlines than it completed jobs (an overrunning periodic task)", () => {
    const rec = new RunRecorder({
      app: { name: "rt", summary: "an overrunning task", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 10, memcheck: false },
    });
    const t = rec.addTask("hog");
    rec.setTiming(t, {
      periodUs: 4000,
      deadlineUs: 4000,
      jobs: 5,
      missed: 10,
      responseMaxUs: 21_532,
      responseMinUs: 5000,
      responseMeanUs: 12_000,
      jitterUs: 16_532,
    });
    expect(formatSummary(rec.finish(TEN_MS), makeStyle(false))).toContain(
      "\n\ndeadline  hog missed 10 deadline(s) of 4.000 ms, more than the 5 job(s) it completed: releases not completed by the end count once their deadline has passed; response max 21.532 ms\n",
    );
  });

  it("keeps the plain table for runs without timing", () => {
    const table = taskTable(result(false), makeStyle(false));
    expect(table).toMatch(/^task\s+state\s+CPU share\s+faults\s+memory held\s+MPU regions$/m);
    expect(formatSummary(result(false), makeStyle(false))).not.toContain("CPU load");
  });

  it("shows each task's stack and heap peaks when the run measured them, and flags a stack with 10% or less left", () => {
    const rec = stacksRecorder();
    const roomy = rec.addTask("roomy");
    const tight = rec.addTask("tight");
    const full = rec.addTask("full");
    rec.setStack(roomy, { size: 992, peak: 660 });
    rec.setStack(tight, { size: 992, peak: 900 });
    rec.setStack(full, { size: 2016, peak: 2016 });
    rec.setHeap(roomy, { size: 4096, peak: 3900 });
    const r = rec.finish(TEN_MS);
    const style = makeStyle(false);
    const table = taskTable(r, style);
    expect(table).toMatch(/^task\s+state\s+CPU share\s+faults\s+stack peak\s+heap peak\s+memory held\s+MPU regions$/m);
    expect(table).toMatch(/^kernel\s+running\s+0\.00%\s+0\s+-\s+-\s+0 B\s+0$/m);
    expect(table).toMatch(/^roomy\s+ready\s+0\.00%\s+0\s+660 B \(66%\)\s+3\.81 KiB \(95%\)\s+0 B\s+0$/m);
    expect(table).toMatch(/^tight\s+ready\s+0\.00%\s+0\s+900 B \(90%\)\s+-\s+0 B\s+0$/m);
    expect(table).toMatch(/^full\s+ready\s+0\.00%\s+0\s+1\.97 KiB \(100%\)/m);
    const summary = formatSummary(r, style);
    expect(summary).toContain("stack  tight used 900 B (90%) of its 992 B stack: 92 B left before the guard\n");
    expect(summary).toContain("stack  full used its whole 1.97 KiB stack\n");
    expect(summary).not.toContain("stack  roomy");
    const html = renderReport(r);
    expect(html).toContain("<th>stack peak</th>");
    expect(html).toContain('<td class="num missed">900 B (90%)</td>');
    expect(html).toContain('<td class="num">660 B (66%)</td>');
    expect(html).toContain("<th>heap peak</th>");
    expect(html).toContain('<td class="num missed">3.81 KiB (95%)</td>');
  });

  it("says a stack overflowed when the task's fault or the checker says so", () => {
    const rec = stacksRecorder();
    const t = rec.addTask("deep");
    rec.setStack(t, { size: 992, peak: 960 });
    rec.addFault({ ...memManage("stack-overflow", "stack overflow"), task: t });
    const r = rec.finish(TEN_MS);
    expect(formatSummary(r, makeStyle(false))).toContain(
      "stack  deep overflowed its 992 B stack (see below); its deepest write was 960 B (96%) down\n",
    );
  });

  it("shows the first 50 faults and problems of a fault storm, then counts the rest", () => {
    const rec = stacksRecorder();
    const t = rec.addTask("deep");
    for (let i = 0; i < 120; i++) rec.addFault({ ...memManage("memmanage", `fault ${i}`), task: t, expected: false });
    const out = formatSummary(rec.finish(TEN_MS), makeStyle(false));
    expect(out).toContain("Faults (120)\n");
    expect(out).toContain("fault 49");
    expect(out).not.toContain("fault 50");
    expect(out).toContain("\n... and 70 more faults, not shown here (every one is in --json and --report)\n");
    expect(out).toContain("PROBLEMS (exit code 1):\n");
    expect(out).toContain("  - ... and 70 more (in --json)\n");
    expect(SUMMARY_LIMIT).toBe(50);
  });

  it("marks a skipped check 'skip', counts only the checks made as passed, and says why the others were not", () => {
    const rec = new RunRecorder({
      app: { name: "x", summary: "s", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 200, memcheck: false },
    });
    rec.check("made", true, "fine");
    rec.skip("later", "not reached");
    const out = formatSummary(
      rec.finish({ simulatedUs: 200_000, cycles: 0, wallMs: 1, memcheckActive: false }),
      makeStyle(false),
    );
    expect(out).toContain("  pass  made  (fine)\n  skip  later  (not reached)\n");
    expect(out).toContain("OK: no unexpected fault, no checker error, 1 check(s) passed\n");
    expect(out).toContain(
      "1 check(s) skipped: what they check had not happened when the run ended at 200 ms; a longer --duration makes them\n",
    );
    // A run that ends between two microseconds says its end in whole microseconds.
    const odd = new RunRecorder({
      app: { name: "x", summary: "s", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 0.5, memcheck: false },
    });
    odd.skip("later", "not reached");
    expect(
      formatSummary(
        odd.finish({ simulatedUs: 659.5238095238095, cycles: 0, wallMs: 1, memcheckActive: false }),
        makeStyle(false),
      ),
    ).toContain("when the run ended at 0.66 ms; a longer --duration makes them\n");
  });

  it("a run past its recording limit says what it did not keep, in the summary, the trace and the HTML report", () => {
    const rec = new RunRecorder({
      app: { name: "long", summary: "s", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 1, memcheck: false },
      limit: 2,
    });
    const t = rec.addTask("t");
    for (let i = 0; i < 5; i++) rec.slice(t, i, i + 1);
    const r = rec.finish({ simulatedUs: 1000, cycles: 0, wallMs: 1, memcheckActive: false });
    const line =
      "the run kept the first 2 run slices (3 more not kept); the task table, the CPU load and the verdict cover the whole run";
    expect(formatSummary(r, makeStyle(false))).toContain(`\nRecording limit: ${line}\n`);
    expect(buildTrace(r).otherData.recording).toBe(line);
    expect(renderReport(r)).toContain(`<section id="recording"><h2>Recording limit</h2><p>${line}.</p></section>`);
    // A run within its limit says nothing of it.
    expect(formatSummary(result(false), makeStyle(false))).not.toContain("Recording limit");
    expect(renderReport(result(false))).not.toContain('id="recording"');
  });
});

/** A MemManage DACCVIOL on a write at 0x10000410 by task 1, as a kernel app records it (kind and message the kernel's). */
function memManage(kind: string, message: string): FaultRecord {
  return {
    t: 1.351,
    task: 1,
    taskName: "deep",
    kind,
    hardware: true,
    exception: 4,
    exceptionName: "MemManage",
    cause: "MemManage",
    escalated: false,
    faultStatusRegisters: true,
    lockup: false,
    cfsr: 0x82,
    cfsrNames: ["DACCVIOL", "MMARVALID"],
    hfsr: 0,
    hfsrNames: [],
    mmfar: 0x10000410,
    bfar: null,
    access: { address: 0x10000410, size: 4, kind: "write", privileged: false },
    expected: true,
    note: message,
    message,
    mpuRegions: [],
    memory: null,
    source: null,
    action: "stopped",
    dump: null,
  };
}

describe("a hardware fault in full", () => {
  it("names the task's line and whose memory the access reached, when the kernel knows them", () => {
    const f = {
      ...memManage("memmanage", "MemManage DACCVIOL|MMARVALID at 0x10000410 on write of 4 byte(s) at 0x10000410"),
      memory: 'the stack of task "imu"',
      source: "rogue.ts:12:5 in main",
    };
    expect(formatFault(f, makeStyle(false)).split("\n").slice(0, 5)).toEqual([
      "MemManage (exception 4) in deep at 1.351 us  [expected]",
      "  at rogue.ts:12:5 in main",
      "  action: the task was stopped",
      "  access: unprivileged write of 4 byte(s) at 0x10000410",
      '  memory: the stack of task "imu"',
    ]);
    const kernelFault = { ...f, hardware: false, kind: "uncaught", message: 'task "deep" threw Error: boom' };
    expect(formatFault(kernelFault, makeStyle(false)).split("\n").slice(0, 3)).toEqual([
      "uncaught in deep at 1.351 us  [expected]",
      '  task "deep" threw Error: boom',
      "  at rogue.ts:12:5 in main",
    ]);
  });

  it("says what the kernel made of it (a stack overflow into the guard), with the kind expectFault sees", () => {
    const out = formatFault(
      memManage("stack-overflow", "stack overflow: access to the stack guard at 0x10000410"),
      makeStyle(false),
    );
    expect(out.split("\n").slice(0, 4)).toEqual([
      "MemManage (exception 4) in deep at 1.351 us  [expected]",
      "  stack overflow: access to the stack guard at 0x10000410 (kind stack-overflow)",
      "  action: the task was stopped",
      "  access: unprivileged write of 4 byte(s) at 0x10000410",
    ]);
  });

  it("a UsageFault STKOF names the SP update the core refused, not a store (none was made)", () => {
    const stkof: FaultRecord = {
      ...memManage(
        "stack-overflow",
        "stack overflow: stack pointer below the stack limit 0x20002420 (UsageFault STKOF)",
      ),
      exception: 6,
      exceptionName: "UsageFault",
      cause: "UsageFault",
      cfsr: 0x100000,
      cfsrNames: ["STKOF"],
      mmfar: null,
      access: { address: 0x20002410, size: 4, kind: "write", privileged: false },
    };
    expect(formatFault(stkof, makeStyle(false)).split("\n").slice(0, 6)).toEqual([
      "UsageFault (exception 6) in deep at 1.351 us  [expected]",
      "  stack overflow: stack pointer below the stack limit 0x20002420 (UsageFault STKOF) (kind stack-overflow)",
      "  action: the task was stopped",
      "  access: none: unprivileged SP update to 0x20002410, below the stack limit (refused before any store)",
      "  CFSR  0x00100000",
      "        STKOF       UsageFault (ARMv8-M): stack pointer update below the stack limit (PSPLIM/MSPLIM); SP not updated",
    ]);
  });

  it("adds no line for a plain fault, whose message is the decoded registers again", () => {
    const out = formatFault(
      memManage("memmanage", "MemManage DACCVIOL|MMARVALID at 0x10000410 on write of 4 byte(s) at 0x10000410"),
      makeStyle(false),
    );
    expect(out.split("\n").slice(0, 3)).toEqual([
      "MemManage (exception 4) in deep at 1.351 us  [expected]",
      "  action: the task was stopped",
      "  access: unprivileged write of 4 byte(s) at 0x10000410",
    ]);
  });
});
