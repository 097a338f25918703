import { ActorMode, createMachine, Fault, makeActor, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { MemoryChecker } from "./checker.js";
import { CheckerFault, MemcheckError } from "./errors.js";
import { formatReport, formatTime } from "./report.js";
import { TestAllocator } from "./test-allocator.js";
import { DATA, FIRST_BLOCK, HEAP, LOGGER, SENSOR, setup } from "./test-setup.js";

/** One report of a kind, and no others. */
function only(f: ReturnType<typeof setup>) {
  expect(f.checker.reports.map((r) => r.kind)).toHaveLength(1);
  return f.checker.reports[0]!;
}

describe("access errors, each with its fixed program", () => {
  it("heap-buffer-overflow: one byte past a 10-byte block; fixed: the last byte", () => {
    const f = setup();
    f.user(SENSOR);
    f.tick(3.2);
    const p = f.heap.allocate(10)!;
    expect(p).toBe(FIRST_BLOCK);
    f.tick(0.8);
    f.m.core.write8(p + 10, 1);
    const r = only(f);
    expect(r).toMatchObject({ kind: "heap-buffer-overflow", address: p + 10, size: 1, access: "write", task: SENSOR });
    expect(r.block).toMatchObject({ address: p, size: 10, relation: "right", distance: 0, state: "live" });
    expect(r.block!.allocated).toEqual({ task: SENSOR, taskName: "sensor", time: 3.2, label: null, source: null });
    expect(r.time).toBe(4);

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(10)!;
    g.m.core.write8(q + 9, 1);
    expect(g.checker.reports).toEqual([]);
  });

  it("heap-buffer-overflow: a word read straddling a 13-byte block's end names the first byte past it and where the access started", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(13)!;
    f.m.core.fill(p, 1, 13);
    f.m.core.read32(p + 12);
    const r = only(f);
    expect([r.kind, r.address, r.size, r.access]).toEqual(["heap-buffer-overflow", p + 13, 4, "read"]);
    expect(r.block).toMatchObject({ address: p, size: 13, relation: "right", distance: 0 });
    const h = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
    expect(r.details).toEqual([
      "state found: owner ALL, writable, uninitialized",
      `access [${h(p + 12)}, ${h(p + 16)}) starts 1 bytes before the first bad byte ${h(p + 13)}`,
    ]);

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(13)!;
    g.m.core.fill(q, 1, 13);
    g.m.core.read32(q + 8);
    expect(g.checker.reports).toEqual([]);
  });

  it("uninitialized-read: a word read before it was written; fixed: written first", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    f.m.core.write8(p, 1);
    f.m.core.read32(p);
    const r = only(f);
    expect(r).toMatchObject({ kind: "uninitialized-read", address: p + 1, access: "read", size: 4 });
    expect(r.block).toMatchObject({ address: p, relation: "inside", distance: 1 });

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(8)!;
    g.m.core.write32(q, 7);
    expect(g.m.core.read32(q)).toBe(7);
    expect(g.checker.reports).toEqual([]);
  });

  it("use-after-alloc: allocator code writes into a live block; fixed: into its own header", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    f.m.core.actor = makeActor(ActorMode.Allocator, SENSOR);
    f.m.core.write32(p + 4, 0);
    const r = only(f);
    expect(r).toMatchObject({ kind: "use-after-alloc", address: p + 4, mode: "allocator" });
    expect(r.block).toMatchObject({ address: p, size: 16 });

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(16)!;
    g.m.core.actor = makeActor(ActorMode.Allocator, SENSOR);
    g.m.core.read32(q - 8);
    expect(g.checker.reports).toEqual([]);
  });

  it("use-after-free: read of a block back with its allocator; fixed: read before the free", () => {
    const f = setup();
    f.user(SENSOR);
    f.tick(1);
    const p = f.heap.allocate(16)!;
    f.m.core.write32(p + 4, 5);
    f.tick(1);
    f.heap.free(p);
    f.m.core.read32(p + 4);
    const r = only(f);
    expect(r).toMatchObject({ kind: "use-after-free", address: p + 4 });
    expect(r.block).toMatchObject({ address: p, state: "freed", relation: "inside", distance: 4 });
    expect(r.block!.freed).toMatchObject({ taskName: "sensor", time: 2 });

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(16)!;
    g.m.core.write32(q + 4, 5);
    expect(g.m.core.read32(q + 4)).toBe(5);
    g.heap.free(q);
    expect(g.checker.reports).toEqual([]);
  });

  it("write-to-readonly: a block made read-only, and flash; fixed: made writable again", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    f.m.core.write32(p, 1);
    f.checker.makeReadOnly(p, 8);
    expect(f.m.core.read32(p)).toBe(1);
    f.m.core.write8(p + 2, 1);
    expect(only(f)).toMatchObject({ kind: "write-to-readonly", address: p + 2 });
    expect(() => f.m.core.write32(0x08000000, 1)).toThrow(Fault); // reported, then the bus faults
    expect(f.checker.reports[1]).toMatchObject({ kind: "write-to-readonly", address: 0x08000000, region: "Flash" });

    const g = setup();
    g.user(SENSOR);
    const q = g.heap.allocate(8)!;
    g.checker.makeReadOnly(q, 8);
    g.checker.makeWritable(q, 8);
    g.m.core.write8(q + 2, 1);
    expect(g.checker.reports).toEqual([]);
  });

  it("invalid-access: user code reads a page never given out; fixed: reads image data", () => {
    const f = setup();
    f.user(SENSOR);
    f.m.core.read32(0x20008000);
    expect(only(f)).toMatchObject({ kind: "invalid-access", address: 0x20008000, block: null, region: "SRAM1" });

    const g = setup();
    g.user(SENSOR);
    g.m.core.read32(DATA);
    expect(g.checker.reports).toEqual([]);
  });

  it("device registers are never reported; memory inside a peripheral range still is, between device accesses", () => {
    const f = setup();
    const regs = new Uint32Array(0x100);
    f.m.bus.attach(0x40020000, {
      name: "GPIOA",
      size: 0x400,
      read: (offset) => regs[offset >>> 2]!,
      write: (offset, _size, value) => {
        regs[offset >>> 2] = value;
      },
    });
    f.user(SENSOR);
    for (let i = 0; i < 3; i++) {
      f.m.core.write32(0x40020014, 0x20 + i);
      expect(f.m.core.read32(0x40020014)).toBe(0x20 + i);
      f.m.core.read16(0x400203fe); // the device's last halfword
      // BackupSRAM, inside AHB1 beside GPIOA: memory, and never given out
      f.m.core.read32(0x40024000 + 4 * i);
    }
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.region])).toEqual([
      ["invalid-access", 0x40024000, "BackupSRAM"],
      ["invalid-access", 0x40024004, "BackupSRAM"],
      ["invalid-access", 0x40024008, "BackupSRAM"],
    ]);
  });

  it("wild-access: outside every region and partly outside; fixed: inside", () => {
    const f = setup({ bss: [{ start: 0x2001ff00, size: 0x100 }] });
    f.user(SENSOR);
    expect(() => f.m.core.read32(0x30000000)).toThrow(Fault);
    expect(f.checker.reports[0]).toMatchObject({ kind: "wild-access", address: 0x30000000, region: null, dump: null });
    f.m.core.clearFault();
    expect(() => f.m.core.read32(0x2001fffe)).toThrow(Fault);
    expect(f.checker.reports[1]).toMatchObject({
      kind: "wild-access",
      address: 0x20020000,
      message: "access partly outside every memory region",
    });

    const g = setup({ bss: [{ start: 0x2001ff00, size: 0x100 }] });
    g.user(SENSOR);
    g.m.core.read32(0x2001fffc);
    expect(g.checker.reports).toEqual([]);
  });

  it("stack-below-sp, stack-out-of-bounds, stack-overflow; fixed: SP moved first, own stack", () => {
    const f = setup();
    f.kernel();
    const s1 = f.heap.allocate(256)!;
    const s2 = f.heap.allocate(256)!;
    f.checker.registerStack(SENSOR, s1, 256);
    f.checker.registerStack(LOGGER, s2, 256, s2 + 192);
    f.checker.stackPointer(SENSOR, s1 + 224);
    f.user(SENSOR);
    f.m.core.write32(s1 + 224, 1);
    expect(f.m.core.read32(s1 + 224)).toBe(1);
    expect(f.checker.reports).toEqual([]);
    f.m.core.read32(s1 + 200);
    expect(f.checker.reports[0]).toMatchObject({ kind: "stack-below-sp", address: s1 + 200 });
    f.m.core.write32(s2 + 200, 1);
    expect(f.checker.reports[1]).toMatchObject({ kind: "stack-out-of-bounds", address: s2 + 200 });
    f.kernel();
    f.m.core.write32(s2 + 200, 1); // the kernel may touch any stack above its SP
    expect(f.checker.reports).toHaveLength(2);
    f.checker.stackPointer(SENSOR, s1 - 8);
    expect(f.checker.reports[2]).toMatchObject({ kind: "stack-overflow", address: s1 - 8, size: 8 });
    f.user(SENSOR);
    f.m.core.write32(s1 - 8, 0); // the block header below the stack block
    expect(f.checker.reports[3]).toMatchObject({ kind: "stack-overflow", address: s1 - 8, access: "write" });
    // Stacks are named by their task's name, as frames are ("in the stack of task sensor").
    const h = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
    expect(f.checker.reports.map((r) => r.details.find((d) => d.startsWith("stack of")))).toEqual([
      `stack of task sensor: [${h(s1)}, ${h(s1 + 256)}), SP ${h(s1 + 224)}`,
      `stack of task logger: [${h(s2)}, ${h(s2 + 256)}), SP ${h(s2 + 192)}`,
      `stack of task sensor: [${h(s1)}, ${h(s1 + 256)}), 8 bytes overflow`,
      `stack of task sensor: [${h(s1)}, ${h(s1 + 256)}), SP ${h(s1)}`,
    ]);

    const g = setup();
    g.kernel();
    const t1 = g.heap.allocate(256)!;
    g.checker.registerStack(SENSOR, t1, 256);
    g.checker.stackPointer(SENSOR, t1 + 192);
    g.user(SENSOR);
    g.m.core.write32(t1 + 200, 1);
    g.m.core.read32(t1 + 200);
    g.checker.stackPointer(SENSOR, t1);
    expect(g.checker.reports).toEqual([]);
  });
});

