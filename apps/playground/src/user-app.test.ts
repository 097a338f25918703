import { describe, expect, it } from "vitest";
import { EXAMPLE_APP } from "./example-app.js";
import { transpile } from "./transpile.js";
import { errorPosition, loadUserApp } from "./user-app.js";

const load = (source: string) => loadUserApp(transpile(source));

describe("transpile and loadUserApp", () => {
  it("the example is a kernel app; types are erased and lines kept", () => {
    const code = transpile(EXAMPLE_APP);
    expect(code.split("\n")).toHaveLength(EXAMPLE_APP.split("\n").length);
    expect(code).not.toContain(": AppDescription");
    const app = load(EXAMPLE_APP);
    expect(app.kind).toBe("kernel");
    expect(app.app.name).toBe("my-app");
  });

  it("a machine app is recognised by its run function", () => {
    const app = load('export default { name: "m", summary: "s", run(ctx: unknown) {} };');
    expect(app.kind).toBe("machine");
  });

  it("a syntax error gives its line and column", () => {
    expect(() => load("const a = 1;\nconst b = ;\n")).toThrow(
      expect.objectContaining({ code: "APP_SYNTAX", context: { line: 2, column: 11 } }),
    );
  });

  it("an exception while loading gives the line it was thrown on", () => {
    expect(() => load('const x = 1;\n\nthrow new TypeError("boom");\n')).toThrow(
      expect.objectContaining({ code: "APP_LOAD", detail: "the app threw while loading (line 3): TypeError: boom" }),
    );
  });

  it("an unknown module, no export, a malformed app: typed errors", () => {
    expect(() => load('import { x } from "left-pad";\nexport default x;')).toThrow(
      expect.objectContaining({ code: "APP_LOAD", context: expect.objectContaining({ module: "left-pad", line: 1 }) }),
    );
    expect(() => load('import { foo } from "@rtos-sim/kernel";\nfoo();\nexport default {};')).toThrow(
      expect.objectContaining({
        code: "APP_LOAD",
        detail: '"@rtos-sim/kernel" has no export named "foo"',
        context: expect.objectContaining({ module: "@rtos-sim/kernel", name: "foo", line: 2 }),
      }),
    );
    expect(() => load("export const n = 1;")).toThrow(expect.objectContaining({ code: "APP_INVALID" }));
    expect(() => load('export default { name: "Bad Name", summary: "", run: 1 };')).toThrow(
      expect.objectContaining({ code: "APP_INVALID", detail: expect.stringContaining("name must be") }),
    );
    expect(() => load('export default { name: "k", description: "d", tasks: [], durationMs: -1 };')).toThrow(
      expect.objectContaining({ code: "APP_INVALID", detail: expect.stringContaining("durationMs") }),
    );
  });

  it("errorPosition: nulls for an error from elsewhere", () => {
    expect(errorPosition(new Error("not from the app"))).toEqual({ line: null, column: null });
    expect(errorPosition("a string")).toEqual({ line: null, column: null });
  });
});
