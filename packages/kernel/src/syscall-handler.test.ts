import { STM32F407 } from "@rtos-sim/hw";
import { TIMEOUT } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { Errno, sys, type TaskInfo } from "./syscalls.js";
import type { TaskContext } from "./task-context.js";
import { bootTest } from "./test-kit.js";

const u32 = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));

describe("heap syscalls", () => {
  it.each(["tlsf", "heap"] as const)("malloc/realloc/free on a %s heap: addresses in the task's heap block", (heap) => {
    const k = bootTest();
    const got: number[] = [];
    const task = k.spawn({
      name: "h",
      heap,
      *main(t) {
        const a = yield* t.malloc(100);
        const b = yield* t.malloc(24, 16);
        t.write32(a, 0xcafef00d);
        const c = yield* t.realloc(a, 400);
        got.push(a, b, c, t.read32(c));
        got.push(yield* t.free(b), yield* t.free(0));
        got.push(yield* t.malloc(0), yield* t.malloc(8 * 1024 * 1024));
        got.push(yield* t.realloc(0, 32));
        got.push(yield* t.realloc(c, 0));
      },
    });
    k.run({ ms: 5 });
    expect(k.faults).toEqual([]);
    const h = task.heap!;
    const [a, b, c, v, f1, f2, m0, mBig, r0, rFree] = got as [number, ...number[]];
    for (const p of [a, b, c, r0]) expect(p! >= h.base && p! < h.base + h.size).toBe(true);
    expect(b! % 16).toBe(0);
    expect(v).toBe(0xcafef00d);
    expect([f1, f2, m0, mBig, rFree]).toEqual([Errno.OK, Errno.OK, 0, 0, 0]);
    expect(task.live.size).toBe(1); // r0
    expect(task.heapInUse).toBe(32);
    expect(h.allocator.stats().liveBlocks).toBe(1);
  });

  it("TLSF on F407: exact addresses (8-byte headers after the arena header)", () => {
    const k = bootTest();
    const got: number[] = [];
    k.spawn({
      name: "h",
      *main(t) {
        got.push(yield* t.malloc(16), yield* t.malloc(16));
      },
    });
    k.run({ ms: 1 });
    expect(got.map((x) => x.toString(16))).toEqual(["10002008", "10002020"]);
  });

  it("an invalid free faults the task with kind heap (the allocator's typed error), nothing freed", () => {
    const k = bootTest();
    let p = 0;
    const t = k.spawn({
      name: "bad-free",
      *main(t) {
        p = yield* t.malloc(32);
        yield* t.free(p + 8); // interior pointer
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("heap");
    expect(f.message).toMatch(/^INVALID_FREE: tlsf:bad-free: /);
    expect(t.heap!.allocator.owns(p)).toBe(true);
    expect(t.heap!.allocator.stats().liveBlocks).toBe(1);
  });

  it("with the checker on, an invalid free is the checker's report (invalid-free, naming the task)", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "bad-free",
      *main(t) {
        const p = yield* t.malloc(32);
        yield* t.free(p + 8);
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("checker");
    expect(f.checker?.kind).toBe("invalid-free");
    expect(f.checker?.taskName).toBe("bad-free");
    expect(f.dump).toContain("Memory checker:");
  });

  it.each([
    ["malloc size -1", sys.malloc(-1), /^BAD_ARGUMENT: malloc: size must be an integer in \[0, 4294967295\], got -1$/],
    ["malloc size 2^32", sys.malloc(2 ** 32), /^BAD_ARGUMENT: malloc: size must be an integer in \[0, 4294967295\]/],
    ["calloc n 1.5", sys.calloc(1.5, 4), /^BAD_ARGUMENT: calloc: n must be an integer in \[0, 4294967295\]/],
    ["calloc label 7", { op: "calloc", n: 1, size: 4, label: 7 }, /^BAD_ARGUMENT: calloc: label must be a string/],
    ["malloc align 3", sys.malloc(8, 3), /^BAD_ARGUMENT: malloc: align must be a power of two, got 3$/],
    [
      "malloc align 2048",
      sys.malloc(8, 2048),
      /^BAD_ARGUMENT: malloc: align must be an integer in \[1, 1024\], got 2048$/,
    ],
    ["free 1.5", { op: "free", ptr: 1.5 }, /^BAD_ARGUMENT: free: ptr must be an integer/],
    ["realloc size 'x'", { op: "realloc", ptr: 0, size: "x" }, /^BAD_ARGUMENT: realloc: size must be an integer/],
    ["sleep -1", { op: "sleep", ms: -1 }, /sleep|duration|DURATION/i],
    ["unknown op", { op: "format-disk" }, /^BAD_SYSCALL: unknown syscall "format-disk"$/],
    ["a non-request", 42, /yielded 42, not a syscall request/],
    ["sem-take of a non-name", { op: "sem-take", sem: 7 }, /^BAD_ARGUMENT: sem-take: sem must be a name$/],
    [
      "grant with a bad access",
      { op: "grant", partition: "shared", task: "x", access: "rwx" },
      /^BAD_ARGUMENT: grant: access/,
    ],
  ])("bad arguments (%s): bad-syscall with a typed error, nothing changed", (_what, req, message) => {
    const k = bootTest();
    const t = k.spawn({
      name: "b",
      *main(t) {
        yield* t.malloc(16);
        yield req;
      },
    });
    k.spawn({
      name: "other",
      *main(t) {
        for (let i = 0; i < 3; i++) yield* t.sleep({ ms: 1 });
      },
    });
    const r = k.run({ ms: 5 });
    expect(r.reason).toBe("no-tasks");
    const f = k.faults[0]!;
    expect(f.kind).toBe("bad-syscall");
    expect(f.message).toMatch(message);
    expect(t.heap!.allocator.stats().liveBlocks).toBe(1);
    expect(t.live.size).toBe(1);
    expect(k.schedTask(k.task("other")!).state).toBe("stopped");
  });
});

describe("semaphores", () => {
  it("take blocks until a give; a timed take resumes with TIMEOUT", () => {
    const k = bootTest();
    const log: string[] = [];
    k.spawn({
      name: "taker",
      semaphores: { s: "both" },
      priority: 2,
      *main(t) {
        const r1 = yield* t.semTake("s", { ms: 3 });
        log.push(`timeout ${String(r1 === TIMEOUT)} at ${k.nowMs()}`);
        const r2 = yield* t.semTake("s");
        log.push(`got ${String(r2)} at ${k.nowMs()}`);
        log.push(`missing ${String(yield* t.semTake("nope"))}`);
      },
    });
    k.spawn({
      name: "giver",
      semaphores: { s: "both" },
      *main(t) {
        yield* t.sleep({ ms: 5 });
        log.push(`give ${String(yield* t.semGive("s"))}`);
        for (let i = 0; i < 4; i++) log.push(`give ${String(yield* t.semGive("s"))}`);
        log.push(`give ${String(yield* t.semGive("s"))}`);
      },
    });
    k.run({ ms: 20 });
    expect(k.faults).toEqual([]);
    // the first give wakes the taker (the count stays 0), four more fill the count to its max (4)
    expect(log).toEqual([
      // 427 cycles after tick 3 (docs/timing.md): the SysTick wake from idle (entry 19, handler
      // 195, tail-chain 6, the idle context's save 23, the pick 108), the switch-in (restore 12,
      // TCB loads 2 (SP, CONTROL), MSR CONTROL 1, MPU reload 36, LDM 10) and the exception return
      // (1 + 8 loads + a flash fetch 6)
      `timeout true at ${3 + 427 / 168_000}`,
      "give 0",
      "give 0",
      "give 0",
      "give 0",
      "give 0",
      `give ${Errno.EOVERFLOW}`,
      // the giver (priority 1, woken at tick 5) keeps the CPU through its six gives and its exit
      // (cooperative): the taker runs after that, 993 cycles after the tick (879, one STR of
      // each give's result into R0 of the giver's stacked frame, and after the exit the
      // tail-chain into PendSV and its pick, 6 + 108)
      `got 0 at ${5 + 993 / 168_000}`,
      `missing ${Errno.EPERM}`,
    ]);
    expect(k.semaphores.get("s")!.count).toBe(4);
  });
});

function fill(t: TaskContext, p: number, bytes: number[]): void {
  t.writeBytes(p, new Uint8Array(bytes));
}

describe("queues", () => {
  it("send copies into kernel memory; receive gets the bytes; a full queue returns EAGAIN", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 8, capacity: 2 }] });
    const q = k.queues.get("q")!;
    const results: unknown[] = [];
    let received: number[] = [];
    k.spawn({
      name: "tx",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(8);
        fill(t, p, [1, 2, 3, 4, 5, 6, 7, 8]);
        results.push(yield* t.send("q", p, 8));
        fill(t, p, [9, 9, 9, 9]); // the queued copy is not the sender's buffer
        results.push(yield* t.send("q", p, 4));
        results.push(yield* t.send("q", p, 4)); // full
        results.push(yield* t.send("nope", p, 4));
      },
    });
    k.run({ ms: 1 });
    expect(results).toEqual([Errno.OK, Errno.OK, Errno.EAGAIN, Errno.EPERM]);
    expect(q.length).toBe(2);
    expect(q.storage >= k.kernelBlock.base && q.storage < k.kernelBlock.base + k.kernelBlock.size).toBe(true);
    expect([...k.machine.bus.peek(q.storage, 12)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]);
    k.spawn({
      name: "rx",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(16);
        const n1 = yield* t.receive("q", p, 16);
        const n2 = yield* t.receive("q", p + 8, 16);
        results.push(n1, n2);
        received = [...t.readBytes(p, 12)];
      },
    });
    k.run({ ms: 3 });
    expect(results.slice(4)).toEqual([8, 4]);
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]);
    expect(q.length).toBe(0);
  });

  it("a receive buffer shorter than the message gets its first bytes: the rest is dropped, the next receive gets the next message", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 8, capacity: 2 }] });
    const log: unknown[] = [];
    k.spawn({
      name: "rx",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(16);
        fill(t, p, [1, 2, 3, 4, 5, 6, 7, 8]);
        yield* t.send("q", p, 8);
        fill(t, p, [9, 10]);
        yield* t.send("q", p, 2);
        t.fill(p, 0, 16);
        log.push(yield* t.receive("q", p, 4), [...t.readBytes(p, 8)]);
        log.push(yield* t.receive("q", p, 4), [...t.readBytes(p, 4)]);
      },
    });
    k.run({ ms: 1 });
    expect(k.faults).toEqual([]);
    expect(log).toEqual([4, [1, 2, 3, 4, 0, 0, 0, 0], 2, [9, 10, 3, 4]]);
    expect(k.queues.get("q")!.length).toBe(0);
  });

  it("receive blocks until a send (the bytes land in the receiver's buffer), or times out", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 16, capacity: 4 }] });
    const log: unknown[] = [];
    const rx = k.spawn({
      name: "rx",
      queues: { q: "both" },
      priority: 3,
      *main(t) {
        const p = yield* t.malloc(16);
        log.push((yield* t.receive("q", p, 16, { ms: 1 })) === TIMEOUT ? "timeout" : "?");
        const n = yield* t.receive("q", p, 16);
        log.push(n, u32(t.readBytes(p, 8)));
      },
    });
    k.spawn({
      name: "tx",
      queues: { q: "both" },
      *main(t) {
        yield* t.sleep({ ms: 4 });
        const p = yield* t.malloc(8);
        t.write32(p, 0x01020304);
        t.write32(p + 4, 0xa0b0c0d0);
        log.push(k.schedTask(rx).state);
        log.push(yield* t.send("q", p, 8));
      },
    });
    k.run({ ms: 10 });
    expect(k.faults).toEqual([]);
    expect(log).toEqual(["timeout", "blocked", Errno.OK, 8, [0x01020304, 0xa0b0c0d0]]);
  });
});

