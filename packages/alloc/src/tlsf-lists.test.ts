import { describe, expect, it } from "vitest";
import { arenaLayout } from "./arena.js";
import { FREE, headerCheck } from "./block.js";
import { AllocError } from "./errors.js";
import { f407, fencedHeap, HEAP_BYTES, HEAP_ORDER } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

// TLSF's lists as bytes in simulated memory: which list each free block is filed in (its head
// slot and its bits in the two bitmap levels), which list a request looks in first (good fit at
// the class boundaries), and which bitmap bits it reads at all (a task can set any of them).

/** The control block: first-level bitmap, 24 second-level bitmaps, 384 list heads (tlsf.ts `Control`). */
const FL_BITMAP = 0;
const SL_BITMAPS = 4;
const HEADS = 100;
const CONTROL_BYTES = 1636;

/**
 * The list of a free block of `size` bytes, as the TLSF paper defines it (16 second-level lists
 * per power of two; below 128 bytes one list per 8 bytes): [first level, second level].
 */
function classOf(size: number): [number, number] {
  if (size < 128) return [0, size / 8];
  const t = Math.floor(Math.log2(size));
  return [t - 6, Math.floor((size - 2 ** t) / 2 ** (t - 4))];
}

function setup() {
  const h = fencedHeap("tlsf");
  const { control, sentinel } = arenaLayout(h.base, HEAP_ORDER, HEAP_BYTES, CONTROL_BYTES);
  /** The control block's words. */
  const words = () => {
    const out: number[] = [];
    for (let x = 0; x < CONTROL_BYTES; x += 4) out.push(h.peek(control + x));
    return out;
  };
  /** The control block's words for exactly these free blocks, each alone in its list (header address, size). */
  const expected = (blocks: [number, number][]) => {
    const w = new Array<number>(CONTROL_BYTES / 4).fill(0);
    for (const [at, size] of blocks) {
      const [fl, sl] = classOf(size);
      w[FL_BITMAP / 4] = (w[FL_BITMAP / 4]! | (1 << fl)) >>> 0;
      w[SL_BITMAPS / 4 + fl] = (w[SL_BITMAPS / 4 + fl]! | (1 << sl)) >>> 0;
      w[HEADS / 4 + fl * 16 + sl] = at;
    }
    return w;
  };
  /** The AllocError `f` throws (its code and address), or "ok". */
  const outcome = (f: () => unknown) => {
    try {
      f();
      return "ok";
    } catch (e) {
      if (!(e instanceof AllocError)) throw e;
      return `${e.code} 0x${(e.context.address as number).toString(16)}`;
    }
  };
  return { ...h, control, sentinel, words, expected, outcome };
}

describe("TLSF's lists in simulated memory", () => {
  it("files each freed block alone in the list of its size class: its head slot, its second- and first-level bits, and nothing else", () => {
    // Block sizes on both sides of the class boundaries (128: the end of the linear lists; the
    // first and last list of a power of two).
    for (const size of [24, 32, 120, 128, 136, 248, 256, 264, 272, 504, 512, 1016, 1024, 1088, 2040, 2048, 4088]) {
      const { a, base, peek, poke, words, expected, sentinel } = setup();
      // Pages as a previous owner left them: the control block is set up whole, not assumed zero.
      for (let x = base; x < base + HEAP_BYTES; x += 4) poke(x, 0xa5a5a5a5);
      a.allocate(16);
      const x = a.allocate(size - 8)!;
      const g = a.allocate(16)!;
      expect(a.blockSize(x)).toBe(size - 8);
      a.free(x); // its neighbours are live: it stays `size` bytes
      const rest = g + 24 - 8;
      const restSize = peek(rest) & ~7;
      expect(rest + restSize).toBe(sentinel);
      expect({ size, words: words() }).toEqual({
        size,
        words: expected([
          [rest, restSize],
          [x - 8, size],
        ]),
      });
      // Alone in its list: no `next` (a head's `prev` is not kept: it is the pages' old byte).
      expect([peek(x - 8), peek(x)]).toEqual([size | FREE, 0]);
    }
  });
});

