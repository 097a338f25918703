import { ATTEMPTS, findApp, finishRun, prepareRun, runnableApp, traceHash } from "@rtos-sim/apps";
import { findBoard } from "@rtos-sim/hw";
import type { StackFrame } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { EXAMPLE_APP } from "./example-app.js";
import { PlaygroundSession } from "./session.js";
import { DEFAULT_STATE, EDITOR_APP, type PlaygroundState } from "./state.js";
import { transpile } from "./transpile.js";
import { loadUserApp } from "./user-app.js";

/** The run `rtos-sim run <app> --board B --seed N --duration D` makes, and its trace hash. */
async function cliHash(app: string, board: string, seed: number, durationMs: number, memcheck = true) {
  const machineApp = runnableApp(findApp(app)!);
  const prepared = prepareRun(machineApp, findBoard(board)!, { seed, durationMs, memcheck });
  await machineApp.run(prepared.ctx);
  return traceHash(finishRun(prepared, 0));
}

const edited = (source: string) => loadUserApp(transpile(source));
const state = (s: Partial<PlaygroundState>): PlaygroundState => ({ ...DEFAULT_STATE, ...s });

describe("PlaygroundSession", () => {
  it("flight run in chunks, switch steps and millisecond steps: the CLI's trace hash", async () => {
    const s = PlaygroundSession.create(state({ app: "flight", seed: 7, durationMs: 150 }));
    expect(s.info.app).toEqual({
      name: "flight",
      summary: expect.stringContaining("flight controller"),
      kind: "kernel",
      origin: "builtin",
    });
    expect(s.info.board.name).toBe("stm32f407");
    expect(s.info.options).toEqual({ seed: 7, durationMs: 150, memcheck: true });
    // alloc-stress turns the checker off, as the CLI runs it without a flag; a link can turn it on.
    expect(PlaygroundSession.create(state({ app: "alloc-stress" })).info.options.memcheck).toBe(false);
    expect(PlaygroundSession.create(state({ app: "alloc-stress", memcheck: true })).info.options.memcheck).toBe(true);
    const uart: string[] = [];
    const first = s.delta(true);
    expect(first.cpu?.task).toBeNull();
    expect(first.pageMaps.length).toBeGreaterThan(0);
    expect(s.stepSwitch()).toBe(true);
    const a = s.cpu()!;
    expect(s.stepSwitch()).toBe(true);
    const b = s.cpu()!;
    expect(b.switches).toBe(a.switches + 1);
    expect(b.task).not.toBe(a.task);
    // The MPU holds the task's plan: its regions, labelled, the kernel's regions on top.
    expect(b.mpuEnabled).toBe(true);
    expect(b.mpu.length).toBeGreaterThan(2);
    expect(b.mpu.every((r) => r.label !== "")).toBe(true);
    s.stepMs(10);
    expect(s.kernel!.nowMs()).toBeGreaterThanOrEqual(10);
    while (!s.advance(97)) uart.push(...s.delta(false).uart.map((l) => l.text));
    uart.push(...s.delta(false).uart.map((l) => l.text));
    expect(uart.some((l) => l.includes("t=  100 ms"))).toBe(true);
    const { result, hash } = s.finish(12);
    expect(result.verdict.ok).toBe(true);
    expect(result.uart.map((l) => l.text)).toEqual(uart);
    expect(hash).toBe(await cliHash("flight", "stm32f407", 7, 150));
  });

  it("isolation on another board: every rogue attempt faults with its CFSR, same hash as the CLI", async () => {
    const s = PlaygroundSession.create(state({ app: "isolation", board: "stm32h743", durationMs: 1000 }));
    const faults = [];
    while (!s.advance(500)) faults.push(...s.delta(false).faults);
    faults.push(...s.delta(false).faults);
    // Every attempt but the one refused with EPERM (it makes no fault).
    expect(faults).toHaveLength(ATTEMPTS.filter((a) => a.expect.kind !== "refused").length);
    expect(faults.every((f) => f.expected && f.taskName.startsWith("rogue"))).toBe(true);
    expect(faults.filter((f) => f.hardware).every((f) => f.cfsr !== 0)).toBe(true);
    const { hash } = s.finish(0);
    expect(hash).toBe(await cliHash("isolation", "stm32h743", 1, 1000));
  });

  it("a machine app runs in one go; stepping it is a typed error", async () => {
    const s = PlaygroundSession.create(state({ app: "mpu-demo", memcheck: false, durationMs: 200 }));
    expect(s.info.steppable).toBe(false);
    expect(() => s.advance(1)).toThrow(expect.objectContaining({ code: "BAD_STATE" }));
    await s.complete();
    expect(s.finished).toBe(true);
    const d = s.delta(true);
    expect(d.faults.map((f) => f.cfsrNames)).toEqual([["DACCVIOL", "MMARVALID"]]);
    expect(d.cpu?.mpuEnabled).toBe(true);
    expect(s.finish(0).hash).toBe(await cliHash("mpu-demo", "stm32f407", 1, 200, false));
  });

  it("the edited example runs: the worker's lines, the rogue's fault pointed at its line", () => {
    const s = PlaygroundSession.create(state({ app: EDITOR_APP, source: EXAMPLE_APP }), edited);
    expect(s.info.app).toMatchObject({ name: "my-app", kind: "kernel", origin: "editor" });
    expect(s.info.options.durationMs).toBe(50);
    s.advance();
    const d = s.delta(false);
    expect(d.uart.map((l) => l.text)).toEqual(["tick 0", "tick 1", "tick 2", "tick 3", "tick 4"]);
    expect(d.faults.map((f) => `${f.taskName} ${f.cause} ${f.expected}`)).toEqual(["rogue MemManage true"]);
    const rogueLine = EXAMPLE_APP.split("\n").findIndex((l) => l.includes("t.read32(env.kernelBlock")) + 1;
    expect(d.appErrors).toEqual([expect.objectContaining({ task: "rogue", line: rogueLine, expected: true })]);
    expect(s.finish(0).result.verdict.ok).toBe(true);
  });

  it("an exception the app did not plan is marked unexpected, the rogue's planned fault expected", () => {
    const free = "          yield* t.free(p);";
    const source = EXAMPLE_APP.replace(free, `${free}\n          undefinedFn();`);
    const s = PlaygroundSession.create(state({ app: EDITOR_APP, source }), edited);
    s.advance();
    const d = s.delta(false);
    const line = (text: string) => source.split("\n").findIndex((l) => l.includes(text)) + 1;
    expect(d.appErrors.map((e) => [e.task, e.line, e.expected])).toEqual([
      ["worker", line("undefinedFn();"), false],
      ["rogue", line("t.read32(env.kernelBlock"), true],
    ]);
    expect(d.faults.map((f) => `${f.taskName} ${f.expected}`)).toEqual(["worker false", "rogue true"]);
  });

  it("an out-of-bounds write added to the example gets the checker's report", () => {
    const free = "          yield* t.free(p);";
    const source = EXAMPLE_APP.replace(free, `          t.write32(p + 32, 1);\n${free}`);
    expect(source).not.toBe(EXAMPLE_APP);
    const s = PlaygroundSession.create(state({ app: EDITOR_APP, source }), edited);
    s.advance();
    const reports = s.delta(false).reports;
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[0]!.kind).toBe("heap-buffer-overflow");
    expect(reports[0]!.message).toContain("heap-buffer-overflow on address");
    // The per-byte state around the address, as in the text report: the word written is the first redzone byte.
    expect(reports[0]!.details).toContain("Checker state around 0x10001038:");
    expect(reports[0]!.details.some((l) => l.startsWith("=>0x10001030:") && l.includes("[RZ]"))).toBe(true);
    expect(s.finish(0).result.verdict.ok).toBe(false);
  });

  it("an edited app's source sites name the editor's lines; a frame map reaches its checker", () => {
    const free = "          yield* t.free(p);";
    const source = EXAMPLE_APP.replace(free, `          t.write32(p + 32, 1);\n${free}`).replace(
      "  durationMs: 50,",
      "  durationMs: 50,\n  memcheck: { sourceSites: true },",
    );
    const lines = source.split("\n");
    const line = (text: string) => lines.findIndex((l) => l.startsWith(text)) + 1;
    const [write, malloc] = [line("          t.write32(p + 32, 1);"), line("          const p = yield* t.malloc(32);")];
    expect([write, malloc]).toEqual([19, 16]);
    const sites = (mapFrame: ((f: StackFrame) => StackFrame) | null) => {
      const s = PlaygroundSession.create(state({ app: EDITOR_APP, source }), edited, mapFrame);
      s.advance();
      const r = s.delta(false).reports[0]!;
      return { sites: r.details.filter((l) => l.includes("#0")), hash: s.finish(0).hash };
    };
    const plain = sites(null);
    expect(plain.sites).toEqual([`    #0 app.ts:${write}:13 in main`, `    #0 app.ts:${malloc}:30 in main`]);
    // The worker's map (the bundle's source maps) runs first; the editor's lines come after it.
    const seen: string[] = [];
    const mapped = sites((f) => {
      seen.push(f.file);
      return f.file === "app.ts" ? { ...f, column: 1 } : f;
    });
    expect(mapped.sites).toEqual([`    #0 app.ts:${write}:1 in main`, `    #0 app.ts:${malloc}:1 in main`]);
    expect(seen).toContain("app.ts");
    expect(mapped.hash).toBe(plain.hash); // sites are not part of the hash
  });

  it("an edited async machine app is run once, however often the run is asked to complete", async () => {
    const source = `let calls = 0;
export default {
  name: "slow",
  summary: "an async run",
  async run(ctx) {
    calls++;
    ctx.record.check("run once", calls === 1, String(calls));
    await new Promise((resolve) => setTimeout(resolve, 10));
  },
};
`;
    const s = PlaygroundSession.create(state({ app: EDITOR_APP, source }), edited);
    const first = s.complete(); // Run ...
    const again = s.complete(); // ... Pause, Run: the app is still running
    await Promise.all([first, again]);
    expect(s.finished).toBe(true);
    expect(s.finish(0).result.checks).toEqual([expect.objectContaining({ name: "run once", passed: true })]);
  });

  it("bad input: no edited app, an unknown board", () => {
    expect(() => PlaygroundSession.create(state({ app: EDITOR_APP }), edited)).toThrow(
      expect.objectContaining({ code: "APP_INVALID" }),
    );
    expect(() => PlaygroundSession.create(state({ board: "nope" }))).toThrow(
      expect.objectContaining({ code: "BAD_STATE" }),
    );
  });
});
