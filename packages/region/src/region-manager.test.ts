import {
  ActorMode,
  actorMode,
  actorTask,
  createMachine,
  defineBoard,
  makeActor,
  STM32F407,
  STM32H743XI,
} from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { GIVEN, MAGIC, PageState } from "./layout.js";
import type { PageObserver } from "./page-source.js";
import { RegionManager } from "./region-manager.js";

const K = 1024;

function f407(options: Partial<ConstructorParameters<typeof RegionManager>[0]> = {}) {
  const m = createMachine(STM32F407);
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly), ...options });
  return { m, rm };
}

describe("STM32F407 at PAGE_ORDER 10", () => {
  it("lays out CCM, SRAM1, SRAM2 and backup SRAM as separate regions with metadata on their first page", () => {
    const { rm } = f407();
    expect(rm.pageSize).toBe(1024);
    const layout = rm
      .regions()
      .map((r) => [r.name, r.pageStart, r.pages, r.maxOrder, r.metadataStart, r.metadataBytes]);
    expect(layout).toEqual([
      ["CCM", 0x10000000, 64, 6, 0x10000000, 356],
      ["SRAM1", 0x20000000, 112, 6, 0x20000000, 564],
      ["SRAM2", 0x2001c000, 16, 4, 0x2001c000, 148],
      ["BackupSRAM", 0x40024000, 4, 2, 0x40024000, 92],
    ]);
    expect(rm.regions().every((r) => r.metadataPages === 1)).toBe(true);
  });

  it("writes the SRAM1 header and page entries in memory", () => {
    const { m } = f407();
    const hdr = m.bus.peek(0x20000000, 0x40);
    const dv = new DataView(hdr.buffer);
    expect(dv.getUint32(0x00, true)).toBe(MAGIC);
    expect([hdr[4], hdr[5], hdr[6]]).toEqual([10, 0, 6]);
    expect(dv.getUint32(0x08, true)).toBe(0x20000000);
    expect(dv.getUint32(0x0c, true)).toBe(112);
    expect(dv.getUint32(0x10, true)).toBe(111); // free pages
    expect(dv.getUint32(0x14, true)).toBe(0b111111); // orders 0..5 have a free block
    expect(dv.getUint32(0x18, true)).toBe(1);
    const entries = new DataView(m.bus.peek(0x20000040, 4 * 112).buffer);
    const e = (i: number) => entries.getUint32(4 * i, true);
    expect(e(0)).toBe(PageState.Metadata);
    // Free blocks: page 1 order 0, 2 order 1, 4 order 2, 8 order 3, 16 order 4, 32 order 5, 64 order 5, 96 order 4.
    expect([1, 2, 4, 8, 16, 32, 64, 96].map((i) => e(i))).toEqual([0, 1, 2, 3, 4, 5, 5, 4].map((k) => 1 | (k << 4)));
    expect(e(3)).toBe(PageState.Tail);
    expect(e(111)).toBe(PageState.Tail);
  });

  it("hands out the first block of each order in SRAM1 at the lowest address of the smallest free order", () => {
    const { rm } = f407();
    const got = [0, 1, 2, 3, 4, 5].map((k) => rm.allocPages(k, { owner: `order${k}`, region: "SRAM1" }));
    expect(got).toEqual([0x20000400, 0x20000800, 0x20001000, 0x20002000, 0x20004000, 0x20008000]);
    // Order 5 again: the block at 0x20010000; then order 4 at 0x20018000; then SRAM1 is full.
    expect(rm.allocPages(5, { owner: "x", region: "SRAM1" })).toBe(0x20010000);
    expect(rm.allocPages(4, { owner: "x", region: "SRAM1" })).toBe(0x20018000);
    expect(rm.allocPages(0, { owner: "x", region: "SRAM1" })).toBeNull();
    // SRAM2: metadata on 0x2001c000, so order 0 takes 0x2001c400 and order 3 0x2001e000.
    expect(rm.allocPages(0, { owner: "y", region: "SRAM2" })).toBe(0x2001c400);
    expect(rm.allocPages(3, { owner: "y", region: "SRAM2" })).toBe(0x2001e000);
    expect(rm.consistencyCheck()).toEqual([]);
  });

  it("hands out the first blocks of CCM, SRAM2 and backup SRAM after their metadata page", () => {
    const { rm } = f407();
    const first = (region: string, orders: number[]) => orders.map((k) => rm.allocPages(k, { owner: "x", region }));
    expect(first("CCM", [0, 1, 2, 3, 4, 5])).toEqual([
      0x10000400, 0x10000800, 0x10001000, 0x10002000, 0x10004000, 0x10008000,
    ]);
    expect(first("SRAM2", [0, 1, 2, 3])).toEqual([0x2001c400, 0x2001c800, 0x2001d000, 0x2001e000]);
    expect(first("BackupSRAM", [0, 1, 0])).toEqual([0x40024400, 0x40024800, null]);
  });

  it("splits the smallest sufficient block and merges it back on free", () => {
    const { m, rm } = f407();
    const before = m.bus.peek(0x20000000, 1024);
    const a = rm.allocPages(0, { owner: "a", region: "SRAM1" });
    const b = rm.allocPages(0, { owner: "b", region: "SRAM1" }); // splits the order-1 block at page 2
    expect([a, b]).toEqual([0x20000400, 0x20000800]);
    expect(rm.allocPages(0, { owner: "c", region: "SRAM1" })).toBe(0x20000c00);
    rm.freePages(0x20000c00, 0);
    rm.freePages(b!, 0);
    rm.freePages(a!, 0);
    const after = m.bus.peek(0x20000000, 1024);
    // Same free state; only the GIVEN bits of pages 1..3 remember they were handed out.
    for (const i of [1, 2, 3]) after[0x40 + 4 * i]! &= ~GIVEN;
    expect(after).toEqual(before);
  });

  it("serves any region lowest address first: CCM before SRAM1", () => {
    const { rm } = f407();
    expect(rm.allocPages(5, { owner: "a" })).toBe(0x10008000);
    // CCM's only order-5 block is taken: the next one comes from SRAM1.
    expect(rm.allocPages(5, { owner: "a" })).toBe(0x20008000);
  });

  it("lists SRAM2's blocks in address order, read from memory", () => {
    const { rm } = f407({ reserved: [{ start: 0x2001f800, size: 0x800, label: "kernel stacks" }] });
    rm.allocPages(1, { owner: "dma", region: "SRAM2" });
    expect(rm.blocks("SRAM2")).toEqual([
      { region: "SRAM2", address: 0x2001c000, order: 0, state: "metadata", owner: null },
      { region: "SRAM2", address: 0x2001c400, order: 0, state: "free", owner: null },
      { region: "SRAM2", address: 0x2001c800, order: 1, state: "allocated", owner: "dma" },
      { region: "SRAM2", address: 0x2001d000, order: 2, state: "free", owner: null },
      { region: "SRAM2", address: 0x2001e000, order: 2, state: "free", owner: null },
      { region: "SRAM2", address: 0x2001f000, order: 1, state: "free", owner: null },
      { region: "SRAM2", address: 0x2001f800, order: 0, state: "reserved", owner: "kernel stacks" },
      { region: "SRAM2", address: 0x2001fc00, order: 0, state: "reserved", owner: "kernel stacks" },
    ]);
  });

  it("merges SRAM1 and SRAM2 into one 128-page region when asked", () => {
    const { rm } = f407({ mergeContiguous: true });
    const r = rm.regions().find((x) => x.name === "SRAM1+SRAM2")!;
    expect([r.parts, r.pageStart, r.pageEnd, r.pages, r.maxOrder, r.metadataBytes]).toEqual([
      ["SRAM1", "SRAM2"],
      0x20000000,
      0x20020000,
      128,
      7,
      64 + 4 * 128 + 4 * 14,
    ]);
    // One 64 KiB block crosses nothing; the second half of the span, 0x20010000-0x2001ffff, spans the seam.
    expect(rm.allocPages(6, { owner: "big", region: "SRAM2" })).toBe(0x20010000);
    expect(rm.ownerOf(0x2001c000)).toBe("big");
  });

  it("reserves the image's pages and puts the metadata after them", () => {
    const { rm } = f407({
      reserved: [
        { start: 0x20000000, size: 0x1234, label: ".data+.bss" },
        { start: 0x2001f000, size: 0x1000, label: "kernel stacks" },
      ],
    });
    const sram1 = rm.regions().find((r) => r.name === "SRAM1")!;
    expect(sram1.metadataStart).toBe(0x20001400);
    expect(rm.pageInfo(0x20001000)).toEqual({
      region: "SRAM1",
      page: 0x20001000,
      state: "reserved",
      block: { address: 0x20001000, order: 0 },
      owner: ".data+.bss",
    });
    expect(rm.pageInfo(0x20001500)?.state).toBe("metadata");
    expect(rm.allocPages(0, { owner: "a", region: "SRAM1" })).toBe(0x20001800);
    const s = rm.stats().find((x) => x.name === "SRAM2")!;
    expect([s.reservedPages, s.metadataPages, s.freePages]).toEqual([4, 1, 11]);
    expect(rm.allocPages(3, { owner: "a", region: "SRAM2" })).toBeNull();
    expect(rm.allocPages(2, { owner: "a", region: "SRAM2" })).toBe(0x2001d000);
    expect(rm.allocPages(2, { owner: "a", region: "SRAM2" })).toBe(0x2001e000);
    expect(rm.allocPages(2, { owner: "a", region: "SRAM2" })).toBeNull();
  });

  it("reports stats for SRAM1 after a few allocations", () => {
    const { rm } = f407();
    rm.allocPages(0, { owner: "a", region: "SRAM1" });
    rm.allocPages(3, { owner: "b", region: "SRAM1" });
    const s = rm.stats().find((x) => x.name === "SRAM1")!;
    expect(s).toMatchObject({
      size: 112 * K,
      pages: 112,
      lostEdgePages: 0,
      lostBytes: 0,
      metadataPages: 1,
      metadataBytes: 564,
      reservedPages: 0,
      allocatedPages: 9,
      freePages: 102,
      freeBlocksByOrder: [0, 1, 1, 0, 2, 2, 0],
      freePagesByOrder: [0, 2, 4, 0, 32, 64, 0],
      largestFreeBlock: { address: 0x20008000, order: 5, bytes: 32 * K },
      fragmentation: 1 - 32 / 102,
    });
    expect(s.metadataOverheadPercent).toBeCloseTo(100 / 112, 10);
    expect(rm.owners()).toEqual([
      { id: 1, name: "a", blocks: 1, pages: 1 },
      { id: 2, name: "b", blocks: 1, pages: 8 },
    ]);
    expect(rm.ownerOf(0x20002c00)).toBe("b");
    expect(rm.ownerOf(0x20000800)).toBeNull();
  });
});

