import { defineApp, runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { FLIGHT_KERNEL, flight, flightOutputs } from "../flight/app.js";
import { rollIntegralAddress } from "../flight/mixer.js";
import { flightTasks } from "../flight/tasks.js";
import { diffOutputs, isolation, isolationChecks, judgeAttempt } from "./app.js";
import { ATTEMPTS } from "./attempts.js";

describe("isolation", () => {
  it.each([true, false])("stops every attempt with its fault and leaves flight untouched (memcheck %s)", (memcheck) => {
    const run = runApp(isolation, { memcheck });
    expect(run.result.reason).toBe("until");
    const byName = new Map(run.checks.map((c) => [c.name, c]));
    for (const a of ATTEMPTS) {
      const c = byName.get(a.task);
      expect(c?.ok, `${a.task}: ${c?.detail}`).toBe(true);
      const faults = run.kernel.faults.filter((f) => f.task === a.task);
      if (a.expect.kind === "refused") {
        expect(faults).toEqual([]); // refused with an error code: nothing to stop
        continue;
      }
      expect(faults.length).toBe(1);
      expect(faults[0]!.action).toBe("stopped");
      expect(run.kernel.schedTask(run.kernel.task(a.task)!).state).toBe("faulted");
    }
    const same = byName.get("flight outputs identical to a control run without the attacks");
    expect(same?.ok, same?.detail).toBe(true);
    for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    expect(run.kernel.faults.length).toBe(ATTEMPTS.filter((a) => a.expect.kind !== "refused").length);
  });

  it("skips the attempts whose turn the run did not reach, and judges the others", () => {
    // The fourth attempt's rogue wakes at 201 ms: a 201 ms run ends before its turn, 202 ms after.
    for (const [durationMs, made] of [
      [201, 3],
      [202, 4],
    ] as const) {
      const run = runApp(isolation, { memcheck: false, durationMs });
      const attempts = run.checks.filter((c) => c.name.startsWith("rogue-"));
      expect(attempts.map((c) => c.name)).toEqual(ATTEMPTS.map((a) => a.task));
      attempts.forEach((c, i) => {
        if (i < made) {
          expect(c.ok, c.detail).toBe(true);
          expect(c.skipped).toBeUndefined();
        } else {
          expect(c.ok).toBe(false);
          expect(c.skipped).toBe(true);
          expect(c.detail).toBe(
            `${ATTEMPTS[i]!.what}: not reached, the run ended at ${durationMs} ms, before the task had its turn (due at ${51 + 50 * i} ms)`,
          );
        }
      });
      for (const c of run.checks.filter((x) => !x.name.startsWith("rogue-"))) expect(c.ok, c.detail).toBe(true);
    }
  });

  it("compares with a control run asked for the same duration, not one as long as the run lasted", () => {
    // Asked for 0.5 ms, the run ends at 659.369 us, after the estimator's first slice: a control
    // run of 0.66 ms would start the mixer's slice too, and differ in the actuator writes.
    const run = runApp(isolation, { memcheck: false, durationMs: 0.5 });
    expect(run.kernel.nowMs()).toBeCloseTo(0.659369, 6);
    const same = run.checks.find((c) => c.name === "flight outputs identical to a control run without the attacks")!;
    expect([same.ok, same.detail]).toEqual([
      true,
      "0 UART lines, 0 actuator writes (hash 0x811c9dc5) and the ring, attitude and motors partitions are byte-identical to a 0.5 ms control run (isolation-control)",
    ]);
  });

  it("decodes each fault: kind, CFSR names and address", () => {
    const run = runApp(isolation, { memcheck: false });
    const k = run.kernel;
    const f = (task: string) => k.faults.find((x) => x.task === task)!;
    expect(f("rogue-kernel-read").kind).toBe("memmanage");
    expect(f("rogue-kernel-read").hw!.cfsrNames).toEqual(["DACCVIOL", "MMARVALID"]);
    expect(f("rogue-kernel-read").hw!.faultAddress).toBe(k.kernelBlock.base);
    // the mixer's main frame (256 bytes) at its stack top; the roll PID's integral 16 bytes in
    expect(f("rogue-stack-write").hw!.faultAddress).toBe(k.task("mixer")!.stack.top - 256 + 16);
    expect(f("rogue-heap-write").hw!.faultAddress).toBe(k.task("telemetry")!.heap!.base);
    expect(f("rogue-ring-write").hw!.faultAddress).toBe(k.partitions.get("ring")!.base);
    expect(f("rogue-actuator").hw!.faultAddress).toBe(0x40010034); // TIM1 CCR1 on the F407
    expect(f("rogue-mpu-write").kind).toBe("busfault");
    expect(f("rogue-mpu-write").hw!.cfsrNames).toEqual(["PRECISERR", "BFARVALID"]);
    expect(f("rogue-mpu-write").hw!.faultAddress).toBe(0xe000eda0);
    expect(f("rogue-exec-data").hw!.cfsrNames).toEqual(["IACCVIOL"]);
    expect(f("rogue-exec-data").hw!.access.kind).toBe("fetch");
    expect(f("rogue-bad-pointer").kind).toBe("bad-pointer");
    expect(f("rogue-bad-pointer").hw).toBeUndefined();
    expect(f("rogue-stack-overflow").kind).toBe("stack-overflow");
    expect(f("rogue-stack-overflow").hw!.faultAddress).toBe(k.task("rogue-stack-overflow")!.stack.base);
    expect(f("rogue-stack-overflow").dump).toContain('Fault in task "rogue-stack-overflow"');
  });

  it("with the checker on, the stack overflow it catches first is still kind stack-overflow, its report kept", () => {
    const run = runApp(isolation, { memcheck: true });
    const f = run.kernel.faults.find((x) => x.task === "rogue-stack-overflow")!;
    expect([f.kind, f.hw, f.checker?.kind, f.action]).toEqual([
      "stack-overflow",
      undefined,
      "stack-overflow",
      "stopped",
    ]);
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.checks.find((c) => c.detail.startsWith("overflow its own stack"))?.detail).toMatch(
      /: t=\d+\.\d{3} ms stack-overflow: stack overflow: .* -> stopped \(memory checker: stack-overflow\)$/,
    );
  });

  it("is deterministic: two runs, same faults and outputs", () => {
    const a = runApp(isolation, { seed: 3 });
    const b = runApp(isolation, { seed: 3 });
    expect(flightOutputs(b.kernel)).toEqual(flightOutputs(a.kernel));
    expect(b.kernel.faults.map((f) => f.dump)).toEqual(a.kernel.faults.map((f) => f.dump));
  });
});

