import { ActorMode, makeActor } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AllocatorLike, checkedAllocator } from "./checked-allocator.js";
import { SENSOR, setup } from "./test-setup.js";

/** One step of a correct program. */
type Op =
  | { op: "alloc"; size: number; task: number }
  | { op: "free"; pick: number }
  | { op: "write"; pick: number; at: number; width: 1 | 2 | 4; value: number }
  | { op: "read"; pick: number; at: number; width: 1 | 2 | 4 }
  | { op: "copy"; a: number; b: number }
  | { op: "share"; pick: number }
  | { op: "stack"; depth: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("alloc"), size: fc.nat(300), task: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("free"), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("write"),
      pick: fc.nat(),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      width: fc.constantFrom(1 as const, 2 as const, 4 as const),
      value: fc.nat(0xffff),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("read"),
      pick: fc.nat(),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      width: fc.constantFrom(1 as const, 2 as const, 4 as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("copy"), a: fc.nat(), b: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("share"), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("stack"), depth: fc.nat(28) }) },
);

const configArb = fc.record({
  wrapped: fc.boolean(),
  redzone: fc.constantFrom(0, 8, 16, 32),
  quarantineBytes: fc.constantFrom(0, 256, 4096),
});

/** Runs a correct program under the "stop" policy: any report would throw. */
function run(ops: readonly Op[], config: { wrapped: boolean; redzone: number; quarantineBytes: number }): number {
  const f = setup({ onError: "stop" });
  const core = f.m.core;
  const heap: AllocatorLike = config.wrapped ? checkedAllocator(f.checker, f.heap, config) : f.heap;
  f.kernel();
  const stack = heap.allocate(256)!;
  f.checker.registerStack(SENSOR, stack, 256);
  const live: { p: number; size: number; task: number }[] = [];
  const pick = (n: number) => live[n % live.length]!;
  for (const o of ops) {
    switch (o.op) {
      case "alloc": {
        f.user(o.task);
        const p = heap.allocate(o.size);
        if (p === null) break;
        core.fill(p, 0xa5, o.size, true); // a correct program initializes what it reads
        live.push({ p, size: o.size, task: o.task });
        break;
      }
      case "free": {
        if (live.length === 0) break;
        const i = o.pick % live.length;
        const b = live[i]!;
        f.user(b.task);
        heap.free(b.p);
        live[i] = live[live.length - 1]!;
        live.pop();
        break;
      }
      case "write":
      case "read": {
        if (live.length === 0) break;
        const b = pick(o.pick);
        if (b.size < o.width) break;
        const a = b.p + Math.floor(o.at * (b.size - o.width + 1 - 1e-9));
        f.user(b.task);
        if (o.op === "read") o.width === 4 ? core.read32(a) : o.width === 2 ? core.read16(a) : core.read8(a);
        else if (o.width === 4) core.write32(a, o.value);
        else if (o.width === 2) core.write16(a, o.value);
        else core.write8(a, o.value);
        break;
      }
      case "copy": {
        if (live.length < 2) break;
        const x = pick(o.a);
        const y = pick(o.b);
        if (x === y) break;
        f.user(x.task);
        f.checker.memcpy(x.p, y.p, Math.min(x.size, y.size));
        break;
      }
      case "share": {
        if (live.length === 0) break;
        const b = pick(o.pick);
        if (b.size === 0) break;
        f.checker.share(b.p, b.size);
        core.actor = makeActor(ActorMode.Allocator, b.task);
        core.read8(b.p);
        f.checker.unshare(b.p, b.size);
        break;
      }
      case "stack": {
        const sp = stack + 256 - 32 - 8 * o.depth; // SP stays 8-byte aligned
        f.checker.stackPointer(SENSOR, sp);
        f.user(SENSOR);
        core.write32(sp, sp);
        core.write32(sp + 4, sp);
        core.read32(sp + 4 * (o.depth & 1));
        f.checker.stackPointer(SENSOR, stack + 256);
        break;
      }
    }
  }
  for (const b of live) {
    f.user(b.task);
    heap.free(b.p);
  }
  return f.checker.reports.length;
}

describe("no false positives over long random traces of correct allocator use", () => {
  it("bare allocator and wrapped with redzones and quarantine: no report, nothing thrown", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 200, maxLength: 1500 }), configArb, (ops, config) => {
        expect(run(ops, config)).toBe(0);
      }),
      { seed: 0x5eed, numRuns: 100 },
    );
  });
});

describe("bugs are reported where they are", () => {
  it("any write into a redzone names the block and the distance", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(8, 16, 32),
        fc.integer({ min: 0, max: 31 }),
        fc.boolean(),
        (size, redzone, k, right) => {
          const f = setup();
          f.user(SENSOR);
          const heap = checkedAllocator(f.checker, f.heap, { redzone });
          const p = heap.allocate(size)!;
          const d = k % redzone;
          const a = right ? p + size + d : p - 1 - d;
          f.m.core.write8(a, 1);
          expect(f.checker.reports).toHaveLength(1);
          expect(f.checker.reports[0]).toMatchObject({ kind: "heap-buffer-overflow", address: a });
          expect(f.checker.reports[0]!.block).toMatchObject({
            address: p,
            size,
            relation: right ? "right" : "left",
            distance: right ? d : d + 1,
          });
        },
      ),
      { seed: 0xb06, numRuns: 200 },
    );
  });
});
