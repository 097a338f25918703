/**
 * Each transition's check of its source state, on the inputs the other tests leave out: memory at
 * address 0 (the MPS2-AN386's SSRAM1 is RAM there, so "first bad byte" 0 is a real answer, not
 * "none"), zero-size blocks, the wrong source state of every retag, and bad pool options.
 */
import { createMachine, MPS2_AN386 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { MemoryChecker } from "./checker.js";
import { MemcheckError } from "./errors.js";
import { ALL, StateBit, USR } from "./state.js";
import { HEAP, setup } from "./test-setup.js";

const W = StateBit.W;

/** A checker on the MPS2-AN386, whose SSRAM1 starts at address 0; reports are kept. */
function atZero() {
  const m = createMachine(MPS2_AN386);
  const checker = new MemoryChecker(m, { onError: "continue" }).attach();
  const reports = () => checker.reports.map((r) => [r.kind, r.address, r.message]);
  return { m, checker, reports };
}

describe("transitions at address 0: the first offending byte is 0, and it is reported", () => {
  it("SSRAM1 is managed from address 0", () => {
    const z = atZero();
    expect(z.checker.shadow.regionAt(0)?.start).toBe(0);
  });

  it("pages given twice", () => {
    const z = atZero();
    z.checker.pagesGiven(0, 0x400, "a");
    z.checker.pagesGiven(0, 0x400, "b");
    expect(z.reports()).toEqual([["double-alloc", 0, "pages given to b are not free"]]);
  });

  it("pages returned twice", () => {
    const z = atZero();
    z.checker.pagesGiven(0, 0x400, "a");
    z.checker.pagesReturned(0, 0x400, "a");
    z.checker.pagesReturned(0, 0x400, "a");
    expect(z.reports()).toEqual([["double-free", 0, "pages returned twice (a)"]]);
  });

  it("a page pool over memory no allocator holds", () => {
    const z = atZero();
    z.checker.pagePool(0, 0x400, "heap:t", 0x100);
    expect(z.reports()).toEqual([
      ["invalid-transition", 0, "page pool of heap:t over memory not held by an allocator"],
    ]);
  });

  it("a shared block freed, or quarantined", () => {
    for (const quarantine of [false, true]) {
      const z = atZero();
      z.checker.pagesGiven(0, 0x400, "a");
      z.checker.blockAllocated(0, 16, "a");
      z.checker.share(0, 16);
      if (quarantine) {
        expect(z.checker.checkFree(0, "a")).toBe(true);
        z.checker.quarantineBlock(0);
      } else z.checker.blockFreed(0, 16, "a");
      expect(z.reports()).toEqual([["invalid-transition", 0, "freed block is not user-owned (shared?)"]]);
    }
  });

  it("a block resized over memory already handed out", () => {
    const z = atZero();
    z.checker.pagesGiven(0, 0x400, "a");
    z.checker.blockAllocated(0, 16, "a");
    z.checker.blockAllocated(0x40, 16, "a");
    z.checker.blockResized(0x40, 16, 0, 32, "a");
    expect(z.reports()).toEqual([["double-alloc", 0, "resized block overlaps memory already handed out"]]);
  });

  it("a retag of memory nobody owns", () => {
    const z = atZero();
    z.checker.makeWritable(0, 16);
    expect(z.reports()).toEqual([["invalid-transition", 0, "writable on memory nobody owns"]]);
  });
});

describe("zero-size blocks", () => {
  it("a zero-size block handed out twice at one address is a double-alloc", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x400, "pool");
    f.checker.blockAllocated(0x20006010, 0, "pool");
    f.checker.blockAllocated(0x20006010, 0, "pool");
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.message])).toEqual([
      ["double-alloc", 0x20006010, "block handed out twice by pool"],
    ]);
  });
});

describe("every retag checks its source state", () => {
  const cases: [string, (c: MemoryChecker, a: number) => void, string][] = [
    ["unshare of USR", (c, a) => c.unshare(a, 8), "unshare of memory that is not ANY"],
    ["writable on NO", (c, a) => c.makeWritable(a + 0x100, 8), "writable on memory nobody owns"],
    ["initialized on NO", (c, a) => c.makeInitialized(a + 0x100, 8), "initialized on memory nobody owns"],
    ["uninitialized on NO", (c, a) => c.makeUninitialized(a + 0x100, 8), "uninitialized on memory nobody owns"],
  ];
  for (const [name, op, message] of cases) {
    it(name, () => {
      const f = setup();
      f.checker.pagesGiven(0x20006000, 0x100, "pool");
      f.checker.blockAllocated(0x20006000, 8, "pool");
      op(f.checker, 0x20006000);
      expect(f.checker.reports.map((r) => [r.kind, r.message])).toEqual([["invalid-transition", message]]);
    });
  }

  it("their right source states pass without a report", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(0x20006000, 0x100, "pool");
    c.blockAllocated(0x20006000, 8, "pool");
    c.share(0x20006000, 8);
    c.unshare(0x20006000, 8);
    c.makeReadOnly(0x20006000, 8);
    c.makeWritable(0x20006000, 8);
    c.makeInitialized(0x20006000, 8);
    expect(c.shadow.get(0x20006000)).toBe(USR | W | StateBit.I);
    c.makeUninitialized(0x20006000, 8);
    expect(c.shadow.get(0x20006000)).toBe(USR | W);
    expect(c.reports).toEqual([]);
  });
});

