import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APPS, DEFAULT_APP } from "@rtos-sim/apps";
import { describe, expect, it } from "vitest";
import { CLI_DIR, lines, REPO_DIR, rtosSim, tempDir } from "./helpers.js";

/** An error run: one line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(run: { code: number | null; stdout: string; stderr: string }, code: number, text: string) {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe("");
  expect(lines(run.stderr)).toHaveLength(1);
  expect(run.stderr).toContain(text);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe("rtos-sim help and version", { timeout: 90_000 }, () => {
  it("--help lists the commands and the exit codes", async () => {
    const r = await rtosSim(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage: rtos-sim <command> [arguments] [options]");
    for (const c of ["run", "apps", "boards", "map"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    for (const code of ["0", "1", "2", "3", "4"]) expect(r.stdout).toMatch(new RegExp(`^  ${code}  `, "m"));
    expect(r.stdout).toContain("NO_COLOR");
  });

  it("no arguments prints the main help", async () => {
    const r = await rtosSim([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: rtos-sim <command>");
  });

  it("--version and -V print the version, also after a command", async () => {
    for (const args of [["--version"], ["map", "-V"]]) {
      const r = await rtosSim(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("rtos-sim 0.1.0\n");
    }
  });

  it("every command has its own help, also through `help <command>`", async () => {
    for (const c of ["run", "apps", "boards", "map"]) {
      const r = await rtosSim([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: rtos-sim ${c}`);
      expect(r.stdout).toContain("Exit codes:");
    }
    const run = await rtosSim(["run", "--help"]);
    expect((await rtosSim(["help", "run"])).stdout).toBe(run.stdout);
    expect((await rtosSim(["run", "-h"])).stdout).toBe(run.stdout);
    for (const opt of [
      "--board B",
      "--seed N",
      "--duration D",
      "--memcheck",
      "--no-memcheck",
      "--json",
      "--trace FILE",
      "--report FILE",
    ]) {
      expect(run.stdout).toContain(opt);
    }
  });
});

describe("rtos-sim from the repository root", () => {
  it("the root's `rtos-sim` script (pnpm rtos-sim ...) runs this package's bin", () => {
    const json = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const bin = (json(CLI_DIR).bin as Record<string, string>)["rtos-sim"]!;
    expect(json(REPO_DIR).scripts["rtos-sim"]).toBe(`node ${join("apps/cli", bin)}`);
  });

  it("the root's `start` script sends the build's log to stderr, so `pnpm -s start ... --json` prints only the JSON", () => {
    const scripts = JSON.parse(readFileSync(join(REPO_DIR, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts.start).toBe(
      "turbo run build --filter=@rtos-sim/cli... --output-logs=errors-only >&2 && node apps/cli/dist/main.js run",
    );
  });
});

describe("rtos-sim usage errors (exit 2)", { timeout: 90_000 }, () => {
  it("an unknown command, with a suggestion for a typo", async () => {
    expectOneLineError(await rtosSim(["frobnicate"]), 2, 'unknown command "frobnicate"');
    expectOneLineError(await rtosSim(["rnu"]), 2, 'did you mean "run"?');
  });

  it("an unknown option names the option and the command", async () => {
    expectOneLineError(
      await rtosSim(["run", "--frobnicate"]),
      2,
      'rtos-sim run: unknown option --frobnicate for "rtos-sim run"',
    );
    expectOneLineError(await rtosSim(["boards", "-x"]), 2, "unknown option -x");
    expectOneLineError(await rtosSim(["--frobnicate", "run"]), 2, "unknown option --frobnicate");
  });

  it("a bad duration names the option and the accepted forms", async () => {
    expectOneLineError(
      await rtosSim(["run", "--duration", "2x"]),
      2,
      '--duration: "2x" is not a duration (use e.g. 2s, 500ms',
    );
    expectOneLineError(await rtosSim(["run", "--duration", "0"]), 2, "--duration: the duration must be greater than 0");
    expectOneLineError(await rtosSim(["run", "--duration", "2h"]), 2, '"2h" is not a duration');
    expectOneLineError(await rtosSim(["run", "--duration", "61m"]), 2, "at most 1 hour");
    expectOneLineError(await rtosSim(["run", "--duration"]), 2, "option --duration needs a value");
    expectOneLineError(
      await rtosSim(["run", "--duration", "-5s"]),
      2,
      'rtos-sim run: --duration: the duration must be greater than 0, got "-5s"',
    );
    expectOneLineError(await rtosSim(["run", "--duration", "--json"]), 2, "option --duration needs a value");
  });

  it("a decode value with a newline and an escape sequence is one quoted line, the terminal untouched", async () => {
    const r = await rtosSim(["decode", "cfsr", "0x82\n\u001b[2J"]);
    expectOneLineError(
      r,
      2,
      'rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got "0x82\\n\\u001b[2J"',
    );
    expect(r.stderr).not.toContain("\u001b");
  });

  it("a bad seed, page order, extra argument or missing board", async () => {
    expectOneLineError(
      await rtosSim(["run", "--seed", "abc"]),
      2,
      '--seed: expected an integer from 0 to 4294967295, got "abc"',
    );
    expectOneLineError(await rtosSim(["run", "--seed", "4294967296"]), 2, "--seed: expected an integer");
    expectOneLineError(
      await rtosSim(["run", "--seed", "-1"]),
      2,
      '--seed: expected an integer from 0 to 4294967295, got "-1"',
    );
    expectOneLineError(
      await rtosSim(["map", "stm32f407", "--page-order", "4"]),
      2,
      "--page-order: expected an integer from 5 to 16",
    );
    expectOneLineError(await rtosSim(["run", "mpu-demo", "extra"]), 2, 'unexpected argument "extra"');
    expectOneLineError(await rtosSim(["map"]), 2, 'missing argument for "rtos-sim map"');
    expectOneLineError(await rtosSim(["boards", "--json=yes"]), 2, "option --json takes no value");
  });

  it("--json usage errors print nothing on stdout", async () => {
    expectOneLineError(await rtosSim(["run", "--json", "--duration", "fast"]), 2, "is not a duration");
  });
});

describe("rtos-sim bad input (exit 3)", { timeout: 90_000 }, () => {
  it("an unknown board lists the built-in boards", async () => {
    expectOneLineError(
      await rtosSim(["run", "--board", "stm32f999"]),
      3,
      'unknown board "stm32f999" (built-in boards: stm32f407, stm32h743xi, stm32h743xg, stm32h750xb, mps2-an386',
    );
    expectOneLineError(await rtosSim(["map", "nope"]), 3, 'unknown board "nope"');
  });

  it("an unknown app lists the built-in apps", async () => {
    expectOneLineError(
      await rtosSim(["run", "flying-circus"]),
      3,
      'unknown app "flying-circus" (built-in apps: flight, isolation, heap-bugs, alloc-stress, mpu-demo',
    );
  });

  it("an unwritable --trace or --report path fails before the run", async () => {
    expectOneLineError(
      await rtosSim(["run", "--trace", "/nonexistent-dir/t.json"]),
      3,
      "--trace /nonexistent-dir/t.json: directory",
    );
    const dir = tempDir();
    expectOneLineError(await rtosSim(["run", "--report", dir]), 3, "is a directory");
  });

  it("a board .json file: used when valid, its field named when not", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "bluepill.json"),
      JSON.stringify({
        name: "bluepill",
        core: "cortex-m3",
        clockHz: 72_000_000,
        memory: [
          { name: "FLASH", kind: "flash", start: "0x08000000", size: "64K" },
          { name: "RAM", start: "0x20000000", size: "20K" },
        ],
      }),
    );
    writeFileSync(join(dir, "bad.json"), '{ "name": "bad", "core": "cortex-m9", "memory": [] }');
    const ok = await rtosSim(["map", "bluepill.json"], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^RAM\s+0x20000000\s+0x20004FFF\s+20 KiB\s+ram\s+rwx/m);
    // No description: the name once ("bluepill: bluepill" before), then the core line.
    expect(ok.stdout.split("\n").slice(0, 2)).toEqual([
      "bluepill",
      "cortex-m3, 72 MHz, PMSAv7 MPU with 8 regions, 20 KiB RAM, 64 KiB flash",
    ]);
    const run = await rtosSim(["run", "mpu-demo", "--board", "bluepill.json", "--duration", "10ms", "--json"], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { board: { name: string } }).board.name).toBe("bluepill");
    expectOneLineError(
      await rtosSim(["map", "bad.json"], { cwd: dir }),
      3,
      'rtos-sim map: board file bad.json: BOARD_UNKNOWN_CORE: board "bad": unknown core "cortex-m9"',
    );
    expectOneLineError(
      await rtosSim(["run", "--board", "none.json"], { cwd: dir }),
      3,
      "board file none.json: file not found",
    );
  });

  it("a board .json file a built-in kernel app cannot boot on is exit code 3 naming the app, the board and why", async () => {
    const dir = tempDir();
    const memory = [
      { name: "FLASH", kind: "flash", start: "0x08000000", size: "512K" },
      { name: "RAM", start: "0x20000000", size: "128K" },
    ];
    writeFileSync(join(dir, "no-uart.json"), JSON.stringify({ name: "no-uart", core: "cortex-m4", memory }));
    expectOneLineError(
      await rtosSim(["run", "flight", "--board", "no-uart.json", "--json"], { cwd: dir }),
      3,
      "rtos-sim run: app flight cannot run on board no-uart (no-uart.json): BAD_CONFIG: board no-uart declares no uart role for the kernel console",
    );
  });

  it("a missing or broken linker script", async () => {
    expectOneLineError(
      await rtosSim(["map", "stm32f407", "--linker-script", "nope.ld"]),
      3,
      "--linker-script nope.ld: file not found",
    );
    const dir = tempDir();
    writeFileSync(join(dir, "bad.ld"), "MEMORY\n{\n  RAM (xrw) : ORIGIN = 0x20000000, LENGTH = lots\n}\n");
    expectOneLineError(
      await rtosSim(["map", "stm32f407", "--linker-script", "bad.ld"], { cwd: dir }),
      3,
      "LINKER_SCRIPT: line 3",
    );
  });
});

describe("--debug", { timeout: 90_000 }, () => {
  it("adds the stack trace to an error", async () => {
    const r = await rtosSim(["run", "--board", "nope", "--debug"]);
    expect(r.code).toBe(3);
    expect(r.stderr.split("\n")[0]).toContain('unknown board "nope"');
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe("rtos-sim boards, apps", { timeout: 90_000 }, () => {
  it("boards prints a table of every built-in board", async () => {
    const r = await rtosSim(["boards"]);
    expect(r.code).toBe(0);
    const rows = lines(r.stdout);
    expect(rows[0]).toMatch(/^board\s+aliases\s+core\s+clock\s+MPU\s+MPU regions\s+RAM\s+flash$/);
    expect(rows).toHaveLength(12);
    expect(rows[2]).toMatch(/^stm32f407\s+stm32f407vg, stm32f4\s+cortex-m4\s+168 MHz\s+PMSAv7\s+8\s+196 KiB\s+1 MiB$/);
    expect(r.stdout).toMatch(/mps2-an386\s+mps2\s+cortex-m4\s+25 MHz\s+PMSAv7\s+8\s+24\.02 MiB\s+0 B/);
    expect(r.stdout).toMatch(/^rp2040\s+pico, rp2040-pico\s+cortex-m0plus\s+125 MHz\s+PMSAv6\s+8\s+264 KiB\s+2 MiB$/m);
    expect(r.stdout).toMatch(
      /^stm32u585\s+stm32u585ai, stm32u5\s+cortex-m33\s+160 MHz\s+PMSAv8\s+8\s+784 KiB\s+2 MiB$/m,
    );
    expect(r.stdout).toMatch(/^mps3-an547\s+an547\s+cortex-m55\s+32 MHz\s+PMSAv8\s+16\s/m);
  });

  it("boards --json is one JSON document", async () => {
    const r = await rtosSim(["boards", "--json"]);
    expect(r.code).toBe(0);
    const boards = JSON.parse(r.stdout) as { name: string; mpuRegions: number; ramBytes: number }[];
    expect(boards.map((b) => b.name)).toEqual([
      "stm32f407",
      "stm32h743xi",
      "stm32h743xg",
      "stm32h750xb",
      "mps2-an386",
      "rp2040",
      "stm32u585",
      "rp2350",
      "mps2-an505",
      "mps3-an547",
    ]);
    expect(boards[5]).toMatchObject({
      name: "rp2040",
      core: "cortex-m0plus",
      mpuArchitecture: "pmsav7",
      pmsa: "PMSAv6",
    });
    expect(boards[0]).toMatchObject({
      name: "stm32f407",
      core: "cortex-m4",
      clockHz: 168_000_000,
      mpuArchitecture: "pmsav7",
      mpuRegions: 8,
      ramBytes: 200_704,
    });
    expect(boards.at(-1)).toMatchObject({ name: "mps3-an547", mpuArchitecture: "pmsav8", mpuRegions: 16 });
  });

  it("apps lists every built-in app and marks the default", async () => {
    const r = await rtosSim(["apps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^app\s+board\s+duration\s+checker\s+what it shows$/m);
    // mpu-demo has no kernel, so no checker to turn on.
    expect(r.stdout).toMatch(/^mpu-demo( \(default\))?\s+stm32f407\s+1000 ms\s+off\s+two unprivileged tasks/m);
    // alloc-stress turns the checker off (its redzones and quarantine would change the heaps' shapes).
    expect(r.stdout).toMatch(/^alloc-stress\s+stm32f407\s+1000 ms\s+off\s+/m);
    expect(r.stdout).toMatch(/^priority-inversion\s+stm32f407\s+100 ms\s+on\s+low holds a mutex/m);
    expect(r.stdout).toContain(`${DEFAULT_APP} (default)`);
    const json = JSON.parse((await rtosSim(["apps", "--json"])).stdout) as {
      name: string;
      default: boolean;
      defaultMemcheck: boolean;
    }[];
    expect(json.map((a) => a.name)).toEqual(APPS.map((a) => a.app.name));
    expect(json.map((a) => [a.name, a.defaultMemcheck])).toEqual([
      ["flight", true],
      ["isolation", true],
      ["heap-bugs", true],
      ["alloc-stress", false],
      ["mpu-demo", false],
      ["priority-inversion", true],
      ["stack-overflow", false],
      ["dma", true],
    ]);
    expect(json.filter((a) => a.default).map((a) => a.name)).toEqual([DEFAULT_APP]);
  });
});

describe("rtos-sim map", { timeout: 90_000 }, () => {
  it("prints the memory regions, peripherals and devices of a board", async () => {
    const r = await rtosSim(["map", "stm32f4"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(end = last byte; access r/w/x as the bus allows it; dma: whether DMA2 reaches it)\n");
    expect(r.stdout).toMatch(/^Flash\s+0x08000000\s+0x080FFFFF\s+1 MiB\s+flash\s+r-x\s+5\s+yes\s+Code, Normal$/m);
    // the CCM is on the core's D-bus only: no DMA reaches it
    expect(r.stdout).toMatch(/^CCM\s+0x10000000\s+0x1000FFFF\s+64 KiB\s+ram\s+rw-\s+0\s+no\s+Code, Normal$/m);
    expect(r.stdout).toMatch(
      /^BackupSRAM\s+0x40024000\s+0x40024FFF\s+4 KiB\s+ram\s+rwx\s+0\s+yes\s+Peripheral, Device, XN$/m,
    );
    expect(r.stdout).toMatch(/^APB1\s+0x40000000\s+0x40007FFF\s+32 KiB\s+Peripheral, Device, XN$/m);
    expect(r.stdout).toMatch(/^USART2\s+0x40004400$/m);
  });

  it("shows the device signature: its region, the contents table (text and JSON), --address naming the UID", async () => {
    const r = await rtosSim(["map", "stm32f407"]);
    expect(r.stdout).toMatch(
      /^DeviceSignature\s+0x1FFF7A10\s+0x1FFF7A27\s+24 B\s+rom\s+r-x\s+5\s+yes\s+Code, Normal$/m,
    );
    expect(r.stdout).toContain(
      "Contents (factory-programmed bytes of read-only memory, loaded when the machine is built)\n",
    );
    expect(r.stdout).toMatch(
      /^UID {9}0x1FFF7A10 {2}0x1FFF7A1B {2}12 B {2}DeviceSignature {2}0x00200041 0x53494D01 0x52544F53 {2}unique device ID, 96 bits \(RM0090 39\.1\)$/m,
    );
    expect(r.stdout).toMatch(
      /^FLASH_SIZE {2}0x1FFF7A22 {2}0x1FFF7A23 {3}2 B {2}DeviceSignature {2}0x0400 \(1024\) +flash size/m,
    );
    const json = JSON.parse((await rtosSim(["map", "stm32f407", "--json"])).stdout) as {
      board: { contents: { name: string; address: number; bytes: number[]; region: string }[] };
    };
    expect(json.board.contents.map((c) => [c.name, c.address, c.bytes.length, c.region])).toEqual([
      ["UID", 0x1fff7a10, 12, "DeviceSignature"],
      ["FLASH_SIZE", 0x1fff7a22, 2, "DeviceSignature"],
    ]);
    const at = await rtosSim(["map", "stm32f407", "--address", "0x1FFF7A10"]);
    expect(at.stdout.split("\n").slice(0, 4)).toEqual([
      "0x1FFF7A10 on stm32f407: memory DeviceSignature (24 B), in UID",
      "  rom, read-only (a write is a BusFault, PRECISERR), executable, 5 wait state(s)",
      "  DMA2 reaches it",
      "  UID: unique device ID, 96 bits (RM0090 39.1) (0x1FFF7A10-0x1FFF7A1B, factory-programmed, loaded when the machine is built)",
    ]);
    expect((await rtosSim(["map", "mps2-an386"])).stdout).not.toContain("Contents");
  });

  it("shows the MPU: PMSAv7 with the kernel's regions decoded from RBAR/RASR", async () => {
    const r = await rtosSim(["map", "stm32f407"]);
    expect(r.stdout).toContain("cortex-m4, 168 MHz, PMSAv7 MPU with 8 regions,");
    expect(r.stdout).toContain(
      "MPU: PMSAv7, 8 regions (MPU_TYPE 0x00000800); the highest-numbered region wins where regions overlap; background: privileged only\n",
    );
    // With per-task code regions (the default) the kernel's one region is its own memory.
    expect(r.stdout).not.toMatch(/code \(Flash\)$/m);
    expect(r.stdout).toMatch(
      /^ {2}7 {2}0x20004000 {2}0x20005FFF {2}8 KiB {2}priv-rw .* {2}0x20004007 {2}0x11030019 {2}kernel$/m,
    );
    expect(r.stdout).not.toContain("MAIR0");
  });

  it("shows the bit-band windows of a board that has them (text and JSON), none on one that does not", async () => {
    const r = await rtosSim(["map", "stm32f407"]);
    expect(r.stdout).toMatch(/^SRAM {8}0x20000000-0x200FFFFF {2}0x22000000-0x23FFFFFF$/m);
    expect(r.stdout).toMatch(/^peripheral {2}0x40000000-0x400FFFFF {2}0x42000000-0x43FFFFFF$/m);
    const json = JSON.parse((await rtosSim(["map", "stm32f407", "--json"])).stdout) as { board: { bitBand: boolean } };
    expect(json.board.bitBand).toBe(true);
    expect((await rtosSim(["map", "stm32h743"])).stdout).not.toContain("Bit-band");
  });

  it("shows the MPU: PMSAv8 with MAIR0/1 and the kernel's regions decoded from RBAR/RLAR (text and JSON)", async () => {
    const r = await rtosSim(["map", "stm32u585"]);
    expect(r.stdout).toMatch(/^SRAM1\s+0x20000000\s+0x2002FFFF\s+192 KiB\s+ram\s+rwx\s+0\s+yes\s+SRAM, Normal$/m); // GPDMA1 reaches it
    expect(r.stdout).toContain("dma: whether GPDMA1 reaches it");
    expect(r.stdout).toContain(
      "MPU: PMSAv8, 8 regions (MPU_TYPE 0x00000800); an address two enabled regions both match faults (no overlaps); background: privileged only\n",
    );
    expect(r.stdout).toContain(
      "MAIR0 0xFF0004EE  MAIR1 0x000044AA  (Attr0 Normal WB, Attr1 Device-nGnRE, Attr2 Device-nGnRnE, Attr3 Normal WB, Attr4 Normal WT, Attr5 Normal NC;",
    );
    expect(r.stdout).toMatch(/^ {2}7 {2}0x20004000 {2}0x20005FFF .* {2}0x20004001 {2}0x20005FE1 {2}kernel$/m);
    const json = JSON.parse((await rtosSim(["map", "stm32u585", "--json"])).stdout) as {
      mpu: {
        architecture: string;
        regionCount: number;
        mpuType: number;
        mair: number[];
        kernelRegions: { label: string; registers: { rbar: number; rlar: number } }[];
      };
    };
    expect([json.mpu.architecture, json.mpu.regionCount, json.mpu.mpuType, json.mpu.mair]).toEqual([
      "pmsav8",
      8,
      0x800,
      [0xff0004ee, 0x000044aa],
    ]);
    expect(json.mpu.kernelRegions.map((k) => [k.label, k.registers.rbar, k.registers.rlar])).toEqual([
      ["kernel", 0x20004001, 0x20005fe1],
    ]);
  });

  it("--page-order shows the region manager's page maps", async () => {
    const r = await rtosSim(["map", "stm32f407", "--page-order", "10"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Page maps (region manager, page order 10 = 1 KiB pages)");
    expect(r.stdout).toContain("SRAM1 [0x20000000, 0x2001c000) buddy, 112 pages of 1 KiB");
    const json = JSON.parse((await rtosSim(["map", "stm32f407", "--page-order", "10", "--json"])).stdout) as {
      pageMaps: { region: string; pages: number; runs: { page: number; count: number; owner: string | null }[] }[];
    };
    const sram1 = json.pageMaps.find((m) => m.region === "SRAM1");
    expect(sram1?.pages).toBe(112);
    expect(sram1?.runs).toEqual([
      { page: 0, count: 1, owner: "metadata" },
      { page: 1, count: 111, owner: null },
    ]);
  });

  it("--linker-script takes the memory from a MEMORY block", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "f407.ld"),
      "MEMORY\n{\n  CCMRAM (xrw) : ORIGIN = 0x10000000, LENGTH = 64K\n  RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 128K\n  FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K\n}\n",
    );
    const r = await rtosSim(["map", "stm32f407", "--linker-script", "f407.ld"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^FLASH\s+0x08000000\s+0x0807FFFF\s+512 KiB\s+flash\s+r-x/m);
    expect(r.stdout).toMatch(/^RAM\s+0x20000000\s+0x2001FFFF\s+128 KiB\s+ram\s+rwx/m);
    expect(r.stdout).toMatch(/^CCMRAM\s+0x10000000\s+0x1000FFFF\s+64 KiB\s+ram\s+rw-/m);
  });
});
