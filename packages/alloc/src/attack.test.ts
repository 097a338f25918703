import { describe, expect, it } from "vitest";
import { arenaLayout } from "./arena.js";
import { FREE, headerCheck } from "./block.js";
import { fencedHeap, HEAP_BYTES, HEAP_ORDER } from "./test-pages.js";

// Crafted overflows of a task into its own heap, aimed at turning the allocator's list
// maintenance into a write outside the heap (here at MPU_CTRL, as in issue 11). Each is reported
// as HEAP_CORRUPTION at the forged word, before anything is written: the heap's bytes and the
// allocator's counters are unchanged, and no access left the heap.

const MPU_CTRL = 0xe000ed94;
/** Control block sizes: TLSF (first-level bitmap, 24 second-level bitmaps, 384 heads), heap (root). */
const CONTROL = { tlsf: 4 + 4 * 24 + 4 * 384, heap: 8 };

type Kind = "tlsf" | "heap";

/** A task heap (test-pages.ts `fencedHeap`), its control block, and forging helpers. */
function setup(kind: Kind) {
  const { m, base, a, poke, peek, expectCorruption: refused } = fencedHeap(kind);
  const control = arenaLayout(base, HEAP_ORDER, HEAP_BYTES, CONTROL[kind]).control;
  const mpuCtrl = m.core.read32(MPU_CTRL);
  /** Header address of the block after the live block at `p`. */
  const after = (p: number) => p + a.blockSize(p)!;
  /** A forged free header at `h` (the check word is a public hash) with links. */
  const forgeFree = (h: number, size: number, next: number, prev: number) => {
    poke(h, size | FREE);
    poke(h + 4, headerCheck(h, size | FREE, 0));
    poke(h + 8, next);
    poke(h + 12, prev);
  };
  /** Runs `f` and expects HEAP_CORRUPTION at `address` with no change and nothing touched outside. */
  const expectCorruption = (f: () => unknown, address: number) => {
    refused(f, address);
    expect(m.core.read32(MPU_CTRL)).toBe(mpuCtrl);
  };
  return { m, base, a, control, poke, peek, after, forgeFree, expectCorruption };
}

