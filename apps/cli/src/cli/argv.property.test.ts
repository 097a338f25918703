import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CapturedRun, runCaptured } from "./test-io.js";

// Untrusted argv: whatever the arguments, the CLI exits 0, 1 (a run found problems), 2 (usage)
// or 3 (bad input) with one line on standard error naming what is wrong; never 4 (an internal
// error: an exception that is not a CliError), never a stack trace without --debug.

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rtos-sim-argv-"));
  writeFileSync(
    join(dir, "ok.ld"),
    "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K\n RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 128K }",
  );
  writeFileSync(join(dir, "bad.ld"), "MEMORY { RAM : ORIGIN = ((((1, LENGTH = }");
  writeFileSync(
    join(dir, "board.json"),
    JSON.stringify({ name: "b", core: "cortex-m4", memory: [{ name: "RAM", start: "0x20000000", size: "128K" }] }),
  );
  writeFileSync(join(dir, "bad.json"), '{"name": "b", "core": ');
  writeFileSync(join(dir, "empty"), "");
  mkdirSync(join(dir, "sub"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values an option or a positional may get: names that exist, numbers at the edges, files, junk. */
const VALUE = fc.oneof(
  fc.constantFrom(
    "stm32f407",
    "stm32h743",
    "rp2040",
    "mps2-an505",
    "STM32F407",
    "nope",
    "flight",
    "mpu-demo",
    "isolation",
    "cfsr",
    "hfsr",
    "exc-return",
    "rasr",
    "rlar",
    "xpsr",
    "mmfar",
    "0",
    "1",
    "-1",
    "0x",
    "0x00008200",
    "0xFFFFFFFF",
    "0x100000000",
    "4294967296",
    "9007199254740993",
    "1e3",
    "1.5",
    "-5s",
    "1ms",
    "250us",
    "60m",
    "61m",
    "NaN",
    "Infinity",
    " 12 ",
    "",
    "ok.ld",
    "bad.ld",
    "board.json",
    "bad.json",
    "empty",
    "sub",
    "missing.json",
    "./missing.ts",
    "/proc/version",
    "/dev/null",
    "\0",
    "é",
    "😀",
  ),
  fc.string({ maxLength: 6 }),
  fc.integer().map(String),
);

/** Options of every command, some misspelt or glued to a value. */
const OPTION = fc.constantFrom(
  "--board",
  "--seed",
  "--duration",
  "--memcheck",
  "--no-memcheck",
  "--show-reachable",
  "--json",
  "--trace",
  "--report",
  "--timeout",
  "--linker-script",
  "--page-order",
  "--address",
  "--rbar",
  "--mair0",
  "--mair1",
  "--help",
  "-h",
  "--version",
  "-V",
  "--",
  "-",
  "--=",
  "--board=",
  "--seed=0x10",
  "--page-order=-3",
  "--json=yes",
  "-hV",
  "-x",
  "--frob",
  "--boad",
);

const ARGS = fc.array(fc.oneof(OPTION, VALUE), { maxLength: 7 });

/** The property: a documented exit code, and an error is one line on standard error without a stack. */
function checkRun(argv: readonly string[], r: CapturedRun): void {
  const where = `rtos-sim ${JSON.stringify(argv)} -> ${r.code}: ${r.err}`;
  expect([0, 1, 2, 3], where).toContain(r.code);
  if (r.code === 2 || r.code === 3) {
    expect(r.err, where).toMatch(/^rtos-sim( [a-z]+)?: [^\n]+\n$/);
    expect(r.err, where).not.toMatch(/\n\s+at /);
  }
}

const cli = (argv: string[]) => runCaptured(argv, dir);

describe("rtos-sim argv under fuzzing", () => {
  it("apps, boards, map, decode, help and no command: exit 0, 2 or 3 with one line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("apps", "boards", "map", "decode", "help", "-h", "--version", "", "mpa"),
        ARGS,
        async (command, args) => {
          const argv = [...(command === "" ? [] : [command]), ...args];
          checkRun(argv, await cli(argv));
        },
      ),
      { numRuns: 150, seed: 0xf022012 },
    );
  });

  it("run (1 ms of simulated time, appended last): exit 0, 1, 2 or 3 with one line", async () => {
    await fc.assert(
      fc.asyncProperty(ARGS, async (args) => {
        // Files it writes go to the scratch directory; --duration 1ms last keeps each run short.
        const cut = args.indexOf("--");
        const argv = ["run", ...(cut < 0 ? args : args.slice(0, cut)), "--duration", "1ms"];
        checkRun(argv, await cli(argv));
      }),
      { numRuns: 40, seed: 0xf022013 },
    );
  });

  it("decode: every 32-bit value of every register decodes; anything else is exit 2 naming the argument", async () => {
    const registers = ["cfsr", "hfsr", "exc-return", "shcsr", "ccr", "xpsr", "control", "mpu-ctrl", "rasr", "rlar"];
    const word = fc.oneof(
      fc.nat({ max: 0xffffffff }).map((n) => (n % 2 === 0 ? String(n) : `0x${n.toString(16)}`)),
      fc.constantFrom("0", "0xffffffff", "0XFFFFFFFF", "4294967295"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...registers), word, word, word, async (register, value, rbar, mair) => {
        const argv = [
          "decode",
          register,
          value,
          ...(register === "rasr" || register === "rlar" ? ["--rbar", rbar] : []),
        ];
        if (register === "rlar") argv.push("--mair0", mair, "--mair1", mair);
        const r = await cli([...argv, "--json"]);
        expect(r.code, `${argv.join(" ")}: ${r.err}`).toBe(0);
        const json = JSON.parse(r.out) as { value: unknown };
        expect(json.value).toBe(Number(value));
      }),
      { numRuns: 200, seed: 0xf022014 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...registers),
        fc.oneof(VALUE, fc.double().map(String), fc.bigInt().map(String)),
        async (register, value) => {
          const ok = /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(value) && Number(value.trim()) <= 0xffffffff;
          const argv = ["decode", register, "--", value, ...(register === "rlar" ? ["--rbar", "0"] : [])];
          const r = await cli(["decode", register, ...(register === "rlar" ? ["--rbar", "0"] : []), "--", value]);
          checkRun(argv, r);
          if (!ok) {
            expect(r.code).toBe(2);
            expect(r.err).toBe(
              `rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got ${JSON.stringify(value)}\n`,
            );
          }
        },
      ),
      { numRuns: 200, seed: 0xf022015 },
    );
  });
});

