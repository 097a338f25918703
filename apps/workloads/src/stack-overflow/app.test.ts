import { Cfsr } from "@rtos-sim/hw";
import { GUARD_BYTES, runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { STACK_BYTES, stackOverflow } from "./app.js";

/** The faults of a run: task, kind, time to the microsecond, CFSR, fault address. */
function faults(run: ReturnType<typeof runApp>) {
  return run.kernel.faults.map((f) => ({
    task: f.task,
    kind: f.kind,
    ms: Math.round(f.ms * 1000) / 1000,
    cfsr: f.hw?.cfsr,
    address: f.hw?.faultAddress,
  }));
}

describe("stack-overflow", () => {
  it("on the STM32F407: the guard at parser's 21st level, MSTKERR at tight's and fpu's first SysTick in their deepest call; sized runs on", () => {
    const run = runApp(stackOverflow);
    expect(faults(run)).toEqual([
      { task: "tight", kind: "stack-overflow", ms: 49, cfsr: Cfsr.MSTKERR, address: null },
      { task: "fpu", kind: "stack-overflow", ms: 51, cfsr: Cfsr.MSTKERR, address: null },
      // Job 7 nests 22 levels; 20 frames of 48 bytes fit in the 992 bytes above the guard, and the
      // 21st's first local (tag, at its frame's base) is 16 bytes into the guard of the stack at
      // 0x10004000.
      {
        task: "parser",
        kind: "stack-overflow",
        ms: 62.007,
        cfsr: Cfsr.DACCVIOL | Cfsr.MMARVALID,
        address: 0x10004000 + 16,
      },
    ]);
    expect(run.kernel.faults[0]!.message).toMatch(
      /^stack overflow by exception stacking: the SysTick taken with SP at 0x[0-9a-f]{8} stacks its frame into the stack guard$/,
    );
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["tight", true],
      ["fpu", true],
      ["sized", true],
      ["parser", true],
    ]);
    // The SP of tight's tick: 16 bytes above the guard of its stack at 0x10000400.
    expect(run.kernel.faults[0]!.message).toContain(`SP at 0x${(0x10000400 + GUARD_BYTES + 16).toString(16)} `);
    // sized: its deepest call (992 - 128 bytes) and the SysTick's 104-byte frame below it.
    const sized = run.kernel.task("sized")!;
    expect(run.kernel.stackUsage(sized)).toEqual({ size: STACK_BYTES - GUARD_BYTES, peak: 864 + 104 });
    expect(run.kernel.schedTask(sized).state).not.toBe("faulted");
    // Six jobs ran clean before the one a SysTick landed in.
    expect(run.kernel.task("tight")!.output.at(-1)).toBe("tight: job 6");
  });

  it("on the MPS2-AN505 (ARMv8-M): UsageFault STKOF at PSPLIM, for the SysTick's frames and parser's push", () => {
    const run = runApp(stackOverflow, { board: "mps2-an505" });
    expect(faults(run).map((f) => [f.task, f.kind, f.cfsr, f.address])).toEqual([
      ["tight", "stack-overflow", Cfsr.STKOF, null],
      ["fpu", "stack-overflow", Cfsr.STKOF, null],
      ["parser", "stack-overflow", Cfsr.STKOF, null],
    ]);
    expect(run.checks.every((c) => c.ok)).toBe(true);
  });

  it("with the checker on (frames with redzones), the same three overflows, parser's caught by the checker first", () => {
    const run = runApp(stackOverflow, { memcheck: true });
    // The checker sees parser's stack pointer go below its stack (its frames are 224 bytes now) at job 2.
    expect(faults(run).map((f) => [f.task, f.kind, f.ms])).toEqual([
      ["parser", "stack-overflow", 22.004],
      ["tight", "stack-overflow", 49],
      ["fpu", "stack-overflow", 51],
    ]);
    expect(run.kernel.faults[0]!.message).toBe(
      "stack overflow: stack pointer 0x10003fa0 below the stack base (memory checker)",
    );
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["tight", true],
      ["fpu", true],
      ["sized", true],
      ["parser", true],
    ]);
  });

  it("a run that ends before a task's turn skips its check", () => {
    const run = runApp(stackOverflow, { durationMs: 20 });
    expect(run.checks.map((c) => [c.name, c.skipped === true])).toEqual([
      ["tight", true],
      ["fpu", true],
      ["sized", true],
      ["parser", true],
    ]);
    expect(run.kernel.faults).toEqual([]);
  });
});
