import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { HEAP_BUGS, heapBugs } from "./app.js";

describe("heap-bugs", () => {
  it("produces each expected checker report, from the right task", () => {
    const run = runApp(heapBugs);
    expect(run.result.reason).toBe("no-tasks"); // every bug task ended or was stopped
    const reports = run.kernel.checker!.reports;
    for (const bug of HEAP_BUGS) {
      const r = reports.find((x) => x.kind === bug.kind && x.taskName === bug.task);
      expect(r, `${bug.kind} from ${bug.task}`).toBeDefined();
      const state = run.kernel.schedTask(run.kernel.task(bug.task)!).state;
      expect(state).toBe(bug.stops ? "faulted" : "stopped");
    }
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["heap-buffer-overflow", true],
      ["use-after-free", true],
      ["double-free", true],
      ["invalid-free", true],
      ["uninitialized-read", true],
      ["leak-definite", true],
    ]);
  });

  it("names the block and the access in each report", () => {
    const run = runApp(heapBugs);
    const byKind = new Map(run.kernel.checker!.reports.map((r) => [r.kind, r]));
    const overflow = byKind.get("heap-buffer-overflow")!;
    expect(overflow.block!.size).toBe(24);
    expect(overflow.address).toBe(overflow.block!.address + 24);
    expect(overflow.block!.relation).toBe("right");
    const uaf = byKind.get("use-after-free")!;
    expect(uaf.address).toBe(uaf.block!.address);
    expect(uaf.block!.state).toBe("quarantined");
    expect(byKind.get("invalid-free")!.address).toBe(byKind.get("invalid-free")!.block!.address + 8);
    expect(byKind.get("leak-definite")!.block!.size).toBe(48);
    expect(byKind.get("uninitialized-read")!.address).toBe(byKind.get("uninitialized-read")!.block!.address + 8);
    // The stopping bugs are checker faults with the report attached.
    const f = run.kernel.faults.find((x) => x.task === "double-free")!;
    expect(f.kind).toBe("checker");
    expect(f.checker?.kind).toBe("double-free");
  });

  it("with the checker off, only the allocator's own free checks see anything", () => {
    const run = runApp(heapBugs, { memcheck: false });
    expect(run.checks.every((c) => !c.ok)).toBe(true);
    expect(run.kernel.faults.map((f) => f.task)).toEqual(["double-free", "invalid-free"]);
  });
});
