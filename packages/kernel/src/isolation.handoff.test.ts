import { type Board, MPS2_AN505, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { KernelOptions, TaskProgram } from "./config.js";
import type { TaskContext } from "./task-context.js";
import { bootTest } from "./test-kit.js";

// A send hands its message straight to a blocked receiver, checked again under the receiver's
// MPU plan: a receiver that may no longer write its buffer (a privileged manager took the
// partition's write access away while it waited) faults, in the sender's syscall. With a restart
// policy the kernel restarts it there, freeing its heap blocks through its heap gate, which loads
// the receiver's plan to run the allocator as the receiver, and left it loaded: the sender went
// on with the receiver's MPU view.

/**
 * `rx` (priority 3, restarted once) waits in a receive into "shared"; `mgr` (privileged) takes
 * its write access away; `evil` (priority 1) sends, then runs `after`.
 */
function handoff(board: Board, options: Partial<KernelOptions>, evil: (t: TaskContext) => TaskProgram) {
  const k = bootTest(options, board);
  const shared = k.partitions.get("shared")!.base;
  k.spawn({
    name: "rx",
    priority: 3,
    faultPolicy: { restart: 1 },
    partitions: { shared: "rw", secret: "rw" },
    queues: { q: "receive" },
    *main(t) {
      const p = yield* t.malloc(64);
      t.write32(p, 0x5ec2e7);
      yield* t.receive("q", shared, 16);
    },
  });
  k.spawn({
    name: "mgr",
    priority: 2,
    privileged: true,
    *main(t) {
      yield* t.grant("shared", "rx", "ro");
    },
  });
  k.spawn({ name: "evil", priority: 1, queues: { q: "send" }, partitions: { secret: "rw" }, main: evil });
  return k;
}

describe("a receiver restarted in a sender's syscall leaves the sender its own MPU view", () => {
  for (const board of [STM32F407, MPS2_AN505]) {
    it(`the sender's next access to the receiver's heap is its own MemManage DACCVIOL there (${board.name})`, () => {
      const sent: number[] = [];
      const k = handoff(board, {}, function* (t) {
        const b = yield* t.malloc(16);
        sent.push(yield* t.send("q", b, 16));
        t.read32(k.task("rx")!.heap!.base);
      });
      k.run({ ms: 10 });
      const rxHeap = k.task("rx")!.heap!.base;
      expect(sent).toEqual([0]);
      expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress, f.action])).toEqual([
        ["rx", "bad-pointer", undefined, undefined, "restarted"],
        ["evil", "memmanage", 0x82, rxHeap, "stopped"],
        ["rx", "bad-pointer", undefined, undefined, "stopped"],
      ]);
    });
  }

  it("with shared code and its SP in a partition both may write, the sender cannot read or write the receiver's heap (stm32f407)", () => {
    const got: string[] = [];
    let rxHeap = 0;
    const k = handoff(STM32F407, { codeIsolation: "shared" }, function* (t) {
      const b = yield* t.malloc(16);
      // Its frame where the receiver's plan lets the return unstack it, the code every task may run.
      t.setSp(k.partitions.get("secret")!.base + 512);
      got.push(`send ${yield* t.send("q", b, 16)}`);
      rxHeap = k.task("rx")!.heap!.base;
      try {
        got.push(`read ${t.read32(rxHeap)}`);
        t.write32(rxHeap + 0x40, 0x41414141);
        got.push("wrote");
      } catch (e) {
        got.push((e as Error).message);
      }
    });
    const before = [...k.machine.bus.peek(k.task("rx")!.heap!.base + 0x40, 4)];
    k.run({ ms: 10 });
    expect(got).toEqual([
      "send 0",
      `MemManage DACCVIOL|MMARVALID at 0x${rxHeap.toString(16).padStart(8, "0")} on read of 4 byte(s) at 0x${rxHeap.toString(16).padStart(8, "0")}`,
    ]);
    expect([...k.machine.bus.peek(rxHeap + 0x40, 4)]).toEqual(before);
    expect(k.faults.map((f) => [f.task, f.kind])).toEqual([
      ["rx", "bad-pointer"],
      ["evil", "memmanage"],
      ["rx", "bad-pointer"],
    ]);
  });
});
