import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../cli/test-io.js";

const cli = (args: string[], cwd: string) => runCaptured(args, cwd);

function fresh(): string {
  return mkdtempSync(join(tmpdir(), "rtos-sim-run-"));
}

describe("rtos-sim run: output files", { timeout: 60_000 }, () => {
  it("a directory that takes no new file fails before the run: no run output, one line, exit 3", async () => {
    const dir = fresh();
    const r = await cli(
      ["run", "mpu-demo", "--duration", "10ms", "--trace", "t.json", "--report", "/proc/report.html"],
      dir,
    );
    expect(r.code).toBe(3);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^rtos-sim run: --report \/proc\/report\.html: cannot write in \/proc: [^\n]+\n$/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("--trace and --report naming one file is a usage error (exit 2), before the run", async () => {
    const dir = fresh();
    const r = await cli(["run", "mpu-demo", "--duration", "10ms", "--trace", "out", "--report", "out"], dir);
    expect(r).toEqual({
      code: 2,
      out: "",
      err: "rtos-sim run: --trace and --report name the same file out: give each its own file\n",
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an output over the app file is a usage error: the app is kept", async () => {
    const dir = fresh();
    const app = 'export default { name: "noop", summary: "does nothing", run() {} };\n';
    writeFileSync(join(dir, "app.mjs"), app);
    const r = await cli(["run", "./app.mjs", "--report", "app.mjs"], dir);
    expect(r).toEqual({
      code: 2,
      out: "",
      err: "rtos-sim run: --report app.mjs: is an input of the run; writing it would overwrite it\n",
    });
    expect(readdirSync(dir)).toEqual(["app.mjs"]);
  });

  it("an empty file name is a usage error (exit 2)", async () => {
    const r = await cli(["run", "mpu-demo", "--trace="], fresh());
    expect(r).toEqual({ code: 2, out: "", err: 'rtos-sim run: --trace needs a file name, got ""\n' });
  });

  it("writes both files and nothing else in their directory", async () => {
    const dir = fresh();
    const r = await cli(["run", "mpu-demo", "--duration", "10ms", "--trace", "t.json", "--report", "r.html"], dir);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["r.html", "t.json"]);
    expect(r.out).toContain(`trace written to ${join(dir, "t.json")} (open it in https://ui.perfetto.dev`);
    expect(r.out).toContain(`report written to ${join(dir, "r.html")} (open it in a browser)`);
  });
});

describe("rtos-sim run: an app file that fails says so in one line", { timeout: 60_000 }, () => {
  it("an error message of several lines is cut to its first", async () => {
    const dir = fresh();
    writeFileSync(
      join(dir, "throws.mjs"),
      'export default { name: "thrower", summary: "throws", run() { throw new Error("boom\\n  at detail"); } };\n',
    );
    const r = await cli(["run", "./throws.mjs"], dir);
    expect(r).toEqual({
      code: 3,
      out: "rtos-sim run thrower on stm32f407, 1.000 s, seed 1\n",
      err: `rtos-sim run: app thrower (${join(dir, "throws.mjs")}) failed: boom\n`,
    });
  });

  it.each(["broken.ts", "broken.mjs"])(
    "a syntax error (%s) names the file, line and column and what is wrong",
    async (name) => {
      const dir = fresh();
      writeFileSync(join(dir, name), 'export default { name: "broken", summary: "x", run() { return 1 +; } };\n');
      const r = await cli(["run", `./${name}`], dir);
      expect(r).toEqual({
        code: 3,
        out: "",
        err: `rtos-sim run: cannot load app file ./${name}: ${join(dir, name)}:1:65: Unexpected ";"\n`,
      });
    },
  );
});

describe("rtos-sim run: the live fault line", { timeout: 60_000 }, () => {
  it("a hardware fault the kernel diagnosed leads with its kind (what expectFault sees): a stack overflow into the guard", async () => {
    const r = await cli(["run", "isolation", "--no-memcheck", "--duration", "502ms"], fresh());
    expect(r.out).toMatch(
      /^ +501\.003 ms {2}rogue-stack-overflow {3}fault: stack-overflow: MemManage DACCVIOL\|MMARVALID on write at 0x10007400 \(expected\)$/m,
    );
    // A plain MPU violation keeps the exception first.
    expect(r.out).toMatch(
      /^ +51\.003 ms {2}rogue-kernel-read {3}fault: MemManage DACCVIOL\|MMARVALID on read at 0x20004000 \(expected\)$/m,
    );
  });
});

describe("rtos-sim run: still-reachable blocks", { timeout: 60_000 }, () => {
  it("are counted and not listed by default, as Valgrind's; --show-reachable lists each as a warning", async () => {
    const plain = await cli(["run", "isolation", "--duration", "650ms"], fresh());
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(
      /^ {7}still reachable: 128 bytes in 1 blocks {2}\(not listed: --show-reachable lists them\)$/m,
    );
    expect(plain.out).not.toContain("leak-reachable");
    const shown = await cli(["run", "isolation", "--duration", "650ms", "--show-reachable"], fresh());
    expect(shown.code).toBe(0); // a warning never fails the run
    expect(shown.out).toMatch(/^ {7}still reachable: 128 bytes in 1 blocks$/m);
    expect(shown.out).toMatch(/^ {2}leak-reachable on address 0x10009018 at t=/m);
    expect(shown.out).toContain("  128 bytes still reachable (task rogue-forged-free, user mode)");
    const json = JSON.parse(
      (await cli(["run", "isolation", "--duration", "650ms", "--show-reachable", "--json"], fresh())).out,
    );
    expect(json.options).toEqual({ seed: 1, durationMs: 650, memcheck: true, showReachable: true });
    expect(json.reports.filter((r: { kind: string }) => r.kind === "leak-reachable")).toMatchObject([
      { severity: "warning", address: 0x10009018 },
    ]);
  });
});

describe("rtos-sim run: a task's text on the terminal", { timeout: 60_000 }, () => {
  it("escape sequences and line breaks a task prints or throws are shown as escapes, not obeyed", async () => {
    const dir = fresh();
    const app = `export default {
  name: "loud",
  description: "prints an escape sequence and throws a two-line message",
  durationMs: 5,
  tasks: [{
    name: "loud",
    *main(t) {
      const p = yield* t.malloc(32);
      t.writeString(p, "\\x1b[2J\\x1b]0;pwned\\x07hi\\n");
      yield* t.print(p, 17);
      throw new Error("boom\\nOK: no unexpected fault");
    },
  }],
};
`;
    writeFileSync(join(dir, "loud.mjs"), app);
    const r = await cli(["run", "./loud.mjs"], dir);
    expect(r.code).toBe(1);
    expect(r.out.includes("\x1b") || r.out.includes("\x07")).toBe(false);
    expect(r.out).toContain("| \\e[2J\\e]0;pwned\\x07hi\n");
    expect(r.out).toContain('task "loud" threw Error: boom\\nOK: no unexpected fault');
    expect(r.out).not.toMatch(/^OK: no unexpected fault/m);
  });
});
