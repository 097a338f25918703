import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { MemoryChecker } from "./checker.js";
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
    expect(checker.pages.get(pages)).toEqual({ size: 4096, owner: "heap" });
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
