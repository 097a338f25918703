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

/**
 * Boards the kernel places no actuator on (its device roles name TIM1 and DUALTIMER only; the
 * RP2350 has PWM, the SSE-300 of the MPS3-AN547 four timers): the apps that drive motors refuse
 * to start there with the kernel's UNKNOWN_DEVICE.
 */
const NO_ACTUATOR = new Set(["rp2350", "mps3-an547"]);
const NEEDS_ACTUATOR = new Set(["flight", "isolation"]);

describe("every app on every board", () => {
  it.each(BOARDS.flatMap((b) => APPS.map((a) => [a.name, b.name] as const)))(
    "%s passes its checks on %s",
    (app, board) => {
      if (NO_ACTUATOR.has(board) && NEEDS_ACTUATOR.has(app)) {
        expect(() => runApp(findApp(app)!, { board })).toThrow(/UNKNOWN_DEVICE: board .* has no actuator/);
        return;
      }
      const run = runApp(findApp(app)!, { board });
      expect(["until", "no-tasks"]).toContain(run.result.reason);
      for (const c of run.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
    },
  );
});
