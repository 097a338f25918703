import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { flight } from "../flight/app.js";
import { finishRun, prepareRun } from "./context.js";
import { fromKernelApp } from "./kernel-app.js";
import { traceHash } from "./trace-hash.js";

function run(seed: number, wallMs = 0, source: "builtin" | "file" = "builtin") {
  const app = fromKernelApp(flight);
  const prepared = prepareRun(
    app,
    STM32F407,
    { seed, durationMs: 120, memcheck: true },
    {
      source,
      file: source === "file" ? "/tmp/flight.ts" : null,
    },
  );
  void app.run(prepared.ctx);
  return finishRun(prepared, wallMs);
}

describe("traceHash", () => {
  it("16 hex digits, the same for the same seed whatever the wall time or the app's origin", () => {
    const a = traceHash(run(1));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(traceHash(run(1, 123.4, "file"))).toBe(a);
    // The JSON document of `rtos-sim run --json` carries the hash: it hashes to itself.
    expect(traceHash({ ...run(1), traceHash: a } as ReturnType<typeof run>)).toBe(a);
  });

  it("changes with the seed and with any recorded detail", () => {
    const r = run(1);
    expect(traceHash(run(2))).not.toBe(traceHash(r));
    const uart = r.uart.map((l, i) => (i === 1 ? { ...l, text: `${l.text}.` } : l));
    expect(traceHash({ ...r, uart })).not.toBe(traceHash(r));
  });
});
