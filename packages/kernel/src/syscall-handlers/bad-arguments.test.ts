import { describe, expect, it } from "vitest";
import type { KernelOptions } from "../config.js";
import type { Kernel } from "../kernel.js";
import { Errno, type Syscall, sys } from "../syscalls.js";
import { bootTest } from "../test-kit.js";

/** What a task's one request came to: its result, or its fault (kind and message). */
type Outcome = { result: unknown } | { fault: string; message: string };

/**
 * Runs one task that allocates a 64-byte block (its buffer), then makes `req(buffer, kernel)`;
 * returns the outcome and a snapshot of what the request could have changed: the kernel's
 * memory, the queue's and semaphore's state, the task's heap.
 */
function attempt(req: (buf: number, k: Kernel) => unknown, options: Partial<KernelOptions> = {}) {
  const k = bootTest({ semaphores: [{ name: "s", initial: 1, max: 4 }], mutexes: [{ name: "m" }], ...options });
  const sems = Object.fromEntries([...k.semaphores.keys()].map((n) => [n, "both" as const]));
  let result: unknown = "not reached";
  let before: Uint8Array | null = null;
  const task = k.spawn({
    name: "caller",
    partitions: { shared: "rw" },
    queues: { q: "both" },
    semaphores: sems,
    mutexes: ["m"],
    *main(t) {
      const buf = yield* t.malloc(64);
      t.fill(buf, 0x5a, 64);
      before = k.machine.bus.peek(k.kernelBlock.base, k.kernelBlock.size);
      result = yield req(buf, k);
    },
  });
  k.run({ ms: 5 });
  const f = k.faults[0];
  const outcome: Outcome = f ? { fault: f.kind, message: f.message } : { result };
  const kernelMemory = k.machine.bus.peek(k.kernelBlock.base, k.kernelBlock.size);
  return { k, task, outcome, unchanged: before !== null && kernelMemory.every((b, i) => b === before![i]) };
}

