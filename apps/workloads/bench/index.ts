/**
 * apps benchmark: how much faster than real time `flight` simulates, with the memory checker off
 * (the baseline) and on, measured in the same run (each case in its own process). Throughput is
 * simulated milliseconds per wall-clock second, so "realtime" = throughput / 1000: simulated ms
 * per wall ms. The target: at least 50x real time with the checker on.
 */
import { benchMain, measure, row } from "@rtos-sim/bench-kit";
import { runApp } from "@rtos-sim/kernel";
import { flight } from "../src/index.js";

/** Simulated milliseconds per timed run (each run boots a fresh kernel: boot time is included). */
const SIM_MS = 5000;

function flightCase(memcheck: boolean) {
  let switches = 0;
  const m = measure(
    `flight ${SIM_MS} ms on STM32F407, checker ${memcheck ? "on" : "off"}`,
    SIM_MS,
    () => {
      const run = runApp(flight, { durationMs: SIM_MS, memcheck });
      if (run.kernel.faults.length > 0 || run.result.ms !== SIM_MS) throw new Error("flight did not run cleanly");
      switches = run.result.switches;
      return switches;
    },
    { warmup: 3, runs: 7 },
  );
  return { ...m, name: `${m.name} (${switches} switches per run)` };
}

benchMain(
  "apps",
  {
    checkerOff: () => flightCase(false),
    checkerOn: () => flightCase(true),
  },
  (r) => [
    {
      group: "flight: simulated ms per wall second (realtime = simulated ms / wall ms)",
      baseline: r.checkerOff?.name ?? "checker off",
      rows: (["checkerOff", "checkerOn"] as const)
        .filter((k) => r[k] !== undefined)
        .map((k) =>
          row(r[k]!, r.checkerOff ?? null, k === "checkerOn" ? { opsPerSec: 50_000 } : undefined, {
            realtime: `${(r[k]!.opsPerSec / 1000).toFixed(1)}x`,
          }),
        ),
    },
  ],
);
