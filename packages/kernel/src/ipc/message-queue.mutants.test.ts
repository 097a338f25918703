import { STM32F407 } from "@rtos-sim/hw";
import { TIMEOUT } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { Errno } from "../syscalls.js";
import { QueueField, queueBlockBytes } from "./message-queue.js";

/**
 * The message queue pinned where a hand mutation audit found it unheld: the control block's
 * size for an odd capacity, its fields written whatever the kernel heap's memory held, and a
 * ring that wraps with slots and lengths in place.
 */

const u32s = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));
const u16s = (b: Uint8Array) => Array.from(new Uint16Array(b.slice().buffer));

describe("message queue control blocks", () => {
  it("the block holds 20 bytes of fields and a 16-bit length per slot, rounded up to a word", () => {
    expect([1, 2, 3, 4, 5, 64].map(queueBlockBytes)).toEqual([24, 24, 28, 28, 32, 148]);
  });

  it("a queue made in reused kernel memory starts empty: every field and slot length written", () => {
    const k = bootKernel({ board: STM32F407 });
    const heap = k.kernelHeap.allocator;
    const bus = k.machine.bus;
    // Dirty the blocks the queue will be given: allocate them, fill them, free them.
    const sizes = [queueBlockBytes(3), 8 * 3];
    const dirty = sizes.map((n) => heap.allocate(n, 4)!);
    for (const [i, b] of dirty.entries()) bus.load(b, new Uint8Array(sizes[i]!).fill(0xff));
    for (const b of dirty) heap.free(b);
    const q = k.createQueue("r", 8, 3);
    expect([q.block, q.storage]).toEqual(dirty);
    expect(u32s(bus.peek(q.block, QueueField.LENGTHS))).toEqual([0, 0, 3, 8, q.storage]);
    expect(u16s(bus.peek(q.block + QueueField.LENGTHS, 8))).toEqual([0, 0, 0, 0]);
  });
});

describe("a ring of three slots", () => {
  it("wraps: each message in its slot with its length, received oldest first, cut to the receiver's length", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 8, capacity: 3 }] });
    const q = k.queues.get("q")!;
    const bus = k.machine.bus;
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(8);
        const r = yield* t.malloc(8);
        const send = function* (fill: number, n: number) {
          t.fill(p, fill, 8);
          return yield* t.send("q", p, n);
        };
        const receive = function* (n: number) {
          t.fill(r, 0, 8);
          const c = yield* t.receive("q", r, n, { ticks: 0 });
          return [c, ...t.readBytes(r, 8)];
        };
        got.push(yield* send(1, 8), yield* send(2, 2), yield* send(3, 5), yield* send(4, 1));
        got.push(yield* receive(8), yield* receive(1));
        got.push(yield* send(5, 6), yield* send(6, 7));
        got.push([q.head, q.length, q.slotLength(0), q.slotLength(1), q.slotLength(2)]);
        got.push(yield* receive(8), yield* receive(8), yield* receive(8), yield* receive(8));
        got.push([q.head, q.length]);
      },
    });
    k.run({ ms: 2 });
    expect(k.faults).toEqual([]);
    expect(got).toEqual([
      Errno.OK,
      Errno.OK,
      Errno.OK,
      Errno.EAGAIN,
      [8, 1, 1, 1, 1, 1, 1, 1, 1],
      [1, 2, 0, 0, 0, 0, 0, 0, 0], // a 2-byte message cut to the 1 byte asked for
      Errno.OK,
      Errno.OK,
      [2, 3, 6, 7, 5], // slots 0 and 1 reused, slot 2 still holds the third message
      [5, 3, 3, 3, 3, 3, 0, 0, 0],
      [6, 5, 5, 5, 5, 5, 5, 0, 0],
      [7, 6, 6, 6, 6, 6, 6, 6, 0],
      [TIMEOUT, 0, 0, 0, 0, 0, 0, 0, 0], // empty: the poll times out at once
      [2, 0],
    ]);
    expect([...bus.peek(q.storage, 24)]).toEqual([
      ...[5, 5, 5, 5, 5, 5, 1, 1],
      ...[6, 6, 6, 6, 6, 6, 6, 0],
      ...[3, 3, 3, 3, 3, 0, 0, 0],
    ]);
  });

  it("with the checker, full slots are the kernel's own clean writes: the storage holds capacity x message size bytes", () => {
    const k = bootKernel({ board: STM32F407, memcheck: true, queues: [{ name: "q", messageSize: 8, capacity: 3 }] });
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(8);
        for (let i = 0; i < 3; i++) {
          t.fill(p, 0x40 + i, 8);
          got.push(yield* t.send("q", p, 8));
        }
        for (let i = 0; i < 3; i++) got.push(yield* t.receive("q", p, 8), t.read32(p + 4));
        yield* t.free(p);
      },
    });
    k.run({ ms: 2 });
    expect(got).toEqual([Errno.OK, Errno.OK, Errno.OK, 8, 0x40404040, 8, 0x41414141, 8, 0x42424242]);
    expect(k.checker!.reports).toEqual([]);
    expect(k.faults).toEqual([]);
  });
});
