import { createMachine, MPS2_AN505 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { BlockRecord } from "./blocks.js";
import { MemoryChecker } from "./checker.js";
import { formatLeakSummary, scanLeaks } from "./leaks.js";
import { TestAllocator } from "./test-allocator.js";
import { DATA, LOGGER, SENSOR, setup } from "./test-setup.js";

describe("leaks", () => {
  it("Valgrind's four categories: definitely, indirectly, possibly lost, still reachable; fixed: a root keeps the chain", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    const c = f.heap.allocate(16)!;
    const d = f.heap.allocate(32)!;
    const e = f.heap.allocate(8)!;
    f.m.core.write32(DATA + 8, a + 4); // only an interior pointer from image data reaches a
    f.m.core.write32(a, b); // a -> b
    f.m.core.write32(c + 12, d); // c -> d, nothing -> c
    f.m.core.write32(DATA + 12, e); // a pointer to its start reaches e
    const s = f.checker.checkLeaks({ reportReachable: true });
    expect(s.definite.map((x) => x.address)).toEqual([c]);
    expect(s.indirect.map((x) => x.address)).toEqual([d]);
    expect(s.possible.map((x) => x.address)).toEqual([a, b]);
    expect(s.reachable.map((x) => x.address)).toEqual([e]);
    expect([s.definiteBytes, s.indirectBytes, s.possibleBytes, s.reachableBytes]).toEqual([16, 32, 32, 8]);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.taskName, r.message])).toEqual([
      ["leak-definite", c, "sensor", "16 bytes definitely lost"],
      ["leak-indirect", d, "sensor", "32 bytes indirectly lost"],
      ["leak-possible", a, "sensor", "16 bytes possibly lost"],
      ["leak-possible", b, "sensor", "16 bytes possibly lost"],
      ["leak-reachable", e, "sensor", "8 bytes still reachable"],
    ]);
    expect(formatLeakSummary(s)).toEqual([
      "LEAK SUMMARY:",
      "    definitely lost: 16 bytes in 1 blocks",
      "    indirectly lost: 32 bytes in 1 blocks",
      "      possibly lost: 32 bytes in 2 blocks",
      "    still reachable: 8 bytes in 1 blocks",
    ]);
    // A second check counts the same blocks without reporting them again.
    expect(f.checker.checkLeaks().definite.map((x) => x.address)).toEqual([c]);
    expect(f.checker.reports).toHaveLength(5);

    const g = setup();
    g.user(SENSOR);
    const a2 = g.heap.allocate(16)!;
    const b2 = g.heap.allocate(16)!;
    const c2 = g.heap.allocate(16)!;
    const d2 = g.heap.allocate(32)!;
    g.m.core.write32(DATA + 8, a2); // the start of a2 this time
    g.m.core.write32(a2, b2);
    g.m.core.write32(c2 + 12, d2);
    g.m.core.write32(DATA, c2);
    const t = g.checker.checkLeaks();
    expect(t.reachable.map((x) => x.address)).toEqual([a2, b2, c2, d2]);
    expect(g.checker.reports).toEqual([]);
  });

  it("scans roots and blocks above 0x80000000 (MPS2-AN505's PSRAM) word by word", () => {
    const m = createMachine(MPS2_AN505);
    const c = new MemoryChecker(m, { onError: "continue", data: [{ start: 0x80000000, size: 0x100, name: "data" }] });
    c.pagesGiven(0x80001000, 0x1000, "heap");
    c.blockAllocated(0x80001010, 16, "heap");
    c.blockAllocated(0x80001020, 16, "heap");
    c.blockAllocated(0x80001030, 16, "heap");
    m.bus.load(0x80000004, Uint8Array.of(0x10, 0x10, 0x00, 0x80)); // data -> the first block
    m.bus.load(0x8000101c, Uint8Array.of(0x20, 0x10, 0x00, 0x80)); // its last word -> the second
    const s = c.checkLeaks();
    expect(s.reachable.map((x) => x.address)).toEqual([0x80001010, 0x80001020]);
    expect(s.definite.map((x) => x.address)).toEqual([0x80001030]);
  });

  it("words at the edges of the blocks' span: the first start and the last byte of the highest block reach, one past does not", () => {
    const m = createMachine(MPS2_AN505);
    const c = new MemoryChecker(m, { onError: "continue", data: [{ start: 0x80000000, size: 0x20, name: "data" }] });
    c.pagesGiven(0x80001000, 0x1000, "heap");
    const [lowest, middle, highest] = [0x80001010, 0x80001100, 0x80001200];
    for (const a of [lowest, middle, highest]) c.blockAllocated(a, 16, "heap");
    const words = [lowest - 1, lowest, highest + 15, highest + 16, 0, 0xffffffff];
    const bytes = new Uint8Array(new Uint32Array(words).buffer);
    m.bus.load(0x80000000, bytes);
    const s = c.checkLeaks({ reportReachable: true });
    expect(s.reachable.map((x) => x.address)).toEqual([lowest]);
    expect(s.possible.map((x) => x.address)).toEqual([highest]);
    expect(s.definite.map((x) => x.address)).toEqual([middle]);
  });

  it("a block only a lost cycle points to is indirectly lost, even below the cycle's lowest block", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    const c = f.heap.allocate(16)!;
    f.m.core.write32(b, c); // b <-> c: a lost cycle, its lowest block b definitely lost
    f.m.core.write32(c, b);
    f.m.core.write32(b + 4, a); // the cycle points to a, which is below it
    const s = f.checker.checkLeaks();
    expect(s.definite.map((x) => x.address)).toEqual([b]);
    expect(s.indirect.map((x) => x.address)).toEqual([a, c]);
    expect(f.checker.reports.map((r) => [r.kind, r.address])).toEqual([
      ["leak-definite", b],
      ["leak-indirect", a],
      ["leak-indirect", c],
    ]);
  });

  it("kernel-held memory: root allocators are scanned and never reported, ignored ones neither", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "kernel");
    const kernelHeap = new TestAllocator(f.m.core, 0x20006000, 0x1000, "kheap");
    kernelHeap.observer = f.checker;
    f.kernel();
    const slot = kernelHeap.allocate(16)!; // a queue slot in kernel memory
    f.user(SENSOR);
    const message = f.heap.allocate(24)!; // sent through the queue: only the slot points to it
    f.kernel();
    f.m.core.write32(slot, message);
    const lost = f.checker.checkLeaks(); // the kernel's own block reported, the message lost with it
    expect([lost.definite.map((b) => b.address), lost.indirect.map((b) => b.address)]).toEqual([[slot], [message]]);

    const g = setup();
    g.checker.pagesGiven(0x20006000, 0x1000, "kernel");
    const kheap = new TestAllocator(g.m.core, 0x20006000, 0x1000, "kheap");
    kheap.observer = g.checker;
    g.checker.setLeakRole("kheap", "root");
    g.kernel();
    const slot2 = kheap.allocate(16)!;
    g.user(SENSOR);
    const message2 = g.heap.allocate(24)!;
    g.kernel();
    g.m.core.write32(slot2, message2);
    const s = g.checker.checkLeaks();
    expect([s.definite, s.indirect, s.possible]).toEqual([[], [], []]);
    expect(s.reachable.map((b) => b.address)).toEqual([message2]); // the slot itself is no candidate
    g.checker.setLeakRole("kheap", "ignored"); // not scanned: the message is lost again
    expect(g.checker.checkLeaks().definite.map((b) => b.address)).toEqual([message2]);
  });

  it("blocks of a running task nothing reaches are held (its registers are JS variables), exact once it ends", () => {
    let running = true;
    const f = setup({ taskAlive: (t) => t === SENSOR && running });
    f.user(SENSOR);
    const p = f.heap.allocate(16)!; // held in a JS variable of the task only
    const q = f.heap.allocate(16)!;
    f.m.core.write32(p, q); // p -> q
    f.user(LOGGER);
    const r = f.heap.allocate(16)!; // the logger is not running: lost
    const s = f.checker.checkLeaks();
    expect([s.held.map((b) => b.address), s.heldBytes, s.definite.map((b) => b.address)]).toEqual([[p, q], 32, [r]]);
    expect(formatLeakSummary(s).at(-1)).toBe(
      "held, task not ended: 32 bytes in 2 blocks (maybe in its registers: not decided)",
    );
    expect(f.checker.reports.map((x) => x.address)).toEqual([r]);
    running = false;
    const t = f.checker.taskEnded(SENSOR);
    expect([t.definite.map((b) => b.address), t.indirect.map((b) => b.address), t.held]).toEqual([[p], [q], []]);
  });

  it("a lost cycle: its lowest block definitely lost, the rest indirectly", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    const c = f.heap.allocate(16)!;
    f.m.core.write32(a, b);
    f.m.core.write32(b, c);
    f.m.core.write32(c, a);
    const s = f.checker.checkLeaks();
    expect(s.definite.map((x) => x.address)).toEqual([a]);
    expect(s.indirect.map((x) => x.address)).toEqual([b, c]);
  });

  it("at task end: the task's stack is no longer a root, only its own blocks are reported", () => {
    const f = setup();
    f.kernel();
    const stack = f.heap.allocate(128)!;
    f.m.core.write32(DATA, stack); // the kernel's task table holds the stack block
    f.checker.registerStack(SENSOR, stack, 128, stack + 96);
    f.user(SENSOR);
    const mine = f.heap.allocate(24)!;
    f.m.core.write32(stack + 100, mine); // only the stack points to it
    f.user(LOGGER);
    const other = f.heap.allocate(24)!;
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([other]);
    f.checker.clearReports();
    f.kernel();
    f.checker.unregisterStack(SENSOR); // the kernel drops the stack and frees its block
    f.heap.free(stack);
    const s = f.checker.taskEnded(SENSOR);
    expect(s.definite.map((b) => b.address)).toEqual([mine]);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.task])).toEqual([["leak-definite", mine, SENSOR]]);
    expect(f.checker.stacks.has(SENSOR)).toBe(false);
  });

  it("added roots count; removed roots no longer do", () => {
    const f = setup();
    f.user(SENSOR);
    const table = f.heap.allocate(64)!;
    const leaf = f.heap.allocate(8)!;
    f.m.core.write32(table, leaf);
    f.checker.addRoot(table, 64, "task table");
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([]);
    f.checker.removeRoot(table);
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([table]);
  });
});

