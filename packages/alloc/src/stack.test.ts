import { createMachine, MPS2_AN505 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { describe, expect, it } from "vitest";
import { StackAllocator } from "./stack.js";
import { f407, fencedPort, recorder } from "./test-pages.js";

const corruptionAt = (address: number) =>
  expect.objectContaining({ code: "HEAP_CORRUPTION", context: expect.objectContaining({ address }) });

describe("StackAllocator on an STM32F407", () => {
  it("bumps, grows by a chunk, and releases back to a mark at exact addresses", () => {
    const { m, rm, freePages } = f407();
    const obs = recorder();
    const stack = new StackAllocator({ name: "frame", pages: rm, memory: m.core, region: "SRAM1", observer: obs });
    const before = freePages();
    const empty = stack.mark();
    const a = stack.allocate(100)!;
    expect(a).toBe(0x20001018); // 4-page chunk at 0x20001000, 16-byte chunk header, 8-byte block header
    expect(stack.stats()).toMatchObject({ liveBlocks: 1, liveBytes: 100, pages: 4, heldBytes: 4096 });
    expect(stack.stats().freeBytes).toBe(0x20002000 - 0x2000107c);
    const b = stack.allocate(30, 64)!;
    expect(b).toBe(0x200010c0);
    const mark = stack.mark();
    const c = stack.allocate(3000)!;
    expect(c).toBe(0x200010e8);
    const d = stack.allocate(2000)!; // does not fit: a second chunk
    expect(d).toBe(0x20002018);
    expect(stack.stats()).toMatchObject({
      liveBlocks: 4,
      liveBytes: 5130,
      pages: 8,
      highWaterMark: 0x20002018 + 2000 - 0x20001000,
    });
    // Block headers in simulated memory: size, link to the previous block's header.
    expect(m.bus.peek(c - 8, 8)).toEqual(new Uint8Array([0xb8, 0x0b, 0, 0, 0xb8, 0x10, 0, 0x20]));
    expect(stack.owns(c)).toBe(true);
    expect(stack.blockSize(c)).toBe(3000);

    stack.release(mark);
    expect(stack.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 130, pages: 4 });
    expect(stack.owns(c)).toBe(false);
    expect(freePages()).toBe(before - 4);
    expect(() => stack.free(a)).toThrow(expect.objectContaining({ code: "STACK_ORDER" }));
    stack.free(b); // the top block pops
    expect(stack.allocate(8)).toBe(0x20001088); // bump continues right after a
    stack.release(empty);
    expect(stack.stats()).toMatchObject({ liveBlocks: 0, liveBytes: 0, pages: 0, allocations: 5, frees: 5 });
    expect(freePages()).toBe(before);
    expect(obs.log.slice(4, 6)).toEqual(["free 0x20002018 2000 frame", "free 0x200010e8 3000 frame"]);
  });

  it("a forged link that ends a chunk's blocks early is HEAP_CORRUPTION: its pages stay under the live blocks", () => {
    // Found by the hostile-task property with more runs: a middle block's link forged to NIL made
    // the pop of the block above it give the chunk back with two live blocks in it, and a release
    // to an earlier mark then read the NIL "header" at address 1.
    const { m, rm, freePages } = f407();
    const port = fencedPort(m.core, 0x20001000, 0x20003000);
    const stack = new StackAllocator({ pages: rm, memory: port, region: "SRAM1" });
    const a = stack.allocate(1)!;
    const mark = stack.mark();
    const b = stack.allocate(155)!;
    const c = stack.allocate(1)!;
    expect([a, b, c]).toEqual([0x20001018, 0x20001028, 0x200010d0]);
    const held = freePages();
    const chunk = () => m.bus.peek(0x20001000, 0x1000);
    m.core.write32(c - 4, 1); // c's link to b's header, forged to NIL
    const before = chunk();
    expect(() => stack.free(c)).toThrow(corruptionAt(c - 4));
    expect(() => stack.release(mark)).toThrow(corruptionAt(c - 4));
    expect([chunk(), freePages(), stack.stats().liveBlocks]).toEqual([before, held, 3]);
    m.core.write32(c - 4, b - 8); // repaired: everything pops as it should
    stack.release(mark);
    expect([stack.owns(a), stack.stats().liveBlocks]).toEqual([true, 1]);
    stack.free(a);
    // The first block of a second chunk links to the top block of the chunk below, nothing else.
    const small = stack.allocate(8)!;
    const big = stack.allocate(3000)!;
    const next = stack.allocate(2000)!; // a second chunk
    expect([small, big, next]).toEqual([0x20001018, 0x20001028, 0x20002018]);
    m.core.write32(next - 4, small - 8); // a header of the chunk below, but not its top block's
    expect(() => stack.free(next)).toThrow(corruptionAt(small - 8));
    m.core.write32(next - 4, big - 8);
    stack.free(next);
    stack.free(big);
    stack.free(small);
    // The stack is empty: a mark from before is BAD_MARK, read from no header.
    expect(() => stack.release(mark)).toThrow(expect.objectContaining({ code: "BAD_MARK" }));
    expect(port.outside).toEqual([]);
  });

  it("rejects marks that are not on the stack and frees of foreign addresses", () => {
    const { m, rm } = f407();
    const stack = new StackAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const a = stack.allocate(16)!;
    expect(() => stack.release(a)).toThrow(expect.objectContaining({ code: "BAD_MARK" }));
    expect(() => stack.free(a + 4)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
    expect(() => stack.free(0x10000000)).toThrow(expect.objectContaining({ code: "WRONG_ALLOCATOR" }));
    expect(stack.allocate(0)).toBeNull();
    expect(stack.allocate(500_000)).toBeNull();
    expect(stack.stats()).toMatchObject({ liveBlocks: 1, failures: 1 });
  });
});

describe("StackAllocator: a double free is named one, as heap and TLSF name it", () => {
  it("after its chunk went back to the page source: DOUBLE_FREE, nothing changed (was WRONG_ALLOCATOR)", () => {
    const { m, rm, freePages } = f407();
    const stack = new StackAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const before = freePages();
    const p = stack.allocate(24)!;
    stack.free(p); // the chunk's only block: the chunk goes back at once
    expect(freePages()).toBe(before);
    expect(() => stack.free(p)).toThrow(
      expect.objectContaining({ code: "DOUBLE_FREE", context: expect.objectContaining({ address: p, chunk: p - 24 }) }),
    );
    // Beyond what the chunk ever handed out, or after the chunk is taken by someone else's request
    // and given back again by this stack: the record follows what the stack did, nothing else.
    expect(() => stack.free(p + 64)).toThrow(expect.objectContaining({ code: "WRONG_ALLOCATOR" }));
    expect(() => stack.free(0x10000000)).toThrow(expect.objectContaining({ code: "WRONG_ALLOCATOR" }));
    expect(stack.stats()).toMatchObject({ liveBlocks: 0, pages: 0, frees: 1 });
    const q = stack.allocate(8)!; // the same chunk again: the record of it is dropped
    expect(q).toBe(p);
    stack.free(q);
    expect(() => stack.free(p + 16)).toThrow(expect.objectContaining({ code: "WRONG_ALLOCATOR" }));
  });

  it("in a chunk it holds: DOUBLE_FREE for freed memory, INVALID_FREE past what it handed out", () => {
    const { m, rm } = f407();
    const stack = new StackAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    const a = stack.allocate(16)!;
    const b = stack.allocate(40)!;
    stack.free(b);
    expect(() => stack.free(b)).toThrow(
      expect.objectContaining({ code: "DOUBLE_FREE", context: expect.objectContaining({ address: b }) }),
    );
    expect(() => stack.free(b + 48)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
    expect(() => stack.free(a + 4)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
    // A chunk below the top one: its freed tail is named too.
    const c = stack.allocate(3000)!;
    stack.free(c);
    const d = stack.allocate(4070)!; // does not fit above a: a second chunk (8 pages)
    expect(d >= a + 4096).toBe(true);
    expect(() => stack.free(c)).toThrow(expect.objectContaining({ code: "DOUBLE_FREE" }));
    expect(stack.stats()).toMatchObject({ liveBlocks: 2, frees: 2 });
  });
});

describe("StackAllocator above 0x80000000 (MPS2-AN505's PSRAM)", () => {
  it("bumps and pops at the unsigned addresses (alignment used to make them negative)", () => {
    const m = createMachine(MPS2_AN505);
    const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.kind === "ram") });
    const stack = new StackAllocator({ pages: rm, memory: m.core, region: "PSRAM" });
    const a = stack.allocate(10)!;
    const b = stack.allocate(24, 64)!;
    const c = stack.allocate(3)!;
    // First chunk at 0x80012000 (after PSRAM's 69 metadata pages): header 16 B, block header 8 B.
    expect([a, b, c]).toEqual([0x80012018, 0x80012040, 0x80012060]);
    expect(m.bus.peek(0x80012058, 8)).toEqual(Uint8Array.of(3, 0, 0, 0, 0x38, 0x20, 0x01, 0x80)); // c's: size, b's header
    stack.free(c);
    stack.free(b);
    expect(stack.owns(a)).toBe(true);
    stack.free(a);
    expect(stack.stats()).toMatchObject({ liveBlocks: 0, pages: 0 });
  });
});
