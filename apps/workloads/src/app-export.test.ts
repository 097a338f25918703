import { describe, expect, it } from "vitest";
import { appExportOf } from "./app-export.js";

const machine = { name: "m", summary: "s", run() {} };
const kernel = { name: "k", description: "d", tasks: [] };

describe("appExportOf", () => {
  it("takes the default export, else the app export, preferring one that can run", () => {
    expect(appExportOf({ default: machine })).toBe(machine);
    expect(appExportOf({ app: kernel })).toBe(kernel);
    expect(appExportOf({ default: { name: "x" }, app: machine })).toBe(machine);
  });

  it("looks one level down in a CommonJS-wrapped default", () => {
    expect(appExportOf({ default: { default: kernel } })).toBe(kernel);
    expect(appExportOf({ default: { app: machine, other: 1 } })).toBe(machine);
  });

  it("undefined when the module exports no app; a lone default that is not an app is returned for the shape check", () => {
    expect(appExportOf({})).toBeUndefined();
    expect(appExportOf({ helper: 1 })).toBeUndefined();
    expect(appExportOf({ default: { name: "half" } })).toEqual({ name: "half" });
  });
});
