import { Cfsr } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CODE_REGION_BYTES } from "./task-record.js";
import { bootTest, victim } from "./test-kit.js";

const XPSR_T = 0x01000000;

/**
 * A task chooses its whole exception frame: it waits in `receive` with its buffer on the frame
 * its SVC stacked ([top - 32, top)), and a partner's 32-byte message lands there. Whatever the
 * eight words, the return either resumes it in its own code or faults it as the core would
 * (INVPC for an exception number in IPSR, INVSTATE for a clear T bit, a fetch fault for a PC
 * outside its code), and nothing else changes: a victim's memory is byte-identical to a run
 * without the forgery.
 */
describe("property: a forged exception frame resumes the task in its own code or faults it; nothing else changes", () => {
  // The layout is deterministic: a trial boot finds the tasks' code and memory.
  const boot = () => {
    const k = bootTest({ queues: [{ name: "f", messageSize: 32, capacity: 1 }] });
    const v = k.spawn(victim("va", 1, k, true));
    return { k, v };
  };
  const trial = boot().k;
  const own = trial.spawn({ name: "r", *main() {} }).code; // the receiver's code, spawned next
  const word = fc.integer({ min: 0, max: 0xffffffff });
  const pc = fc.oneof(
    { arbitrary: fc.integer({ min: own, max: own + CODE_REGION_BYTES - 1 }), weight: 3 },
    fc.integer({ min: 0x08000000, max: 0x08000000 + 8 * CODE_REGION_BYTES - 1 }), // task code, its own and others'
    fc.integer({ min: trial.kernelBlock.base, max: trial.kernelBlock.base + trial.kernelBlock.size - 1 }),
    fc.integer({ min: 0x10000000, max: 0x1000ffff }), // CCM: stacks, heaps, partitions (and IBUSERR: not executable)
    word,
  );
  const xpsr = fc.oneof(
    { arbitrary: fc.constant(XPSR_T), weight: 3 },
    fc.integer({ min: 1, max: 0x1ff }).map((ipsr) => (XPSR_T | ipsr) >>> 0),
    fc.integer({ min: 0, max: 0x00ffffff }), // T clear
    word,
  );

  it("holds for random frames", () => {
    let resumed = 0;
    let faulted = 0;
    fc.assert(
      fc.property(fc.array(word, { minLength: 6, maxLength: 6 }), pc, xpsr, (regs, forgedPc, forgedXpsr) => {
        const run = (forge: boolean) => {
          const { k, v } = boot();
          let after = false;
          const r = k.spawn({
            name: "r",
            priority: 2,
            queues: { f: "receive" },
            *main(t) {
              if (forge) yield* t.receive("f", t.stackTop - 32, 32);
              after = true;
            },
          });
          k.spawn({
            name: "s",
            queues: { f: "send" },
            *main(t) {
              if (!forge) return;
              const p = yield* t.malloc(32);
              for (let i = 0; i < 6; i++) t.write32(p + 4 * i, regs[i]!);
              t.write32(p + 24, forgedPc);
              t.write32(p + 28, forgedXpsr);
              yield* t.send("f", p, 32);
            },
          });
          k.run({ ms: 20 });
          return { k, v, r, after };
        };
        const { k, v, r, after } = run(true);
        const clean = run(false);
        const target = (forgedPc & ~1) >>> 0;
        if ((forgedXpsr & 0x1ff) !== 0) {
          expect([after, k.faults[0]?.kind, k.faults[0]?.hw?.cfsr]).toEqual([false, "usagefault", Cfsr.INVPC]);
          faulted++;
        } else if ((forgedXpsr & XPSR_T) === 0) {
          expect([after, k.faults[0]?.kind, k.faults[0]?.hw?.cfsr]).toEqual([false, "usagefault", Cfsr.INVSTATE]);
          faulted++;
        } else if (target >= r.code && target < r.code + CODE_REGION_BYTES) {
          expect(k.faults).toEqual([]);
          expect([after, r.ctx.pc]).toEqual([true, target]);
          resumed++;
        } else {
          const f = k.faults[0]!;
          expect(after).toBe(false);
          expect([f.task, f.hw?.access.address, f.hw?.access.kind]).toEqual(["r", target, "fetch"]);
          expect([Cfsr.IACCVIOL, Cfsr.IBUSERR]).toContain(f.hw!.cfsr);
          faulted++;
        }
        expect(k.faults.length).toBeLessThanOrEqual(1);
        // The victim ran as in a run without the forgery, its memory byte for byte.
        const bus = k.machine.bus;
        const cbus = clean.k.machine.bus;
        expect(bus.peek(v.stack.base, v.stack.top - v.stack.base)).toEqual(
          cbus.peek(v.stack.base, v.stack.top - v.stack.base),
        );
        expect(bus.peek(v.heap!.base, v.heap!.size)).toEqual(cbus.peek(v.heap!.base, v.heap!.size));
        expect(v.output).toEqual(clean.v.output);
        expect(v.output).toHaveLength(10);
      }),
      { seed: 0x66726d65, numRuns: 120 },
    );
    expect(resumed).toBeGreaterThan(5);
    expect(faulted).toBeGreaterThan(20);
  }, 60_000);
});
