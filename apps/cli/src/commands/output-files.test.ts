import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError } from "../cli/errors.js";
import { checkOutputTargets, outputTarget, writeOutputs } from "./output-files.js";

function fresh(): string {
  return mkdtempSync(join(tmpdir(), "rtos-sim-out-"));
}

function errorOf(f: () => unknown): CliError {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("outputTarget", () => {
  it("is null without the option, the absolute path with it, and leaves nothing behind", () => {
    const dir = fresh();
    expect(outputTarget(dir, "--trace", undefined)).toBeNull();
    expect(outputTarget(dir, "--trace", "t.json")).toEqual({
      option: "--trace",
      value: "t.json",
      file: join(dir, "t.json"),
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an empty name is a usage error, not 'is a directory'", () => {
    const e = errorOf(() => outputTarget("/tmp", "--trace", ""));
    expect([e.code, e.exitCode, e.detail]).toEqual(["USAGE_BAD_VALUE", 2, '--trace needs a file name, got ""']);
  });

  it("a directory that takes no new file fails before the run (exit 3)", () => {
    const e = errorOf(() => outputTarget("/", "--report", "/proc/report.html"));
    expect([e.code, e.exitCode]).toEqual(["OUTPUT_FILE", 3]);
    expect(e.detail).toMatch(/^--report \/proc\/report\.html: cannot write in \/proc: /);
  });

  it("a missing directory or a directory as the file", () => {
    const dir = fresh();
    expect(errorOf(() => outputTarget(dir, "--trace", "nope/t.json")).detail).toBe(
      `--trace nope/t.json: directory ${join(dir, "nope")} does not exist`,
    );
    mkdirSync(join(dir, "sub"));
    expect(errorOf(() => outputTarget(dir, "--trace", "sub")).detail).toBe("--trace sub: is a directory");
  });
});

describe("checkOutputTargets", () => {
  it("two options naming one file, or an output over an input, is a usage error", () => {
    const dir = fresh();
    const trace = outputTarget(dir, "--trace", "out.json")!;
    const report = outputTarget(dir, "--report", "./out.json")!;
    const same = errorOf(() => checkOutputTargets([trace, report]));
    expect([same.code, same.exitCode, same.detail]).toEqual([
      "USAGE_BAD_VALUE",
      2,
      "--trace and --report name the same file ./out.json: give each its own file",
    ]);
    const input = errorOf(() => checkOutputTargets([trace], [join(dir, "out.json")]));
    expect(input.detail).toBe("--trace out.json: is an input of the run; writing it would overwrite it");
    expect(() => checkOutputTargets([trace], [join(dir, "app.ts")])).not.toThrow();
  });
});

describe("writeOutputs", () => {
  it("writes every file, and no temporary file stays", () => {
    const dir = fresh();
    const a = outputTarget(dir, "--trace", "a.json")!;
    const b = outputTarget(dir, "--report", "b.html")!;
    writeOutputs([
      { target: a, text: "A" },
      { target: b, text: "B" },
    ]);
    expect(readdirSync(dir).sort()).toEqual(["a.json", "b.html"]);
    expect(readFileSync(join(dir, "a.json"), "utf8")).toBe("A");
  });

  it("all or none: when the second cannot be written the first is not written either", () => {
    const dir = fresh();
    mkdirSync(join(dir, "gone"));
    writeFileSync(join(dir, "a.json"), "old");
    const a = outputTarget(dir, "--trace", "a.json")!;
    const b = outputTarget(dir, "--report", "gone/b.html")!;
    rmSync(join(dir, "gone"), { recursive: true });
    const e = errorOf(() =>
      writeOutputs([
        { target: a, text: "new" },
        { target: b, text: "B" },
      ]),
    );
    expect([e.code, e.exitCode]).toEqual(["OUTPUT_FILE", 3]);
    expect(e.detail).toMatch(new RegExp(`^--report: cannot write ${join(dir, "gone/b.html")}: ENOENT`));
    expect(readdirSync(dir)).toEqual(["a.json"]);
    expect(readFileSync(join(dir, "a.json"), "utf8")).toBe("old");
    expect(existsSync(join(dir, "gone"))).toBe(false);
  });
});
