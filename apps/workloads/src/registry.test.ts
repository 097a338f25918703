import { BOARDS } from "@rtos-sim/hw";
import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import rootReadme from "../../../README.md?raw";
import readme from "../README.md?raw";
import { machineAppProblems } from "./machine-app.js";
import { APPS, DEFAULT_APP, findApp, runnableApp } from "./registry.js";
import { finishRun, prepareRun } from "./run/context.js";

describe("registry", () => {
  it("lists the seven apps, flight first and default, each with its kind", () => {
    expect(APPS.map((a) => [a.app.name, a.kind])).toEqual([
      ["flight", "kernel"],
      ["isolation", "kernel"],
      ["heap-bugs", "kernel"],
      ["alloc-stress", "kernel"],
      ["mpu-demo", "machine"],
      ["priority-inversion", "kernel"],
      ["stack-overflow", "kernel"],
      ["dma", "kernel"],
    ]);
    expect(DEFAULT_APP).toBe("flight");
    expect(findApp("FLIGHT")).toBe(APPS[0]);
    expect(findApp("mpu-demo")).toBe(APPS[4]);
    expect(findApp("nope")).toBeUndefined();
  });

  it("every app runs as a valid machine app on the STM32F407 by default", () => {
    for (const entry of APPS) {
      const app = runnableApp(entry);
      expect(machineAppProblems(app), app.name).toEqual([]);
      expect(app.name).toBe(entry.app.name);
      expect(app.defaultBoard ?? "stm32f407").toBe("stm32f407");
      expect(app.summary.length).toBeGreaterThan(10);
    }
    expect(runnableApp(APPS[4]!)).toBe(APPS[4]!.app);
  });
});

describe("the apps' docs", () => {
  it("every app has a row in this package's README app table, in registry order", () => {
    const lines = readme.split("\n");
    const header = lines.findIndex((line) => /^\| app +\|/.test(line));
    expect(header, "the README's app table").toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((line, i) => i > header && !line.startsWith("|"));
    const names = lines.slice(header + 2, end).map((line) => /^\| `([a-z0-9-]+)`/.exec(line)?.[1]);
    expect(names).toEqual(APPS.map((a) => a.app.name));
    // The "default" column: the app's duration and, for a kernel app, whether the checker is on.
    const defaults = lines.slice(header + 2, end).map((line) => line.split("|")[2]!.trim());
    expect(defaults).toEqual(
      APPS.map((a) => {
        const ms = a.kind === "kernel" ? a.app.durationMs : a.app.defaultDurationMs;
        const time = ms !== undefined && ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
        return a.kind === "kernel" ? `${time}, checker ${a.app.memcheck ? "on" : "off"}` : time;
      }),
    );
  });

  it("the root README's package table names every app", () => {
    const row = rootReadme.split("\n").find((line) => line.includes("[`@rtos-sim/apps`]"));
    expect(row, "the @rtos-sim/apps row").toBeDefined();
    const names = /the apps \(([^)]+)\)/.exec(row!)?.[1]?.split(", ");
    expect(names).toEqual(APPS.map((a) => a.app.name));
  });
});

const kernelApps = APPS.flatMap((a) => (a.kind === "kernel" ? [a.app] : []));
const machineApps = APPS.flatMap((a) => (a.kind === "machine" ? [a.app] : []));

describe("every app with the checker on and with it off", () => {
  // `--memcheck` / `--no-memcheck` on an app's default board: the run's verdict is clean either
  // way (a report or fault the app provokes on purpose is expected under both settings).
  it.each(APPS.flatMap((a) => [true, false].map((memcheck) => [a.app.name, memcheck, a] as const)))(
    "%s with memcheck %s: no problems",
    async (_name, memcheck, entry) => {
      const app = runnableApp(entry);
      const board = BOARDS.find((b) => b.name === (app.defaultBoard ?? "stm32f407"))!;
      const run = prepareRun(app, board, { seed: 1, durationMs: app.defaultDurationMs ?? 1000, memcheck });
      await app.run(run.ctx);
      expect(finishRun(run, 0).verdict).toEqual({ ok: true, problems: [] });
    },
  );
});

describe("every app on every board", () => {
  it.each(BOARDS.flatMap((b) => kernelApps.map((a) => [a.name, b.name] as const)))(
    "%s passes its checks on %s",
    (name, board) => {
      const run = runApp(kernelApps.find((a) => a.name === name)!, { board });
      expect(["until", "no-tasks"]).toContain(run.result.reason);
      for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    },
  );

  it.each(BOARDS.flatMap((b) => machineApps.map((a) => [a.name, b.name] as const)))(
    "%s passes its checks on %s",
    async (name, boardName) => {
      const app = machineApps.find((a) => a.name === name)!;
      const board = BOARDS.find((b) => b.name === boardName)!;
      const run = prepareRun(app, board, { seed: 1, durationMs: 200, memcheck: false });
      await app.run(run.ctx);
      const result = finishRun(run, 0);
      expect(result.checks.length).toBeGreaterThan(0);
      expect(result.checks.filter((c) => !c.passed)).toEqual([]);
      expect(result.verdict).toEqual({ ok: true, problems: [] });
    },
  );
});
