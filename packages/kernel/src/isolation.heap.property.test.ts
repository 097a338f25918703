import { type AccessHook, AccessKind, ActorMode, actorMode, actorTask } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HeapKind } from "./heaps/table.js";
import type { Kernel } from "./kernel.js";
import { bootTest, footprint, victim } from "./test-kit.js";

/** One step of a hostile task: scribble on its own heap, or call the heap syscalls. */
type Step =
  | {
      readonly op: "scribble";
      /** Near a live block (its header, links, footer, the next block's header) or anywhere in the heap. */
      readonly near: boolean;
      readonly pick: number;
      readonly at: number;
      readonly bytes: readonly number[];
    }
  | { readonly op: "malloc"; readonly size: number }
  | { readonly op: "free"; readonly pick: number; readonly offset: number }
  | { readonly op: "realloc"; readonly pick: number; readonly offset: number; readonly size: number };

/** Mostly a live block's own address; now and then a pointer into or before one. */
const rarelyOff = fc.oneof(
  { weight: 19, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(8, -8, 16) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant("scribble" as const),
    near: fc.boolean(),
    pick: fc.nat(),
    at: fc.nat(4095),
    bytes: fc.array(fc.oneof(fc.nat(255), fc.constantFrom(0, 0xff, 0x10, 0x01)), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ op: fc.constant("malloc" as const), size: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ op: fc.constant("free" as const), pick: fc.nat(), offset: rarelyOff }),
  fc.record({
    op: fc.constant("realloc" as const),
    pick: fc.nat(),
    offset: rarelyOff,
    size: fc.integer({ min: 1, max: 900 }),
  }),
);

/** A hook that records every write a task's own code or its allocator makes (no filter: it sees them all). */
function writeRecorder(): AccessHook & { writes: [number, number, number][] } {
  const writes: [number, number, number][] = [];
  return {
    writes,
    onAccess(address, size, kind, _privileged, actor) {
      if (kind !== AccessKind.Write) return;
      const mode = actorMode(actor);
      if (mode === ActorMode.User || mode === ActorMode.Allocator) writes.push([actorTask(actor), address, size]);
    },
  };
}

function boot(): Kernel {
  const k = bootTest();
  k.spawn(victim("va", 1, k, true));
  k.spawn(victim("vb", 2, k, false));
  return k;
}

describe("isolation property: a task that forges anything in its own heap", () => {
  it("never writes outside its grants, never changes another task's bytes, and never stops the kernel", () => {
    const clean = boot();
    clean.spawn({ name: "evil", *main() {} });
    clean.run({ ms: 30 });
    const cleanPrint = footprint(clean, ["va", "vb"]);
    fc.assert(
      fc.property(
        fc.constantFrom<HeapKind>("tlsf", "heap", "slab-array"),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (heap, steps) => {
          const k = boot();
          const rec = writeRecorder();
          k.machine.core.hook = rec;
          const evil = k.spawn({
            name: "evil",
            heap,
            *main(t) {
              yield* t.sleep({ ms: 2 });
              const base = k.task("evil")!.heap!.base;
              const live: number[] = [];
              for (const s of steps) {
                if (s.op === "scribble") {
                  // Near a live block: from its header 8 bytes before it to the next block's header.
                  const from = s.near && live.length > 0 ? live[s.pick % live.length]! - base - 8 + (s.at % 48) : s.at;
                  s.bytes.forEach((b, i) => {
                    t.write8(base + ((from + i) & 4095), b);
                  });
                } else if (s.op === "malloc") {
                  const p = yield* t.malloc(s.size);
                  if (p !== 0) live.push(p);
                } else {
                  const p = live.length > 0 ? live[s.pick % live.length]! + s.offset : base + s.offset;
                  if (s.op === "free") {
                    yield* t.free(p);
                    live.splice(live.indexOf(p), live.includes(p) ? 1 : 0);
                  } else {
                    const q = yield* t.realloc(p, s.size);
                    if (q !== 0) live.splice(live.indexOf(p), live.includes(p) ? 1 : 0, q);
                  }
                }
              }
            },
          });
          const mpuBefore = k.machine.mpu.control;
          const r = k.run({ ms: 30 });
          // The kernel kept scheduling: the victims finished their ten rounds.
          expect(r.reason).toBe("no-tasks");
          expect(k.task("va")!.output).toHaveLength(10);
          expect(k.task("vb")!.output).toHaveLength(10);
          // Every write by the task's code or its allocator stayed in its stack or its heap.
          const inside = (a: number, n: number) =>
            (a >= evil.stack.base && a + n <= evil.stack.top) ||
            (a >= evil.heap!.base && a + n <= evil.heap!.base + evil.heap!.size);
          const stray = rec.writes.filter(([task, a, n]) => task === evil.id && !inside(a, n));
          expect(stray).toEqual([]);
          // Nobody else's bytes changed, and the MPU is as the kernel left it.
          expect(footprint(k, ["va", "vb"])).toEqual(cleanPrint);
          expect(k.machine.mpu.control).toBe(mpuBefore);
          expect(k.machine.mpu.enabled).toBe(true);
          // Whatever it did, it either ran to its end or was stopped by a fault of its own.
          for (const f of k.faults) expect(f.task).toBe("evil");
        },
      ),
      { seed: 0x11, numRuns: 60 },
    );
  });
});
