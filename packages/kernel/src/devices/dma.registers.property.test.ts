import { STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { DmaCr, DmaReg } from "./dma.js";

// A task granted DMA2 writes its registers at random: any offset of the block, byte, halfword and
// word accesses, addresses into its own memory, another task's, the kernel's block, the CCM (no
// DMA path), flash, the DMA's own registers and unmapped memory, with yields between. Whatever
// it writes, no exception leaves the kernel, the task takes no fault (its registers are its to
// write), the CCM and flash are untouched, and the same writes give the same run (every register
// read, every SRAM byte).

const M2M = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC;

function boot() {
  return bootKernel({
    board: STM32F407,
    partitions: [
      { name: "a", size: 1024, region: "SRAM1" },
      { name: "ccm", size: 1024, region: "CCM" },
    ],
  });
}

type Op =
  | { kind: "start"; src: number; dst: number; n: number; cr: number }
  | { kind: "write"; offset: number; size: 1 | 2 | 4; value: number }
  | { kind: "yield" }
  | { kind: "read"; offset: number };

function run(ops: readonly Op[]) {
  const k = boot();
  const dma = k.device("dma").base;
  const a = k.partitions.get("a")!.base;
  const ccm = k.partitions.get("ccm")!.base;
  k.machine.bus.load(
    a,
    Uint8Array.from({ length: 1024 }, (_, i) => (i * 29 + 3) & 0xff),
  );
  const flash = k.machine.bus.peek(0x0800_0000, 0x1000);
  const reads: number[] = [];
  k.spawn({
    name: "bystander",
    priority: 1,
    partitions: { ccm: "rw" },
    *main(t) {
      for (let i = 0; i < 20; i++) {
        t.write32(ccm + 4 * i, i);
        yield* t.yield();
      }
    },
  });
  k.spawn({
    name: "rogue",
    priority: 1,
    devices: ["dma"],
    partitions: { a: "rw" },
    *main(t) {
      for (const op of ops) {
        if (op.kind === "start") {
          // As a driver programs a transfer: addresses, count, then the configuration with EN.
          t.write32(dma + DmaReg.S0PAR, op.src);
          t.write32(dma + DmaReg.S0M0AR, op.dst);
          t.write32(dma + DmaReg.S0NDTR, op.n);
          t.write32(dma + DmaReg.S0CR, op.cr | DmaCr.EN);
        } else if (op.kind === "yield") yield* t.yield();
        else if (op.kind === "read") reads.push(t.read32(dma + op.offset));
        else {
          if (op.size === 4) t.write32(dma + (op.offset & ~3), op.value);
          else if (op.size === 2) t.write16(dma + (op.offset & ~1), op.value & 0xffff);
          else t.write8(dma + op.offset, op.value & 0xff);
        }
        reads.push(t.read32(dma + DmaReg.S0NDTR));
      }
      yield* t.sleep({ ms: 2 });
      reads.push(t.read32(dma + DmaReg.LISR), t.read32(dma + DmaReg.S0NDTR), t.read32(dma + DmaReg.S0CR));
    },
  });
  k.run({ ms: 5 });
  return { k, reads, flash, ccm, sram: Array.from(k.machine.bus.peek(0x2000_0000, 0x1_0000)).join() };
}

describe("DMA2's registers written at random by the task granted them", () => {
  it("no exception, no fault, the CCM and flash untouched, the same run twice", () => {
    const probe = boot();
    const a = probe.partitions.get("a")!.base;
    const targets = [
      a,
      a + 512,
      probe.kernelBlock.base,
      0x1000_0000,
      0x0800_0000,
      probe.device("dma").base,
      0x3000_0000,
      0x2001_fff0,
    ];
    const value = fc.oneof(
      fc.constantFrom(...targets).chain((t) => fc.integer({ min: -8, max: 64 }).map((d) => (t + d) >>> 0)),
      fc
        .integer({ min: 0, max: 3 })
        .chain((psize) =>
          fc.constantFrom(
            M2M | (psize << DmaCr.PSIZE_SHIFT) | DmaCr.EN,
            M2M | (psize << DmaCr.PSIZE_SHIFT),
            DmaCr.EN,
            0,
            DmaCr.DIR_M2M | DmaCr.EN | (psize << DmaCr.PSIZE_SHIFT),
          ),
        ),
      fc.integer({ min: 0, max: 300 }),
      fc.constant(0x3d),
      fc.integer({ min: 0, max: 0xffff_ffff }),
    );
    const address = fc
      .constantFrom(...targets)
      .chain((t) => fc.integer({ min: -8, max: 64 }).map((d) => (t + d) >>> 0));
    const cr = fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean())
      .map(
        ([psize, pinc, minc]) =>
          DmaCr.DIR_M2M | (psize << DmaCr.PSIZE_SHIFT) | (pinc ? DmaCr.PINC : 0) | (minc ? DmaCr.MINC : 0),
      );
    const start = fc.record({
      kind: fc.constant("start" as const),
      src: address,
      dst: address,
      n: fc.integer({ min: 0, max: 40 }),
      cr,
    });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: start, weight: 3 },
      {
        arbitrary: fc.record({
          kind: fc.constant("write" as const),
          offset: fc.integer({ min: 0, max: 0x27 }),
          size: fc.constantFrom(1 as const, 2 as const, 4 as const),
          value,
        }),
        weight: 6,
      },
      fc.record({ kind: fc.constant("yield" as const) }),
      fc.record({ kind: fc.constant("read" as const), offset: fc.integer({ min: 0, max: 9 }).map((w) => 4 * w) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const first = run(ops);
        expect(first.k.faults).toEqual([]);
        // The bystander's CCM partition holds its own words and zeros: no DMA path reaches the CCM.
        const words = new Uint32Array(first.k.machine.bus.peek(first.ccm, 1024).buffer);
        expect(Array.from(words)).toEqual(Array.from({ length: 256 }, (_, i) => (i < 20 ? i : 0)));
        expect(first.k.machine.bus.peek(0x0800_0000, 0x1000)).toEqual(first.flash);
        const second = run(ops);
        expect(second.reads).toEqual(first.reads);
        expect(second.sram).toBe(first.sram);
      }),
      { seed: 0x0d3a2, numRuns: 15 },
    );
  });
});
