import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { Kernel } from "../kernel.js";
import { Errno } from "../syscalls.js";
import { MUTEX_BYTES } from "./mutex.js";

/**
 * The mutex pinned where a hand mutation audit found it unheld: a mutex made in kernel memory
 * that held something before starts free, unflagged; its waiters are ordered by priority, not
 * by arrival (the existing test's waiters arrive in priority order); the owner is read through
 * the core (a kernel-memory read, charged), once per mutex per priority derivation.
 */

const u32s = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));

describe("mutex control blocks", () => {
  it("a mutex made in reused kernel memory starts free: owner, count and flags written", () => {
    const k = bootKernel({ board: STM32F407 });
    const heap = k.kernelHeap.allocator;
    const bus = k.machine.bus;
    const dirty = heap.allocate(MUTEX_BYTES, 4)!;
    bus.load(dirty, new Uint8Array(MUTEX_BYTES).fill(0xff));
    heap.free(dirty);
    const m = k.createMutex({ name: "r" });
    expect(m.block).toBe(dirty);
    expect(u32s(bus.peek(m.block, MUTEX_BYTES))).toEqual([0, 0, 0]);
    let got: unknown = null;
    k.spawn({
      name: "t",
      mutexes: ["r"],
      *main(t) {
        got = yield* t.mutexLock("r");
      },
    });
    k.run({ ms: 1 });
    expect(got).toBe(Errno.OK); // not EOWNERDEAD: no flag was left there
  });

  it("a waiter that arrives later with a higher priority is served first", () => {
    const k = bootKernel({ board: STM32F407, mutexes: [{ name: "m" }] });
    const order: string[] = [];
    k.spawn({
      name: "holder",
      priority: 9,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 3 }); // low queues at tick 0, high at 1, mid at 2
        yield* t.mutexUnlock("m");
      },
    });
    for (const [name, priority, delay] of [
      ["low", 1, 0],
      ["high", 5, 1],
      ["mid", 3, 2],
    ] as const) {
      k.spawn({
        name,
        priority,
        mutexes: ["m"],
        *main(t) {
          if (delay > 0) yield* t.sleep({ ticks: delay });
          const r = yield* t.mutexLock("m");
          order.push(`${name}:${String(r)}`);
          yield* t.mutexUnlock("m");
        },
      });
    }
    k.run({ ms: 10 });
    expect(order).toEqual(["high:0", "mid:0", "low:0"]);
    expect(k.faults).toEqual([]);
  });

  it("an unlock reads each mutex's owner through the core: 8 more mutexes, 8 more cycles (1-cycle SRAM reads)", () => {
    const cost = (n: number): number => {
      const k: Kernel = bootKernel({
        board: STM32F407,
        mutexes: Array.from({ length: n }, (_, i) => ({ name: i === 0 ? "m" : `m${i}` })),
      });
      let cycles = -1;
      k.spawn({
        name: "t",
        mutexes: ["m"],
        *main(t) {
          yield* t.mutexLock("m");
          const before = k.scheduler.now().cycles;
          yield* t.mutexUnlock("m");
          cycles = k.scheduler.now().cycles - before;
        },
      });
      k.run({ ms: 1 });
      return cycles;
    };
    expect(cost(9) - cost(1)).toBe(8);
  });
});
