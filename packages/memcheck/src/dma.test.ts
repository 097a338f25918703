import { ActorMode, BusMaster, makeActor } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { formatReport } from "./report.js";
import { HEAP, HEAP_SIZE, LOGGER, SENSOR, setup } from "./test-setup.js";

/** A DMA on the fixture's machine, programmed by `task`. */
function dmaOf(f: ReturnType<typeof setup>, task: number): BusMaster {
  const dma = new BusMaster(f.m.bus, f.m.core);
  dma.actor = makeActor(ActorMode.Dma, task);
  return dma;
}

describe("a DMA's accesses (ActorMode.Dma): reported as the DMA's, never stopping the running code", () => {
  it("a DMA write into a freed block: use-after-free at the exact byte, mode dma, naming the task that programmed it", () => {
    const f = setup({ onError: "stop" });
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap); // quarantine: the freed block is kept NO
    const p = heap.allocate(32)!;
    f.m.core.fill(p, 0x11, 32);
    f.tick(1);
    heap.free(p);
    f.tick(2);
    f.user(LOGGER); // another task runs when the DMA's beat lands: the report is not its
    const dma = dmaOf(f, SENSOR);
    expect(dma.write(p + 8, 4, 0xaabbccdd)).toBeNull(); // no throw, although the policy is "stop"
    expect(f.checker.reports).toHaveLength(1);
    const r = f.checker.reports[0]!;
    expect(r).toMatchObject({
      kind: "use-after-free",
      address: p + 8,
      size: 4,
      access: "write",
      mode: "dma",
      task: SENSOR,
      taskName: "sensor",
      time: 3,
    });
    expect(r.block).toMatchObject({ address: p, size: 32, state: "quarantined", relation: "inside", distance: 8 });
    expect(formatReport(r).split("\n")[1]).toBe(
      `WRITE of size 4 at 0x${(p + 8).toString(16).padStart(8, "0")} by the DMA (not the CPU, programmed by task sensor)`,
    );
    expect(f.m.core.pendingFault).toBeNull();
    expect([...f.m.bus.peek(p + 8, 4)]).toEqual([0xdd, 0xcc, 0xbb, 0xaa]); // the bytes landed
  });

  it("one transfer landing in pieces in a freed block is one report; each new transfer one more, up to maxRepeats", () => {
    const f = setup({ onError: "continue" });
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap);
    const p = heap.allocate(64)!;
    heap.free(p);
    const dma = dmaOf(f, SENSOR);
    const suppressed: number[] = [];
    f.checker.events.on("suppressed", (r) => suppressed.push(r.address - p));
    const transfer = (pieces: number) => {
      dma.begin();
      for (let i = 0; i < pieces; i++) expect(dma.writeBlock(p + 8 * i, new Uint8Array(8))).toBeNull();
    };
    transfer(5); // a task polling LISR in a loop: the items land 8 bytes at a time
    expect(f.checker.reports.map((r) => [r.kind, r.address - p, r.size, r.mode, r.occurrence])).toEqual([
      ["use-after-free", 0, 8, "dma", 1],
    ]);
    expect(suppressed).toEqual([8, 16, 24, 32]);
    transfer(2);
    transfer(1);
    transfer(3); // the fourth transfer into the block: past maxRepeats (3)
    expect(f.checker.reports.map((r) => [r.address - p, r.occurrence])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(f.checker.suppressed).toBe(4 + 1 + 3);
    // Without a start (a bare bus master), its accesses into the block are repeats of one site.
    const q = heap.allocate(32)!;
    heap.free(q);
    const bare = dmaOf(f, LOGGER);
    for (let i = 0; i < 4; i++) bare.write(q + 4 * i, 4, i);
    expect(f.checker.reports.slice(3).map((r) => [r.address - q, r.task, r.occurrence])).toEqual([
      [0, LOGGER, 1],
      [4, LOGGER, 2],
      [8, LOGGER, 3],
    ]);
  });

  it("a DMA write into a block back with its allocator (no quarantine): use-after-free, the allocator's memory", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    f.heap.free(p);
    dmaOf(f, SENSOR).write(p + 4, 1, 0xee);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.size, r.mode, r.task, r.block?.state])).toEqual([
      ["use-after-free", p + 4, 1, "dma", SENSOR, "freed"],
    ]);
  });

  it("a DMA write into memory never given out: invalid-access; into a live block: nothing", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    const dma = dmaOf(f, SENSOR);
    dma.write(p, 4, 1); // owned: fine, whoever owns it (the DMA answers to no MPU and no owner)
    dma.write(p + 4, 4, 2);
    expect(f.checker.reports).toEqual([]);
    const never = HEAP + HEAP_SIZE + 0x100; // SRAM past the heap's pages: never given out
    dma.write(never, 2, 0xbeef);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.size, r.mode, r.task])).toEqual([
      ["invalid-access", never, 2, "dma", SENSOR],
    ]);
    expect(f.checker.reports[0]!.message).toBe("dma access to memory nobody owns (not given out)");
  });

  it("a DMA reading bytes never written copies them without a report (moving bytes is not a use)", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    const q = f.heap.allocate(16)!;
    const dma = dmaOf(f, SENSOR);
    expect(dma.read(p, 4)).toBe(0);
    dma.write(q, 4, 0);
    expect(f.checker.reports).toEqual([]);
    f.m.core.read32(q); // the DMA's write initialized it
    expect(f.checker.reports).toEqual([]);
  });
});
