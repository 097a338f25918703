import { type Board, STM32F407, STM32U585 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Kernel } from "./kernel.js";
import { GUARD_BYTES, type KTask } from "./task-record.js";
import { bootTest as bootOn, victim } from "./test-kit.js";

/** Whether `t`'s own grants let it (unprivileged) read or write `a`: stack above the guard, heap, partitions (ro for reads). */
function own(k: Kernel, t: KTask, a: number, write: boolean): boolean {
  if (a >= t.stack.base + GUARD_BYTES && a < t.stack.top) return true;
  if (t.heap && a >= t.heap.base && a < t.heap.base + t.heap.size) return true;
  for (const [name, access] of Object.entries(t.spec.partitions ?? {})) {
    const p = k.partitions.get(name)!;
    if (a >= p.base && a < p.base + p.size && (access === "rw" || !write)) return true;
  }
  return false;
}

/**
 * Where the probe pokes, per board: the RAM the kernel manages (stacks, heaps, partitions, the
 * kernel block, the region manager's metadata, the image), as [first, last] word addresses.
 */
const BOARDS: readonly { readonly board: Board; readonly ram: readonly (readonly [number, number])[] }[] = [
  // PMSAv7: CCM and SRAM1/SRAM2.
  {
    board: STM32F407,
    ram: [
      [0x10000000, 0x1000fffc],
      [0x20000000, 0x2001fffc],
    ],
  },
  // PMSAv8 (regions without overlap, the stack guard by PSPLIM): SRAM1 and SRAM4.
  {
    board: STM32U585,
    ram: [
      [0x20000000, 0x2002fffc],
      [0x28000000, 0x28003ffc],
    ],
  },
];

describe.each(BOARDS)(
  "isolation property on $board.name: an unprivileged task touches its own memory and nothing else",
  ({ board, ram }) => {
    const bootTest = (options = {}) => bootOn(options, board);
    // Word addresses anywhere in the board's RAM, and the probe's own blocks (the layout is
    // deterministic: a trial boot finds them), so both outcomes are drawn often.
    const trial = bootTest();
    trial.spawn(victim("va", 1, trial, true));
    const p = trial.spawn({ name: "probe", partitions: { ro: "ro", secret: "rw" }, *main() {} });
    const address = fc.oneof(
      ...ram.map(([lo, hi]) => fc.integer({ min: lo / 4, max: hi / 4 })),
      fc.integer({ min: p.stack.base / 4, max: (p.stack.top - 4) / 4 }),
      fc.integer({ min: p.heap!.base / 4, max: (p.heap!.base + p.heap!.size - 4) / 4 }),
    );
    let inside = 0;
    let outside = 0;

    it("every read or write either succeeds inside its grants or faults at that address, the victim untouched", () => {
      fc.assert(
        fc.property(address, fc.boolean(), (word, write) => {
          const a = word * 4;
          const k = bootTest();
          const v = k.spawn(victim("va", 1, k, true));
          const t = k.spawn({
            name: "probe",
            partitions: { ro: "ro", secret: "rw" },
            *main(ctx) {
              yield* ctx.sleep({ ms: 2 });
              if (write) ctx.write32(a, 0x5a5a5a5a);
              else ctx.read32(a);
              yield* ctx.yield();
            },
          });
          const clean = bootTest();
          clean.spawn(victim("va", 1, clean, true));
          clean.spawn({ name: "probe", partitions: { ro: "ro", secret: "rw" }, *main() {} });
          clean.run({ ms: 20 });
          k.run({ ms: 20 });
          const allowed = own(k, t, a, write);
          if (allowed) {
            inside++;
            expect(k.faults).toEqual([]);
          } else {
            outside++;
            expect(k.faults).toHaveLength(1);
            const f = k.faults[0]!;
            const inGuard = a >= t.stack.base && a < t.stack.base + GUARD_BYTES;
            expect([f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress]).toEqual([
              "probe",
              inGuard ? "stack-overflow" : "memmanage",
              0x82,
              a,
            ]);
          }
          // the victim's stack and heap are byte-identical to a run without the probe's access
          const bus = k.machine.bus;
          const cbus = clean.machine.bus;
          expect(bus.peek(v.stack.base, v.stack.top - v.stack.base)).toEqual(
            cbus.peek(v.stack.base, v.stack.top - v.stack.base),
          );
          expect(bus.peek(v.heap!.base, v.heap!.size)).toEqual(cbus.peek(v.heap!.base, v.heap!.size));
          expect(v.output).toHaveLength(10);
        }),
        { seed: 0x6b65726e, numRuns: 60 },
      );
      expect(inside).toBeGreaterThan(10);
      expect(outside).toBeGreaterThan(10);
    }, 60_000); // 60 runs of three boots each
  },
);