describe("frees and resizes", () => {
  it("a free of RAM never handed out says so (not 'outside every memory region')", () => {
    const f = setup();
    expect(f.checker.checkFree(0x20008000, "heap")).toBe(false);
    expect(f.checker.reports.map((r) => [r.kind, r.message])).toEqual([
      ["invalid-free", "free of an address never allocated"],
    ]);
  });

  it("a resize by another allocator is an alloc-dealloc-mismatch and changes nothing", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x100, "pool");
    f.checker.blockAllocated(0x20006000, 8, "pool");
    f.checker.blockResized(0x20006000, 8, 0x20006000, 16, "heap");
    expect(f.checker.reports.map((r) => [r.kind, r.message])).toEqual([
      ["alloc-dealloc-mismatch", "block of pool resized by heap"],
    ]);
    expect(f.checker.shadow.get(0x20006008)).toBe(ALL | W);
    expect(f.checker.blocks.live.get(0x20006000)).toMatchObject({ size: 8 });
  });

  it("a quarantined block released to its allocator is recorded as freed", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x100, "pool");
    f.checker.guardedBlockAllocated(0x20006000, 32, 0x20006008, 16, "pool");
    expect(f.checker.checkFree(0x20006008, "pool")).toBe(true);
    const rec = f.checker.quarantineBlock(0x20006008);
    expect(rec.state).toBe("quarantined");
    f.checker.releaseQuarantined(0x20006000, 32, rec);
    expect(rec.state).toBe("freed");
    expect(f.checker.shadow.get(0x20006000)).toBe(ALL | W);
    expect(f.checker.reports).toEqual([]);
  });
});

describe("pagePool's pageSize", () => {
  it("must be a positive integer power of two: OPTION_INVALID, nothing changed", () => {
    for (const pageSize of [0, -1024, 3, 1.5, 768, Number.NaN]) {
      const f = setup();
      const before = f.checker.shadow.snapshot(HEAP, 0x400);
      let error: unknown = null;
      try {
        f.checker.pagePool(HEAP, 0x400, "heap:t", pageSize);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MemcheckError);
      expect((error as MemcheckError).code).toBe("OPTION_INVALID");
      expect((error as MemcheckError).context).toEqual({ pageSize });
      expect(f.checker.shadow.snapshot(HEAP, 0x400)).toEqual(before);
    }
  });
});

describe("pages returned over nested page pools", () => {
  const A = 0x20006000;

  it("the pools inside go with them, and so do the page records given out of those pools", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(A, 0x2000, "rm");
    c.pagePool(A + 0x400, 0x800, "heap:t", 0x100);
    c.pagePool(A + 0x1400, 0x400, "heap:u", 0x100); // starts where the range returned below ends
    c.pagesGiven(A + 0x500, 0x100, "slab");
    c.pagesGiven(A + 0x1400, 0x100, "slab"); // a record at the range's end: not inside it
    c.pagesReturned(A, 0x1400, "rm");
    expect(c.reports).toEqual([]);
    expect([...c.pools.keys()]).toEqual([A + 0x1400]);
    expect([...c.pages.keys()].filter((a) => a >= A && a <= A + 0x1400)).toEqual([A + 0x1400]);
    expect(c.shadow.get(A + 0x500)).toBe(0);
  });

  it("a pool ending where the range ends: the bytes after the range are not looked at", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(A, 0x800, "rm");
    c.pagePool(A + 0x400, 0x400, "heap:t", 0x100); // A + 0x800 and on: never given (NO)
    c.pagesGiven(A + 0x700, 0x100, "slab"); // the pool's last page, given out
    c.pagesReturned(A, 0x800, "rm");
    expect(c.reports).toEqual([]);
  });

  it("a live block in a page given out of a pool inside is reported (only the pool's free bytes are excused)", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(A, 0x1000, "rm");
    c.pagePool(A + 0x400, 0x400, "heap:t", 0x100);
    c.pagesGiven(A + 0x400, 0x100, "slab");
    c.blockAllocated(A + 0x410, 16, "slab");
    c.pagesReturned(A, 0x1000, "rm");
    expect(c.reports.map((r) => [r.kind, r.address, r.message])).toEqual([
      ["invalid-transition", A + 0x410, "pages returned while a block in them is live (rm)"],
    ]);
  });

  it("a free byte just past a pool is not the pool's: the return is reported at it", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(A, 0x1000, "rm");
    c.pagePool(A + 0x400, 0x400, "heap:t", 0x100);
    c.pagesReturned(A + 0x800, 0x400, "rm"); // the part after the pool, already back
    c.pagesReturned(A, 0x1000, "rm");
    expect(c.reports.map((r) => [r.kind, r.address, r.message])).toEqual([
      ["invalid-transition", A + 0x800, "pages returned in the wrong state (rm)"],
    ]);
  });
});

