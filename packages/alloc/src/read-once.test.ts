import { describe, expect, it } from "vitest";
import { fencedHeap } from "./test-pages.js";

// Checks that use a word the same check phase read before (nothing written in between) instead
// of reading it again: the header after a block taken whole (word 0 read by the free-block
// extent check), the heap's first-fit block (word 0 read by the walk), the header after a free
// block absorbed by resize. Each forgery of such a header is still HEAP_CORRUPTION at the
// header, with the heap's bytes and counters unchanged and no access outside the heap.

function setup(kind: "tlsf" | "heap") {
  const { a, poke, peek, expectCorruption } = fencedHeap(kind);
  /** Three live blocks of 40 bytes; the middle one freed: a free block that fits 40 exactly. */
  const hole = () => {
    const p = a.allocate(40)!;
    const q = a.allocate(40)!;
    const r = a.allocate(40)!;
    a.free(q);
    return { p, q, r, next: r - 8 };
  };
  return { a, poke, peek, expectCorruption, hole };
}

describe.each(["tlsf", "heap"] as const)("%s: words read once per check phase", (kind) => {
  it("takes a free block whole only when the header after it passes its check", () => {
    const { a, poke, peek, expectCorruption, hole } = setup(kind);
    const { q, next } = hole();
    const w1 = peek(next + 4);
    poke(next + 4, w1 ^ 0x10000); // the check of the header after the hole
    expectCorruption(() => a.allocate(40), next);
    poke(next + 4, w1);
    const w0 = peek(next);
    poke(next, w0 + 8); // a forged size, PREV_FREE kept: the check word no longer matches
    expectCorruption(() => a.allocate(40), next);
    poke(next, w0);
    expect(a.allocate(40)).toBe(q);
  });

  it("takes a free block only when its own header passes its check", () => {
    const { a, poke, peek, expectCorruption, hole } = setup(kind);
    const { q } = hole();
    const h = q - 8;
    const w1 = peek(h + 4);
    poke(h + 4, w1 ^ 0x10000);
    expectCorruption(() => a.allocate(40), h);
    poke(h + 4, w1);
    expect(a.allocate(40)).toBe(q);
  });

  it("grows a block into the free block after it only when the header after that passes its check", () => {
    const { a, poke, peek, expectCorruption, hole } = setup(kind);
    const { p, next } = hole();
    const w1 = peek(next + 4);
    poke(next + 4, w1 ^ 0x10000);
    expectCorruption(() => a.resize(p, 88), next);
    poke(next + 4, w1);
    expect(a.resize(p, 88)).toBe(p);
  });
});