describe("the running task's stack", () => {
  it("is plain to the core's filter while its task runs; another task touching it is still reported", () => {
    const f = setup();
    f.kernel();
    const s1 = f.heap.allocate(256)!;
    const s2 = f.heap.allocate(256)!;
    f.checker.registerStack(SENSOR, s1, 256, s1 + 128);
    f.checker.registerStack(LOGGER, s2, 256, s2 + 128);
    f.checker.taskRunning(SENSOR);
    f.user(SENSOR);
    f.m.core.write32(s1 + 128, 5); // first write: the general path sets INI
    const seen: number[] = [];
    const hook = f.m.core.hook!;
    f.m.core.hook = {
      filter: hook.filter,
      onAccess: (a, n, k, p, actor) => {
        seen.push(a);
        return hook.onAccess(a, n, k, p, actor);
      },
    };
    f.m.core.read32(s1 + 128); // reopens the fast paths after the hook change
    seen.length = 0;
    expect(f.m.core.read32(s1 + 128)).toBe(5);
    f.m.core.write32(s1 + 128, 6);
    expect(seen).toEqual([]); // the filter passed: no hook call
    f.checker.stackPointer(SENSOR, s1 + 64); // a frame pushed while running: live and plain at once
    f.m.core.write32(s1 + 64, 1);
    f.m.core.read32(s1 + 64);
    expect(seen).toEqual([s1 + 64]); // only the first write (INI) took the hook
    f.checker.taskRunning(LOGGER);
    f.user(LOGGER);
    f.m.core.read32(s1 + 128);
    expect(f.checker.reports).toMatchObject([{ kind: "stack-out-of-bounds", address: s1 + 128, task: LOGGER }]);
    expect(f.checker.dump(s1 + 128).rows.some((r) => r.codes.includes("s="))).toBe(true);
  });
});

