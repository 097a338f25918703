import { createMachine, defineBoard, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { RegionError, type RegionErrorCode } from "./errors.js";
import { Geometry, Hdr } from "./layout.js";
import { RegionManager, type RegionManagerOptions } from "./region-manager.js";
import { firstDifference, snapshot } from "./test-util.js";

const K = 1024;

function setup(options: Partial<RegionManagerOptions> = {}) {
  const m = createMachine(STM32F407);
  const calls: string[] = [];
  const rm = new RegionManager({
    memory: m.core,
    regions: m.board.memory.filter((r) => !r.readOnly),
    reserved: [{ start: 0x2001f000, size: 0x800, label: "kernel stacks" }],
    allocator: { BackupSRAM: "list" },
    observer: { pagesGiven: (a) => calls.push(`+${a}`), pagesReturned: (a) => calls.push(`-${a}`) },
    ...options,
  });
  // A few live blocks so errors meet a non-trivial state.
  const a = rm.allocPages(0, { owner: "a", region: "SRAM1" })!; // 0x20000400
  const b = rm.allocPages(2, { owner: "b", region: "SRAM1" })!; // 0x20001000
  const c = rm.allocPages(1, { owner: "c", region: "SRAM1" })!; // 0x20000800
  rm.freePages(c, 1); // 0x20000800 is now free and was given
  calls.length = 0;
  return { m, rm, a, b, c, calls };
}

function code(fn: () => unknown): RegionErrorCode | "none" {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegionError) return e.code;
    throw e;
  }
  return "none";
}

/**
 * Runs `fn`, expects a RegionError with `expected`, and checks that no byte of any region, no
 * owner and no observer call changed. Returns the error (for its context).
 */
function rejects(s: ReturnType<typeof setup>, expected: RegionErrorCode, fn: () => unknown): RegionError | null {
  const before = snapshot(s.m.bus, s.rm);
  const owners = s.rm.owners();
  const actor = s.m.core.actor;
  let error: RegionError | null = null;
  expect(
    code(() => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof RegionError) error = e;
        throw e;
      }
    }),
  ).toBe(expected);
  expect(firstDifference(before, snapshot(s.m.bus, s.rm))).toBe(-1);
  expect(s.rm.owners()).toEqual(owners);
  expect(s.calls).toEqual([]);
  expect(s.m.core.actor).toBe(actor);
  return error;
}