describe("TLSF's search", () => {
  it("looks first in the smallest list whose every block fits: a 256-byte block for 256 bytes, never for 264", () => {
    const { a } = setup();
    a.allocate(16);
    const x = a.allocate(248)!; // a 256-byte block: list [256, 272)
    a.allocate(16);
    const y = a.allocate(280)!; // a 288-byte block: list [288, 304)
    a.allocate(16);
    a.free(x);
    a.free(y);
    expect(a.allocate(248)).toBe(x);
    a.free(x);
    // 264 bytes: list [256, 272) may hold a 256-byte block, so the search starts at [272, 288).
    expect(a.allocate(256)).toBe(y);
    expect(a.allocate(248)).toBe(x);
  });

  it("takes the blocks of one list head first, the next one becoming the head; list 0 (no block is that small) is never read", () => {
    const { a, control, poke, peek } = setup();
    const x = [0, 1, 2].map(() => [a.allocate(16)!, a.allocate(16)!][1]!);
    a.allocate(16);
    for (const p of x) a.free(p); // list 3: x[2] (head), x[1], x[0]
    expect(peek(control + HEADS + 4 * 3)).toBe(x[2]! - 8);
    poke(control + HEADS, 0xdeadbeef); // list 0's head: nothing reads it
    expect([a.allocate(16), a.allocate(16), a.allocate(16)]).toEqual([x[2], x[1], x[0]]);
    expect(peek(control + HEADS + 4 * 3)).toBe(0);
    expect(peek(control + SL_BITMAPS) & 0xffff).toBe(0);
  });
});

describe("TLSF's bitmaps: only the bits that name a list are read, and kept", () => {
  it("reads the first-level bits of the 24 classes, the last one (2^29 bytes and more) too, and no bit above", () => {
    const { a, control, peek, poke, outcome } = setup();
    a.allocate(16);
    const fl = peek(control);
    // Bits 24..31 name no class: a request no class above its own can serve fails (out of memory).
    poke(control, fl | 0xff000000);
    expect(a.allocate(20000)).toBeNull();
    // Bit 23, over its empty second-level bitmap, is read.
    poke(control, fl | (1 << 23));
    expect(outcome(() => a.allocate(20000))).toBe(`HEAP_CORRUPTION 0x${(control + SL_BITMAPS + 4 * 23).toString(16)}`);
    poke(control, fl);
    // A request of 2^29 bytes looks in class 23 itself (second level 1: 2^29 + 2^25 bytes and more).
    poke(control + SL_BITMAPS + 4 * 23, 0b10);
    expect(outcome(() => a.allocate(2 ** 29))).toBe(
      `HEAP_CORRUPTION 0x${(control + HEADS + 4 * (23 * 16 + 1)).toString(16)}`,
    );
    poke(control + SL_BITMAPS + 4 * 23, 0);
    expect(a.allocate(2 ** 29)).toBeNull();
  });

  it("ignores bits 16..31 of a second-level bitmap, whether the search starts in its class or reaches it", () => {
    const { a, base, control, peek, poke, outcome } = setup();
    a.allocate(16);
    poke(control + SL_BITMAPS, 0xffff0000); // class 0 (blocks below 128 bytes): no list named
    expect(a.allocate(16)).toBe(base + 24 + 8); // split from the rest of the heap, as without the bits
    // Class 2 (256..511 bytes) marked non-empty, its bitmap naming no list: corruption at the bitmap.
    poke(control, peek(control) | (1 << 2));
    poke(control + SL_BITMAPS + 4 * 2, 0x10000);
    expect(outcome(() => a.allocate(16))).toBe(`HEAP_CORRUPTION 0x${(control + SL_BITMAPS + 4 * 2).toString(16)}`);
  });

  it("rewrites a bitmap word with its class bits only, and only when a list or a class empties or fills", () => {
    const { a, control, peek, poke } = setup();
    /** Forged bits above the classes' in the first-level bitmap and in classes 0..7's second-level ones. */
    const forge = () => {
      poke(control, peek(control) | 0xff000000);
      for (let fl = 0; fl < 8; fl++)
        poke(control + SL_BITMAPS + 4 * fl, peek(control + SL_BITMAPS + 4 * fl) | 0xffff0000);
    };
    /** The first-level bitmap and classes 0 and 1's second-level bitmaps, unsigned. */
    const bitmaps = () => [control, control + SL_BITMAPS, control + SL_BITMAPS + 4].map((w) => peek(w) >>> 0);
    const alloc = (n: number) => a.allocate(n)!;
    // Blocks: z (40 bytes, list 5), w (200, class 1 list 9), x (136, class 1 list 1), y (24, list 3).
    alloc(16);
    const z = alloc(32);
    alloc(16);
    const w = alloc(192);
    alloc(16);
    const x = alloc(128);
    const y = alloc(16);
    alloc(16);
    const REST = 1 << 7; // class 7: the rest of the heap
    // A list of class 0 fills, class 0 with it: both words written, masked.
    forge();
    a.free(y);
    expect(bitmaps()).toEqual([REST | 1, 1 << 3, 0xffff0000]);
    // Its only block taken (found without reading the first level): both words written, masked.
    forge();
    expect(alloc(16)).toBe(y);
    expect(bitmaps()).toEqual([REST, 0, 0xffff0000]);
    // A list of class 1 fills (its class too), then a list of class 0 (and class 0): the words
    // of the class whose list fills are written, masked; class 1's, untouched, keeps its bits.
    a.free(w);
    forge();
    a.free(z);
    expect(bitmaps()).toEqual([REST | 3, 1 << 5, (0xffff0000 | (1 << 9)) >>> 0]);
    // y freed (class 0 has a list: its first-level bit stays), then x, merged with y into 160
    // bytes (class 1 list 4): list 3 empties, class 0 does not (z's list 5); class 1 has w's list.
    // The second-level words are written, masked; the first level is not written at all.
    a.free(y);
    forge();
    a.free(x);
    expect(bitmaps()).toEqual([(0xff000000 | REST | 3) >>> 0, 1 << 5, (1 << 9) | (1 << 4)]);
    // z taken back (class 0 empties), x's 160 bytes too, then shrunk: its tail is y's block again.
    expect(alloc(32)).toBe(z);
    expect(alloc(152)).toBe(x);
    expect(a.resize(x, 128)).toBe(x);
    expect(bitmaps()).toEqual([REST | 3, 1 << 3, 1 << 9]);
    // x freed and merged with y again: list 3 empties and class 0 with it (the first level
    // written, masked); class 1 had a list (w's): only its second level is written.
    forge();
    a.free(x);
    expect(bitmaps()).toEqual([REST | 2, 0, (1 << 9) | (1 << 4)]);
  });
});