describe("print, info, exit", () => {
  it("print writes the task's bytes as lines (UART event per line) and returns the length", () => {
    const k = bootTest();
    const lines: string[] = [];
    k.events.on("uart", (e) => lines.push(`${e.task}|${e.line}`));
    let n: unknown;
    k.spawn({
      name: "p",
      *main(t) {
        const p = yield* t.malloc(32);
        t.writeString(p, "one\ntwo\n");
        n = yield* t.print(p, 8);
      },
    });
    k.run({ ms: 1 });
    expect(n).toBe(8);
    expect(lines).toEqual(["p|one", "p|two"]);
  });

  it("a task writing the UART it was granted: output captured per task", () => {
    const k = bootTest();
    k.spawn({
      name: "u",
      devices: ["uart"],
      *main(t) {
        const dr = k.device("uart").base + 4;
        for (const c of "hi\n") t.write32(dr, c.charCodeAt(0));
        yield* t.yield();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults).toEqual([]);
    expect(k.task("u")!.output).toEqual(["hi"]);
  });

  it("info returns the caller's identity, stack and time; exit stops it", () => {
    const k = bootTest();
    let info: TaskInfo | null = null;
    let after = false;
    const t = k.spawn({
      name: "i",
      priority: 4,
      *main(t) {
        yield* t.sleep({ ms: 2 });
        info = yield* t.info();
        yield* t.exit(3);
        after = true;
      },
    });
    k.run({ ms: 5 });
    expect(info).toEqual({
      id: 1,
      name: "i",
      priority: 4,
      effectivePriority: 4,
      privileged: false,
      stack: { base: t.stack.base, top: t.stack.top, sp: t.stack.top },
      now: expect.any(Number),
    });
    expect((info as unknown as TaskInfo).now).toBeGreaterThanOrEqual(2);
    expect(after).toBe(false);
    expect(k.schedTask(t).state).toBe("stopped");
    expect(t.exitCode).toBe(3);
    const r = k.spawn({
      name: "r",
      *main(t) {
        yield* t.yield();
      },
    });
    k.run({ ms: 10 });
    expect([k.schedTask(r).state, r.exitCode]).toEqual(["stopped", null]); // returned: no exit code
  });
});

describe("queue hand-off", () => {
  it("a receiver whose buffer stopped being writable while it waited faults (bad-pointer); the message is queued", () => {
    const k = bootTest();
    const shared = k.partitions.get("shared")!.base;
    const before = k.machine.bus.peek(shared, 16);
    const rx = k.spawn({
      name: "rx",
      queues: { q: "both" },
      partitions: { shared: "rw" },
      *main(t) {
        yield* t.receive("q", shared, 16); // blocks: the queue is empty
      },
    });
    const log: unknown[] = [];
    k.spawn({
      name: "tx",
      queues: { q: "both" },
      partitions: { shared: "rw" },
      privileged: true, // only a privileged task may take write access from another
      *main(t) {
        log.push(yield* t.grant("shared", "rx", "ro")); // rx may only read it now
        const p = yield* t.malloc(16);
        t.fill(p, 0xee, 16);
        log.push(yield* t.send("q", p, 16));
      },
    });
    k.run({ ms: 2 });
    expect(log).toEqual([Errno.OK, Errno.OK]);
    const f = k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["rx", "bad-pointer"]);
    expect(f.message).toMatch(/^BAD_POINTER: receive: task rx's buffer is no longer writable: write of /);
    expect(k.machine.bus.peek(shared, 16)).toEqual(before); // nothing written for it
    expect(k.queues.get("q")!.length).toBe(1);
    expect(k.schedTask(rx).state).toBe("faulted");
  });
});