describe("bad frees change nothing", () => {
  it("OUTSIDE_REGIONS: flash, unmapped, a lost edge byte, not a number", () => {
    const s = setup();
    rejects(s, "OUTSIDE_REGIONS", () => s.rm.freePages(0x08000000, 0));
    rejects(s, "OUTSIDE_REGIONS", () => s.rm.freePages(0x30000000, 0));
    rejects(s, "OUTSIDE_REGIONS", () => s.rm.freePages(0x20020000, 0));
    rejects(s, "OUTSIDE_REGIONS", () => s.rm.freePages(Number.NaN, 0));
    const board = defineBoard({
      name: "odd",
      core: "cortex-m4",
      memory: [{ name: "RAM", start: 0x20000100, size: 0x8000 }],
    });
    const m = createMachine(board);
    const rm = new RegionManager({ memory: m.core, regions: board.memory });
    expect(code(() => rm.freePages(0x20000100, 0))).toBe("OUTSIDE_REGIONS");
  });

  it("NOT_BLOCK_START: an unaligned address, a page inside an allocated block", () => {
    const s = setup();
    rejects(s, "NOT_BLOCK_START", () => s.rm.freePages(s.a + 4, 0));
    rejects(s, "NOT_BLOCK_START", () => s.rm.freePages(s.b + 0x400, 0));
    rejects(s, "NOT_BLOCK_START", () => s.rm.freePages(s.b + 0xc00, 1));
  });

  it("NOT_ALLOCATED: a free page never handed out (block start or inside a free block)", () => {
    const s = setup();
    rejects(s, "NOT_ALLOCATED", () => s.rm.freePages(0x20004000, 0));
    rejects(s, "NOT_ALLOCATED", () => s.rm.freePages(0x20004400, 0));
    rejects(s, "NOT_ALLOCATED", () => s.rm.freePages(0x10000400, 0));
  });

  it("DOUBLE_FREE: freeing again, also after the block merged with its buddy", () => {
    const s = setup();
    rejects(s, "DOUBLE_FREE", () => s.rm.freePages(s.c, 1));
    s.rm.freePages(s.a, 0); // 0x20000400 merges with nothing (page 0 is metadata)
    s.rm.freePages(s.b, 2);
    s.calls.length = 0;
    rejects(s, "DOUBLE_FREE", () => s.rm.freePages(s.a, 0));
    rejects(s, "DOUBLE_FREE", () => s.rm.freePages(s.b, 2));
  });

  it("WRONG_ORDER: the order differs from the allocation's", () => {
    const s = setup();
    rejects(s, "WRONG_ORDER", () => s.rm.freePages(s.b, 1));
    rejects(s, "WRONG_ORDER", () => s.rm.freePages(s.b, 3));
    rejects(s, "WRONG_ORDER", () => s.rm.freePages(s.a, 1));
    const e = (() => {
      try {
        s.rm.freePages(s.b, 0);
      } catch (x) {
        return x as RegionError;
      }
    })();
    expect(e?.context).toMatchObject({ address: 0x20001000, order: 0, allocatedOrder: 2, region: "SRAM1" });
  });

  it("RESERVED: a metadata page, a reserved page", () => {
    const s = setup();
    rejects(s, "RESERVED", () => s.rm.freePages(0x20000000, 0));
    rejects(s, "RESERVED", () => s.rm.freePages(0x2001f400, 0));
    rejects(s, "RESERVED", () => s.rm.freePages(0x40024000, 0));
  });

  it("BAD_ORDER on free: negative, fractional, above the region's largest, above 0 on a list region", () => {
    const s = setup();
    rejects(s, "BAD_ORDER", () => s.rm.freePages(s.a, -1));
    rejects(s, "BAD_ORDER", () => s.rm.freePages(s.a, 0.5));
    rejects(s, "BAD_ORDER", () => s.rm.freePages(s.a, 7));
    // The message said "an integer >= 0" of 1e9 too.
    expect(rejects(s, "BAD_ORDER", () => s.rm.freePages(s.a, 1e9))?.message).toBe(
      "BAD_ORDER: order must be an integer in 0..31, got 1000000000",
    );
    expect(rejects(s, "BAD_ORDER", () => s.rm.allocPages(32, { owner: "x" }))?.message).toBe(
      "BAD_ORDER: order must be an integer in 0..31, got 32",
    );
    rejects(s, "BAD_ORDER", () => s.rm.freePages(0x40024400, 1));
  });

  it("METADATA_CORRUPT: an impossible page state is refused, not trusted", () => {
    const s = setup();
    s.m.bus.load(0x20000040 + 4 * 1, Uint8Array.of(7, 0, 0, 0)); // page 1's entry: state 7
    rejects(s, "METADATA_CORRUPT", () => s.rm.freePages(s.a, 0));
  });

  it("METADATA_CORRUPT: a buddy entry forged free without its bitmap bit is not merged with", () => {
    const s = setup();
    const x = s.rm.allocPages(0, { owner: "x", region: "SRAM1" })!; // page 2 (splits pages 2-3)
    const y = s.rm.allocPages(0, { owner: "y", region: "SRAM1" })!; // page 3, x's buddy
    expect([x, y]).toEqual([0x20000800, 0x20000c00]);
    s.calls.length = 0;
    s.m.bus.load(0x20000040 + 4 * 3, Uint8Array.of(1, 0, 0, 0)); // y's entry: "free, order 0"
    rejects(s, "METADATA_CORRUPT", () => s.rm.freePages(x, 0));
  });

  it("METADATA_CORRUPT: an entry forged to say a block of an order its page is not aligned on is not released", () => {
    const s = setup();
    const entry = 0x20000040 + 4 * 1; // a's page (page 1): allocated, order 0
    const e = s.m.bus.peek(entry, 4);
    s.m.bus.load(entry, Uint8Array.of((e[0]! & 0x0f) | (1 << 4), e[1]!, e[2]!, e[3]!)); // "order 1"
    // Pages 1-2: page 2 is the next block's, page 1 no order-1 start.
    const error = rejects(s, "METADATA_CORRUPT", () => s.rm.freePages(s.a, 1));
    expect(error?.context.address).toBe(entry);
  });
});

