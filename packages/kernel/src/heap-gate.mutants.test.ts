import type { AllocatorStats } from "@rtos-sim/alloc";
import { describe, expect, it } from "vitest";
import type { HeapGate } from "./heap-gate.js";
import type { TaskAllocator } from "./heaps/types.js";
import type { Kernel } from "./kernel.js";
import type { KTask } from "./task-record.js";
import { bootTest } from "./test-kit.js";

/**
 * The heap gate pinned where a hand mutation audit found it unheld: the mode, privilege and MPU
 * view the allocator runs with when the kernel calls it (Handler mode, another task's plan
 * loaded) and what is restored after; the allocator limits that are NULL and those that are
 * errors; the allocate-copy-free resize of an allocator without `resize` (slab-array); and the
 * kernel's record around a failed resize.
 */

/** Boots, runs a task "t" with a `heap` heap once (it does nothing), and returns its gate. */
function gateOf(heap: "tlsf" | "slab-array" = "tlsf"): { k: Kernel; t: KTask; gate: HeapGate } {
  const k = bootTest();
  const t = k.spawn({ name: "t", heap, *main() {} });
  k.run({ ms: 1 });
  return { k, t, gate: t.heap!.allocator };
}

/** What a call threw (code and message), or its result. */
function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    const err = e as { code?: string; message: string; context?: unknown };
    return { code: err.code, message: err.message, context: err.context };
  }
}

/** An inner allocator that records the core's state when called and returns `answer` (or throws it). */
function recorder(k: Kernel, answer: () => number | null) {
  const seen: unknown[] = [];
  const core = k.machine.core;
  const inner: TaskAllocator = {
    name: "rec",
    kind: "tlsf",
    observer: null,
    allocate: () => {
      seen.push([core.mode, core.controlNPriv, core.privileged]);
      return answer();
    },
    free: () => {},
    owns: () => false,
    blockSize: () => undefined,
    releaseEmpty: () => 0,
    stats: () => ({}) as AllocatorStats,
  };
  return { seen, inner };
}

describe("the gate called by the kernel (Handler mode, privileged)", () => {
  it("the allocator runs in Thread mode at the task's privilege; mode and CONTROL.nPRIV are restored after, also when it throws", () => {
    const { k, gate } = gateOf();
    const core = k.machine.core;
    const ok = recorder(k, () => null);
    Object.assign(gate, { inner: ok.inner });
    core.mode = "handler";
    core.controlNPriv = false;
    expect(gate.allocate(16)).toBeNull();
    expect(ok.seen).toEqual([["thread", true, false]]);
    expect([core.mode, core.controlNPriv]).toEqual(["handler", false]);
    const bad = recorder(k, () => {
      throw new Error("allocator bug");
    });
    Object.assign(gate, { inner: bad.inner });
    expect(() => gate.allocate(16)).toThrow("allocator bug");
    expect(bad.seen).toEqual([["thread", true, false]]);
    expect([core.mode, core.controlNPriv]).toEqual(["handler", false]);
  });

  it("the allocator runs with its own task's MPU view, not the one loaded before", () => {
    const k = bootTest();
    const a = k.spawn({ name: "a", *main() {} });
    const b = k.spawn({ name: "b", *main() {} });
    k.run({ ms: 1 });
    const core = k.machine.core;
    // a's gate loads a's plan; b's allocator then writes b's own heap (not a's to write).
    expect(a.heap!.allocator.allocate(16)).not.toBeNull();
    const target = b.heap!.base + 64;
    const w = recorder(k, () => {
      core.write32(target, 0xc0ffee);
      return null;
    });
    Object.assign(b.heap!.allocator, { inner: w.inner });
    expect(b.heap!.allocator.allocate(16)).toBeNull();
    expect(k.machine.bus.peek(target, 4)).toEqual(Uint8Array.of(0xee, 0xff, 0xc0, 0));
  });
});