describe("a block handed out over bytes that are not the allocator's", () => {
  const A = 0x20006000;

  /** Kind, address and message of the one report of handing out [address, +16) after `prepare`. */
  function handOut(prepare: (c: MemoryChecker) => void, address: number) {
    const f = setup();
    f.checker.pagesGiven(A, 0x400, "pool");
    prepare(f.checker);
    f.checker.clearReports();
    f.checker.blockAllocated(address, 16, "pool");
    return f.checker.reports.map((r) => [r.kind, r.address, r.message]);
  }

  const overlap = "block overlaps a block already handed out";
  it("a live block's bytes: double-alloc at the first of them", () => {
    expect(handOut((c) => c.blockAllocated(A + 8, 16, "pool"), A)).toEqual([["double-alloc", A + 8, overlap]]);
  });

  it("a redzone or a quarantined block: double-alloc", () => {
    expect(handOut((c) => c.guardedBlockAllocated(A, 64, A + 16, 16, "pool"), A)).toEqual([
      ["double-alloc", A, overlap],
    ]);
    const quarantined = (c: MemoryChecker) => {
      c.guardedBlockAllocated(A, 64, A + 16, 16, "pool");
      c.checkFree(A + 16, "pool");
      c.quarantineBlock(A + 16);
    };
    expect(handOut(quarantined, A + 16)).toEqual([["double-alloc", A + 16, overlap]]);
  });

  it("a live stack byte of a task that is not running: double-alloc", () => {
    const stack = (c: MemoryChecker) => {
      c.registerStack(1, A + 0x100, 0x100, A + 0x100);
      c.taskRunning(2);
    };
    expect(handOut(stack, A + 0x1f8)).toEqual([["double-alloc", A + 0x1f8, overlap]]);
  });

  it("pages never given: invalid-transition, outside its pages", () => {
    expect(handOut(() => {}, A + 0x3f8)).toEqual([
      ["invalid-transition", A + 0x400, "block handed out by pool outside its pages"],
    ]);
  });
});

describe("frees and resizes at the edges", () => {
  const A = 0x20006000;

  it("a free on a task stack is reported from its base to one byte below its top", () => {
    const f = setup();
    f.checker.registerStack(1, A + 0x100, 0x100);
    const stack = "free of an address on the stack of task sensor, not a heap block";
    const never = "free of an address never allocated";
    for (const [a, message] of [
      [A + 0xff, never],
      [A + 0x100, stack],
      [A + 0x1ff, stack],
      [A + 0x200, never],
    ] as const) {
      f.checker.clearReports();
      expect(f.checker.checkFree(a, "heap")).toBe(false);
      expect(f.checker.reports.map((r) => [r.kind, r.address, r.message])).toEqual([["invalid-free", a, message]]);
    }
  });

  it("blockFreed of an address never handed out reports it and changes nothing", () => {
    const f = setup();
    f.checker.pagesGiven(A, 0x100, "pool");
    f.checker.blockFreed(A + 0x10, 8, "pool");
    expect(f.checker.reports.map((r) => [r.kind, r.address])).toEqual([["invalid-free", A + 0x10]]);
    expect(f.checker.shadow.get(A + 0x10)).toBe(ALL | W);
  });

  it("a block handed out outside managed memory is RANGE_OUTSIDE_MANAGED", () => {
    const f = setup();
    expect(() => f.checker.blockAllocated(0x30000000, 8, "pool")).toThrow(
      expect.objectContaining({ code: "RANGE_OUTSIDE_MANAGED" }),
    );
    f.checker.pagesGiven(0x20006000, 0x100, "pool");
    f.checker.blockAllocated(0x20006000, 8, "pool");
    expect(() => f.checker.blockResized(0x20006000, 8, 0x30000000, 8, "pool")).toThrow(
      expect.objectContaining({ code: "RANGE_OUTSIDE_MANAGED" }),
    );
    expect(f.checker.shadow.get(0x20006000)).toBe(USR | W);
  });

  it("a resize in place keeps the block's record (its allocation site); a move retires it", () => {
    const f = setup();
    const c = f.checker;
    c.pagesGiven(A, 0x100, "pool");
    c.blockAllocated(A, 8, "pool");
    const rec = c.blocks.live.get(A)!;
    c.blockResized(A, 8, A, 16, "pool");
    expect(c.blocks.live.get(A)).toBe(rec);
    expect(rec.size).toBe(16);
    c.blockResized(A, 16, A + 0x40, 16, "pool");
    expect(rec.state).toBe("freed");
    expect(c.blocks.live.get(A + 0x40)).not.toBe(rec);
    expect(c.reports).toEqual([]);
  });
});
