import { STM32F407 } from "@rtos-sim/hw";
import type { StackFrame } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { flight } from "../flight/app.js";
import { heapBugs } from "../heap-bugs/app.js";
import { isolation } from "../isolation/app.js";
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

  it("leaves out the checker's source sites: the same run from another working directory, or a browser's bundle", () => {
    const bugs = (sourceRoot: string | undefined) => {
      const app = fromKernelApp(heapBugs);
      const prepared = prepareRun(app, STM32F407, { seed: 3, durationMs: 40, memcheck: true, sourceRoot });
      void app.run(prepared.ctx);
      return finishRun(prepared, 0);
    };
    const here = bugs(undefined);
    const site = (r: typeof here) => r.reports[0]!.details.find((l) => l.startsWith("    #0 ")) ?? "";
    const file = /#0 (\S+)\/apps\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+/.exec(site(here));
    expect(file).not.toBeNull(); // the absolute path, with no root
    const elsewhere = bugs(`${file![1]}/other`); // run from a sibling of the repository's apps/
    expect(site(elsewhere)).toMatch(/^ {4}#0 \.\.\/apps\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+/);
    expect(traceHash(elsewhere)).toBe(traceHash(here));
    // A browser's stack names the bundled chunk and its minified position.
    const bundled = JSON.parse(
      JSON.stringify(here).replace(
        /[^\s"]*heap-bugs\/app\.ts:\d+:\d+ in [\w.]+/g,
        "http://127.0.0.1:4000/chunk-X.js:1:62906 in Vr",
      ),
    ) as typeof here;
    expect(bundled.reports[0]!.details).not.toEqual(here.reports[0]!.details);
    expect(traceHash(bundled)).toBe(traceHash(here));
    // Anything else in a report still counts.
    const reports = here.reports.map((r, i) => (i === 0 ? { ...r, address: (r.address ?? 0) + 4 } : r));
    expect(traceHash({ ...here, reports })).not.toBe(traceHash(here));
  });

  it("leaves out whether a site was found at all: a browser without its bundle's source maps finds none", () => {
    // Every frame mapped into the simulator's own code: no report, fault or check names a line.
    const noMaps = (f: StackFrame) => ({ ...f, file: "packages/kernel/dist/index.js" });
    for (const [app, durationMs] of [
      [heapBugs, 130],
      [isolation, 260],
    ] as const) {
      const runOf = (mapSourceFrame?: (f: StackFrame) => StackFrame) => {
        const machineApp = fromKernelApp(app);
        const prepared = prepareRun(machineApp, STM32F407, {
          seed: 1,
          durationMs,
          memcheck: true,
          ...(mapSourceFrame ? { mapSourceFrame } : {}),
        });
        void machineApp.run(prepared.ctx);
        return finishRun(prepared, 0);
      };
      const withSites = runOf();
      const without = runOf(noMaps);
      // The runs differ in their text: sites in one, none in the other.
      expect(
        withSites.faults.some((f) => f.source !== null),
        app.name,
      ).toBe(true);
      expect(
        without.faults.every((f) => f.source === null),
        app.name,
      ).toBe(true);
      expect(JSON.stringify(without)).not.toMatch(/\.ts:\d+:\d+/);
      expect(traceHash(without), app.name).toBe(traceHash(withSites));
    }
  });
});