describe("rtos-sim argv: what the fuzzing found", () => {
  it('a value with a quote or a newline is quoted as JSON and the error stays one line (it was got """ or two lines)', async () => {
    expect(await cli(["decode", "cfsr", '"'])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got "\\""\n',
    });
    expect(await cli(["decode", "cfsr", "1\n2"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got "1\\n2"\n',
    });
    expect(await cli(["run", "--duration", "1\ns"])).toMatchObject({
      code: 2,
      err: 'rtos-sim run: --duration: "1\\ns" is not a duration (use e.g. 2s, 500ms, 1.5s, 2m, 250us, or 10000 for milliseconds)\n',
    });
  });

  it("an escape sequence or a newline anywhere in an error (a file name, a board name) is written as \\uXXXX", async () => {
    const r = await cli(["map", "\u001b[2Jx\ny.json"]);
    expect(r.code).toBe(3);
    expect(r.err.startsWith("rtos-sim map: ")).toBe(true);
    expect(r.err).toContain("\\u001b[2Jx\\u000ay.json");
    expect(r.err.indexOf("\n")).toBe(r.err.length - 1);
    expect(r.err).not.toContain("\u001b");
    expect(await cli(["\u001b[31mrun"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim: unknown command "\\u001b[31mrun"; commands: run, apps, boards, map, decode, help (see rtos-sim --help)\n',
    });
  });
});