describe("transition and free errors, each with its fixed program", () => {
  it("double-alloc: a block handed out twice; fixed: two blocks", () => {
    const f = setup();
    const p = f.heap.allocate(16)!;
    f.checker.blockAllocated(p, 16, "heap");
    expect(only(f)).toMatchObject({ kind: "double-alloc", address: p, access: null });
    expect(f.checker.reports[0]!.block).toMatchObject({ address: p });
    f.checker.pagesGiven(HEAP, 0x100, "heap");
    expect(f.checker.reports[1]).toMatchObject({ kind: "double-alloc", address: HEAP });

    const g = setup();
    g.heap.allocate(16);
    g.heap.allocate(16);
    expect(g.checker.reports).toEqual([]);
  });

  it("double-free: the same block freed twice; fixed: once", () => {
    const f = setup();
    const p = f.heap.allocate(16)!;
    f.heap.free(p);
    expect(f.checker.checkFree(p, "heap")).toBe(false);
    expect(only(f)).toMatchObject({ kind: "double-free", address: p });
    expect(f.checker.reports[0]!.block).toMatchObject({ address: p, state: "freed" });

    const g = setup();
    const q = g.heap.allocate(16)!;
    expect(g.checker.checkFree(q, "heap")).toBe(true);
    g.heap.free(q);
    expect(g.checker.reports).toEqual([]);
  });

  it("invalid-free: interior, never allocated, wild; fixed: the block's start", () => {
    const f = setup();
    const p = f.heap.allocate(16)!;
    expect(f.checker.checkFree(p + 4, "heap")).toBe(false);
    expect(f.checker.checkFree(HEAP + 0x2000, "heap")).toBe(false);
    expect(f.checker.checkFree(0x30000000, "heap")).toBe(false);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.message])).toEqual([
      ["invalid-free", p + 4, "free of an address inside a block (interior pointer)"],
      ["invalid-free", HEAP + 0x2000, "free of an address never allocated"],
      ["invalid-free", 0x30000000, "free of an address outside every memory region"],
    ]);
    expect(f.checker.reports[0]!.block).toMatchObject({ address: p, relation: "inside", distance: 4 });
    expect(f.checker.checkFree(p, "heap")).toBe(true);
  });

  it("invalid-free of no block's start says where the address lies: by a block, inside a freed one, in static data (ASan's and Memcheck's descriptions)", () => {
    const f = setup();
    const p = f.heap.allocate(64)!;
    const q = f.heap.allocate(32)!;
    f.heap.free(q);
    const far = p + 0x1000; // beyond `reach` (64) of every block
    for (const a of [p - 8, p + 64, q + 8, DATA + 0x10, far]) expect(f.checker.checkFree(a, "heap")).toBe(false);
    const rows = f.checker.reports.map((r) => [
      r.address,
      r.message,
      r.block && [r.block.address, r.block.relation, r.block.distance, r.block.state],
      r.details,
    ]);
    expect(rows).toEqual([
      [p - 8, "free of an address never allocated", [p, "left", 8, "live"], []],
      [p + 64, "free of an address never allocated", [p, "right", 0, "live"], []],
      [q + 8, "free of an address inside a freed block (interior pointer)", [q, "inside", 8, "freed"], []],
      [
        DATA + 0x10,
        "free of an address in data, not a heap block",
        null,
        ["0x20000010 is located 16 bytes inside data [0x20000000, 0x20000400)"],
      ],
      [far, "free of an address never allocated", null, []],
    ]);
    expect(f.checker.reports.every((r) => r.kind === "invalid-free")).toBe(true);
    expect(f.checker.checkFree(p, "heap")).toBe(true);
  });

  it("alloc-dealloc-mismatch: a heap block freed to a pool; fixed: to the heap", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "pool");
    const pool = new TestAllocator(f.m.core, 0x20006000, 0x1000, "pool", "slab-array");
    pool.observer = f.checker;
    const p = f.heap.allocate(16)!;
    expect(f.checker.checkFree(p, "pool")).toBe(false);
    expect(only(f)).toMatchObject({
      kind: "alloc-dealloc-mismatch",
      address: p,
      message: "block of heap freed to pool",
    });
    expect(f.checker.checkFree(p, "heap")).toBe(true);
  });

  it("invalid-free: an address on a task's stack or in a partition is not malloc()-ed (ASan's bad-free); fixed: a heap block", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x1000, "kernel");
    f.checker.registerAllocator("stacks", "stack");
    f.checker.registerAllocator("partitions", "partition");
    f.checker.blockAllocated(0x20006000, 0x400, "stacks");
    f.checker.registerStack(SENSOR, 0x20006020, 0x3e0, 0x20006300);
    f.checker.blockAllocated(0x20006800, 0x400, "partitions");
    f.user(SENSOR);
    expect(f.checker.checkFree(0x20006398, "heap")).toBe(false); // a local's address
    expect(f.checker.checkFree(0x20006800, "heap")).toBe(false); // a partition's base
    expect(f.checker.checkFree(0x20006810, "heap")).toBe(false);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.message, r.block, r.details])).toEqual([
      [
        "invalid-free",
        0x20006398,
        "free of an address on the stack of task sensor, not a heap block",
        null,
        ["stack of task sensor: [0x20006020, 0x20006400), SP 0x20006300"],
      ],
      [
        "invalid-free",
        0x20006800,
        "free of an address in a partition, not a heap block",
        null,
        ["0x20006800 is located 0 bytes inside partition [0x20006800, 0x20006c00)"],
      ],
      [
        "invalid-free",
        0x20006810,
        "free of an address in a partition, not a heap block",
        null,
        ["0x20006810 is located 16 bytes inside partition [0x20006800, 0x20006c00)"],
      ],
    ]);
    const p = f.heap.allocate(16)!;
    expect(f.checker.checkFree(p, "heap")).toBe(true);
    expect(f.checker.checkFree(0x20006800, "partitions")).toBe(true); // the kernel's own free of it
  });

  it("overlapping-copy: memcpy within one block; fixed: to another block (INI copied too)", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    f.m.core.write32(p, 0x11223344);
    f.checker.memcpy(p + 4, p, 8);
    expect(only(f)).toMatchObject({ kind: "overlapping-copy", address: p + 4, size: 8 });

    const g = setup();
    g.user(SENSOR);
    const a = g.heap.allocate(16)!;
    const b = g.heap.allocate(16)!;
    g.m.core.write32(a, 0x11223344);
    g.checker.memcpy(b, a, 8);
    expect(g.m.core.read32(b)).toBe(0x11223344);
    expect(g.checker.reports).toEqual([]);
    g.m.core.read32(b + 4); // copied, but never initialized
    expect(g.checker.reports[0]).toMatchObject({ kind: "uninitialized-read", address: b + 4 });
  });

  it("memmove: overlapping ranges are fine, the bytes and their INI move as one", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    f.m.core.write32(p, 0x11223344); // bytes 4..7 never written
    f.checker.memmove(p + 2, p, 8);
    expect(f.checker.reports).toEqual([]);
    expect(f.m.core.read16(p + 2)).toBe(0x3344);
    expect(f.m.core.read32(p + 2)).toBe(0x11223344);
    f.m.core.read8(p + 6); // came from byte 4: uninitialized
    expect(only(f)).toMatchObject({ kind: "uninitialized-read", address: p + 6 });
  });

  it("calloc-overflow and allocation-size-too-big: filed by the task, never stopping (the call returns NULL)", () => {
    const f = setup({ onError: "stop" });
    f.user(SENSOR);
    const r = f.checker.allocationRefused("calloc-overflow", "calloc parameters overflow", 0, [
      "count * size (65536 * 65537) cannot be represented in 32 bits",
    ]);
    f.checker.beginRequest(LOGGER, "malloc", null);
    f.checker.allocationRefused("allocation-size-too-big", "requested allocation size exceeds the maximum", 0x2000000);
    f.checker.endRequest();
    expect(f.m.core.pendingFault).toBeNull();
    expect(f.checker.reports.map((x) => [x.kind, x.task, x.mode, x.syscall, x.size, x.dump, x.region])).toEqual([
      ["calloc-overflow", SENSOR, "user", null, 0, null, null],
      ["allocation-size-too-big", LOGGER, "user", "malloc", 0x2000000, null, null],
    ]);
    expect(formatReport(r).split("\n")).toEqual([
      "==memcheck== ERROR: calloc-overflow at t=0 ms",
      "calloc parameters overflow (task sensor, user mode)",
      "count * size (65536 * 65537) cannot be represented in 32 bits",
      "SUMMARY: memcheck: calloc-overflow task sensor",
    ]);
  });

  it("diagnoseBuffer: the report a syscall's access to a freed buffer would make, without stopping", () => {
    const f = setup({ onError: "stop" });
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap);
    const p = heap.allocate(32)!;
    f.m.core.fill(p, 1, 32);
    expect(f.checker.diagnoseBuffer(f.m.core.actor, p, 32, "read")).toBeNull();
    heap.free(p);
    const r = f.checker.diagnoseBuffer(f.m.core.actor, p, 32, "read")!;
    expect(r).toMatchObject({ kind: "use-after-free", address: p, size: 32, access: "read", task: SENSOR });
    expect(r.block).toMatchObject({ address: p, state: "quarantined" });
    expect(f.m.core.pendingFault).toBeNull();
  });

  it("times in cycles print exactly, with milliseconds when the clock rate is known", () => {
    expect(formatTime(1680042, "cycles", 168_000_000)).toBe("t=1680042 cycles (10.00025 ms)");
    expect(formatTime(1680042, "cycles")).toBe("t=1680042 cycles");
    expect(formatTime(10.0002501, "ms")).toBe("t=10.00025 ms");
  });

  it("invalid-transition: share of shared memory, pages returned with a live block; fixed: share/unshare", () => {
    const f = setup();
    const p = f.heap.allocate(16)!;
    f.checker.share(p, 16);
    f.checker.share(p, 16);
    expect(only(f)).toMatchObject({ kind: "invalid-transition", address: p });
    f.checker.pagesReturned(HEAP, 0x4000, "heap");
    expect(f.checker.reports[1]).toMatchObject({
      kind: "invalid-transition",
      address: p,
      message: "pages returned while a block in them is live (heap)",
    });

    const g = setup();
    const q = g.heap.allocate(16)!;
    g.checker.share(q, 16);
    g.m.core.actor = makeActor(ActorMode.Allocator, 0);
    g.m.core.write32(q, 1); // shared: the allocator may touch it
    g.checker.unshare(q, 16);
    expect(g.checker.reports).toEqual([]);
  });
});

