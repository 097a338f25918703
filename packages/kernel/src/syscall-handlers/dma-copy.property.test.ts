import { STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { Errno } from "../syscalls.js";

// dma-copy is the kernel acting for a task with a bus master no MPU checks: whatever the three
// numbers, it must either copy exactly the caller's own bytes into the caller's own writable
// memory, or refuse and change nothing. Random calls around every edge the caller can name (its
// partitions, its stack and guard, a partition it was not granted, another task's stack, the
// kernel's block, flash, a peripheral, unmapped memory, the address space's end).

/** The RAM the DMA can write on the STM32F407: SRAM1 and SRAM2 (the CCM is out of its reach). */
const RAM: readonly [number, number][] = [[0x2000_0000, 0x2002_0000]];

describe("dma-copy property: a copy is the caller's own bytes into its own memory, a refusal changes nothing", () => {
  it("random fields around every edge: OK copies exactly and touches nothing else; any other code changes nothing", () => {
    const probe = boot();
    const anchors = anchorsOf(probe);
    const address = fc
      .tuple(fc.constantFrom(...anchors), fc.integer({ min: -40, max: 1056 }))
      .map(([a, d]) => (a + d) >>> 0);
    const length = fc.oneof(
      fc.constantFrom(0, 1, 3, 4, 7, 8, 16, 32, 60, 64, 1024, 4096),
      fc.integer({ min: 0, max: 2048 }),
    );
    const { a, b } = blocks(probe);
    // A third of the calls are a plausible copy from the read-only "b" into "a", shifted by a few bytes.
    const plausible = fc.record({
      dst: fc.integer({ min: a.base - 8, max: a.base + 520 }),
      src: fc.integer({ min: b.base - 8, max: b.base + 520 }),
      length: fc.integer({ min: 0, max: 520 }),
    });
    // And spans within "a" a few bytes apart, overlapping or not.
    const near = fc
      .record({
        src: fc.integer({ min: a.base, max: a.base + 512 }),
        gap: fc.integer({ min: -70, max: 70 }),
        length: fc.integer({ min: 1, max: 80 }),
      })
      .map(({ src, gap, length }) => ({ dst: src + gap, src, length }));
    const call = fc.oneof({ arbitrary: fc.record({ dst: address, src: address, length }), weight: 2 }, plausible, near);
    let ok = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 8 }), (calls) => {
        const k = boot();
        const { secret, other, kernel } = blocks(k);
        const bus = k.machine.bus;
        bus.load(
          a.base,
          Uint8Array.from({ length: 1024 }, (_, i) => (i * 7 + 1) & 0xff),
        );
        bus.load(
          b.base,
          Uint8Array.from({ length: 1024 }, (_, i) => (i * 13 + 5) & 0xff),
        );
        const results: { dst: number; src: number; length: number; code: number; before: Uint8Array[] }[] = [];
        let guard = 0;
        k.spawn({
          name: "client",
          region: "SRAM1",
          partitions: { a: "rw", b: "ro" },
          *main(t) {
            guard = t.stackBase;
            for (const c of calls) {
              const before = RAM.map(([lo, hi]) => bus.peek(lo, hi - lo));
              const code = yield* t.dmaCopy(c.dst, c.src, c.length);
              results.push({ ...c, code, before });
            }
          },
        });
        k.run({ ms: 20 });
        expect(k.faults).toEqual([]);
        expect(results.length).toBe(calls.length);
        const after = (i: number) => results[i + 1]?.before ?? RAM.map(([lo, hi]) => bus.peek(lo, hi - lo));
        // What moves between two calls whatever they do: the kernel's block (TCBs, saved contexts)
        // and the caller's own stack (the SVC frames).
        const client = k.task("client")!;
        const moving: [number, number][] = [
          [kernel.base, kernel.size],
          [client.stack.base, client.stack.top - client.stack.base],
        ];
        results.forEach((r, i) => {
          const now = after(i);
          const inside = (x: { base: number; size: number }, p: number, n: number) =>
            p >= x.base && p + n <= x.base + x.size;
          const touches = (x: { base: number; size: number }, p: number, n: number) =>
            n > 0 && p < x.base + x.size && x.base < p + n;
          // Overlapping spans are refused first, whatever else is wrong with them.
          if (r.length > 0 && r.src < r.dst + r.length && r.dst < r.src + r.length) expect(r.code).toBe(Errno.EINVAL);
          if (r.code === Errno.OK && r.length > 0) {
            ok++;
            // Only into its own read-write memory: partition "a", its stack above the guard, its heap
            // (both in SRAM1 with its region).
            const stack = { base: guard + 32, size: client.stack.top - guard - 32 };
            const heap = { base: client.heap!.base, size: client.heap!.size };
            expect([a, stack, heap].some((x) => inside(x, r.dst, r.length))).toBe(true);
            for (const x of [secret, other, kernel, { base: guard, size: 32 }])
              expect(touches(x, r.src, r.length) || touches(x, r.dst, r.length)).toBe(false);
            expect(region(now, r.dst, r.length)).toEqual(region(r.before, r.src, r.length));
            expect(firstDiff(now, r.before, [...moving, [r.dst, r.length]])).toBe(-1);
          } else {
            if (r.code !== Errno.OK) refused++;
            // The caller's own stack moves between calls (the SVC frame): compare around it.
            expect(firstDiff(now, r.before, moving)).toBe(-1);
          }
        });
      }),
      { seed: 0x0d3a, numRuns: 150 },
    );
    // The runs exercised both answers.
    expect(ok).toBeGreaterThan(12);
    expect(refused).toBeGreaterThan(25);
  });
});

