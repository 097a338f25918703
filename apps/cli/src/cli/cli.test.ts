import type { RunResult } from "@rtos-sim/apps";
import { describe, expect, it } from "vitest";
import { runCaptured } from "./test-io.js";

const cli = (args: string[], tty = false) => runCaptured(args, process.cwd(), tty);

describe("runCli in process", () => {
  it("help: before the command is the command's help; `help` takes one topic", async () => {
    const run = await cli(["run", "--help"]);
    expect(run.out).toMatch(/^Usage: rtos-sim run /m);
    expect(await cli(["-h", "run"])).toEqual(run);
    expect(await cli(["--help", "run", "flight"])).toEqual(run);
    expect(await cli(["help", "run"])).toEqual(run);
    const main = await cli(["--help"]);
    expect(main.out).toMatch(/^rtos-sim [0-9.]+: a small RTOS/);
    expect(await cli(["help"])).toEqual(main);
    expect(await cli(["-h", "nope"])).toMatchObject({ code: 2, out: "" });
    expect(await cli(["help", "help"])).toEqual(main);
    expect(await cli(["hlep"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim: unknown command "hlep" (did you mean "help"?); commands: run, apps, boards, map, decode, help (see rtos-sim --help)\n',
    });
    expect(await cli(["help", "run", "extra"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim: unexpected argument "extra" for "rtos-sim help" (usage: rtos-sim help [command])\n',
    });
    expect(await cli(["help", "--frob"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim: unknown option --frob for "rtos-sim help" (usage: rtos-sim help [command])\n',
    });
  });

  it("runs the MPU demo and returns a RunResult through --json", async () => {
    const r = await cli(["run", "mpu-demo", "--duration", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const result = JSON.parse(r.out) as RunResult;
    expect(result.simulatedUs).toBe(10_000);
    expect(result.faults[0]?.t).toBeGreaterThan(5000);
  });

  it("colours and a progress bar on a terminal, none with --json", async () => {
    const tty = await cli(["run", "mpu-demo", "--duration", "10ms"], true);
    expect(tty.out).toContain("\u001b[1m");
    expect(tty.err).toContain("100%");
    const json = await cli(["run", "mpu-demo", "--duration", "10ms", "--json"], true);
    expect(json.out).not.toContain("\u001b[");
    expect(json.err).toBe("");
  });

  it("an unwritable output file is exit code 3 with one line", async () => {
    const r = await cli(["run", "mpu-demo", "--duration", "10ms", "--report", "/proc/version"]);
    expect(r.code).toBe(3);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^rtos-sim run: --report \/proc\/version: cannot write in \/proc: [^\n]+\n$/);
  });
});
