import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import { firstSourceSite, parseFrames, type StackFrame } from "@rtos-sim/memcheck";
import { buildSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { bundleFrameMap } from "./bundle-frames.js";
import { decodeVlq, normalizePath, SourceMap } from "./source-map.js";

describe("VLQ segments and paths", () => {
  it("decodes base64 VLQ values: sign bit first, 5 bits a digit, continuation bit", () => {
    expect(decodeVlq("AAAA")).toEqual([0, 0, 0, 0]);
    expect(decodeVlq("IAAM")).toEqual([4, 0, 0, 6]);
    expect(decodeVlq("D")).toEqual([-1]);
    expect(decodeVlq("gB")).toEqual([16]);
    expect(decodeVlq("2HwBnB")).toEqual([123, 24, -19]);
    expect(decodeVlq("+/////D")).toEqual([2147483647]); // past 32 bits, no overflow
    expect(decodeVlq("A!")).toBeNull(); // not a base64 digit
    expect(decodeVlq("g")).toBeNull(); // a continuation with nothing after it
  });

  it("resolves . and .. in a source's path", () => {
    expect(normalizePath("apps/playground/dist/site/../../../../packages/memcheck/src/checker.ts")).toBe(
      "packages/memcheck/src/checker.ts",
    );
    expect(normalizePath("a/./b//c/../d.ts")).toBe("a/b/d.ts");
    expect(normalizePath("../x/../../y.ts")).toBe("../../y.ts");
    expect(normalizePath("/a/../b.ts")).toBe("/b.ts");
  });
});

describe("SourceMap", () => {
  // Generated line 1: column 0 from a.ts 1:0, column 4 from b.ts 3:2, column 9 has no source;
  // line 2 empty; line 3: column 2 from b.ts 4:0 (relative to the previous segment).
  const text = JSON.stringify({
    version: 3,
    sourceRoot: "out/dir",
    sources: ["../../src/a.ts", "../../src/b.ts"],
    names: [],
    mappings: "AAAA,ICEE,K;;EACF",
  });

  it("finds the last segment at or before a 1-based position, with the sourceRoot joined", () => {
    const map = SourceMap.parse(text)!;
    expect(map.lookup(1, 1)).toEqual({ source: "src/a.ts", line: 1, column: 1 });
    expect(map.lookup(1, 4)).toEqual({ source: "src/a.ts", line: 1, column: 1 });
    expect(map.lookup(1, 5)).toEqual({ source: "src/b.ts", line: 3, column: 3 });
    expect(map.lookup(1, 9)).toEqual({ source: "src/b.ts", line: 3, column: 3 });
    expect(map.lookup(1, 10)).toBeNull(); // a segment with no source
    expect(map.lookup(2, 1)).toBeNull(); // an empty line
    expect(map.lookup(3, 2)).toBeNull(); // before the line's first segment
    expect(map.lookup(3, 3)).toEqual({ source: "src/b.ts", line: 4, column: 1 });
    expect(map.lookup(4, 1)).toBeNull(); // past the last line
  });

  it("is null for what it cannot read", () => {
    expect(SourceMap.parse("not json")).toBeNull();
    expect(SourceMap.parse("null")).toBeNull();
    expect(SourceMap.parse(JSON.stringify({ version: 2, sources: [], mappings: "" }))).toBeNull();
    expect(SourceMap.parse(JSON.stringify({ version: 3, mappings: "" }))).toBeNull();
    expect(SourceMap.parse(JSON.stringify({ version: 3, sources: [], mappings: "AA" }))).toBeNull(); // 2 fields
    expect(SourceMap.parse(JSON.stringify({ version: 3, sources: [], mappings: "A$" }))).toBeNull();
  });
});

/**
 * A minified bundle as the playground's build makes one (esbuild, a separate map, sources from
 * the repository's root), of a "package" that captures the stack and an "app" that calls it,
 * run in this engine under an http URL: its stack frames name the bundle.
 */
function bundle() {
  const root = mkdtempSync(join(tmpdir(), "rtos-sim-srcmap-"));
  const put = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put(
    "packages/memcheck/src/capture.ts",
    "export function capture(): string {\n  const e = new Error('site');\n  return String(e.stack);\n}\n",
  );
  const app = [
    'import { capture } from "../../../packages/memcheck/src/capture";',
    "",
    "export const task = {",
    "  body(n: number): string {",
    "    const twice: number = n * 2;",
    "    return twice > 0 ? capture() : '';",
    "  },",
    "};",
    "",
  ].join("\n");
  put("apps/demo/src/app.ts", app);
  const out = buildSync({
    entryPoints: [join(root, "apps/demo/src/app.ts")],
    outdir: join(root, "apps/playground/dist/site"),
    bundle: true,
    minify: true,
    format: "iife",
    globalName: "demo",
    sourcemap: "external",
    sourcesContent: false,
    sourceRoot: "apps/playground/dist/site/",
    write: false,
  });
  const js = out.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
  const map = out.outputFiles.find((f) => f.path.endsWith(".js.map"))!.text;
  const url = "http://127.0.0.1:4000/app.js";
  const demo = runInThisContext(`${js}\ndemo`, { filename: url }) as { task: { body(n: number): string } };
  const column = app.split("\n")[5]!.indexOf("capture()") + 1;
  return { stack: demo.task.body(1), map, url, column };
}

describe("bundleFrameMap on an esbuild bundle", () => {
  const b = bundle();

  it("maps the bundle's frames to the package's and the app's lines; the package's frame is skipped", () => {
    const loads: string[] = [];
    const map = bundleFrameMap((url) => {
      loads.push(url);
      return url === `${b.url}.map` ? b.map : null;
    });
    const frames = parseFrames(b.stack).filter((f) => f.file === b.url);
    expect(frames.map((f) => f.line)).toEqual([1, 1]); // minified: one line
    expect(frames.map(map).map(({ file, line, column }) => ({ file, line, column }))).toEqual([
      { file: "packages/memcheck/src/capture.ts", line: 2, column: 13 }, // `new Error`
      { file: "apps/demo/src/app.ts", line: 6, column: b.column },
    ]);
    expect(firstSourceSite(b.stack, { map })).toEqual({
      file: "apps/demo/src/app.ts",
      line: 6,
      column: b.column,
      function: "Object.body",
    });
    // Without the map, the first frame is the package's, at a minified position.
    expect(firstSourceSite(b.stack)?.file).toBe(b.url);
    expect(loads).toEqual([`${b.url}.map`]); // one load per script, kept
  });

  it("a script without a map, a throwing load and other frames stay as they are, asked once", () => {
    let loads = 0;
    const frame: StackFrame = { file: b.url, line: 1, column: 5, function: "x" };
    const none = bundleFrameMap(() => {
      loads++;
      return null;
    });
    expect([none(frame), none(frame)]).toEqual([frame, frame]);
    const throwing = bundleFrameMap(() => {
      loads++;
      throw new Error("network");
    });
    expect([throwing(frame), throwing(frame)]).toEqual([frame, frame]);
    const garbage = bundleFrameMap(() => {
      loads++;
      return "<html>not found</html>";
    });
    expect(garbage(frame)).toEqual(frame);
    expect(loads).toBe(3);
    const app: StackFrame = { file: "app.ts", line: 20, column: 13, function: "main" };
    expect(bundleFrameMap(() => b.map)(app)).toBe(app);
  });
});