describe("other boards and layouts", () => {
  it("STM32H743XI AXI SRAM: 512 pages, 3 metadata pages, lowest free block of the smallest order", () => {
    const m = createMachine(STM32H743XI);
    const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => r.name === "AXISRAM") });
    const [r] = rm.regions();
    expect([r!.pages, r!.maxOrder, r!.metadataBytes, r!.metadataPages]).toEqual([512, 9, 2272, 3]);
    expect(rm.allocPages(0, { owner: "a" })).toBe(0x24000c00);
    expect(rm.allocPages(1, { owner: "a" })).toBe(0x24001000); // splits the order-2 block at page 4
    expect(rm.allocPages(1, { owner: "a" })).toBe(0x24001800);
    expect(rm.allocPages(8, { owner: "a" })).toBe(0x24040000);
    expect(rm.allocPages(8, { owner: "a" })).toBeNull();
    const s = rm.stats()[0]!;
    expect(s.metadataOverheadPercent).toBeCloseTo((100 * 3) / 512, 10);
  });

  it("a misaligned custom region loses its partial edge pages and keeps blocks aligned on their size", () => {
    const board = defineBoard({
      name: "odd",
      core: "cortex-m4",
      memory: [{ name: "RAM", start: 0x20000100, size: 0x8000 }],
    });
    const m = createMachine(board);
    const rm = new RegionManager({ memory: m.core, regions: board.memory });
    const [r] = rm.regions();
    expect([r!.pageStart, r!.pageEnd, r!.pages, r!.maxOrder, r!.metadataStart, r!.metadataBytes]).toEqual([
      0x20000400,
      0x20008000,
      31,
      4,
      0x20000400,
      64 + 4 * 31 + 4 * 5,
    ]);
    const s = rm.stats()[0]!;
    expect([s.lostEdgePages, s.lostBytes, s.freePages]).toEqual([2, 0x400, 30]);
    expect(rm.allocPages(4, { owner: "a" })).toBe(0x20004000);
    expect(rm.allocPages(3, { owner: "a" })).toBe(0x20002000);
    expect(rm.allocPages(0, { owner: "a" })).toBe(0x20000800);
    expect(() => rm.allocPages(5, { owner: "a" })).toThrow(expect.objectContaining({ code: "BAD_ORDER" }));
  });

  it("the list allocator hands out single pages in address order, then LIFO after frees", () => {
    const { rm } = f407({ allocator: { SRAM2: "list" } });
    const r = rm.regions().find((x) => x.name === "SRAM2")!;
    expect([r.allocator, r.maxOrder, r.metadataBytes]).toEqual(["list", 0, 64 + 4 * 16]);
    const pages = [0, 1, 2].map(() => rm.allocPages(0, { owner: "p", region: "SRAM2" }));
    expect(pages).toEqual([0x2001c400, 0x2001c800, 0x2001cc00]);
    rm.freePages(0x2001c400, 0);
    expect(rm.allocPages(0, { owner: "q", region: "SRAM2" })).toBe(0x2001c400);
    expect(rm.ownerOf(0x2001c7ff)).toBe("q");
    for (let i = 0; i < 12; i++) rm.allocPages(0, { owner: "q", region: "SRAM2" });
    expect(rm.allocPages(0, { owner: "q", region: "SRAM2" })).toBeNull();
    expect(rm.consistencyCheck()).toEqual([]);
  });

  it("PAGE_ORDER 5 and 16 work", () => {
    const m = createMachine(STM32F407);
    const small = new RegionManager({
      memory: m.core,
      pageOrder: 5,
      regions: [{ name: "CCM", start: 0x10000000, size: 64 * K }],
    });
    const [r5] = small.regions();
    expect([r5!.pages, r5!.maxOrder, r5!.metadataPages]).toEqual([2048, 11, Math.ceil(r5!.metadataBytes / 32)]);
    expect(small.allocPages(0, { owner: "a" })).toBe(0x10000000 + r5!.metadataPages * 32);
    const m2 = createMachine(STM32H743XI);
    const big = new RegionManager({
      memory: m2.core,
      pageOrder: 16,
      regions: [{ name: "AXISRAM", start: 0x24000000, size: 512 * K }],
    });
    expect(big.allocPages(0, { owner: "a" })).toBe(0x24010000);
    expect(big.allocPages(1, { owner: "a" })).toBe(0x24020000);
  });
});