describe("policy, caps and typed errors", () => {
  it("stops the task on a write by default: CheckerFault latched on the core", () => {
    const f = setup({ onError: undefined as never });
    f.user(SENSOR);
    const p = f.heap.allocate(10)!;
    let err: unknown;
    try {
      f.m.core.write8(p + 12, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: "CheckerFault", code: "heap-buffer-overflow" });
    expect(f.m.core.pendingFault).toBe(err);
    expect(() => f.m.core.read8(p)).toThrow(err as Error);
    f.m.core.clearFault();
    expect(f.m.core.read8(p + 12)).toBe(0); // reads continue
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["heap-buffer-overflow", "heap-buffer-overflow"]);
    expect(() => f.checker.checkFree(p + 1, "heap")).toThrow(/invalid-free/);
  });

  it("caps repeated reports and counts the rest as suppressed", () => {
    const f = setup({ maxRepeats: 2 });
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    const seen: string[] = [];
    f.checker.events.on("suppressed", (r) => seen.push(r.kind));
    for (let i = 0; i < 4; i++) f.m.core.read8(p + 2); // the same bad access, four times
    expect(f.checker.reports.map((r) => r.occurrence)).toEqual([1, 2]);
    expect(f.checker.suppressed).toBe(2);
    expect(seen).toEqual(["uninitialized-read", "uninitialized-read"]);
  });

  it("counts a dropped repeat nobody listens for as it counts one a listener sees", () => {
    // The hook's path skips building a report the caps drop when no "suppressed" listener
    // would see it: the counts, the label it takes and what a later listener sees are the same.
    const f = setup({ maxRepeats: 3 });
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    f.checker.at("loop.c:7");
    for (let i = 0; i < 10; i++) f.m.core.read8(p + 2); // the same bad read, ten times
    expect(f.checker.reports.map((r) => [r.occurrence, r.message.endsWith("(at loop.c:7)")])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect(f.checker.suppressed).toBe(7);
    f.checker.at("loop.c:9");
    f.m.core.read8(p + 2); // dropped unseen: it takes the label as a built report would
    f.m.core.read8(p + 3); // a new site: kept, without the label
    expect(f.checker.reports.map((r) => r.message)).toContain("read of uninitialized memory");
    expect(f.checker.reports[3]!.message).not.toContain("loop.c:9");
    const seen: [number, number, boolean, boolean][] = [];
    f.checker.events.on("suppressed", (r) =>
      seen.push([r.occurrence, r.address - p, r.dump !== null, r.block !== null]),
    );
    f.m.core.read8(p + 2);
    expect(seen).toEqual([[12, 2, true, true]]); // the full report, counted through the unseen ones
    expect([f.checker.reports.length, f.checker.suppressed]).toEqual([4, 9]);
  });

  it("stops on a dropped repeat when the policy stops: the thrown report is built in full", () => {
    const f = setup({ maxRepeats: 1, onError: "stop" });
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    const faults: [number, boolean][] = [];
    for (let i = 0; i < 3; i++) {
      try {
        f.m.core.read8(p + 2);
      } catch (e) {
        if (!(e instanceof CheckerFault)) throw e;
        faults.push([e.report.occurrence, e.report.dump !== null]);
        f.m.core.clearFault();
      }
    }
    expect(faults).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect([f.checker.reports.length, f.checker.suppressed]).toEqual([1, 2]);
  });

  it("groups repeats by access site: distinct bad accesses to one block are each reported", () => {
    // Without source sites, the site is the access itself: six different accesses, six reports.
    const f = setup({ maxRepeats: 1 });
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    for (const [at, size] of [
      [0, 1],
      [2, 2],
      [4, 4],
      [-1, 1],
      [8, 1],
      [9, 2],
    ] as const) {
      if (size === 1) f.m.core.read8(p + at);
      else if (size === 2) f.m.core.read16(p + at);
      else f.m.core.read32(p + at);
    }
    expect(f.checker.reports.map((r) => [r.kind, r.address - p])).toEqual([
      ["uninitialized-read", 0],
      ["uninitialized-read", 2],
      ["uninitialized-read", 4],
      ["heap-buffer-overflow", -1],
      ["heap-buffer-overflow", 8],
      ["heap-buffer-overflow", 9],
    ]);
    // With source sites, the site is the line of task code: one line in a loop is one report...
    const g = setup({ maxRepeats: 1, sourceSites: true });
    g.user(SENSOR);
    const q = g.heap.allocate(8)!;
    for (let i = 0; i < 8; i++) g.m.core.read8(q + i);
    expect(g.checker.reports.map((r) => [r.occurrence, r.source?.file.endsWith("checker.test.ts")])).toEqual([
      [1, true],
    ]);
    expect(g.checker.suppressed).toBe(7);
    // ...and two lines are two reports, though they read the same byte.
    g.m.core.read8(q);
    g.m.core.read8(q);
    expect(g.checker.reports).toHaveLength(3);
    expect(g.checker.reports[1]!.source!.line + 1).toBe(g.checker.reports[2]!.source!.line);
  });

  it("emits each report as an event, with a JS stack when asked", () => {
    const f = setup({ captureStack: true });
    const seen: string[] = [];
    f.checker.events.on("report", (r) => seen.push(`${r.kind} ${r.stack?.split("\n")[0]}`));
    f.user(SENSOR);
    f.m.core.read32(0x20008000);
    expect(seen).toEqual(["invalid-access Error: memcheck report"]);
    expect(f.checker.reports[0]!.stack).toContain("reporter.ts");
  });

  it("bad input: typed errors and nothing changes", () => {
    const f = setup();
    expect(() => f.checker.pagesGiven(0x30000000, 16, "x")).toThrow(
      expect.objectContaining({ code: "RANGE_OUTSIDE_MANAGED" }),
    );
    expect(() => f.checker.stackPointer(9, 0)).toThrow(expect.objectContaining({ code: "STACK_UNKNOWN" }));
    const s = f.heap.allocate(64)!;
    f.checker.registerStack(SENSOR, s, 64);
    expect(() => f.checker.registerStack(LOGGER, s + 32, 64)).toThrow(
      expect.objectContaining({ code: "STACK_OVERLAP" }),
    );
    expect(() => f.checker.stackPointer(SENSOR, s + 65)).toThrow(expect.objectContaining({ code: "STACK_SP_RANGE" }));
    expect(f.checker.stacks.get(SENSOR)!.sp).toBe(s + 64);
    f.checker.unregisterStack(SENSOR);
    expect(f.checker.shadow.get(s)).toBe(f.checker.shadow.get(s + 1));
    expect(f.checker.reports).toEqual([]);
  });

  it("counts that are not integers, an unknown policy or time unit are OPTION_INVALID (a RangeError, or accepted, before)", () => {
    const bad = [
      { freedHistory: 1.5 },
      { freedHistory: Number.NaN },
      { maxRepeats: Number.NaN },
      { maxRepeats: 0 },
      { maxReports: -1 },
      { maxReports: Number.NaN },
      { reach: Number.NaN },
      { reach: -1 },
      { onError: "stop_writes" as "stop-writes" },
      { timeUnit: "s" as "ms" },
    ];
    for (const o of bad) expect(() => setup(o)).toThrow(expect.objectContaining({ code: "OPTION_INVALID" }));
    expect(() => setup({ maxReports: Number.POSITIVE_INFINITY, freedHistory: 0, reach: 0 })).not.toThrow();
  });

  it("options or a machine that are no object, a callback that is no function: OPTION_INVALID, not a TypeError", () => {
    const m = createMachine(STM32F407);
    const invalid = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof MemcheckError ? [e.code, e.context] : String(e);
      }
      return "no error";
    };
    expect(invalid(() => new MemoryChecker(m, null as never))).toEqual([
      "OPTION_INVALID",
      { option: "options", value: "null" },
    ]);
    expect(invalid(() => new MemoryChecker(null as never))).toEqual([
      "OPTION_INVALID",
      { option: "machine", value: "null" },
    ]);
    expect(invalid(() => new MemoryChecker({ board: STM32F407 } as never))).toEqual([
      "OPTION_INVALID",
      { option: "machine", value: "object" },
    ]);
    // A clock that is not a function was taken, and the first report threw a TypeError.
    for (const option of ["clock", "taskName", "taskAlive"]) {
      expect(invalid(() => new MemoryChecker(m, { [option]: 5 }))).toEqual([
        "OPTION_INVALID",
        { option, value: "number" },
      ]);
    }
    // Nothing was attached by a refused checker.
    expect(m.core.hook).toBeNull();
  });
});
