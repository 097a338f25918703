import { formatLeakSummary } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { TcbField } from "./task-record.js";
import { bootTest } from "./test-kit.js";
import { SAVED_CORE_WORDS } from "./timing/cpu-timing.js";

describe("leaks as Valgrind counts them, from the kernel's roots", () => {
  it("a block referenced only from a partition is reachable (it was reported lost); lost when nothing holds it", () => {
    for (const keep of [true, false]) {
      const k = bootTest({ memcheck: true });
      const shared = k.partitions.get("shared")!.base;
      k.spawn({
        name: "producer",
        partitions: { shared: "rw" },
        *main(t) {
          const p = yield* t.malloc(32);
          t.memset(p, 1, 32);
          if (keep) t.write32(shared, p); // published in the partition
        },
      });
      k.run({ ms: 5 });
      const kinds = k.checker!.reports.map((r) => [r.kind, r.taskName, r.size]);
      expect(kinds).toEqual(keep ? [] : [["leak-definite", "producer", 32]]);
      const s = k.checkLeaks()!;
      expect([s.reachable.length, s.definite.length]).toEqual(keep ? [1, 0] : [0, 1]);
      // The partition itself, the stacks and the kernel's blocks are roots or ignored, never candidates.
      expect(s.reachable.concat(s.definite).map((b) => b.allocator)).toEqual(["tlsf:producer"]);
    }
  });

  it("a block sent through a queue sits in kernel memory (a queue slot): reachable while queued", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "sender",
      queues: { q: "send" },
      *main(t) {
        const p = yield* t.malloc(24);
        t.memset(p, 2, 24);
        const msg = yield* t.malloc(16);
        t.write32(msg, p); // the message carries the pointer
        expect(yield* t.send("q", msg, 4)).toBe(0);
        yield* t.free(msg);
      },
    });
    k.run({ ms: 5 });
    expect(k.checker!.reports).toEqual([]);
    expect(k.checkLeaks()!.reachable.map((b) => b.size)).toEqual([24]);
  });

  it("a pointer a syscall returned in R0 of a saved exception frame keeps its block reachable", () => {
    const k = bootTest({ memcheck: true });
    let p = 0;
    k.spawn({
      name: "sleeper",
      *main(t) {
        p = yield* t.malloc(40); // R0 = p
        yield* t.sleep({ ms: 50 }); // switched out: R0 stacked on its stack (sleep's result does not touch R0)
      },
    });
    k.run({ ms: 5 });
    const bus = k.machine.bus;
    const le = (a: number) => new DataView(bus.peek(a, 4).buffer).getUint32(0, true);
    // The saved SP: R4-R11 and EXC_RETURN, the exception frame above them.
    const frame = le(k.task("sleeper")!.tcb + TcbField.SP) + 4 * SAVED_CORE_WORDS;
    expect(le(frame)).toBe(p); // its R0
    const s = k.checker!.checkLeaks();
    expect([s.reachable.map((b) => b.address), s.held, s.definite]).toEqual([[p], [], []]);
  });

  it("possibly lost: only an interior pointer reaches the block", () => {
    const k = bootTest({ memcheck: true });
    const shared = k.partitions.get("shared")!.base;
    k.spawn({
      name: "cursor",
      partitions: { shared: "rw" },
      *main(t) {
        const p = yield* t.malloc(64);
        t.memset(p, 0, 64);
        t.write32(shared, p + 16); // a cursor into the buffer, its start forgotten
      },
    });
    k.run({ ms: 5 });
    expect(k.checker!.reports.map((r) => [r.kind, r.size])).toEqual([["leak-possible", 64]]);
  });

  it("a block only a freed block points to is definitely lost, not indirectly (a freed block is no root), as in Valgrind", () => {
    const k = bootTest({ memcheck: true });
    let child = 0;
    k.spawn({
      name: "orphan",
      *main(t) {
        const parent = yield* t.malloc(16);
        child = yield* t.malloc(16);
        t.memset(child, 0, 16);
        t.memset(parent, 0, 16);
        t.write32(parent, child); // parent->next = child
        yield* t.free(parent); // the only pointer to child goes with it (into the quarantine)
      },
    });
    k.run({ ms: 5 });
    expect(k.checker!.reports.map((r) => [r.kind, r.address, r.size])).toEqual([["leak-definite", child, 16]]);
  });

  it("the end-of-run summary: lost blocks of ended tasks, held blocks of running ones (not reported)", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "ended",
      *main(t) {
        const p = yield* t.malloc(48);
        t.memset(p, 3, 48);
      },
    });
    k.spawn({
      name: "running",
      *main(t) {
        const p = yield* t.malloc(16); // held in a JS variable, as in a register
        t.memset(p, 4, 16);
        yield* t.yield();
        yield* t.sleep({ ms: 100 });
      },
    });
    k.run({ ms: 5 });
    const s = k.checkLeaks()!;
    expect([s.definiteBytes, s.heldBytes, s.reachableBytes]).toEqual([48, 0, 16]); // R0 of its frame holds the pointer
    expect(formatLeakSummary(s)).toEqual([
      "LEAK SUMMARY:",
      "    definitely lost: 48 bytes in 1 blocks",
      "    indirectly lost: 0 bytes in 0 blocks",
      "      possibly lost: 0 bytes in 0 blocks",
      "    still reachable: 16 bytes in 1 blocks",
    ]);
    expect(k.checker!.reports.map((r) => [r.kind, r.taskName])).toEqual([["leak-definite", "ended"]]); // once
  });

  it("a running task's block whose pointer lives only in its JS variables is held, not lost", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "worker",
      *main(t) {
        const p = yield* t.malloc(16);
        yield* t.malloc(8); // R0 now holds this one; p only in a JS variable
        t.memset(p, 5, 16);
        yield* t.sleep({ ms: 100 });
      },
    });
    k.run({ ms: 5 });
    const s = k.checkLeaks()!;
    expect([s.held.map((b) => b.size), s.reachable.map((b) => b.size), k.checker!.reports]).toEqual([[16], [8], []]);
  });
});