describe("scanLeaks on a large graph", () => {
  it("floods a lost block pointing to 150,000 others without overflowing the stack", () => {
    const base = 0x2000_0000;
    const n = 150_000;
    const mem = new DataView(new ArrayBuffer(8 + 4 * n + 8 * n));
    const site = { task: 1, taskName: "t", time: 0, label: null, source: null };
    const block = (address: number, size: number): BlockRecord => ({
      address,
      size,
      allocator: "heap:t",
      allocatorKind: "heap",
      state: "live",
      allocated: site,
      freed: null,
    });
    const leader = base; // leader -> hub -> n leaves; nothing points to the leader
    const hub = base + 8;
    const leaves = hub + 4 * n;
    mem.setUint32(0, hub, true);
    const blocks = [block(leader, 8), block(hub, 4 * n)];
    for (let i = 0; i < n; i++) {
      mem.setUint32(8 + 4 * i, leaves + 8 * i, true);
      blocks.push(block(leaves + 8 * i, 8));
    }
    const peek = (a: number, len: number) => new Uint8Array(mem.buffer, a - base, len);
    const s = scanLeaks(blocks, [], peek);
    expect(s.definite.map((b) => b.address)).toEqual([leader]);
    expect([s.indirect.length, s.indirectBytes]).toEqual([n + 1, 4 * n + 8 * n]);
  });
});
