import fc from "fast-check";
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

type Op =
  | { op: "alloc"; size: number; align: number | undefined }
  | { op: "free"; pick: number }
  | { op: "resize"; pick: number; size: number }
  | { op: "release" }
  | { op: "wild"; granule: number }
  | { op: "offer"; pick: number; grow: number }
  | { op: "fake"; granule: number; size: number }
  | { op: "byte"; offset: number; value: number }
  | { op: "state"; granule: number; st: number }
  | { op: "link"; pick: number; target: number };

/** TLSF's list for free blocks of `size` bytes (tlsf.ts `listOf`). */
function listOf(size: number): number {
  if (size < 128) return size >>> 3;
  const t = 31 - Math.clz32(size);
  return ((t - 6) << 4) | ((size >>> (t - 4)) & 15);
}

const GRANULES = 16384 / 8;

describe.each(["tlsf", "heap"] as const)("%s: forging any header, granule state or free link", (kind) => {
  it("never hands out a live block twice nor accepts the free of a block it did not hand out; only AllocErrors", {
    timeout: 120_000,
  }, () => {
    const granule = fc.nat({ max: GRANULES - 1 });
    const pick = fc.nat({ max: 1000 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          op: fc.constant("alloc" as const),
          size: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 2000 })),
          align: fc.constantFrom(undefined, undefined, undefined, 16, 64),
        }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("free" as const), pick }) },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant("resize" as const), pick, size: fc.integer({ min: 0, max: 600 }) }),
      },
      { weight: 1, arbitrary: fc.constant({ op: "release" as const }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("wild" as const), granule }) },
      {
        // A live block forged free (header, footer, next PREV_FREE), as large as it is or
        // spanning its neighbours, and offered by the lists.
        weight: 4,
        arbitrary: fc.record({ op: fc.constant("offer" as const), pick, grow: fc.constantFrom(0, 0, 8, 64, 512) }),
      },
      {
        // A block forged live anywhere: header and granule state (then freed by "wild").
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("fake" as const),
          granule,
          size: fc.integer({ min: 2, max: 64 }).map((x) => 8 * x),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant("byte" as const),
          offset: fc.nat({ max: 16383 }),
          value: fc.nat({ max: 255 }),
        }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("state" as const), granule, st: fc.nat({ max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("link" as const), pick, target: pick }) },
    );
    let corruption = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60, size: "medium" }), (trace) => {
        const s = setup(kind);
        const { a, m, base, port, poke, peek } = s;
        const held = () => (a as unknown as ArenaAllocator).arenaOf(base);
        const live: { p: number; size: number }[] = [];
        const freed: number[] = [];
        const call = <T>(f: () => T): T | undefined => {
          port.accesses = 0;
          try {
            return f();
          } catch (e) {
            if (!(e instanceof AllocError)) throw e;
            if (e.code === "HEAP_CORRUPTION") corruption++;
            return undefined;
          }
        };
        const handedOut = (p: number, size: number, except = -1) => {
          expect(p >= base && p + size <= base + 16384).toBe(true);
          const clash = live.find((b, i) => i !== except && p < b.p + Math.max(b.size, 1) && b.p < p + size);
          expect(clash, `0x${p.toString(16)} handed out over live 0x${clash?.p.toString(16)}`).toBeUndefined();
        };
        /** Inserts the free block `h` into the lists, as an attacker who knows their layout would. */
        const offer = (ctl: number, h: number, size: number) => {
          if (kind === "heap") {
            let cur = ctl;
            for (let i = 0; i < 200; i++) {
              const y = peek(cur);
              if (y === 0 || y >= h || y < base || y >= base + 16384) break;
              cur = y + 8;
            }
            poke(h + 8, peek(cur));
            poke(cur, h);
            return;
          }
          const l = listOf(size);
          const head = ctl + HEADS + 4 * l;
          poke(h + 8, peek(head));
          poke(h + 12, 0);
          poke(ctl + SL_BITMAPS + 4 * (l >>> 4), peek(ctl + SL_BITMAPS + 4 * (l >>> 4)) | (1 << (l & 15)));
          poke(ctl, peek(ctl) | (1 << (l >>> 4)));
          poke(head, h);
        };
        for (const o of trace) {
          const ar = held();
          if (o.op === "alloc") {
            const p = call(() => a.allocate(o.size, o.align));
            if (typeof p !== "number") continue;
            handedOut(p, o.size);
            live.push({ p, size: o.size });
          } else if (o.op === "free") {
            if (live.length === 0) continue;
            const i = o.pick % live.length;
            const b = live[i]!;
            const done = call(() => {
              a.free(b.p);
              return true;
            });
            if (done !== true) continue;
            live.splice(i, 1);
            freed.push(b.p);
          } else if (o.op === "resize") {
            if (live.length === 0) continue;
            const i = o.pick % live.length;
            const b = live[i]!;
            const q = call(() => a.resize(b.p, o.size));
            if (typeof q === "number") {
              handedOut(q, o.size, i);
              live[i] = { p: q, size: o.size };
            } else if (o.size === 0 && q === null) {
              live.splice(i, 1);
              freed.push(b.p);
            }
          } else if (o.op === "release") {
            call(() => a.releaseEmpty());
          } else if (o.op === "wild") {
            // The free of anything the allocator did not hand out (or handed out and took back) is refused.
            const p = base + 8 * o.granule;
            if (live.some((b) => b.p === p)) continue;
            let accepted = false;
            call(() => {
              a.free(p);
              accepted = true;
            });
            expect(accepted, `free of 0x${p.toString(16)}, never handed out, accepted`).toBe(false);
            refused++;
          } else if (ar === undefined) {
            // No arena held: nothing to forge.
          } else if (o.op === "offer") {
            if (live.length === 0) continue;
            const b = live[o.pick % live.length]!;
            const h = b.p - 8;
            const size = ((peek(h) & ~7) + o.grow) >>> 0;
            if (size < 24 || h + size + 8 > ar.sentinel + 8) continue;
            s.header(h, size | FREE);
            poke(h + size - 4, h);
            poke(h + size, peek(h + size) | PREV_FREE);
            offer(ar.control, h, size);
          } else if (o.op === "fake") {
            const h = base + 8 * o.granule;
            if (h < ar.first || h + o.size > ar.sentinel) continue;
            s.header(h, o.size);
            s.state(h + 8, LIVE);
          } else if (o.op === "byte") {
            m.bus.load(base + o.offset, Uint8Array.of(o.value));
          } else if (o.op === "state") {
            if (base + 8 * o.granule < ar.first + 8 || base + 8 * o.granule >= ar.sentinel) continue;
            s.state(base + 8 * o.granule, o.st);
          } else if (freed.length > 0 && live.length > 0) {
            // A freed block's link (heap: +8; TLSF: +8 or +12) or a list head pointed at a live block.
            const f = freed[freed.length - 1 - (o.pick % Math.min(3, freed.length))]!;
            const target = live[o.target % live.length]!.p - 8;
            poke(f - 8 + (kind === "tlsf" && o.pick % 2 === 1 ? 12 : 8), target);
          }
          expect(port.outside).toEqual([]);
        }
      }),
      { numRuns: 300, seed: 0xa4e7 },
    );
    expect(corruption).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
