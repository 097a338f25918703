/**
 * apps benchmark: how much faster than real time `flight` simulates, with the memory checker off
 * (the baseline) and on, measured in the same run (each case in its own process). Throughput is
 * simulated milliseconds per wall-clock second, so "realtime" = throughput / 1000: simulated ms
 * per wall ms. Targets (docs/benchmarks.md): at least 4x real time with the checker off and 1x
 * with it on, at the CPU load flight puts on a 168 MHz STM32F407 (20-40%). Each row also shows,
 * from one more untimed run, what a simulated millisecond holds: checked memory accesses (counted
 * by an access hook in that run only), charged cycles, context switches, and the CPU load.
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
  return { ...m, name: `${m.name} (${switches} switches per run)`, perMs: perSimulatedMs(memcheck) };
}

/** What a simulated millisecond of flight holds, from one untimed run with an access counter. */
function perSimulatedMs(memcheck: boolean): Record<string, string> {
  let accesses = 0;
  const run = runApp(flight, {
    durationMs: 1000,
    memcheck,
    beforeRun: (k) => {
      const inner = k.machine.core.hook;
      // Every checked access (a block transfer counts once), passed on to the checker's hook.
      k.machine.core.hook = {
        onAccess(a, size, kind, privileged, actor) {
          accesses++;
          inner?.onAccess(a, size, kind, privileged, actor);
        },
      };
    },
  });
  const ms = run.result.ms;
  return {
    accessesPerMs: (accesses / ms).toFixed(0),
    cyclesPerMs: (run.result.cycles / ms).toFixed(0),
    switchesPerMs: (run.result.switches / ms).toFixed(2),
    cpuLoad: `${(100 * run.kernel.cpuLoad()).toFixed(1)}%`,
  };
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
          row(
            r[k]!,
            r.checkerOff ?? null,
            { opsPerSec: k === "checkerOn" ? 1000 : 4000 },
            {
              realtime: `${(r[k]!.opsPerSec / 1000).toFixed(1)}x`,
              ...(r[k] as { perMs?: Record<string, string> }).perMs,
            },
          ),
        ),
    },
  ],
);
