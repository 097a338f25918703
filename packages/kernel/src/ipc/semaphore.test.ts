import { STM32F407 } from "@rtos-sim/hw";
import { TIMEOUT } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { Errno } from "../syscalls.js";
import { SEMAPHORE_BYTES, SemaphoreField } from "./semaphore.js";

const u32s = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));

describe("semaphore control blocks in kernel memory", () => {
  it("count and max are words of a kernel-heap block; takes and gives update them there", () => {
    const k = bootKernel({ board: STM32F407, semaphores: [{ name: "s", initial: 2, max: 3 }] });
    const s = k.semaphores.get("s")!;
    const { base, size } = k.kernelBlock;
    expect(s.block >= base && s.block + SEMAPHORE_BYTES <= base + size).toBe(true);
    expect(u32s(k.machine.bus.peek(s.block, SEMAPHORE_BYTES))).toEqual([2, 3]);
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      semaphores: { s: "both" },
      *main(t) {
        got.push(yield* t.semTake("s"), yield* t.semGive("s"), yield* t.semGive("s"), yield* t.semGive("s"));
      },
    });
    k.run({ ms: 1 });
    expect(got).toEqual([Errno.OK, Errno.OK, Errno.OK, Errno.EOVERFLOW]);
    expect(u32s(k.machine.bus.peek(s.block + SemaphoreField.COUNT, 4))).toEqual([3]);
    expect([s.count, s.max]).toEqual([3, 3]);
  });

  it("the memory is the truth: a count written there is what the next take sees", () => {
    const k = bootKernel({ board: STM32F407, semaphores: [{ name: "s", initial: 1, max: 1 }] });
    const s = k.semaphores.get("s")!;
    k.machine.bus.load(s.block + SemaphoreField.COUNT, new Uint8Array(4)); // count 0, as a corruption would leave it
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      semaphores: { s: "both" },
      *main(t) {
        got.push(yield* t.semTake("s", { ticks: 1 }));
      },
    });
    k.run({ ms: 3 });
    expect(got.map(String)).toEqual(["Symbol(rtos-sim.sched.timeout)"]);
  });

  it("privileged only: an unprivileged task reading the count faults at its address", () => {
    const k = bootKernel({ board: STM32F407, semaphores: [{ name: "s" }] });
    const s = k.semaphores.get("s")!;
    k.spawn({
      name: "snoop",
      semaphores: { s: "both" },
      *main(t) {
        t.read32(s.block);
        yield* t.yield();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => [f.kind, f.hw?.cfsr, f.hw?.faultAddress])).toEqual([["memmanage", 0x82, s.block]]);
  });

  it("with the checker on, the kernel's accesses to the block are clean (written at creation)", () => {
    const k = bootKernel({ board: STM32F407, memcheck: true, semaphores: [{ name: "s" }] });
    k.spawn({
      name: "a",
      semaphores: { s: "both" },
      priority: 2,
      *main(t) {
        yield* t.semTake("s");
      },
    });
    k.spawn({
      name: "b",
      semaphores: { s: "both" },
      *main(t) {
        yield* t.semGive("s");
        yield* t.semGive("s");
      },
    });
    k.run({ ms: 2 });
    expect(k.faults).toEqual([]);
    expect(k.checker!.reports).toEqual([]);
    expect(k.semaphores.get("s")!.count).toBe(1);
  });

  it("a maximum that does not fit the control block's word is BAD_CONFIG, nothing allocated", () => {
    const k = bootKernel({ board: STM32F407 });
    const live = k.kernelHeap.allocator.stats().liveBlocks;
    expect(() => k.createSemaphore("big", 0, 2 ** 32)).toThrow(
      /^BAD_CONFIG: semaphore "big": max 4294967296 is not an integer in 1\.\.2147483647 \(a word of the control block\)$/,
    );
    expect(k.kernelHeap.allocator.stats().liveBlocks).toBe(live);
    expect(k.createSemaphore("ok", 0, 0x7fffffff).max).toBe(0x7fffffff);
  });
});

describe("a zero timeout polls", () => {
  it("semTake and receive with a zero timeout return TIMEOUT at once: no block, no switch, no SysTick wake", () => {
    const k = bootKernel({
      board: STM32F407,
      semaphores: [{ name: "s", initial: 0, max: 1 }],
      queues: [{ name: "q", messageSize: 4, capacity: 1 }],
    });
    const got: unknown[] = [];
    const other: number[] = [];
    const poller = k.spawn({
      name: "poller",
      priority: 2,
      semaphores: { s: "take" },
      queues: { q: "receive" },
      *main(t) {
        const buf = yield* t.malloc(4);
        got.push(yield* t.semTake("s", { ticks: 0 }), yield* t.receive("q", buf, 4, { ms: 0 }));
        got.push(k.scheduler.now().ticks);
      },
    });
    k.spawn({
      name: "other",
      priority: 1,
      *main(t) {
        other.push(k.scheduler.now().ticks); // runs only once the poller is done
        yield* t.exit();
      },
    });
    const states: string[] = [];
    k.events.on("state", (e) => e.task === "poller" && states.push(e.to));
    k.run({ ms: 5 });
    expect(got).toEqual([TIMEOUT, TIMEOUT, 0]);
    expect(states).toEqual(["running", "stopped"]); // never blocked, so no timeout for SysTick to end
    expect(other).toEqual([0]);
    expect(k.scheduler.switches).toBe(2); // the poller, then the other task: the polls switched nothing
    expect(k.schedTask(poller).stats.slices).toBe(1);
  });
});
