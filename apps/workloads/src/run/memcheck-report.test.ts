import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { MemoryChecker } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { checkerReportFrom, recordCheckerReports } from "./memcheck-report.js";
import { RunRecorder } from "./recorder.js";

describe("memory checker reports in a run", () => {
  it("a heap overflow found by the checker becomes a CheckerReport that fails the run", () => {
    const m = createMachine(STM32F407);
    const checker = new MemoryChecker(m, { onError: "continue", clock: () => m.core.cycles }).attach();
    const rec = new RunRecorder({
      app: { name: "t", summary: "t", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 1, memcheck: true },
    });
    const stop = recordCheckerReports(rec, checker, { clockHz: STM32F407.clockHz });
    checker.pagesGiven(0x20000000, 1024, "heap");
    checker.blockAllocated(0x20000010, 10, "heap");
    m.core.cycles = 168; // 1 us
    m.core.actor = makeActor(ActorMode.User, 1);
    m.core.write8(0x2000001a, 1); // one past the end of the 10-byte block
    stop();
    const result = rec.finish({ simulatedUs: 1, cycles: 168, wallMs: 0, memcheckActive: true });
    expect(result.reports).toHaveLength(1);
    const r = result.reports[0]!;
    expect(r).toMatchObject({
      t: 1,
      task: 1,
      kind: "heap-buffer-overflow",
      severity: "error",
      message: "heap-buffer-overflow on address 0x2000001a at t=168 cycles",
      address: 0x2000001a,
      expected: false,
    });
    expect(r.details[0]).toBe("WRITE of size 1 at 0x2000001a by task T1 (user mode)");
    expect(r.details).toContain(
      '0x2000001a is located 0 bytes to the right of 10-byte block [0x20000010, 0x2000001a) of heap "heap", allocated by task boot at t=0 cycles',
    );
    expect(result.verdict.problems).toEqual([
      "checker error: heap-buffer-overflow on address 0x2000001a at t=168 cycles",
    ]);
    expect(checkerReportFrom(checker.reports[0]!, { clockHz: STM32F407.clockHz, expected: true }).expected).toBe(true);
  });
});
