import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "@rtos-sim/apps";
import { describe, expect, it } from "vitest";
import { lines, REPO_DIR, rtosSim, tempDir } from "./helpers.js";

/** Writes an app file into a fresh directory and returns the directory. */
function appDir(name: string, text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, name), text);
  return dir;
}

const GOOD_JS = `export default {
  name: "tiny",
  summary: "one privileged write and read",
  run(ctx) {
    const { core } = ctx.machine;
    core.write32(0x20000000, 0x12345678);
    const t = ctx.record.addTask("tiny", { memoryHeld: 4 });
    ctx.record.uart(t, "read back 0x" + core.read32(0x20000000).toString(16));
    ctx.record.check("read back what was written", core.read32(0x20000000) === 0x12345678);
  },
};
`;

describe("rtos-sim run <file>", { timeout: 90_000 }, () => {
  it("runs the documented example app (docs/examples/stack-guard.ts)", async () => {
    const r = await rtosSim(["run", "docs/examples/stack-guard.ts", "--json"], { cwd: REPO_DIR });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.app).toMatchObject({
      name: "stack-guard",
      source: "file",
      file: join(REPO_DIR, "docs/examples/stack-guard.ts"),
    });
    expect(result.faults[0]).toMatchObject({
      taskName: "worker",
      cause: "MemManage",
      cfsrNames: ["DACCVIOL", "MMARVALID"],
      mmfar: 0x200003f0,
      access: { kind: "write", privileged: false },
      expected: true,
    });
    expect(result.checks).toEqual([
      { name: "the overflow stopped at the guard", passed: true, detail: "64 frames pushed" },
      { name: "the stack held 64 frames", passed: true, detail: "64" },
    ]);
  });

  it("runs a kernel app description (tasks, syscalls) from a .ts file", async () => {
    const r = await rtosSim(["run", "test/fixtures/kernel-app.ts", "--json"]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.app).toMatchObject({
      name: "kernel-file",
      summary: "a worker and a rogue task on the kernel",
      source: "file",
    });
    expect(result.memcheckActive).toBe(true);
    expect(result.tasks.map((t) => [t.name, t.state])).toEqual([
      ["kernel", "done"],
      ["worker", "stopped"],
      ["rogue", "faulted"],
    ]);
    expect(result.uart.map((l) => l.text)).toEqual(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4"]);
    expect(result.faults[0]).toMatchObject({ taskName: "rogue", kind: "memmanage", action: "stopped", expected: true });
    expect(result.pageMaps.map((m) => m.region)).toContain("SRAM1");
    expect(result.verdict.ok).toBe(true);
  });

  it("runs a .ts kernel app that imports values from @rtos-sim/kernel: its fn() types are the kernel's own", async () => {
    const r = await rtosSim(["run", "test/fixtures/kernel-frames-app.ts", "--json"]);
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.faults).toEqual([]); // t.enter refused a function type of a second kernel: bad-syscall
    expect(result.reports).toEqual([]);
    expect(result.uart.map((l) => [l.text])).toEqual([["average of 4: 1.25"]]);
    expect(r.code).toBe(0);
  });

  it("loads a .ts app of a CommonJS package as an ES module, with the CLI's kernel", async () => {
    const r = await rtosSim(["run", "test/fixtures/commonjs-package/app.ts", "--json"]);
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.faults).toEqual([]);
    expect(result.uart.map((l) => [l.task, l.text])).toEqual([[1, "n = 42"]]); // task 1: counter
    expect(r.code).toBe(0);
  });

  it("resolves @rtos-sim/* values of a .ts app outside the repository to the CLI's own packages", async () => {
    // A scratch directory has no node_modules: Node alone says "Cannot find package '@rtos-sim/kernel'".
    const dir = appDir(
      "scratch.ts",
      `import { type AppDescription, Errno, fn, TIMEOUT, u32 } from "@rtos-sim/kernel";
const STEP = fn("step", { locals: { n: u32 } });
const app: AppDescription = {
  name: "scratch",
  description: "values of the kernel from a scratch directory",
  durationMs: 5,
  kernel: { semaphores: [{ name: "s" }] },
  tasks: [
    {
      name: "t",
      semaphores: { s: "take" },
      *main(t) {
        const f = t.enter(STEP); // a second kernel's fn type would be refused (bad-syscall)
        f.locals.n = 7;
        const r = yield* t.semTake("s", { ms: 1 });
        const p = yield* t.malloc(16);
        const text = \`n \${f.locals.n} \${r === TIMEOUT ? "timeout" : "taken"} \${Errno.EPERM}\`;
        t.writeString(p, text);
        yield* t.print(p, text.length);
        yield* t.free(p);
        t.leave(f);
      },
    },
  ],
};
export default app;
`,
    );
    const r = await rtosSim(["run", "./scratch.ts", "--json"], { cwd: dir });
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.faults).toEqual([]);
    expect(result.uart.map((l) => l.text)).toEqual(["n 7 timeout -1"]);
    expect(r.code).toBe(0);
  });

  it("resolves @rtos-sim/* of a .mjs app outside the repository, the packages the CLI does not import too", async () => {
    const dir = appDir(
      "scratch.mjs",
      `import { Fault } from "@rtos-sim/hw";
import { mulberry32 } from "@rtos-sim/prng";
export default {
  name: "scratch",
  summary: "values of hw and prng from a scratch directory",
  run(ctx) {
    const { core, mpu } = ctx.machine;
    mpu.setControl({ enable: true });
    core.controlNPriv = true;
    try {
      core.read32(0x20000000);
    } catch (e) {
      ctx.record.check("the core's fault is a Fault of the imported hw", e instanceof Fault);
      core.clearFault();
    }
    ctx.record.check("prng", mulberry32(1)() === 0.6270739405881613);
  },
};
`,
    );
    const r = await rtosSim(["run", "./scratch.mjs", "--json"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect((JSON.parse(r.stdout) as RunResult).checks).toEqual([
      { name: "the core's fault is a Fault of the imported hw", passed: true, detail: "" },
      { name: "prng", passed: true, detail: "" },
    ]);
    expect(r.code).toBe(0);
  });

  it("says which @rtos-sim package neither the app's directory nor the CLI has (exit 3)", async () => {
    const dir = appDir("nope.mjs", `import { x } from "@rtos-sim/nope";\nexport default x;\n`);
    const r = await rtosSim(["run", "./nope.mjs"], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `rtos-sim run: cannot load app file ./nope.mjs: Cannot find package '@rtos-sim/nope' imported from ${join(dir, "nope.mjs")}\n`,
    );
  });

  it("loads a plain JavaScript app by a relative path", async () => {
    const dir = appDir("tiny.mjs", GOOD_JS);
    const r = await rtosSim(["run", "./tiny.mjs"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tiny {5}\| read back 0x12345678/);
    expect(r.stdout).toContain("pass  read back what was written");
  });

  it("loads a TypeScript app with type annotations", async () => {
    const dir = appDir(
      "typed.ts",
      `interface Ctx { record: { addTask(name: string): number; uart(t: number, s: string): void } }\nconst app = { name: "typed", summary: "types are stripped", run(ctx: Ctx): void { const t: number = ctx.record.addTask("t"); ctx.record.uart(t, "typed ok"); } };\nexport { app };\n`,
    );
    const r = await rtosSim(["run", "typed.ts", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as RunResult).uart.map((l) => l.text)).toEqual(["typed ok"]);
  });

  it("--json keeps stdout to the one document even when the app logs", async () => {
    const dir = appDir(
      "chatty.mjs",
      'export default { name: "chatty", summary: "logs", run(ctx) { console.log("hello from the app", { a: 1 }); } };\n',
    );
    const r = await rtosSim(["run", "chatty.mjs", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as RunResult).app.name).toBe("chatty");
    expect(r.stderr).toBe("hello from the app { a: 1 }\n");
  });

  it("a missing app file is exit code 3 with one line", async () => {
    const r = await rtosSim(["run", "./nope.ts"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual(["rtos-sim run: app file not found: ./nope.ts"]);
    const dir = await rtosSim(["run", "./test/fixtures"]);
    expect([dir.code, dir.stdout, lines(dir.stderr)]).toEqual([
      3,
      "",
      ["rtos-sim run: not an app file: ./test/fixtures is a directory (give the app's .ts or .js file)"],
    ]);
  });

  it("a broken app file (syntax error) is exit code 3 with one line", async () => {
    const dir = appDir("broken.ts", "export default {\n  name: 'broken',,\n");
    const r = await rtosSim(["run", "broken.ts"], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^rtos-sim run: cannot load app file broken\.ts: /);
  });

  it("a file that exports no app, or an invalid one, names what is missing", async () => {
    let r = await rtosSim(["run", "none.js"], { cwd: appDir("none.js", "export const x = 1;\n") });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "app file none.js exports no app: add `export default { name, description, tasks }` (a kernel app) or `export default { name, summary, run(ctx) { ... } }` (a machine app), or export it as `app`",
    );
    r = await rtosSim(["run", "bad.js"], {
      cwd: appDir("bad.js", 'export default { name: "Bad Name", summary: "" };\n'),
    });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([
      'rtos-sim run: app file bad.js: name must be lower-case letters, digits and dashes (e.g. "my-app"); summary must be a non-empty string; run must be a function run(ctx)',
    ]);
    // With tasks and no run it is meant as a kernel app: the kernel's validation names the field.
    r = await rtosSim(["run", "kernel.js"], {
      cwd: appDir("kernel.js", 'export default { name: "k", description: "d", tasks: "nope" };\n'),
    });
    expect([r.code, lines(r.stderr)]).toEqual([
      3,
      ['rtos-sim run: app file kernel.js: BAD_CONFIG: app "k": tasks must be an array or a function'],
    ]);
  });

  it("an app that throws is exit code 3 naming the app and the file", async () => {
    const dir = appDir(
      "throws.js",
      'export default { name: "thrower", summary: "throws", run() { throw new Error("boom"); } };\n',
    );
    const r = await rtosSim(["run", "throws.js"], { cwd: dir });
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([`rtos-sim run: app thrower (${join(dir, "throws.js")}) failed: boom`]);
  });

  it("--timeout stops a task stuck in a JavaScript loop and names it (exit 3); Ctrl-C does too (exit 130)", async () => {
    const dir = appDir(
      "spin.mjs",
      `export default { name: "spin", description: "a task in a JavaScript loop", durationMs: 100, tasks: [{
        name: "spinner",
        *main(t) {
          yield* t.sleep({ ms: 2 });
          const p = yield* t.malloc(16);
          t.writeString(p, "spinning\\n");
          yield* t.print(p, 9);
          let done = false;
          while (!done) {}
        },
      }] };\n`,
    );
    const timeout = await rtosSim(["run", "spin.mjs", "--timeout", "1s"], { cwd: dir });
    expect([timeout.code, lines(timeout.stderr)]).toEqual([
      3,
      [
        "rtos-sim run: app spin did not finish within --timeout 1s of wall time (stopped at simulated t=2.006 ms in task spinner): a task in a JavaScript loop that never yields and touches no simulated memory? (no simulated time passes, so no watchdog fires)",
      ],
    ]);
    const stopped = await rtosSim(["run", "spin.mjs"], { cwd: dir, interruptOn: "spinning" });
    expect([stopped.code, lines(stopped.stderr)]).toEqual([
      130,
      ["rtos-sim run: interrupted (Ctrl-C) at simulated t=2.006 ms in task spinner, while app spin ran"],
    ]);
  });

  it("--timeout on a run that is only long says so, with how far it got, instead of suspecting a stuck task", async () => {
    const dir = appDir(
      "long.mjs",
      `export default { name: "long", description: "an hour of ticks", durationMs: 3_600_000, tasks: [{
        name: "ticker",
        *main(t) {
          for (;;) yield* t.sleep({ ms: 1 });
        },
      }] };\n`,
    );
    for (const json of [[], ["--json"]]) {
      const r = await rtosSim(["run", "long.mjs", "--timeout", "1s", ...json], { cwd: dir });
      expect(r.code).toBe(3);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^rtos-sim run: app long did not finish within --timeout 1s of wall time: it was still running, at simulated t=[\d.]+ (ms|s) of 3600\.000 s \([\d.]+%, about [\d.]+x real time\); give it a longer --timeout or a shorter --duration\n$/,
      );
    }
  });

  it("an app whose run(ctx) never settles is exit code 3 with one line, not Node's silent 13", async () => {
    const dir = appDir(
      "hangs.js",
      'export default { name: "hangs", summary: "never settles", run() { return new Promise(() => {}); } };\n',
    );
    const r = await rtosSim(["run", "hangs.js", "--json"], { cwd: dir });
    expect(r).toEqual({
      code: 3,
      stdout: "",
      stderr: `rtos-sim run: app hangs (${join(dir, "hangs.js")}) never finished: its run(ctx) returned a promise that nothing is left to settle\n`,
    });
  });

  it("a JavaScript app in a directory with a space: its sites name the path; the same trace hash from any directory", async () => {
    // Node names an ES module by its file:// URL ("my%20apps"): the sites name the path, relative to
    // the working directory ("app.mjs", "my apps/app.mjs"), and the hash masks each whole.
    const dir = tempDir();
    const apps = join(dir, "my apps");
    mkdirSync(apps);
    writeFileSync(
      join(apps, "app.mjs"),
      `export default {
  name: "spaced",
  description: "a write past a block, then a read of the kernel's memory",
  durationMs: 20,
  memcheck: { sourceSites: true },
  tasks: (env) => [
    {
      name: "worker",
      *main(t) {
        const p = yield* t.malloc(32);
        t.write32(p + 32, 1);
      },
    },
    {
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 5 });
        t.read32(env.kernelBlock.base);
      },
    },
  ],
  expectFault: () => true,
};
`,
    );
    type Run = RunResult & { traceHash: string };
    const inside = JSON.parse((await rtosSim(["run", "app.mjs", "--json"], { cwd: apps })).stdout) as Run;
    const above = JSON.parse((await rtosSim(["run", "my apps/app.mjs", "--json"], { cwd: dir })).stdout) as Run;
    // The checker's stop of the worker at its write, and the rogue's read.
    expect(inside.faults.map((f) => f.source)).toEqual(["app.mjs:11:11 in main", "app.mjs:18:11 in main"]);
    expect(above.faults.map((f) => f.source)).toEqual([
      "my apps/app.mjs:11:11 in main",
      "my apps/app.mjs:18:11 in main",
    ]);
    expect(above.reports[0]?.details.at(-1)).toMatch(/, my apps\/app\.mjs:11:11 in main$/);
    expect(above.traceHash).toBe(inside.traceHash);
  });

  it("an unhandled fault or a failed check is exit code 1 (problems found)", async () => {
    const dir = appDir(
      "rogue.js",
      `export default { name: "rogue", summary: "unhandled fault", run(ctx) {
        const { core, mpu } = ctx.machine;
        mpu.setControl({ enable: true, privdefena: true });
        core.controlNPriv = true;
        core.read32(0x20000000);
      } };\n`,
    );
    const r = await rtosSim(["run", "rogue.js", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.faults[0]).toMatchObject({
      exception: 3,
      cause: "MemManage",
      escalated: true,
      expected: false,
      mmfar: 0x20000000,
    });
    expect(result.verdict.ok).toBe(false);
    expect(result.verdict.problems[0]).toMatch(
      /^the app stopped on an unhandled fault: MemManage DACCVIOL\|MMARVALID at 0x20000000 escalated to HardFault/,
    );
    // The live line names the exception taken, as the summary does, and what it escalated from.
    const text = await rtosSim(["run", "rogue.js"], { cwd: dir });
    expect(text.stdout).toMatch(
      /^ +0 us {2}kernel {5}FAULT: HardFault \(escalated MemManage\) DACCVIOL\|MMARVALID on read at 0x20000000$/m,
    );

    const check = appDir(
      "check.js",
      'export default { name: "fails", summary: "a failed check", run(ctx) { ctx.record.check("two is three", false, "2 != 3"); } };\n',
    );
    const c = await rtosSim(["run", "check.js"], { cwd: check });
    expect(c.code).toBe(1);
    expect(c.stdout).toContain("FAIL  two is three");
    expect(c.stdout).toContain("  - check failed: two is three (2 != 3)");
  });
});