describe("TLSF's list links kept as the lists change", () => {
  it("unlinking a block in the middle of its list points its next block's `prev` at its own `prev`", () => {
    const { a, control, peek } = setup();
    // y[0], y[1], y[2]: 24-byte free blocks (list 3), each between live blocks.
    const front: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 3; i++) {
      a.allocate(16);
      front.push(a.allocate(16)!);
      y.push(a.allocate(16)!);
    }
    a.allocate(16);
    for (const p of y) a.free(p); // list 3: y[2], y[1], y[0]
    // Freeing front[1] merges y[1] (the middle) into it: y[2].next = y[0], y[0].prev = y[2].
    a.free(front[1]!);
    expect([peek(y[2]! - 8 + 8), peek(y[0]! - 8 + 12)]).toEqual([y[0]! - 8, y[2]! - 8]);
    // Freeing front[0] unlinks y[0], checked through that `prev`.
    a.free(front[0]!);
    expect([peek(control + HEADS + 4 * 3), peek(y[2]! - 8 + 8)]).toEqual([y[2]! - 8, 0]);
  });

  it("unlinking a list's head that has a next block keeps the list, and its bits", () => {
    const { a, control, peek } = setup();
    a.allocate(16);
    const y0 = a.allocate(16)!;
    a.allocate(16);
    const front = a.allocate(16)!;
    const y1 = a.allocate(16)!;
    a.allocate(16);
    a.free(y0);
    a.free(y1); // list 3: y1, y0
    a.free(front); // merged with y1, the head: y0 becomes the head
    expect(peek(control + HEADS + 4 * 3)).toBe(y0 - 8);
    expect(peek(control + SL_BITMAPS) & (1 << 3)).toBe(1 << 3);
    expect(a.allocate(16)).toBe(y0);
  });

  it("a split block's rest, heading its list again, is the `prev` of the block after it", () => {
    const { a, control, peek } = setup();
    // Two 2160-byte free blocks (class 5, list [2048, 2176)): a 24-byte request split from the
    // head leaves 2136 bytes, the same list.
    a.allocate(16);
    const p = a.allocate(2152)!;
    const front = a.allocate(16)!;
    const q = a.allocate(2152)!;
    a.allocate(16);
    a.free(p);
    a.free(q); // list: q, p
    const x = a.allocate(16)!;
    expect(x).toBe(q);
    const r = q - 8 + 24;
    expect(peek(control + HEADS + 4 * (5 * 16 + 0))).toBe(r);
    expect([peek(r + 8), peek(p - 8 + 12)]).toEqual([p - 8, r]);
    // p unlinked (merged into front) through that `prev`.
    a.free(front);
    expect(peek(r + 8)).toBe(0);
  });

  it("releases an empty arena's free block only after checking its links", () => {
    const { m, rm } = f407();
    const a = new TlsfAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    a.allocate(100);
    const big = a.allocate(20_000)!; // a second arena, of 32 pages
    expect(a.stats().pages).toBe(48);
    a.free(big); // the second arena is one free block, heading its list
    const h = big - 8;
    const next = m.core.read32(h + 8);
    m.core.write32(h + 8, 0x40000000);
    let err: unknown;
    try {
      a.releaseEmpty();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "HEAP_CORRUPTION", context: { address: h + 8 } });
    expect(a.stats().pages).toBe(48);
    m.core.write32(h + 8, next);
    expect(a.releaseEmpty()).toBe(32);
  });
});