describe("allocator limits: NULL or an error", () => {
  it("slab-array: a size above its classes and an alignment above its pages are NULL; a non-power-of-two or 0 alignment is an error", () => {
    const { gate } = gateOf("slab-array");
    expect(gate.allocate(300)).toBeNull();
    expect(gate.allocate(16, 256)).toBeNull();
    expect(gate.allocate(16, 128)).toBeNull();
    for (const align of [3, 0]) {
      expect(outcome(() => gate.allocate(16, align))).toMatchObject({
        code: "BAD_ALIGNMENT",
        message: "BAD_ALIGNMENT: slab-array:t: alignment must be a power of two up to 128",
      });
    }
    expect([gate.live.blocks.size, gate.live.inUse]).toEqual([0, 0]);
    expect(gate.allocate(24)).not.toBeNull();
    expect([gate.live.blocks.size, gate.live.inUse]).toEqual([1, 24]);
  });

  it("a refused pointer's context names it as an unsigned address", () => {
    const { gate } = gateOf();
    expect(outcome(() => gate.free(-16))).toEqual({
      code: "INVALID_FREE",
      message: "INVALID_FREE: tlsf:t: free of 0xfffffff0, not a live block of task t",
      context: { allocator: "tlsf:t", address: 0xfffffff0 },
    });
  });

  it("blockSize answers for the kernel's live blocks only, not for a block the allocator holds that the kernel never handed out", () => {
    const { gate } = gateOf();
    const p = gate.allocate(40)!;
    const stray = gate.inner.allocate(40)!; // in the allocator's lists, not in the kernel's record
    expect([gate.blockSize(p), gate.inner.blockSize(stray) !== undefined, gate.blockSize(stray)]).toEqual([
      gate.inner.blockSize(p),
      true,
      undefined,
    ]);
  });
});

describe("resize", () => {
  it("a resize of a block the kernel's record does not hold is INVALID_FREE before the allocator runs", () => {
    const { k, gate } = gateOf("tlsf");
    const stray = gate.inner.allocate(40)!; // forged: in the allocator's lists only
    const size = gate.inner.blockSize(stray);
    const stats = gate.inner.stats();
    const hex = `0x${stray.toString(16).padStart(8, "0")}`;
    for (const n of [64, 0]) {
      expect(outcome(() => gate.resize(stray, n))).toEqual({
        code: "INVALID_FREE",
        message: `INVALID_FREE: tlsf:t: realloc of ${hex}, not a live block of task t`,
        context: { allocator: "tlsf:t", address: stray },
      });
    }
    expect([gate.inner.blockSize(stray), gate.inner.stats(), gate.owns(stray)]).toEqual([size, stats, false]);
    expect(k.faults).toEqual([]);
  });

  it("TLSF resizes in place when it can (the allocator's own resize)", () => {
    const { gate } = gateOf("tlsf");
    const p = gate.allocate(24)!;
    expect(gate.resize(p, 100)).toBe(p);
    expect([gate.owns(p), gate.live.inUse, gate.stats().liveBlocks]).toEqual([true, 100, 1]);
  });

  it("slab-array (no resize): allocate, copy the old block's bytes, free it; the record follows", () => {
    const { k, gate } = gateOf("slab-array");
    const core = k.machine.core;
    const p = gate.allocate(24)!;
    const neighbour = gate.allocate(24)!; // the next 32-byte slot, full of 0xAB
    expect(neighbour).toBe(p + 32);
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    k.machine.bus.load(p, bytes);
    k.machine.bus.load(neighbour, new Uint8Array(32).fill(0xab));
    const fresh = k.machine.bus.peek(p + 0x320, 128); // where the 128-byte class's first block lands
    core.mode = "handler";
    const q = gate.resize(p, 100)!;
    expect(q).toBe(p + 0x320);
    // The old block's 32 usable bytes, then the new block's own (nothing of the neighbour).
    expect(k.machine.bus.peek(q, 128)).toEqual(Uint8Array.of(...bytes, ...fresh.subarray(32)));
    expect([gate.owns(p), gate.owns(q), gate.live.inUse]).toEqual([false, true, 124]);
    expect([gate.stats().liveBlocks, gate.stats().frees]).toEqual([2, 1]);
  });

  it("a resize the allocator cannot serve is NULL and changes nothing: a size above the classes, or out of memory", () => {
    const { k, gate } = gateOf("slab-array");
    const p = gate.allocate(16)!;
    k.machine.bus.load(p, Uint8Array.of(1, 2, 3, 4));
    expect(gate.resize(p, 300)).toBeNull();
    // Fill the heap with 256-byte blocks, then ask for one more by resizing p.
    const big: number[] = [];
    for (let b = gate.allocate(256); b !== null; b = gate.allocate(256)) big.push(b);
    expect(big.length).toBeGreaterThan(0);
    const before = [gate.live.blocks.size, gate.live.inUse, gate.stats().liveBlocks];
    expect(gate.resize(p, 200)).toBeNull();
    expect([gate.live.blocks.size, gate.live.inUse, gate.stats().liveBlocks]).toEqual(before);
    expect([gate.owns(p), k.machine.bus.peek(p, 4)]).toEqual([true, Uint8Array.of(1, 2, 3, 4)]);
  });
});