describe("one rule for bad arguments: programming errors fault the caller, nothing changed", () => {
  const faults: [string, (buf: number, k: Kernel) => unknown, string, RegExp][] = [
    ["malloc size 'x'", () => ({ op: "malloc", size: "x" }), "bad-syscall", /malloc: size must be an integer/],
    ["free -1", () => ({ op: "free", ptr: -1 }), "bad-syscall", /free: ptr must be an integer/],
    ["realloc size 1.5", (b) => ({ op: "realloc", ptr: b, size: 1.5 }), "bad-syscall", /realloc: size/],
    ["sem-take of an empty name", () => sys.semTake(""), "bad-syscall", /sem-take: sem must be a name/],
    [
      "sem-take with a bad timeout, though a unit is free",
      () => ({ op: "sem-take", sem: "s", timeout: { ms: -1 } }),
      "bad-syscall",
      /sem-take: timeout must be/,
    ],
    ["sem-give of a number", () => ({ op: "sem-give", sem: 3 }), "bad-syscall", /sem-give: sem must be a name/],
    ["mutex-lock of an empty name", () => sys.mutexLock(""), "bad-syscall", /mutex-lock: mutex must be a name/],
    [
      "mutex-lock with a bad timeout, though the mutex is free",
      () => ({ op: "mutex-lock", mutex: "m", timeout: { ms: -1 } }),
      "bad-syscall",
      /mutex-lock: timeout must be/,
    ],
    [
      "mutex-unlock of a free mutex",
      () => sys.mutexUnlock("m"),
      "bad-syscall",
      /^NOT_OWNER: mutex-unlock: task caller does not own mutex m: it is free$/,
    ],
    [
      "send with a malformed pointer to a queue that does not exist",
      () => ({ op: "send", queue: "nope", ptr: "x", length: 4 }),
      "bad-syscall",
      /send: ptr must be an integer/,
    ],
    [
      "send longer than the queue's messages",
      (b) => sys.send("q", b, 17),
      "bad-syscall",
      /send: length must be an integer in \[0, 16\], got 17/,
    ],
    [
      "send from kernel memory",
      (_b, k) => sys.send("q", k.kernelBlock.base, 8),
      "bad-pointer",
      /send: task caller passed a buffer it may not read/,
    ],
    [
      "receive with a bad timeout",
      (b) => ({ op: "receive", queue: "q", ptr: b, length: 16, timeout: "soon" }),
      "bad-syscall",
      /receive: timeout must be/,
    ],
    [
      "receive into kernel memory",
      (_b, k) => sys.receive("q", k.kernelBlock.base, 16),
      "bad-pointer",
      /receive: task caller passed a buffer it may not write/,
    ],
    ["print 300 bytes", (b) => sys.print(b, 300), "bad-syscall", /print: length must be an integer in \[0, 256\]/],
    [
      "grant with access 'x'",
      () => ({ op: "grant", partition: "shared", task: "caller", access: "x" }),
      "bad-syscall",
      /grant: access must be "ro" or "rw"/,
    ],
    ["exit with code 1.5", () => ({ op: "exit", code: 1.5 }), "bad-syscall", /exit: code must be an integer/],
    ["an unknown op", () => ({ op: "reboot" }), "bad-syscall", /BAD_SYSCALL: unknown syscall "reboot"/],
    // The builder's own check: its `in` test was a TypeError (kind uncaught).
    ["sleep of a number", () => sys.sleep(5 as never), "bad-syscall", /^BAD_ARGUMENT: sleep: delay must be/],
    ["sleep of null", () => sys.sleep(null as never), "bad-syscall", /^BAD_ARGUMENT: sleep: delay must be/],
    ["sleep of -1 ms", () => sys.sleep({ ms: -1 }), "bad-syscall", /DURATION: ms must be a non-negative number/],
  ];

  it.each(faults)("%s: fault %s", (_what, req, kind, message) => {
    const { k, task, outcome, unchanged } = attempt(req);
    expect(outcome).toMatchObject({ fault: kind });
    expect((outcome as { message: string }).message).toMatch(message);
    expect(unchanged).toBe(true);
    expect(k.queues.get("q")!.length).toBe(0);
    expect(k.semaphores.get("s")!.count).toBe(1);
    expect([k.mutexes.get("m")!.owner, k.mutexes.get("m")!.count]).toEqual([0, 0]);
    expect(task.live.size).toBe(1);
  });

  it("an invalid free faults with the allocator's error (kind heap)", () => {
    const { outcome } = attempt((b) => sys.free(b + 8));
    expect(outcome).toMatchObject({ fault: "heap" });
  });

  it("realloc of a pointer by a task without a heap faults like free does; realloc(0, n) is out of memory", () => {
    const k = bootTest();
    const got: unknown[] = [];
    k.spawn({
      name: "noheap",
      heapSize: 0,
      *main(t) {
        got.push(yield* t.realloc(0, 16), yield* t.malloc(16));
        yield* t.realloc(0x20000000, 16);
        got.push("not reached");
      },
    });
    k.run({ ms: 2 });
    expect(got).toEqual([0, 0]);
    expect(k.faults.map((f) => [f.kind, f.message])).toEqual([
      ["bad-syscall", "BAD_ARGUMENT: realloc: the task has no heap"],
    ]);
  });
});

describe("one rule for bad arguments: conditions a correct program handles are results", () => {
  const codes: [string, (buf: number, k: Kernel) => Syscall, unknown][] = [
    ["malloc beyond the heap", () => sys.malloc(1024 * 1024), 0],
    ["sem-take of no such semaphore (not in the caller's rights)", () => sys.semTake("nope"), Errno.EPERM],
    ["sem-give at the maximum", () => sys.semGive("full"), Errno.EOVERFLOW],
    ["mutex-lock of no such mutex (not in the caller's rights)", () => sys.mutexLock("nope"), Errno.EPERM],
    ["mutex-unlock of no such mutex (not in the caller's rights)", () => sys.mutexUnlock("nope"), Errno.EPERM],
    ["send to no such queue (not in the caller's rights)", (b) => sys.send("nope", b, 4), Errno.EPERM],
    ["receive from no such queue (not in the caller's rights)", (b) => sys.receive("nope", b, 4), Errno.EPERM],
    ["grant of no such partition", () => sys.grant("nope", "caller", "ro"), Errno.ENOENT],
    ["grant to no such task", () => sys.grant("shared", "nobody", "ro"), Errno.ENOENT],
    ["grant of a partition the caller holds read-only", () => sys.grant("ro", "caller", "rw"), Errno.EPERM],
  ];

  it.each(codes)("%s: %s", (_what, req, code) => {
    const { k, outcome } = attempt(req, {
      semaphores: [
        { name: "full", initial: 2, max: 2 },
        { name: "s", initial: 1, max: 4 },
      ],
    });
    expect(outcome).toEqual({ result: code });
    expect(k.faults).toEqual([]);
  });
});
