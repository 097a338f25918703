import { defineApp, runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { flight } from "./index.js";

describe("README examples", () => {
  it("the quick start runs flight and prints telemetry", () => {
    const run = runApp(flight, { seed: 1, durationMs: 1000 });
    const out = run.kernel.task("telemetry")!.output;
    expect(out[1]).toBe(
      "t=  100 ms | roll   +5.52 pitch   +1.86 yaw   +0.01 deg | motors 1137 1123 1114 1146 | imu samples 51 lost 0",
    );
    expect(run.checks.every((c) => c.ok)).toBe(true);
  });

  it("the 'writing your own app' example prints a tick every 100 ms", () => {
    const app = defineApp({
      name: "blink",
      description: "one task printing every 100 ms",
      durationMs: 500,
      tasks: () => [
        {
          name: "hello",
          *main(t) {
            const p = yield* t.malloc(16);
            for (let i = 0; ; i++) {
              const line = `tick ${i}\n`;
              t.writeString(p, line);
              yield* t.print(p, line.length);
              yield* t.sleep({ ms: 100 });
            }
          },
        },
      ],
    });
    const run = runApp(app);
    expect(run.kernel.task("hello")!.output).toEqual(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4"]);
  });
});
