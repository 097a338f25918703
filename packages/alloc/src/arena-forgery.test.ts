import { describe, expect, it } from "vitest";
import type { ArenaAllocator } from "./arena-allocator.js";
import { FREE, headerCheck, LIVE, PREV_FREE } from "./block.js";
import { AllocError } from "./errors.js";
import { fencedHeap } from "./test-pages.js";

// The heap's and TLSF's headers, free-list links, control block and granule-state bitmap are in
// the task's heap: the task can forge all of them at once (the check word is a public hash).
// Whatever it forges, the allocator must never hand out a block that is live (two live blocks
// overlapping), nor accept the free of a block it never handed out; it fails with a typed error
// instead, and changes nothing.

type Kind = "tlsf" | "heap";

/** TLSF's control block: the second-level bitmaps and the list heads (tlsf.ts `Control`). */
const SL_BITMAPS = 4;
const HEADS = 100;

/** A task heap (test-pages.ts `fencedHeap`) and the task's forging tools. */
function setup(kind: Kind) {
  const h = fencedHeap(kind);
  const { a, poke, peek } = h;
  /** The heap's one arena (taken at the first allocation). */
  const arena = () => (a as unknown as ArenaAllocator).arenaOf(h.base)!;
  /** A header at `at` with a check word that passes (the hash is public). */
  const header = (at: number, w0: number, slack = 0) => {
    poke(at, w0);
    poke(at + 4, headerCheck(at, w0, slack));
  };
  /** Sets the granule state of user address `d` (2 bits per 8 bytes, in halfwords). */
  const state = (d: number, st: number) => {
    const g = (d - arena().base) >>> 3;
    const wa = arena().bitmap + ((g >>> 3) << 1);
    const sh = (g & 7) << 1;
    h.m.core.write16(wa, (h.m.core.read16(wa) & ~(3 << sh)) | (st << sh));
    return wa;
  };
  /**
   * Makes the free block at `x` (`size` bytes, 8 <= size < 128) the only block its allocator's
   * lists offer for a request of `size - 8` bytes: the heap's root, or TLSF's list of that size
   * (second-level bit of first-level class 0, and its head).
   */
  const offer = (x: number, size: number) => {
    if (kind === "heap") {
      poke(x + 8, peek(arena().control));
      poke(arena().control, x);
      return;
    }
    poke(x + 8, 0);
    poke(x + 12, 0);
    const l = size >>> 3;
    poke(arena().control + SL_BITMAPS, peek(arena().control + SL_BITMAPS) | (1 << l));
    poke(arena().control, peek(arena().control) | 1);
    poke(arena().control + HEADS + 4 * l, x);
  };
  /** Points the allocator's lists at the free block `n` of `size` bytes (the heap's root; TLSF's head of its list). */
  const head = (n: number, size: number) => {
    poke(n + 8, 0);
    if (kind === "heap") poke(arena().control, n);
    else {
      poke(n + 12, 0);
      const t = 31 - Math.clz32(size);
      const l = ((t - 6) << 4) | ((size >>> (t - 4)) & 15);
      poke(arena().control + HEADS + 4 * l, n);
    }
  };
  return { ...h, arena, header, state, offer, head };
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof AllocError) return e.code;
    throw e;
  }
}

describe.each(["tlsf", "heap"] as const)("%s metadata forged by the task that owns the heap", (kind) => {
  it("a live block's header forged free and offered by the lists: HEAP_CORRUPTION, not the block twice", () => {
    const { a, header, offer, poke, peek, expectCorruption } = setup(kind);
    const x = a.allocate(48)!;
    const y = a.allocate(48)!;
    const h = x - 8;
    // x's block, 56 bytes, made a free block: header, footer (in x's own data), PREV_FREE on y's
    // header (word 0 only: the check word leaves PREV_FREE out), and a list that offers it.
    header(h, 56 | FREE);
    poke(h + 56 - 4, h);
    poke(y - 8, peek(y - 8) | PREV_FREE);
    offer(h, 56);
    expectCorruption(() => a.allocate(48), h);
    expect(a.stats()).toMatchObject({ liveBlocks: 2, allocations: 2 });
  });

  it("a never-allocated block forged live (header, granule state, lists): its free is refused", () => {
    const { a, header, state, head, peek, poke, arena } = setup(kind);
    const x = a.allocate(48)!;
    const r = x - 8 + 56; // the free rest of the heap
    const rest = peek(r) & ~7;
    // A live 56-byte block at r, and the free block after it, named by the lists.
    header(r, 56);
    const at = state(r + 8, LIVE);
    const n = r + 56;
    header(n, (rest - 56) | FREE);
    poke(n + rest - 56 - 4, n);
    head(n, rest - 56);
    expect(n + rest - 56).toBe(arena().sentinel);
    const before = a.stats();
    let err: unknown;
    try {
      a.free(r + 8);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AllocError);
    expect((err as AllocError).code).toBe("HEAP_CORRUPTION");
    expect((err as AllocError).context.address).toBe(at);
    expect(a.stats()).toEqual(before);
    expect(a.owns(r + 8)).toBe(false);
    expect(a.owns(x)).toBe(true);
  });

  it("a live block's granule state cleared, then the block freed: HEAP_CORRUPTION (it is live, not freed)", () => {
    const { a, state } = setup(kind);
    const x = a.allocate(48)!;
    state(x, 2); // FREED: today a double free
    expect(codeOf(() => a.free(x))).toBe("HEAP_CORRUPTION");
    state(x, 0);
    expect(codeOf(() => a.free(x))).toBe("HEAP_CORRUPTION");
    expect(a.stats()).toMatchObject({ liveBlocks: 1, frees: 0 });
  });

  it("a live block's header forged larger over its live neighbour, then freed: HEAP_CORRUPTION", () => {
    const { a, header, peek, expectCorruption } = setup(kind);
    const x = a.allocate(48)!;
    const y = a.allocate(48)!;
    // x's header now spans y too (the next header, after y, is the free rest: a valid neighbour).
    header(x - 8, 112, peek(x - 4) & 0xffff);
    expect(peek(y - 8 + 56) & FREE).toBe(FREE);
    expectCorruption(() => a.free(x), x - 8);
    expect(a.owns(y)).toBe(true);
  });

  it("the codes of today stay: a double free is DOUBLE_FREE, an interior or never-allocated pointer INVALID_FREE", () => {
    const { a } = setup(kind);
    const x = a.allocate(48)!;
    const y = a.allocate(48)!;
    a.free(x);
    expect(codeOf(() => a.free(x))).toBe("DOUBLE_FREE");
    expect(codeOf(() => a.free(y + 8))).toBe("INVALID_FREE");
    expect(codeOf(() => a.free(y + 56 + 8))).toBe("INVALID_FREE");
    a.free(y);
    expect(a.stats()).toMatchObject({ liveBlocks: 0 });
  });
});