describe.each(["tlsf", "heap"] as const)("%s against crafted overflows", (kind) => {
  it("reports a forged next link of the free block after the task's block, pointing at MPU_CTRL", () => {
    const { a, peek, after, forgeFree, expectCorruption } = setup(kind);
    const p = a.allocate(24)!;
    const n = after(p); // the free rest of the heap
    const size = peek(n) & ~7;
    // TLSF would write next.prev (next + 12); the heap would hand out the "block" at next.
    forgeFree(n, size, MPU_CTRL - 12, 0);
    expectCorruption(() => a.free(p), n + 8);
    expectCorruption(() => a.resize(p, 100), n + 8);
  });

  it("a moving resize whose old block cannot be freed (a forged link beside it) allocates and copies nothing", () => {
    const { a, poke, after, expectCorruption } = setup(kind);
    const p = a.allocate(5)!;
    const gap = after(p); // the free block an aligned allocation leaves in front of its block
    const q = a.allocate(1, 64)!;
    expect(q - gap).toBeGreaterThan(8);
    // p cannot grow into the gap (too small): resize moves, and freeing p merges with the gap.
    poke(gap + 8, MPU_CTRL - 12);
    expectCorruption(() => a.resize(p, 49), gap + 8);
  });

  it("reports a forged next link to a fake free block in the task's own data", () => {
    const { a, peek, after, forgeFree, expectCorruption } = setup(kind);
    const p = a.allocate(200)!;
    const n = after(p);
    const size = peek(n) & ~7;
    const fake = p + 64;
    // A plausible free block of n's size class whose back link does not name n (TLSF: glibc's
    // "corrupted double-linked list"); for the address-ordered heap it lies below n.
    forgeFree(fake, size, 0, 0x20001234);
    forgeFree(n, size, fake, 0);
    expectCorruption(() => a.free(p), n + 8);
  });

  it("reports a forged size that runs past the heap, and a forged footer of the next free block", () => {
    const { a, peek, poke, after, forgeFree, expectCorruption } = setup(kind);
    const p = a.allocate(24)!;
    const n = after(p);
    const size = peek(n) & ~7;
    forgeFree(n, size + 4096, 0, 0);
    expectCorruption(() => a.free(p), n);
    forgeFree(n, size, 0, 0);
    a.free(p); // a consistent header: everything merges again
    const q = a.allocate(24)!;
    const r = after(q);
    const rsize = peek(r) & ~7;
    poke(r + rsize - 4, r + 8); // the footer no longer names its header
    expectCorruption(() => a.free(q), r + rsize - 4);
  });

  it("reports a forged footer in front of the block being freed, pointing outside or at a fake header", () => {
    const { a, peek, poke, forgeFree, expectCorruption } = setup(kind);
    const b = a.allocate(40)!;
    const c = a.allocate(40)!;
    a.allocate(40);
    a.free(b); // c's header says PREV_FREE; its footer (the word before c's header) names b's
    const hc = c - 8;
    expect(peek(hc - 4)).toBe(b - 8);
    poke(hc - 4, MPU_CTRL);
    expectCorruption(() => a.free(c), hc - 4);
    // A fake free header inside the freed block b (a use after free), too short to end at c.
    const fake = b + 8;
    forgeFree(fake, 16, 0, 0);
    poke(hc - 4, fake);
    expectCorruption(() => a.free(c), fake);
  });

  it("reports a forged list head in the control block before linking through it", () => {
    const { a, peek, poke, control, expectCorruption } = setup(kind);
    const p = a.allocate(24)!;
    a.allocate(24); // p's neighbours are live: freeing p only links it in front of a list head
    if (kind === "tlsf") {
      // The head slot of p's size class (32 bytes) is empty; point it at MPU_CTRL - 12, where the
      // link would store p's header address (its `prev` field).
      const slot = control + 4 + 4 * 24 + 4 * (32 >>> 3);
      expect(peek(slot)).toBe(0);
      poke(slot, MPU_CTRL - 12);
      expectCorruption(() => a.free(p), slot);
      // The slot of the rest of the heap, forged the same way, is caught by the next allocation.
      poke(slot, 0);
      let rest = 0;
      for (let x = control + 100; x < control + CONTROL.tlsf; x += 4) if (peek(x) !== 0) rest = x;
      poke(rest, MPU_CTRL - 12);
      expectCorruption(() => a.allocate(24), rest);
    } else {
      // The root of the address-ordered list: free walks it to find p's place, allocate to find a block.
      poke(control, MPU_CTRL - 8);
      expectCorruption(() => a.free(p), control);
      expectCorruption(() => a.allocate(24), control);
    }
  });
});

describe("TLSF against crafted overflows", () => {
  it("reports a forged prev link of a free block in the middle of its list", () => {
    const { a, poke, after, expectCorruption } = setup("tlsf");
    const p = a.allocate(24)!;
    const n = a.allocate(100)!;
    a.allocate(24);
    const m = a.allocate(100)!;
    a.allocate(24);
    a.free(n);
    a.free(m); // list of 112-byte blocks: m's block (head), then n's, whose prev names m's
    const hn = after(p);
    expect(hn).toBe(n - 8);
    poke(hn + 12, MPU_CTRL - 8); // unlinking n would store n.next at prev + 8
    expectCorruption(() => a.free(p), hn + 12);
  });

  it("reports bitmaps that name an empty second level or an empty list", () => {
    const { a, peek, poke, control, expectCorruption } = setup("tlsf");
    a.allocate(24);
    // First level 6 (blocks of 4 KiB..8 KiB: the smallest class above a 2000-byte request's, and
    // below the rest of the heap's) marked non-empty over an empty second-level bitmap.
    poke(control, peek(control) | (1 << 6));
    expectCorruption(() => a.allocate(2000), control + 4 + 4 * 6);
    poke(control + 4 + 4 * 6, 1); // now list 6/0 claims blocks, but its head is empty
    expectCorruption(() => a.allocate(2000), control + 100 + 4 * (6 * 16));
  });
});