describe("observer and actor mode", () => {
  it("publishes pages given and returned with the owner", () => {
    const log: string[] = [];
    const observer: PageObserver = {
      pagesGiven: (a, s, o) => log.push(`given ${a.toString(16)} ${s} ${o}`),
      pagesReturned: (a, s, o) => log.push(`returned ${a.toString(16)} ${s} ${o}`),
    };
    const { rm } = f407({ observer });
    const a = rm.allocPages(2, { owner: "slab", region: "SRAM1" })!;
    expect(rm.allocPages(6, { owner: "none", region: "SRAM1" })).toBeNull();
    rm.freePages(a, 2);
    expect(log).toEqual(["given 20001000 4096 slab", "returned 20001000 4096 slab"]);
  });

  it("touches its metadata in allocator mode with the task bits kept, and restores the actor", () => {
    const { m, rm } = f407();
    const seen = new Set<string>();
    m.core.hook = {
      onAccess: (_a, _s, _k, priv, actor) => seen.add(`${actorMode(actor)}/${actorTask(actor)}/${priv}`),
    };
    m.core.actor = makeActor(ActorMode.Kernel, 7);
    const a = rm.allocPages(0, { owner: "t7" })!;
    rm.freePages(a, 0);
    expect(() => rm.freePages(a, 0)).toThrow();
    rm.consistencyCheck();
    expect([...seen]).toEqual([`${ActorMode.Allocator}/7/true`]);
    expect(m.core.actor).toBe(makeActor(ActorMode.Kernel, 7));
  });
});
