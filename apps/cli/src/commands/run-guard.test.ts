import { describe, expect, it } from "vitest";
import { guardedRun, runStop } from "./run-guard.js";

describe("guardedRun", () => {
  it("returns what the call returns and rethrows what it throws, as it is", () => {
    expect(guardedRun(() => 42, 1000)).toBe(42);
    const boom = new Error("boom");
    let caught: unknown = null;
    try {
      guardedRun(() => {
        throw boom;
      }, null);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect(runStop(caught)).toBeNull();
  });

  it("stops a call that never returns (a JavaScript loop) after its wall-time limit", () => {
    let spins = 0;
    let caught: unknown = null;
    try {
      guardedRun(() => {
        for (;;) spins++;
      }, 50);
    } catch (e) {
      caught = e;
    }
    expect(runStop(caught)).toBe("timeout");
    expect(spins).toBeGreaterThan(0);
  });
});