describe("isolation checks catch what they should", () => {
  it("a write the MPU does not stop (a privileged task) reaches the control loop: the outputs differ", () => {
    const app = defineApp({
      name: "privileged-rogue",
      description: "flight plus a privileged task that writes the mixer's roll PID integral",
      kernel: FLIGHT_KERNEL,
      tasks: (env) => [
        ...flightTasks(env),
        {
          name: "rogue-privileged",
          priority: 0,
          privileged: true, // the background region: nothing stops its stores
          heapSize: 0,
          *main(t) {
            yield* t.sleep({ ms: 51 });
            t.writeF32(rollIntegralAddress(env.task("mixer").stack.top), 40);
          },
        },
      ],
    });
    const run = runApp(app, { memcheck: false, durationMs: 300 });
    expect(run.kernel.faults).toEqual([]);
    const same = isolationChecks(run.kernel, { seed: 1, durationMs: 300 }, flight).find(
      (c) => c.name === "flight outputs identical to a control run without the attacks",
    )!;
    expect(same.ok).toBe(false);
    expect(same.detail).toMatch(/^differ: .*actuator writes/);
    const clean = flightOutputs(runApp(flight, { memcheck: false, durationMs: 300 }).kernel);
    expect(diffOutputs(clean, flightOutputs(run.kernel))).toContain("actuator writes");
  });

  it("an attempt that was never stopped fails its check", () => {
    const run = runApp(flight, { durationMs: 50 });
    const j = judgeAttempt(run.kernel, ATTEMPTS[0]!);
    expect(j.ok).toBe(false);
    expect(j.detail).toBe("read the kernel's memory: NOT stopped (no fault)");
  });

  it("diffOutputs names every part that differs", () => {
    const a = flightOutputs(runApp(flight, { durationMs: 200 }).kernel);
    expect(diffOutputs(a, a)).toEqual([]);
    const b = {
      ...a,
      uart: { ...a.uart, telemetry: [...(a.uart.telemetry ?? []), "extra"] },
      actuatorHash: a.actuatorHash ^ 1,
      partitions: { ...a.partitions, ring: "00" },
    };
    expect(diffOutputs(a, b)).toEqual(["UART lines of telemetry", "actuator writes", "partition ring"]);
  });
});
