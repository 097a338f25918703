import { BOARDS } from "@rtos-sim/hw";
import { runApp } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { APPS, DEFAULT_APP, findApp } from "./registry.js";

describe("registry", () => {
  it("lists the four apps, flight first and default", () => {
    expect(APPS.map((a) => a.name)).toEqual(["flight", "isolation", "heap-bugs", "alloc-stress"]);
    expect(DEFAULT_APP).toBe("flight");
    expect(findApp("FLIGHT")).toBe(APPS[0]);
    expect(findApp("nope")).toBeUndefined();
    for (const a of APPS) {
      expect(a.board).toBe("stm32f407");
      expect(a.description.length).toBeGreaterThan(10);
    }
  });
});

describe("every app on every board", () => {
  it.each(BOARDS.flatMap((b) => APPS.map((a) => [a.name, b.name] as const)))(
    "%s passes its checks on %s",
    (app, board) => {
      const run = runApp(findApp(app)!, { board });
      expect(["until", "no-tasks"]).toContain(run.result.reason);
      for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    },
  );
});
