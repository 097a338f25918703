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
