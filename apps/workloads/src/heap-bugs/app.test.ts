import { runApp } from "@rtos-sim/kernel";
import { formatReport, type MemReport } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import README from "../../README.md?raw";
import { HEAP_BUGS, heapBugs, uncheckedBug } from "./app.js";
import APP_SOURCE from "./app.ts?raw";

/** The 1-based line of app.ts holding `code`. */
const SOURCE = APP_SOURCE.split("\n");
function lineOf(code: string): number {
  const i = SOURCE.findIndex((l) => l.includes(code));
  expect(i, code).toBeGreaterThanOrEqual(0);
  return i + 1;
}

describe("heap-bugs", () => {
  const run = runApp(heapBugs);
  const reports = run.kernel.checker!.reports;
  const of = (task: string): MemReport => reports.find((r) => r.taskName === task)!;

  it("produces each expected checker report, from the right task, and nothing else", () => {
    expect(run.result.reason).toBe("no-tasks"); // every bug task ended or was stopped
    for (const bug of HEAP_BUGS) {
      const r = reports.find((x) => x.kind === bug.kind && x.taskName === bug.task);
      expect(r, `${bug.kind} from ${bug.task}`).toBeDefined();
      const state = run.kernel.schedTask(run.kernel.task(bug.task)!).state;
      expect(state, bug.task).toBe(bug.stops ? "faulted" : "stopped");
    }
    expect(reports.map((r) => [r.taskName, r.kind])).toEqual(HEAP_BUGS.map((b) => [b.task, b.kind]));
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["heap-buffer-overflow", true],
      ["use-after-free", true],
      ["double-free", true],
      ["invalid-free", true],
      ["uninitialized-read", true],
      ["leak-definite", true],
      ["overlapping-copy", true],
      ["calloc-overflow", true],
      ["allocation-size-too-big", true],
      ["use-after-free", true],
      ["stack-buffer-overflow", true],
      ["stack-use-after-return", true],
      ["uninitialized-read", true],
    ]);
    // The stopped tasks' blocks are held (their registers are not scanned), not reported again.
    expect(run.leaks).toMatchObject({ definiteBytes: 48, indirectBytes: 0, possibleBytes: 0 });
  });

  it("names the block (or the pages) and the access in each report", () => {
    const overflow = of("overflow");
    expect(overflow.block).toMatchObject({ size: 24, relation: "right" });
    expect(overflow.address).toBe(overflow.block!.address + 24);
    const uaf = of("use-after-free");
    expect([uaf.address, uaf.block!.state]).toEqual([uaf.block!.address, "quarantined"]);
    expect(of("invalid-free").address).toBe(of("invalid-free").block!.address + 8);
    expect(of("leak").block!.size).toBe(48);
    expect(of("uninit-read").address).toBe(of("uninit-read").block!.address + 8);
    expect(of("overlap")).toMatchObject({ size: 16, access: null });
    expect(of("calloc")).toMatchObject({ size: 0, syscall: "calloc", mode: "user" });
    expect(of("too-big")).toMatchObject({ size: 64 * 1024 * 1024, syscall: "malloc" });
    const pager = of("pager");
    expect([pager.block, pager.access]).toEqual([null, "read"]);
    expect(pager.pages).toMatchObject({ size: 512, order: 2, pageSize: 128, owner: "slab-array:pager" });
    const stack = of("stack-buf");
    expect(stack.frame).toMatchObject({
      function: "parse_name",
      state: "live",
      local: { name: "name", offset: 72, size: 8 },
      relation: "right",
      distance: 0,
      offset: 80,
    });
    expect(stack).toMatchObject({ address: stack.frame!.base + 80, size: 1, access: "write", block: null });
    const uar = of("stack-uar");
    expect(uar.frame).toMatchObject({
      function: "format_reading",
      state: "returned",
      local: { name: "text", offset: 72, size: 12 },
      relation: "inside",
      distance: 0,
      offset: 72,
    });
    // The frame was the task's only one: it ended at the stack's top, where SP is back.
    expect(uar.frame!.base + uar.frame!.size).toBe(0x10009400);
    expect(uar).toMatchObject({ address: uar.frame!.base + 72, size: 1, access: "read", block: null });
    // A syscall's parameter: the first padding byte of the record, Memcheck's wording, the send made.
    const send = of("uninit-send");
    expect(send).toMatchObject({
      address: send.block!.address + 2,
      size: 16,
      access: "read",
      message: "syscall param send(ptr) points to uninitialized byte(s)",
      block: { size: 16, relation: "inside" },
    });
    expect(run.kernel.queues.get("telemetry")!.length).toBe(1);
    // The stopping bugs are checker faults with the report attached; a double free is the task's own.
    const f = run.kernel.faults.find((x) => x.task === "double-free")!;
    expect([f.kind, f.checker?.kind, f.checker?.mode, f.checker?.syscall]).toEqual([
      "checker",
      "double-free",
      "user",
      "free",
    ]);
  });

  it("shows the lines of the app's code: the bad access, the allocation, the free", () => {
    const overflow = of("overflow");
    expect(overflow.source).toMatchObject({
      line: lineOf("t.strcpy(p, name);"),
      function: expect.stringMatching(/body/),
    });
    expect(overflow.source!.file).toMatch(/heap-bugs[\\/]app\.ts$/);
    expect(overflow.block!.allocated.source!.line).toBe(lineOf('t.malloc(n, 8, "overflow: name buffer")'));
    const uaf = of("use-after-free");
    expect([uaf.source!.line, uaf.block!.allocated.source!.line, uaf.block!.freed!.source!.line]).toEqual([
      lineOf("const v = t.read32(p); // a stale pointer"),
      lineOf('t.malloc(32, 8, "use-after-free: message")'),
      lineOf("yield* t.free(p);"), // its first free, in the use-after-free bug
    ]);
    expect(of("double-free").source!.line).toBe(lineOf("say(`double-free: the second free of") - 1);
    expect(of("overlap").source!.line).toBe(lineOf("t.memcpy(p + 4, p, 16);"));
    expect(of("calloc").source!.line).toBe(lineOf('t.calloc(n, size, "calloc: sample table")'));
    expect(of("pager").source!.line).toBe(lineOf("const v = t.read32(last);"));
    expect(of("pager").pages!.freed.taskName).toBe("pager");
    expect(of("stack-buf").source!.line).toBe(lineOf("f.locals.name.set(src.length, 0);"));
    expect(of("stack-uar").source!.line).toBe(lineOf("const c = t.read8(text);"));
    expect(of("uninit-send").source!.line).toBe(lineOf("const r = yield* t.send(TELEMETRY_QUEUE, p, TELEMETRY.size);"));
    expect(formatReport(of("stack-uar"))).toContain(
      "    [72, 84) 'text' <== Memory access at offset 72 is inside this variable",
    );
    expect(formatReport(of("stack-buf"))).toContain(
      "    [72, 80) 'name' <== Memory access at offset 80 overflows this variable",
    );
    const text = formatReport(uaf);
    expect(text).toMatch(/\n {4}#0 .*heap-bugs[\\/]app\.ts:\d+:\d+ in /);
    expect(text).toMatch(/\nallocated here:\n {4}#0 .*heap-bugs[\\/]app\.ts:\d+:\d+/);
    expect(text).toMatch(/\nfreed here:\n {4}#0 .*heap-bugs[\\/]app\.ts:\d+:\d+/);
    // The app's checks show the line too.
    expect(run.checks[0]!.detail).toMatch(
      /heap-buffer-overflow at 0x[0-9a-f]{8} by overflow \(24-byte block .*\) in .*app\.ts:\d+:\d+/,
    );
  });

  it("with the checker off, each bug does what it does on a board without one: silent, or stopped by the allocator, or NULL", () => {
    const off = runApp(heapBugs, { memcheck: false });
    expect(off.checks.map((c) => [c.name, c.ok])).toEqual(HEAP_BUGS.map((b) => [b.kind, true]));
    expect(off.kernel.faults.map((f) => [f.task, f.kind, f.message.split(":")[0]])).toEqual([
      ["double-free", "heap", "INVALID_FREE"],
      ["invalid-free", "heap", "INVALID_FREE"],
    ]);
    const detail = (task: string) => off.checks[HEAP_BUGS.findIndex((b) => b.task === task)]!.detail;
    // strcpy's NUL lands one past the 24-byte block, in the heap's own 8-byte tags there; nothing stops it.
    const overflow = /NUL went to (0x[0-9a-f]{8}), one past the block/.exec(detail("overflow"));
    expect(overflow, detail("overflow")).not.toBeNull();
    const address = Number(overflow![1]);
    expect([...off.kernel.machine.bus.peek(address, 1)]).toEqual([0]);
    expect(detail("overflow")).toMatch(/-> checker off, undetected: .*; task stopped$/);
    // The stack bug's NUL lands silently in the next local (plain C layout): crc's low byte.
    expect(detail("stack-buf")).toContain("crc, set to 0x0000beef, reads 0x0000be00");
    // The returned frame's text is still there below SP: the stale pointer reads it unnoticed.
    expect(detail("stack-uar")).toMatch(/undetected: stack-uar: read '4' at 0x/);
    expect(detail("double-free")).toContain(
      "-> checker off, the allocator stopped it: heap INVALID_FREE: tlsf:double-free",
    );
    expect(detail("calloc")).toContain("-> checker off, refused (NULL): calloc: calloc(65536, 65537) gave 0x00000000");
    expect(detail("too-big")).toContain("-> checker off, refused (NULL): too-big: malloc(64 MiB) gave 0x00000000");
    expect(off.leaks).toBeNull();
  });

  it("with the checker off, a bug stopped by anything but the allocator, or a call not refused, fails its check", () => {
    const [overflow, doubleFree, calloc] = [HEAP_BUGS[0]!, HEAP_BUGS[2]!, HEAP_BUGS[7]!];
    const fault = runApp(heapBugs, { memcheck: false }).kernel.faults[0]!; // double-free's INVALID_FREE
    const line = "the last line";
    expect(uncheckedBug(overflow, fault, undefined, "faulted")).toMatchObject({ ok: false });
    expect(uncheckedBug(overflow, undefined, undefined, "faulted")).toEqual({
      name: "heap-buffer-overflow",
      ok: false,
      detail: `task overflow ${overflow.what} -> checker off: the task never got past its bug; task faulted`,
    });
    expect(uncheckedBug(doubleFree, undefined, { line, returned: undefined }, "stopped")).toMatchObject({
      ok: false,
      detail: `task double-free ${doubleFree.what} -> checker off, NOT stopped: the last line; task stopped`,
    });
    expect(uncheckedBug(doubleFree, fault, undefined, "faulted")).toMatchObject({ ok: true });
    expect(uncheckedBug(calloc, undefined, { line, returned: 0x10000008 }, "stopped")).toMatchObject({
      ok: false,
      detail: `task calloc ${calloc.what} -> checker off, NOT refused (NULL): the last line; task stopped`,
    });
  });

  it("skips the bugs a short run does not reach, and judges the ones it does", () => {
    const short = runApp(heapBugs, { durationMs: 25 }); // bugs strike at 10, 20, 30 ... ms
    expect(short.checks.map((c) => c.skipped ?? false)).toEqual(HEAP_BUGS.map((_, i) => i >= 2));
    expect(short.checks.slice(0, 2).every((c) => c.ok)).toBe(true);
    expect(short.checks[2]!.detail).toBe(
      "task double-free frees the same block twice: not reached, the run ended at 25 ms, before the task had its turn (due at 30 ms)",
    );
  });

  it("is described bug by bug in the package README's heap-bugs table", () => {
    const from = README.indexOf("## heap-bugs\n");
    const section = README.slice(from, README.indexOf("\n## ", from + 1));
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) =>
        line
          .split("|")
          .slice(1, 5)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      HEAP_BUGS.map((b) => [`\`${b.task}\``, b.what, `\`${b.kind}\``, b.stops ? "faulted" : "ends normally"]),
    );
    expect(section).toContain(`${heapBugs.durationMs} ms in all`);
  });
});