describe("bad allocations change nothing", () => {
  it("BAD_ORDER: negative, fractional, NaN, never satisfiable, list region above 0", () => {
    const s = setup();
    for (const order of [-1, 0.5, Number.NaN, 32, 1e9])
      rejects(s, "BAD_ORDER", () => s.rm.allocPages(order, { owner: "x" }));
    rejects(s, "BAD_ORDER", () => s.rm.allocPages(7, { owner: "x" }));
    rejects(s, "BAD_ORDER", () => s.rm.allocPages(5, { owner: "x", region: "SRAM2" }));
    rejects(s, "BAD_ORDER", () => s.rm.allocPages(1, { owner: "x", region: "BackupSRAM" }));
  });

  it("BAD_OWNER and UNKNOWN_REGION", () => {
    const s = setup();
    rejects(s, "BAD_OWNER", () => s.rm.allocPages(0, { owner: "" }));
    rejects(s, "BAD_OWNER", () => s.rm.allocPages(0, { owner: 5 as unknown as string }));
    rejects(s, "BAD_OWNER", () => s.rm.allocPages(0, { owner: "x".repeat(65) }));
    rejects(s, "UNKNOWN_REGION", () => s.rm.allocPages(0, { owner: "x", region: "DTCM" }));
    rejects(s, "UNKNOWN_REGION", () => s.rm.pageMap("DTCM"));
  });

  it("METADATA_CORRUPT: a bitmap bit forged for an allocated block does not hand it out again", () => {
    const s = setup();
    const g = new Geometry(10, "buddy", 0x20000000 >>> 10, 112); // SRAM1: 112 pages of 1 KiB
    // Order 0: page 1 (a, allocated) "free" in the bitmap, its summary bit, the header's order mask.
    s.m.bus.load(0x20000000 + g.levelOffset[0]!, Uint8Array.of(1 << 1, 0, 0, 0));
    s.m.bus.load(0x20000000 + g.levelOffset[1]!, Uint8Array.of(1, 0, 0, 0));
    s.m.bus.load(0x20000000 + Hdr.Head, Uint8Array.of(s.m.bus.peek(0x20000000 + Hdr.Head, 1)[0]! | 1));
    const error = rejects(s, "METADATA_CORRUPT", () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(error?.context.address).toBe(0x20000040 + 4 * 1);
  });

  it("METADATA_CORRUPT: a metadata page forged free (entry and bitmap, as a task can in a nested region) is not handed out", () => {
    const s = setup();
    const g = new Geometry(10, "buddy", 0x20000000 >>> 10, 112);
    // Page 0 holds SRAM1's metadata: its entry "free, order 0", its order-0 bit, summary, order mask.
    s.m.bus.load(0x20000040, Uint8Array.of(1, 0, 0, 0));
    s.m.bus.load(0x20000000 + g.levelOffset[0]!, Uint8Array.of(1, 0, 0, 0));
    s.m.bus.load(0x20000000 + g.levelOffset[1]!, Uint8Array.of(1, 0, 0, 0));
    s.m.bus.load(0x20000000 + Hdr.Head, Uint8Array.of(s.m.bus.peek(0x20000000 + Hdr.Head, 1)[0]! | 1));
    const error = rejects(s, "METADATA_CORRUPT", () => s.rm.allocPages(0, { owner: "x", region: "SRAM1" }));
    expect(error?.context.address).toBe(0x20000040);
    // Nor merged into a free block when its buddy (a's page 1) is freed.
    rejects(s, "METADATA_CORRUPT", () => s.rm.freePages(s.a, 0));
  });

  it("METADATA_CORRUPT: a list region's head and entry forged to name its metadata page do not hand it out", () => {
    const s = setup();
    const r = s.rm.regions().find((x) => x.name === "BackupSRAM")!;
    const i = (r.metadataStart - r.pageStart) / 1024;
    const entry = r.metadataStart + 0x40 + 4 * i;
    const head = s.m.core.read32(r.metadataStart + Hdr.Head);
    s.m.bus.load(entry, Uint8Array.of(1 | ((head & 15) << 4), (head >>> 4) & 255, (head >>> 12) & 255, head >>> 20));
    s.m.bus.load(r.metadataStart + Hdr.Head, Uint8Array.of(i, 0, 0, 0));
    const error = rejects(s, "METADATA_CORRUPT", () => s.rm.allocPages(0, { owner: "x", region: "BackupSRAM" }));
    expect(error?.context.address).toBe(entry);
  });

  it("out of memory is null, not an error, and changes nothing", () => {
    const s = setup();
    const before = snapshot(s.m.bus, s.rm);
    expect(s.rm.allocPages(6, { owner: "x", region: "SRAM1" })).toBeNull();
    expect(firstDifference(before, snapshot(s.m.bus, s.rm))).toBe(-1);
    expect(s.calls).toEqual([]);
  });
});

describe("bad bootstrap options write nothing", () => {
  it("options that are not an object are BAD_OPTION, not a TypeError", () => {
    expect(code(() => new RegionManager(undefined as never))).toBe("BAD_OPTION");
    expect(code(() => new RegionManager(null as never))).toBe("BAD_OPTION");
  });

  const F407_RAM = STM32F407.memory.filter((r) => !r.readOnly);

  function boot(options: Partial<RegionManagerOptions>): { code: string; untouched: boolean } {
    const m = createMachine(STM32F407);
    const zero = F407_RAM.map((r) => m.bus.peek(r.start, r.size));
    const c = code(() => new RegionManager({ memory: m.core, regions: F407_RAM, ...options }));
    const after = F407_RAM.map((r) => m.bus.peek(r.start, r.size));
    return { code: c, untouched: firstDifference(zero, after) === -1 };
  }

  it.each([
    ["BAD_OPTION", { memory: undefined }],
    ["BAD_OPTION", { memory: 5 as never }],
    ["BAD_OPTION", { memory: {} as never }],
    ["BAD_OPTION", { observer: 5 as never }],
    ["BAD_PAGE_ORDER", { pageOrder: 4 }],
    ["BAD_PAGE_ORDER", { pageOrder: 17 }],
    ["BAD_PAGE_ORDER", { pageOrder: 9.5 }],
    ["BAD_REGION", { regions: [] }],
    ["BAD_REGION", { regions: [...F407_RAM, { name: "SRAM1", start: 0x2000_0000 + 0x100000, size: 4 * K }] }],
    ["BAD_REGION", { regions: [{ name: "Z", start: 0x20000000, size: 0 }] }],
    ["BAD_REGION", { regions: [{ name: "Z", start: 0xfffff000, size: 0x2000 }] }],
    ["BAD_REGION", { regions: STM32F407.memory.filter((r) => r.name === "Flash") }],
    [
      "REGIONS_OVERLAP",
      {
        regions: [
          { name: "A", start: 0x20000000, size: 64 * K },
          { name: "B", start: 0x2000f000, size: 8 * K },
        ],
      },
    ],
    ["REGION_TOO_SMALL", { regions: [{ name: "A", start: 0x20000000, size: 1536 }] }],
    ["REGION_TOO_SMALL", { regions: [{ name: "A", start: 0x20000200, size: 2 * K }] }],
    [
      "REGION_TOO_SMALL",
      {
        regions: [{ name: "A", start: 0x20000000, size: 8 * K }],
        reserved: [{ start: 0x20000000, size: 7 * K + 1, label: "image" }],
      },
    ],
    ["BAD_RESERVED", { reserved: [{ start: 0x08000000, size: 4 * K, label: "flash" }] }],
    ["BAD_RESERVED", { reserved: [{ start: 0x2001f000, size: 0x2000, label: "past SRAM2" }] }],
    ["BAD_RESERVED", { reserved: [{ start: 0x20000000, size: 0, label: "empty" }] }],
    ["BAD_RESERVED", { reserved: [{ start: 0x20000000, size: 4, label: "" }] }],
    ["BAD_ALLOCATOR", { allocator: "slab" as "list" }],
    ["BAD_ALLOCATOR", { allocator: { DTCM: "list" } }],
    ["BAD_ALLOCATOR", { allocator: { SRAM1: "tlsf" as "list" } }],
  ] as [RegionErrorCode, Partial<RegionManagerOptions>][])("%s %#", (expected, options) => {
    expect(boot(options)).toEqual({ code: expected, untouched: true });
  });
});
