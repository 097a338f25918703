import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import { TcbField } from "../task-record.js";
import { QueueField, queueBlockBytes } from "./message-queue.js";

const u32s = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));
const u16s = (b: Uint8Array) => Array.from(new Uint16Array(b.slice().buffer));

describe("queue control blocks in kernel memory", () => {
  it("head, length, capacity, message size, storage and slot lengths are in the block, as the ring turns", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 8, capacity: 2 }] });
    const q = k.queues.get("q")!;
    const bus = k.machine.bus;
    const header = () => u32s(bus.peek(q.block, QueueField.LENGTHS));
    const lengths = () => u16s(bus.peek(q.block + QueueField.LENGTHS, 4));
    expect(queueBlockBytes(2)).toBe(24);
    expect(header()).toEqual([0, 0, 2, 8, q.storage]);
    expect(q.storage >= k.kernelBlock.base && q.storage + 16 <= k.kernelBlock.base + k.kernelBlock.size).toBe(true);
    const states: unknown[] = [];
    k.spawn({
      name: "t",
      queues: { q: "both" },
      *main(t) {
        const p = yield* t.malloc(8);
        for (const [n, fill] of [
          [8, 1],
          [3, 2],
        ] as const) {
          t.fill(p, fill, 8);
          states.push(yield* t.send("q", p, n));
        }
        states.push(yield* t.send("q", p, 1), header(), lengths());
        states.push(yield* t.receive("q", p, 8), header());
        t.fill(p, 3, 8);
        states.push(yield* t.send("q", p, 5), header(), lengths());
      },
    });
    k.run({ ms: 1 });
    expect(states).toEqual([
      Errno.OK,
      Errno.OK,
      Errno.EAGAIN,
      [0, 2, 2, 8, q.storage],
      [8, 3],
      8,
      [1, 1, 2, 8, q.storage],
      Errno.OK,
      [1, 2, 2, 8, q.storage],
      [5, 3], // slot 0 now holds the third message (5 bytes)
    ]);
    expect([...bus.peek(q.storage, 16)]).toEqual([3, 3, 3, 3, 3, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0]);
    expect([q.head, q.length, q.capacity, q.messageSize, q.slotLength(1)]).toEqual([1, 2, 2, 8, 3]);
  });

  it("a blocked receiver's buffer is in its TCB until a sender hands it the message", () => {
    const k = bootKernel({ board: STM32F407, queues: [{ name: "q", messageSize: 16, capacity: 1 }] });
    let buf = 0;
    let got: unknown = null;
    const rx = k.spawn({
      name: "rx",
      queues: { q: "both" },
      priority: 2,
      *main(t) {
        buf = yield* t.malloc(16);
        t.fill(buf, 0, 16);
        got = yield* t.receive("q", buf, 12);
      },
    });
    const wait: number[] = [];
    k.spawn({
      name: "tx",
      queues: { q: "both" },
      *main(t) {
        wait.push(...u32s(k.machine.bus.peek(rx.tcb + TcbField.WAIT_PTR, 8)));
        const p = yield* t.malloc(16);
        t.fill(p, 7, 16);
        yield* t.send("q", p, 16);
      },
    });
    k.run({ ms: 1 });
    expect(wait).toEqual([buf, 12]);
    expect(got).toBe(12);
    expect([...k.machine.bus.peek(buf, 16)]).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 0]);
    expect(k.queues.get("q")!.length).toBe(0);
  });

  it("a queue that does not fit in kernel memory is OUT_OF_MEMORY, nothing kept", () => {
    const k = bootKernel({ board: STM32F407 });
    const live = k.kernelHeap.allocator.stats().liveBlocks;
    let err: unknown;
    try {
      k.createQueue("big", 256, 64);
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).code).toBe("OUT_OF_MEMORY");
    expect(err).toBeInstanceOf(KernelError);
    expect(k.kernelHeap.allocator.stats().liveBlocks).toBe(live);
    expect(k.queues.has("big")).toBe(false);
  });
});
