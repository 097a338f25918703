import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { MemoryChecker } from "./checker.js";
import { formatReport, hex } from "./report.js";
import { TestAllocator } from "./test-allocator.js";

/** The real region manager (metadata in simulated memory) observed by the checker. */
function boot() {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x20000000, size: 0x1000, label: "image" }],
  });
  const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
  const checker = new MemoryChecker(m, { data: [{ start: 0x20000000, size: 0x1000 }], metadata }).attach();
  rm.observer = checker;
  return { m, rm, checker };
}

describe("with @rtos-sim/region", () => {
  it("pages given and returned by the region manager are followed; its metadata is allocator-owned", () => {
    const { m, rm, checker } = boot();
    const info = rm.regions().find((r) => r.name === "SRAM1")!;
    expect(checker.shadow.get(info.metadataStart)).toBe(checker.shadow.get(0x20000000) & ~0b100); // ALL, not ANY
    const pages = rm.allocPages(2, { owner: "heap", region: "SRAM1" })!;
    expect(checker.pages.get(pages)).toMatchObject({ size: 4096, owner: "heap", pageSize: null });
    const heap = checkedAllocator(checker, new TestAllocator(m.core, pages, 4096, "heap"));
    m.core.actor = makeActor(ActorMode.User, 1);
    const p = heap.allocate(40)!;
    m.core.write32(p, 1);
    expect(m.core.read32(p)).toBe(1);
    expect(checker.reports).toEqual([]);
    // A user task touching the region manager's metadata or a page not given out.
    expect(() => m.core.write32(info.metadataStart, 0)).toThrow(/invalid-access/);
    m.core.clearFault();
    expect(() => m.core.write32(pages + 4096, 0)).toThrow(/invalid-access/);
    m.core.clearFault();
    heap.free(p);
    heap.flushQuarantine();
    m.core.actor = makeActor(ActorMode.Kernel, 0);
    rm.freePages(pages, 2);
    expect(checker.reports.map((r) => r.kind)).toEqual(["invalid-access", "invalid-access"]);
    expect(checker.shadow.get(pages)).toBe(0);
  });

  it("an allocator writing past the pages it was given is caught (its control area needs 1028 B)", () => {
    const { m, rm, checker } = boot();
    const page = rm.allocPages(0, { owner: "heap" })!;
    expect(() => new TestAllocator(m.core, page, 1024, "heap")).toThrow(/invalid-access/);
    expect(checker.reports[0]).toMatchObject({ kind: "invalid-access", address: page + 1024, mode: "allocator" });
  });

  it("returning pages that still hold a live block is reported", () => {
    const { m, rm, checker } = boot();
    const pages = rm.allocPages(1, { owner: "heap" })!;
    const heap = new TestAllocator(m.core, pages, 2048, "heap");
    heap.observer = checker;
    const p = heap.allocate(16)!;
    expect(() => rm.freePages(pages, 1)).toThrow(/invalid-transition/);
    expect(checker.reports[0]!.block).toMatchObject({ address: p });
  });
});

describe("use after free of pages (KASAN's page use-after-free)", () => {
  it("a read of pages returned to the region manager: use-after-free with order, owner and free site; fixed: before", () => {
    const m = createMachine(STM32F407);
    let now = 0;
    const rm = new RegionManager({
      memory: m.core,
      regions: m.board.memory.filter((r) => !r.readOnly),
      reserved: [{ start: 0x20000000, size: 0x1000, label: "image" }],
    });
    const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
    const names = ["kernel", "dma"];
    const checker = new MemoryChecker(m, {
      metadata,
      onError: "continue",
      pageSize: rm.pageSize,
      clock: () => now,
      taskName: (t) => names[t] ?? `T${t}`,
    }).attach();
    rm.observer = checker;
    m.core.actor = makeActor(ActorMode.Kernel, 1);
    now = 5;
    const pages = rm.allocPages(1, { owner: "dma-buffer", region: "SRAM1" })!;
    m.core.write32(pages + 64, 7);
    expect(m.core.read32(pages + 64)).toBe(7); // fixed twin: used while held
    now = 9;
    rm.freePages(pages, 1);
    expect(checker.reports).toEqual([]);
    m.core.read32(pages + 64); // the stale pointer
    const r = checker.reports[0]!;
    expect(checker.reports).toHaveLength(1);
    expect(r).toMatchObject({ kind: "use-after-free", address: pages + 64, access: "read", block: null });
    expect(r.pages).toMatchObject({
      address: pages,
      size: 2048,
      pageSize: 1024,
      order: 1,
      owner: "dma-buffer",
      offset: 64,
      given: { task: 1, taskName: "dma", time: 5 },
      freed: { task: 1, taskName: "dma", time: 9 },
    });
    const text = formatReport(r);
    expect(text).toContain(
      `is located 64 bytes inside 2048-byte block of freed pages [${hex(pages)}, ${hex(pages + 2048)}) (order 1 of 1024-byte pages) of "dma-buffer", given by task dma at t=5 cycles, returned by task dma at t=9 cycles`,
    );
    expect(r.dump!.rows[2]!.codes).toEqual(Array(16).fill("PF"));
    // Given out again: the history is dropped, the new owner's use is fine.
    const again = rm.allocPages(1, { owner: "other", region: "SRAM1" })!;
    expect(again).toBe(pages);
    m.core.write32(pages + 64, 1);
    expect(checker.reports).toHaveLength(1);
  });

  it("a nested page pool (a slab-array heap's region manager): its slab pages returned, then used", () => {
    const { m, rm, checker } = boot();
    const block = rm.allocPages(2, { owner: "heap:t1", region: "SRAM1" })!;
    const nested = new RegionManager({
      memory: m.core,
      regions: [{ name: "heap:t1", start: block, size: 4096 }],
      pageOrder: 7,
    });
    const r = nested.regions()[0]!;
    const free = r.metadataStart + r.metadataPages * nested.pageSize; // its metadata pages come first
    checker.pagePool(free, r.pageEnd - free, "heap:t1", nested.pageSize);
    nested.observer = checker;
    m.core.actor = makeActor(ActorMode.User, 1);
    m.core.read8(free); // a free page of the pool: nobody's (reads are reported and go on)
    expect(checker.reports.map((x) => [x.kind, x.pages])).toEqual([["invalid-access", null]]);
    m.core.actor = makeActor(ActorMode.Kernel, 1);
    const slab = nested.allocPages(1, { owner: "slab-32" })!;
    expect(checker.pages.get(slab)).toMatchObject({ size: 256, pageSize: 128 });
    m.core.write32(slab, 1);
    nested.freePages(slab, 1);
    m.core.read32(slab);
    expect(checker.reports.at(-1)!.pages).toMatchObject({ owner: "slab-32", order: 1, pageSize: 128 });
    // The outer block goes back whole (its pool with it): fine.
    rm.freePages(block, 2);
    expect(checker.pools.size).toBe(0);
  });
});
