import type { AllocatorStats } from "@rtos-sim/alloc";
import { describe, expect, it } from "vitest";
import { LiveBlocks } from "./heap-gate.js";
import type { TaskAllocator } from "./heaps/types.js";
import { bootTest, victim } from "./test-kit.js";

/**
 * The heap gate: the task's allocator runs with the task's privilege and MPU view, so whatever
 * a forged link makes it touch is the task's own fault; frees are checked against the kernel's
 * record before the allocator runs.
 */
describe("the heap gate", () => {
  it("runs the allocator unprivileged, with the task's MPU view: a write it makes outside the heap is the task's MemManage fault", () => {
    const k = bootTest();
    k.spawn(victim("va", 1, k, true));
    const t = k.spawn({
      name: "t",
      *main(c) {
        yield* c.malloc(16);
      },
    });
    // An allocator that follows a "forged link" to kernel memory (the worst an unchecked unlink does).
    const core = k.machine.core;
    const target = k.kernelBlock.base;
    const evil: TaskAllocator = {
      name: "evil",
      kind: "tlsf",
      observer: null,
      allocate: () => {
        core.write32(target, 0xdeadbeef);
        return null;
      },
      free: () => {},
      owns: () => false,
      blockSize: () => undefined,
      releaseEmpty: () => 0,
      stats: () => ({}) as AllocatorStats,
    };
    Object.assign(t.heap!.allocator, { inner: evil });
    const before = k.machine.bus.peek(target, 4);
    k.run({ ms: 20 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress, f.hw?.access.privileged]).toEqual([
      "t",
      "memmanage",
      0x82,
      target,
      false,
    ]);
    expect(k.machine.bus.peek(target, 4)).toEqual(before);
    expect(k.task("va")!.output).toHaveLength(10); // the others go on
  });

  it("a privileged task's allocator runs privileged", () => {
    const k = bootTest();
    let seen: boolean | null = null;
    const t = k.spawn({
      name: "p",
      privileged: true,
      *main(c) {
        yield* c.malloc(16);
      },
    });
    const inner = t.heap!.allocator.inner;
    Object.assign(t.heap!.allocator, {
      inner: {
        ...inner,
        allocate: () => {
          seen = k.machine.core.privileged;
          return null;
        },
      },
    });
    k.run({ ms: 2 });
    expect(seen).toBe(true);
    expect(k.faults).toEqual([]);
  });

  it("a free or realloc of a pointer the kernel's record does not hold never reaches the allocator", () => {
    const k = bootTest();
    const calls: string[] = [];
    const t = k.spawn({
      name: "t",
      *main(c) {
        const p = yield* c.malloc(32);
        yield* c.realloc(p + 8, 64);
      },
    });
    const gate = t.heap!.allocator;
    const inner = gate.inner;
    Object.assign(gate, {
      inner: new Proxy(inner, {
        get: (o, key) => {
          const v = Reflect.get(o, key);
          if (typeof v !== "function") return v;
          return (...a: unknown[]) => {
            calls.push(String(key));
            return v.apply(o, a);
          };
        },
      }),
    });
    k.run({ ms: 2 });
    expect(calls).toEqual(["allocate"]);
    expect(k.faults.map((f) => [f.kind, f.message])).toEqual([
      ["heap", expect.stringMatching(/INVALID_FREE: tlsf:t: realloc of 0x[0-9a-f]+, not a live block of task t/)],
    ]);
  });

  it("the kernel's record counts a block handed out twice (a forged heap) once", () => {
    const live = new LiveBlocks();
    live.add(0x20004010, 16);
    live.add(0x20004010, 32);
    expect([live.blocks.size, live.inUse]).toEqual([1, 32]);
    live.remove(0x20004010);
    expect([live.blocks.size, live.inUse]).toEqual([0, 0]);
  });

  it("a task's heap peak is the most it held at once, kept over frees and a restart's rebuilt heap", () => {
    const k = bootTest();
    let runs = 0;
    const t = k.spawn({
      name: "t",
      faultPolicy: { restart: 1 },
      *main(c) {
        runs++;
        const a = yield* c.malloc(100);
        const b = yield* c.malloc(200);
        yield* c.free(b);
        yield* c.malloc(50);
        if (runs === 1) c.read32(0); // MemManage: the policy restarts the task
        yield* c.free(a);
      },
    });
    k.run({ ms: 5 });
    expect(runs).toBe(2);
    // The second run holds 50 bytes (its first block freed); the first run's 300 stays the peak.
    expect([t.heapInUse, t.heapPeak]).toEqual([50, 300]);
    const live = new LiveBlocks();
    live.add(0x20004010, 64);
    live.add(0x20004050, 64);
    live.clear();
    expect([live.inUse, live.peak]).toEqual([0, 128]);
  });

  it("resize(p, 0) frees the block and forgets it, as the allocators' resize does", () => {
    const k = bootTest();
    let p = 0;
    const t = k.spawn({
      name: "t",
      *main(c) {
        p = yield* c.malloc(32);
      },
    });
    k.run({ ms: 2 });
    const gate = t.heap!.allocator;
    expect([gate.owns(p), gate.live.inUse, gate.stats().liveBlocks]).toEqual([true, 32, 1]);
    expect(gate.resize(p, 0)).toBeNull();
    expect([gate.owns(p), gate.live.inUse, gate.stats().liveBlocks]).toEqual([false, 0, 0]);
    // A second free is refused by the kernel's record, before the allocator runs.
    expect(() => gate.free(p)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
  });

  it("a free that took the block and then failed (the quarantine met a corrupted header handing another back) forgets it", () => {
    /** Task t's blocks a and b (32 bytes each) with the given quarantine; a's header check word is zeroed. */
    const corrupted = (quarantineBytes: number) => {
      const k = bootTest({ memcheck: { onError: "continue", quarantineBytes } });
      const blocks: number[] = [];
      const t = k.spawn({
        name: "t",
        *main(c) {
          for (let i = 0; i < 2; i++) blocks.push(yield* c.malloc(32));
          yield* c.sleep({ ms: 5 });
        },
      });
      k.run({ ms: 2 });
      const [a, b] = blocks as [number, number];
      k.machine.bus.load(a - 16 - 4, new Uint8Array(4)); // TLSF header word 1 (before the 16-byte redzone)
      return { gate: t.heap!.allocator, a, b };
    };
    // No quarantine: a's free takes a, hands it back at once and the allocator refuses it: a is
    // no one's to free again (the allocator keeps the corrupted block where it is).
    const bare = corrupted(0);
    expect(() => bare.gate.free(bare.a)).toThrow(expect.objectContaining({ code: "HEAP_CORRUPTION" }));
    expect([bare.gate.owns(bare.a), bare.gate.owns(bare.b)]).toEqual([false, true]);
    // 100 bytes of quarantine hold a (72 bytes with its redzones and header); b's free takes b
    // into it, then hands a back, which fails: the record forgets b, as the wrapper did.
    const held = corrupted(100);
    held.gate.free(held.a);
    expect(() => held.gate.free(held.b)).toThrow(expect.objectContaining({ code: "HEAP_CORRUPTION" }));
    expect([held.gate.owns(held.a), held.gate.owns(held.b), held.gate.live.inUse]).toEqual([false, false, 0]);
  });
});
