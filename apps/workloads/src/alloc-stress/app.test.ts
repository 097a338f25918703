import { KernelError, runApp, startApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { allocStress, allocStressResults, HEAP_TASKS, SAMPLE_LIMIT, SAMPLE_MS } from "./app.js";

describe("alloc-stress", () => {
  it("runs 1 s on the STM32F407 with no faults and fragmentation figures for every heap", () => {
    const run = runApp(allocStress);
    expect(run.result.reason).toBe("until");
    expect(run.kernel.faults).toEqual([]);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    const r = allocStressResults(run.kernel)!;
    expect(r.samples.length).toBe(1000 / SAMPLE_MS);
    expect(r.samples.map((s) => Math.round(s.ms))).toEqual(r.samples.map((_, i) => i * SAMPLE_MS));
    const last = r.samples.at(-1)!;
    for (const h of HEAP_TASKS) {
      const shape = last.heaps[h.name]!;
      expect(shape.intact).toBe(true);
      expect(shape.usedBytes + shape.freeBytes).toBe(shape.blockBytes);
      expect(shape.fragmentation).toBeGreaterThanOrEqual(0);
      expect(shape.fragmentation).toBeLessThan(1);
      expect(r.counters[h.name]!.mallocs).toBeGreaterThan(500);
      expect(r.counters[h.name]!.corrupted).toBe(0);
      const detail = run.checks.find((c) => c.name.startsWith(`${h.name} heap`))!.detail;
      expect(detail).toMatch(/fragmentation \d+% \(peak \d+% at \d+ ms\)/);
    }
  });

  it("skips, not fails, the heap checks of a run too short for the heap tasks' first allocator call", () => {
    const run = runApp(allocStress, { durationMs: 0.01 });
    const heaps = run.checks.filter((c) => HEAP_TASKS.some((h) => c.name.startsWith(`${h.name} heap`)));
    expect(heaps).toHaveLength(HEAP_TASKS.length);
    for (const c of heaps) {
      expect([c.ok, c.skipped]).toEqual([false, true]);
      // 0.01 ms: the run pauses the slice at its limit (no context saved after it)
      expect(c.detail).toMatch(/^not reached: the run ended at 0\.01 ms; \S+ had made no allocator call yet$/);
    }
    const kmalloc = run.checks.find((c) => c.name.startsWith("kmalloc"))!;
    expect([kmalloc.skipped, kmalloc.detail]).toEqual([
      true,
      "not reached: the run ended at 0.01 ms; no kmalloc task had run yet",
    ]);
    expect(run.checks.filter((c) => !c.ok && c.skipped !== true)).toEqual([]);
  });

  it("shows the slab array's pages coming and going in the region manager's page map", () => {
    const run = runApp(allocStress);
    const r = allocStressResults(run.kernel)!;
    const pages = r.samples.map((s) => s.kmallocPages);
    expect(pages[0]).toBe(0);
    expect(Math.max(...pages)).toBeGreaterThan(pages[1]!); // it grows...
    expect(new Set(pages).size).toBeGreaterThan(3); // ...and breathes
    const sram1 = r.samples.map((s) => s.regions.find((x) => x.name === "SRAM1")!.freePages);
    expect(new Set(sram1).size).toBeGreaterThan(3);
    expect(r.samples.at(-1)!.pageMaps.SRAM1).toContain("kmalloc");
    const overTime = run.checks.find((c) => c.name === "page map over time")!;
    expect(overTime.detail.split("\n").length).toBe(1 + r.samples.length);
  });

  it("keeps at most SAMPLE_LIMIT samples in a long run, evenly spaced, with peaks over every sample taken", () => {
    const run = runApp(allocStress, { durationMs: 13_000 }); // 260 samples taken: one past the limit of 256
    const r = allocStressResults(run.kernel)!;
    expect([r.taken, r.stride, r.samples.length, SAMPLE_LIMIT]).toEqual([260, 2, 130, 256]);
    expect(r.samples.map((s) => Math.round(s.ms))).toEqual(r.samples.map((_, i) => i * 2 * SAMPLE_MS));
    expect(Math.round(r.latest!.ms)).toBe(12_950); // the last sample taken, not kept
    for (const h of HEAP_TASKS) {
      const peak = r.peakFragmentation[h.name]!;
      for (const s of r.samples) expect(peak.fragmentation).toBeGreaterThanOrEqual(s.heaps[h.name]!.fragmentation);
    }
    for (const s of r.samples) expect(r.peakKmallocPages).toBeGreaterThanOrEqual(s.kmallocPages);
    const overTime = run.checks.find((c) => c.name === "page map over time")!;
    expect(overTime.detail.split("\n")[0]).toBe(
      "130 of 260 samples (one kept per 100 ms) (free pages and fragmentation per region: CCM, SRAM1, SRAM2)",
    );
    expect(overTime.detail.split("\n")).toHaveLength(131);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it("is deterministic for a seed and runs with the checker on", () => {
    const a = runApp(allocStress, { seed: 5, durationMs: 300 });
    const b = runApp(allocStress, { seed: 5, durationMs: 300 });
    expect(b.kernel.task("monitor")!.output).toEqual(a.kernel.task("monitor")!.output);
    const checked = runApp(allocStress, { durationMs: 300, memcheck: true });
    expect(checked.kernel.faults).toEqual([]);
    expect(checked.kernel.checker!.reports).toEqual([]);
  });

  it("its task factory gets no kernel: the slab array and the samples come from its observe hook, outside task code", () => {
    const s = startApp(allocStress, { durationMs: 120 });
    s.run();
    expect(allocStressResults(s.kernel)!.samples.map((x) => Math.round(x.ms))).toEqual([0, 50, 100]);
    // Without the hook (a factory called on its own), the tasks are refused, typed.
    const bare = startApp({ ...allocStress, observe: undefined, tasks: [] }).env;
    let error: unknown = null;
    try {
      (allocStress.tasks as (env: typeof bare) => unknown)(bare);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelError);
    expect([(error as KernelError).code, (error as KernelError).context]).toEqual(["BAD_CONFIG", { field: "observe" }]);
  });
});
