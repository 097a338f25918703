import { TlsfAllocator } from "@rtos-sim/alloc";
import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { HeapBlockSource } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { walkHeap } from "./heap-walk.js";

describe("walkHeap", () => {
  it("reads used and free blocks and the fragmentation of a TLSF arena", () => {
    const m = createMachine(STM32F407);
    const base = 0x20008000;
    const tlsf = new TlsfAllocator({
      pages: new HeapBlockSource(base, 2, 10),
      memory: m.core,
      arenaOrder: 2,
    });
    const peek = (a: number, n: number) => m.bus.peek(a, n);
    const a = tlsf.allocate(100)!;
    const b = tlsf.allocate(200)!;
    const c = tlsf.allocate(300)!;
    expect(a).toBe(base + 8);
    let s = walkHeap(peek, base, base + 4096);
    expect(s.usedBlocks).toBe(3);
    expect(s.usedBytes).toBe(112 + 208 + 312);
    expect(s.freeBlocks).toBe(1);
    expect(s.fragmentation).toBe(0);
    expect(s.intact).toBe(true);
    tlsf.free(b); // a hole between a and c
    s = walkHeap(peek, base, base + 4096);
    expect(s.freeBlocks).toBe(2);
    expect(s.freeBytes - s.largestFree).toBe(208);
    expect(s.fragmentation).toBeCloseTo(208 / s.freeBytes, 10);
    tlsf.free(a);
    tlsf.free(c);
    s = walkHeap(peek, base, base + 4096);
    expect(s.usedBlocks).toBe(0);
    expect(s.freeBlocks).toBe(1);
  });

  it("stops at a header that makes no sense", () => {
    const m = createMachine(STM32F407);
    m.bus.load(0x20000000, new Uint8Array([0x08, 0, 0, 0])); // size 8: below the smallest block
    expect(walkHeap((a, n) => m.bus.peek(a, n), 0x20000000, 0x20000400).intact).toBe(false);
  });
});
