import { TraceRecorder } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { type AppDescription, runApp, startApp } from "./app.js";
import type { Kernel } from "./kernel.js";
import { hashBytes, victim } from "./test-kit.js";

/** Two victims, one sharing a partition, and a task that faults on the kernel's memory at 3 ms. */
const APP: AppDescription = {
  name: "steps",
  description: "victims and a rogue, for stepped runs",
  durationMs: 30,
  kernel: {
    partitions: [
      { name: "shared", size: 1024 },
      { name: "ro", size: 1024 },
    ],
  },
  tasks: (env) => [
    victim("va", 1, env, true),
    victim("vb", 2, env, false),
    {
      name: "rogue",
      *main(t) {
        yield { op: "sleep", ms: 3 };
        t.read32(env.kernelBlock.base);
      },
    },
  ],
  check: (k) => [{ name: "va printed", ok: k.task("va")!.output.length === 10, detail: "" }],
};

function ramHash(k: Kernel): string {
  return hashBytes(k.layout.ram.map((r) => k.machine.bus.peek(r.start, r.size)));
}

describe("startApp", () => {
  it("boots and spawns without running: no slice yet, every task ready", () => {
    const s = startApp(APP, { seed: 2 });
    expect(s.durationMs).toBe(30);
    expect(s.kernel.scheduler.tasks().map((t) => `${t.state} ${t.stats.slices}`)).toEqual([
      "ready 0",
      "ready 0",
      "ready 0",
    ]);
    expect(s.kernel.tasks().map((t) => t.name)).toEqual(["va", "vb", "rogue"]);
    expect(s.env.seed).toBe(2);
    expect(s.env.durationMs).toBe(30); // the app's; the run's option wins
    expect(startApp(APP, { durationMs: 0.5 }).env.durationMs).toBe(0.5);
  });

  it("a run of one slice at a time is the same run as runApp's: trace hash, memory, faults, checks", () => {
    let whole: TraceRecorder | null = null;
    const a = runApp(APP, { seed: 3, beforeRun: (k) => (whole = new TraceRecorder(k.scheduler.events)) });
    for (const step of [1, 7]) {
      let trace: TraceRecorder | null = null;
      const s = startApp(APP, { seed: 3, beforeRun: (k) => (trace = new TraceRecorder(k.scheduler.events)) });
      let calls = 0;
      let r = s.run(step);
      while (r.reason === "slices") {
        calls++;
        r = s.run(step);
      }
      expect(calls).toBeGreaterThan(20 / step);
      expect(r.reason).toBe(a.result.reason);
      expect(r.ms).toBe(a.result.ms);
      expect(r.cycles).toBe(a.result.cycles);
      expect(r.switches).toBe(a.result.switches);
      expect(trace!.hash()).toBe(whole!.hash());
      expect(ramHash(s.kernel)).toBe(ramHash(a.kernel));
      expect(s.kernel.faults.map((f) => f.dump)).toEqual(a.kernel.faults.map((f) => f.dump));
      expect(s.checks()).toEqual(a.checks);
    }
    expect(a.kernel.faults.map((f) => `${f.task} ${f.kind}`)).toEqual(["rogue memmanage"]);
    expect(a.checks).toEqual([{ name: "va printed", ok: true, detail: "" }]);
  });

  it("run(n) stops after n slices and never passes the duration", () => {
    const s = startApp(APP, { durationMs: 5 });
    const first = s.run(2);
    expect(first.reason).toBe("slices");
    expect(s.kernel.scheduler.tasks().reduce((n, t) => n + t.stats.slices, 0)).toBe(2);
    const rest = s.run();
    expect(rest.reason).toBe("until");
    expect(rest.ms).toBeGreaterThanOrEqual(5);
    expect(s.run(3).reason).toBe("until");
  });
});