function boot() {
  return bootKernel({
    board: STM32F407,
    partitions: [
      { name: "a", size: 1024, region: "SRAM1" },
      { name: "b", size: 1024, region: "SRAM1" },
      { name: "secret", size: 1024, region: "SRAM1" },
    ],
  });
}

function blocks(k: ReturnType<typeof boot>) {
  const p = (n: string) => ({ base: k.partitions.get(n)!.base, size: 1024 });
  // Another task's stack in SRAM1: the next 1 KiB block the region manager hands out after the client's.
  return {
    a: p("a"),
    b: p("b"),
    secret: p("secret"),
    other: { base: k.kernelBlock.base + k.kernelBlock.size, size: 0 },
    kernel: { base: k.kernelBlock.base, size: k.kernelBlock.size },
  };
}

/** Addresses the random fields start from: every block's edges and the map's. */
function anchorsOf(k: ReturnType<typeof boot>): number[] {
  const { a, b, secret, kernel } = blocks(k);
  return [
    a.base,
    b.base,
    secret.base,
    kernel.base,
    kernel.base + kernel.size - 64,
    0x2001_bc00,
    0x0800_0000,
    0x1000_0000,
    0x1fff_7a00,
    k.device("dma").base,
    0x3000_0000,
    0xffff_fbd8,
  ];
}

function region(mem: Uint8Array[], p: number, n: number): Uint8Array {
  for (let i = 0; i < RAM.length; i++) {
    const [lo, hi] = RAM[i]!;
    if (p >= lo && p + n <= hi) return mem[i]!.subarray(p - lo, p - lo + n);
  }
  throw new Error(`not RAM: ${p}`);
}

/** The first address where `now` differs from `before` outside the `skip` spans ([start, length]), or -1. */
function firstDiff(now: Uint8Array[], before: Uint8Array[], skip: readonly [number, number][]): number {
  for (let i = 0; i < RAM.length; i++) {
    const lo = RAM[i]![0];
    const x = now[i]!;
    const y = before[i]!;
    // Word by word (the snapshots are whole segments, word-aligned), bytes only where a word differs.
    const xw = new Uint32Array(x.buffer, x.byteOffset, x.length >>> 2);
    const yw = new Uint32Array(y.buffer, y.byteOffset, y.length >>> 2);
    for (let w = 0; w < xw.length; w++) {
      if (xw[w] === yw[w]) continue;
      for (let j = 4 * w; j < 4 * w + 4; j++) {
        const addr = lo + j;
        if (x[j] !== y[j] && !skip.some(([p, n]) => addr >= p && addr < p + n)) return addr;
      }
    }
  }
  return -1;
}