describe("TLSF's links forged by the task", () => {
  it("refuses a list head naming anything but a free block of its list that ends inside the arena", () => {
    const h = setup();
    const { a, control, sentinel, peek, poke, expectCorruption } = h;
    a.allocate(16);
    const x = a.allocate(16)!;
    const live = a.allocate(16)!;
    const rest = live - 8 + 24;
    const slot = control + HEADS + 4 * 3; // list 3 (24-byte blocks), empty: freeing x links x in front of it
    /** A free 24-byte header at `at` whose check word passes. */
    const fake = (at: number) => {
      poke(at, 24 | FREE);
      poke(at + 4, headerCheck(at, 24 | FREE, 0));
    };
    fake(sentinel - 16); // a 24-byte block running 8 bytes past the arena's last block
    for (const target of [
      live - 8, // a live block of the list's size (its header does not say free)
      rest, // a free block of another list (the rest of the heap)
      sentinel - 16,
      0x40000000, // outside the arenas
    ]) {
      poke(slot, target);
      expectCorruption(() => a.free(x), slot);
    }
    poke(slot, 0);
    // The same forgeries of the head a request takes from: list 3 marked non-empty.
    a.free(x);
    const xs = [x - 8, peek(control), peek(control + SL_BITMAPS)];
    // (A block whose header does not say free is refused at its header.)
    for (const [target, at] of [
      [live - 8, live - 8],
      [rest, slot],
      [sentinel - 16, slot],
    ] as const) {
      poke(slot, target);
      expectCorruption(() => a.allocate(16), at);
    }
    poke(slot, xs[0]!);
    expect(a.allocate(16)).toBe(x);
    // A 32-byte block (list 4) at 24 bytes before the arena's end: room for a minimum block, but
    // its size runs past the end. The head of list 4, when a 32-byte block is freed in front of it.
    const y = a.allocate(24)!;
    a.allocate(16);
    const slot4 = control + HEADS + 4 * 4;
    poke(sentinel - 24, 32 | FREE);
    poke(sentinel - 24 + 4, headerCheck(sentinel - 24, 32 | FREE, 0));
    poke(slot4, sentinel - 24);
    expectCorruption(() => a.free(y), slot4);
    poke(slot4, 0);
  });

  it("refuses a `next` link to the block itself, and a `prev` link whose block's `next` is another", () => {
    const { a, peek, poke, expectCorruption } = setup();
    a.allocate(16);
    const front = [a.allocate(16)!, a.allocate(16)!];
    const y = a.allocate(16)!;
    a.allocate(16);
    const z = a.allocate(16)!;
    a.allocate(16);
    const w = a.allocate(16)!;
    a.allocate(16);
    // y alone in list 3, its head: its `next` and `prev` forged to itself (a cycle whose back link
    // agrees). Freeing front[1] would unlink y and leave it the head, inside a merged block.
    a.free(y);
    poke(y - 8 + 8, y - 8);
    poke(y - 8 + 12, y - 8);
    expectCorruption(() => a.free(front[1]!), y - 8 + 8);
    poke(y - 8 + 8, 0);
    // List 3: w, z, y. y's `prev` forged to w, a free block of the list whose `next` is z.
    a.free(z);
    a.free(w);
    expect(peek(y - 8 + 12)).toBe(z - 8);
    poke(y - 8 + 12, w - 8);
    expectCorruption(() => a.free(front[1]!), y - 8 + 12);
    poke(y - 8 + 12, z - 8);
    a.free(front[1]!);
    expect(peek(z - 8 + 8)).toBe(0);
  });

  it("checks the heads of the lists an aligned request links its leading gap and its rest in front of", () => {
    const { a, base, control, peek, poke, expectCorruption } = setup();
    a.allocate(16);
    // A 1000-byte block aligned on 256 from the rest of the heap (at base + 24): a 224-byte gap
    // in front (class 1, list 12), the block at base + 248, the rest behind it (a list below
    // the one of the rest of the heap, empty until then).
    const rest0 = peek(base + 24) & ~7;
    const [gfl, gsl] = classOf(224);
    const [rfl, rsl] = classOf(rest0 - 224 - 1008);
    expect(classOf(rest0)).not.toEqual([rfl, rsl]);
    expect([gfl, gsl]).toEqual([1, 12]);
    for (const slot of [control + HEADS + 4 * (gfl * 16 + gsl), control + HEADS + 4 * (rfl * 16 + rsl)]) {
      expect(peek(slot)).toBe(0);
      poke(slot, 0xe000ed94 - 12); // a link through it would write MPU_CTRL
      expectCorruption(() => a.allocate(1000, 256), slot);
      poke(slot, 0);
    }
    expect(a.allocate(1000, 256)).toBe(base + 256);
  });
});
