import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "@rtos-sim/apps";
import { DEFAULT_APP, traceHash } from "@rtos-sim/apps";
import { describe, expect, it } from "vitest";
import { rtosSim, tempDir } from "./helpers.js";
import { validateTrace } from "./trace-format.js";

async function runJson(args: readonly string[]): Promise<{ code: number | null; result: RunResult; stderr: string }> {
  const r = await rtosSim(["run", "mpu-demo", ...args, "--json"]);
  return { code: r.code, result: JSON.parse(r.stdout) as RunResult, stderr: r.stderr };
}

describe("rtos-sim run (the MPU demo)", { timeout: 90_000 }, () => {
  it("the default run prints UART lines, the summary table, the decoded fault and OK", async () => {
    const r = await rtosSim(["run", "mpu-demo"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toContain("rtos-sim run mpu-demo on stm32f407, 1.000 s, seed 1");
    expect(out).toMatch(/^ +400\.004 ms {2}logger {3}\| t= {2}400 ms {2}samples=401 {2}last=211$/m);
    expect(out).toMatch(/^task\s+state\s+CPU share\s+faults\s+memory held\s+MPU regions$/m);
    expect(out).toMatch(/^sensor\s+faulted\s+0\.12%\s+1\s+0 B\s+3$/m);
    expect(out).toMatch(/^logger\s+done\s+0\.24%\s+0\s+4 KiB\s+4$/m);
    expect(out).toContain(
      "MemManage (exception 4) in sensor at 500.000 ms  [expected: read the kernel's data (privileged only)]",
    );
    expect(out).toContain("  CFSR  0x00000082\n        DACCVIOL ");
    expect(out).toContain("  MMFAR 0x20000010  (address of the access the MPU stopped)");
    expect(out).toContain(
      "  MPU regions of sensor when it faulted (PMSAv7: the highest-numbered region wins where regions overlap; background: privileged only):\n",
    );
    expect(out).toMatch(
      /^ {4}# {2}base {8}end {10}size {2}access {2}exec {2}type {4}TEX C B S {2}SRD {2}RBAR {8}RASR {8}for$/m,
    );
    expect(out).toMatch(
      /^ {4}1 {2}0x20001000 {2}0x20001FFF {2}4 KiB {2}rw {6}XN {4}normal {2}000 1 1 0 {2}- {4}0x20001001 {2}0x13030017 {2}sensor RAM$/m,
    );
    expect(out).toContain("OK: no unexpected fault, no checker error, 4 check(s) passed");
    expect(out).not.toContain("\u001b["); // not a terminal: no colours
    // The last line: the trace hash of the JSON result of the same run.
    const json = await runJson([]);
    expect(out.trimEnd().split("\n").pop()).toBe(
      `trace hash ${traceHash(json.result)} (the same app, board, seed and options give the same hash)`,
    );
  });

  it("the checker is off by default (no kernel); --memcheck says it is not available here", async () => {
    const off = await rtosSim(["run", "mpu-demo", "--duration", "10ms"]);
    expect(off.stdout).toMatch(/, seed 1, memory checker off$/m);
    const on = await rtosSim(["run", "mpu-demo", "--duration", "10ms", "--memcheck"]);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/, seed 1, memory checker requested \(not available in this app yet\)$/m);
  });

  it("--json prints exactly one JSON document with the decoded fault", async () => {
    const { code, result, stderr } = await runJson([]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(result.schema).toBe("rtos-sim.run/1");
    expect(result.app).toEqual({
      name: "mpu-demo",
      summary: "two unprivileged tasks with their own MPU regions; one reads kernel data and the MPU stops it",
      source: "builtin",
      file: null,
    });
    // mpu-demo has no kernel, so its default is no checker.
    expect(result.options).toEqual({ seed: 1, durationMs: 1000, memcheck: false });
    expect(result.simulatedUs).toBe(1_000_000);
    expect(result.cycles).toBe(168_000_000);
    expect(result.tasks.map((t) => [t.name, t.state, t.faults])).toEqual([
      ["kernel", "done", 0],
      ["sensor", "faulted", 1],
      ["logger", "done", 0],
    ]);
    expect(result.faults).toHaveLength(1);
    const f = result.faults[0]!;
    expect(f).toMatchObject({
      task: 1,
      taskName: "sensor",
      exception: 4,
      exceptionName: "MemManage",
      cause: "MemManage",
      escalated: false,
      cfsr: 0x82,
      cfsrNames: ["DACCVIOL", "MMARVALID"],
      hfsr: 0,
      mmfar: 0x20000010,
      bfar: null,
      access: { address: 0x20000010, size: 4, kind: "read", privileged: false },
      expected: true,
    });
    expect(f.mpuRegions.map((m) => [m.number, m.base, m.size, m.access])).toEqual([
      [0, 0x08000000, 0x100000, "ro"],
      [1, 0x20001000, 0x1000, "rw"],
      [2, 0x20003000, 0x400, "rw"],
    ]);
    expect(result.checks.every((c) => c.passed)).toBe(true);
    expect(result.verdict).toEqual({ ok: true, problems: [] });
    expect(result.uart).toHaveLength(11);
    expect(result.pageMaps[0]?.runs).toEqual([
      { page: 0, count: 4, owner: "kernel" },
      { page: 4, count: 4, owner: null },
      { page: 8, count: 4, owner: "logger" },
      { page: 12, count: 1, owner: "ring" },
      { page: 13, count: 99, owner: null },
    ]);
  });

  it("`run` without an app runs the registry's default app", async () => {
    const r = await rtosSim(["run", "--duration", "10ms", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as RunResult).app.name).toBe(DEFAULT_APP);
  });

  it("is deterministic for a seed, and the seed changes the samples", async () => {
    const strip = (r: RunResult) => ({ ...r, wallMs: 0 });
    const a = await runJson(["--seed", "7", "--duration", "200ms"]);
    const b = await runJson(["--seed", "7", "--duration", "200ms"]);
    const c = await runJson(["--seed", "0x8", "--duration", "200ms"]);
    expect(strip(a.result)).toEqual(strip(b.result));
    // --json carries the trace hash the summary prints, computed from the rest of the document.
    const { traceHash: hash, ...rest } = a.result as RunResult & { traceHash: string };
    expect(hash).toBe(traceHash(rest));
    expect((c.result as RunResult & { traceHash: string }).traceHash).not.toBe(hash);
    expect(c.result.options.seed).toBe(8);
    expect(c.result.uart.map((l) => l.text)).not.toEqual(a.result.uart.map((l) => l.text));
  });

  it("takes durations as 1.5s, 500ms, 2m and bare milliseconds", async () => {
    expect((await runJson(["--duration", "1.5s"])).result.simulatedUs).toBe(1_500_000);
    expect((await runJson(["--duration", "500ms"])).result.simulatedUs).toBe(500_000);
    const long = (await runJson(["--duration", "10000"])).result;
    expect(long.options.durationMs).toBe(10_000);
    expect(long.simulatedUs).toBe(10_000_000);
  });

  it("--memcheck / --no-memcheck: the last one wins", async () => {
    expect((await runJson(["--no-memcheck", "--duration", "10"])).result.options.memcheck).toBe(false);
    expect((await runJson(["--no-memcheck", "--memcheck", "--duration", "10"])).result.options.memcheck).toBe(true);
  });

  it("runs on every built-in board, stopping the rogue read at the same place", async () => {
    const expected: Record<string, { ram: number; code: [number, number]; uart: string }> = {
      stm32f407: { ram: 0x20000000, code: [0x08000000, 0x100000], uart: "USART2" },
      stm32h743: { ram: 0x20000000, code: [0x08000000, 0x100000], uart: "USART3" },
      stm32h743xg: { ram: 0x20000000, code: [0x08000000, 0x80000], uart: "USART3" },
      stm32h750: { ram: 0x20000000, code: [0x08000000, 0x20000], uart: "USART3" },
      mps2: { ram: 0x20000000, code: [0x00000000, 0x400000], uart: "UART0" },
      stm32u585: { ram: 0x20000000, code: [0x08000000, 0x200000], uart: "USART2" },
      rp2040: { ram: 0x20000000, code: [0x10000000, 0x200000], uart: "UART0" },
      rp2350: { ram: 0x20000000, code: [0x10000000, 0x400000], uart: "UART0" },
      "mps2-an505": { ram: 0x20000000, code: [0x00000000, 0x400000], uart: "UART0" },
      "mps3-an547": { ram: 0x20000000, code: [0x28000000, 0x800000], uart: "UART0" },
    };
    for (const [board, want] of Object.entries(expected)) {
      const { code, result } = await runJson(["--board", board, "--duration", "20ms"]);
      expect(code, board).toBe(0);
      expect(result.faults[0]?.mmfar, board).toBe(want.ram + 0x10);
      const logger = result.tasks.find((t) => t.name === "logger")!;
      expect(logger.mpuRegions[0]?.base, board).toBe(want.code[0]);
      expect(logger.mpuRegions[0]?.size, board).toBe(want.code[1]);
      expect(logger.mpuRegions[3]?.label, board).toBe(`${want.uart} (device)`);
      expect(logger.mpuRegions[3]?.registers.architecture, board).toBe(result.board.mpuArchitecture);
      expect(result.verdict.ok, board).toBe(true);
    }
  });

  it("on the ARMv6-M RP2040 the fault report says what the silicon tells, then apart what the simulator knows", async () => {
    const r = await rtosSim(["run", "mpu-demo", "--board", "rp2040", "--duration", "600ms"]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(
      /^ +300\.001 ms {2}sensor {5}fault: HardFault \(simulator: MemManage\) DACCVIOL\|MMARVALID on read at 0x20000010 \(expected\)$/m,
    );
    expect(out).toContain(
      [
        "HardFault (exception 3) in sensor at 300.001 ms  [expected: read the kernel's data (privileged only)]",
        "  HardFault on read of 4 byte(s) at 0x20000010 (ARMv6-M: no fault status registers; the model's classification: MemManage DACCVIOL|MMARVALID at 0x20000010) (kind hardfault)",
        "  access: unprivileged read of 4 byte(s) at 0x20000010",
        "  silicon: HardFault; ARMv6-M has no CFSR, HFSR, MMFAR or BFAR: the handler sees only its stacked frame",
        "  simulator: MemManage at 0x20000010 (what an ARMv7-M core's CFSR and MMFAR would hold)",
        "        DACCVIOL    MemManage: data access the MPU does not permit at this privilege",
        "        MMARVALID   MMFAR holds the address of the faulting data access",
      ].join("\n"),
    );
    expect(out).not.toContain("  CFSR  0x");
    expect(out).not.toContain("escalated");
    const { result } = await runJson(["--board", "rp2040", "--duration", "600ms"]);
    expect(result.faults[0]).toMatchObject({
      kind: "hardfault",
      exception: 3,
      exceptionName: "HardFault",
      cause: "MemManage",
      escalated: false,
      faultStatusRegisters: false,
      cfsr: 0x82,
      hfsr: 0,
      mmfar: 0x20000010,
    });
  });

  it("on a PMSAv8 board the fault report decodes RBAR/RLAR and the MAIR attributes (text and JSON)", async () => {
    const r = await rtosSim(["run", "mpu-demo", "--board", "stm32u585", "--duration", "100ms"]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain("PMSAv8 memory attributes (the driver's MAIR table): MAIR0=0xFF0004EE MAIR1=0x000044AA");
    expect(out).toContain("PendSV loads regions 1-3: 1: RNR=1 RBAR=0x20001003 RLAR=0x20001FE1;");
    expect(out).toContain(
      "  MPU regions of sensor when it faulted (PMSAv8: an address two enabled regions both match faults (no overlaps); background: privileged only):\n",
    );
    expect(out).toMatch(
      /^ {4}# {2}base {8}limit {8}size {2}access {2}exec {2}SH {3}MAIR attr {13}RBAR {8}RLAR {8}for$/m,
    );
    expect(out).toMatch(
      /^ {4}0 {2}0x08000000 {2}0x081FFFFF {2}2 MiB {2}ro {6}yes {3}NSH {2}Attr4=0xAA Normal WT {2}0x08000006 {2}0x081FFFE9 {2}Flash \(code\)$/m,
    );
    expect(out).not.toContain("highest");
    const { result } = await runJson(["--board", "stm32u585", "--duration", "100ms"]);
    expect(result.board.mpuArchitecture).toBe("pmsav8");
    const logger = result.tasks.find((t) => t.name === "logger")!;
    expect(logger.mpuRegions.map((m) => [m.number, m.access, m.memoryType, m.registers])).toEqual([
      [
        0,
        "ro",
        "normal",
        {
          architecture: "pmsav8",
          rbar: 0x08000006,
          rlar: 0x081fffe9,
          ap: 3,
          shareability: "non-shareable",
          pxn: false,
          attrIndex: 4,
          attr: 0xaa,
          device: null,
        },
      ],
      [1, "rw", "normal", expect.objectContaining({ rbar: 0x20002003, rlar: 0x20002fe1, attrIndex: 0, attr: 0xee })],
      [2, "ro", "normal", expect.objectContaining({ rbar: 0x20003007, rlar: 0x200033e1 })],
      [
        3,
        "rw",
        "device",
        expect.objectContaining({ rbar: 0x40004403, rlar: 0x400047e3, attrIndex: 1, attr: 0x04, device: "nGnRE" }),
      ],
    ]);
  });

  it("--trace writes a valid Chrome trace-event file", async () => {
    const dir = tempDir();
    const file = join(dir, "trace.json");
    const r = await rtosSim(["run", "mpu-demo", "--duration", "100ms", "--trace", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`trace written to ${file}`);
    const trace = JSON.parse(readFileSync(file, "utf8")) as {
      traceEvents: { name: string; ph: string; tid: number; cat?: string; args?: Record<string, unknown> }[];
    };
    expect(validateTrace(trace)).toEqual([]);
    const ev = trace.traceEvents;
    expect(ev.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args?.name])).toEqual([
      [0, "kernel"],
      [1, "sensor"],
      [2, "logger"],
    ]);
    expect(ev.filter((e) => e.ph === "X" && e.tid === 1)).toHaveLength(51);
    expect(ev.filter((e) => e.ph === "X" && e.tid === 2)).toHaveLength(100);
    const faults = ev.filter((e) => e.ph === "i" && e.cat === "fault");
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({
      name: "MemManage: DACCVIOL|MMARVALID",
      tid: 1,
      args: { mmfar: "0x20000010", expected: true },
    });
    expect(ev.filter((e) => e.ph === "C").length).toBeGreaterThan(0);
    expect(ev.filter((e) => e.ph === "i" && e.cat === "uart")).toHaveLength(11);
  });

  it("--report writes one self-contained HTML file", async () => {
    const dir = tempDir();
    const file = join(dir, "report.html");
    const r = await rtosSim(["run", "mpu-demo", "--duration", "100ms", "--report", file, "--json"]);
    expect(r.code).toBe(0);
    JSON.parse(r.stdout); // still exactly one JSON document on stdout
    const html = readFileSync(file, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    for (const id of ["summary", "memory-map", "mpu", "faults", "timeline", "memory-use", "uart"]) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/);
  });
});

describe("rtos-sim run: the checker follows the app unless a flag says otherwise", { timeout: 90_000 }, () => {
  const run = async (args: readonly string[]) =>
    JSON.parse((await rtosSim(["run", "alloc-stress", "--duration", "20", ...args, "--json"])).stdout) as RunResult;

  it("alloc-stress turns it off; --memcheck turns it on; the last flag given wins", async () => {
    const plain = await run([]);
    expect([plain.options.memcheck, plain.memcheckActive, plain.leaks]).toEqual([false, false, null]);
    const on = await run(["--memcheck"]);
    expect([on.options.memcheck, on.memcheckActive]).toEqual([true, true]);
    expect(on.verdict).toEqual({ ok: true, problems: [] }); // the app runs clean with it on
    expect((await run(["--memcheck", "--no-memcheck"])).memcheckActive).toBe(false);
  });
});

describe("rtos-sim run heap-bugs (the memory checker's reports)", { timeout: 90_000 }, () => {
  it("prints each report with the app's source lines, then the leak summary; JSON and HTML carry it too", async () => {
    const dir = tempDir();
    const file = join(dir, "report.html");
    const text = await rtosSim(["run", "heap-bugs"]);
    expect(text.code).toBe(0);
    const out = text.stdout;
    // Paths relative to the working directory (apps/cli), lines of the app's TypeScript source.
    expect(out).toMatch(/\n {6}#0 \.\.\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+ in \S*body\n/);
    expect(out).toMatch(/\n {2}allocated here:\n {6}#0 \.\.\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+/);
    expect(out).toMatch(/\n {2}freed here:\n {6}#0 \.\.\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+/);
    expect(out).toMatch(/allocated by task overflow at t=\d+ cycles \(\d+\.\d+ ms\)/);
    expect(out).toContain(
      [
        "LEAK SUMMARY",
        "       definitely lost: 48 bytes in 1 blocks",
        "       indirectly lost: 0 bytes in 0 blocks",
        "         possibly lost: 0 bytes in 0 blocks",
        // invalid-free's 64-byte block: its malloc result is still in R0 of the frame its fault left
        "       still reachable: 64 bytes in 1 blocks  (not listed: --show-reachable lists them)",
        "  held, task not ended: 88 bytes in 3 blocks  (maybe in its registers: not decided)",
      ].join("\n"),
    );
    const json = await rtosSim(["run", "heap-bugs", "--json", "--report", file]);
    const result = JSON.parse(json.stdout) as RunResult;
    expect(result.leaks).toEqual({
      definite: { bytes: 48, blocks: 1 },
      indirect: { bytes: 0, blocks: 0 },
      possible: { bytes: 0, blocks: 0 },
      reachable: { bytes: 64, blocks: 1 },
      held: { bytes: 88, blocks: 3 },
    });
    expect(result.reports.map((r) => r.kind)).toEqual([
      "heap-buffer-overflow",
      "use-after-free",
      "double-free",
      "invalid-free",
      "uninitialized-read",
      "leak-definite",
      "overlapping-copy",
      "calloc-overflow",
      "allocation-size-too-big",
      "use-after-free",
      "stack-buffer-overflow",
      "stack-use-after-return",
      "uninitialized-read",
    ]);
    expect(out).toContain("  syscall param send(ptr) points to uninitialized byte(s)\n");
    const html = readFileSync(file, "utf8");
    expect(html).toContain("<h3>Leak summary</h3>");
    expect(html).toMatch(/<td>definitely lost<\/td><td class="num">48<\/td><td class="num">1<\/td>/);
  });
});
