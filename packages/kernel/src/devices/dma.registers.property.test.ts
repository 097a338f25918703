import { AccessKind, ActorMode, actorMode, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { DmaCr, DmaFlag, DmaReg } from "./dma.js";

// A task granted DMA2 writes its registers at random: any offset of the block, byte, halfword and
// word accesses, addresses into its own memory, another task's, the kernel's block, the CCM (no
// DMA path), flash, the DMA's own registers and unmapped memory, with yields between. Whatever
// it writes, no exception leaves the kernel, the CCM and flash are untouched (no DMA path to
// either), and the same writes give the same run (every register read, every SRAM byte). While
// the DMA writes only the task's own partition, no task takes a fault (its registers are its to
// write) and the bystander writes all its words. A transfer into the kernel's block or a stack
// may corrupt a record the kernel then refuses (the MPU does not check the DMA: that is the
// model's lesson): a task may then be faulted, and the bystander's words are a prefix of its own.

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
  // Whether a DMA write landed outside partition a (in the kernel's block, a stack, ...).
  let strayed = false;
  k.machine.core.hook = {
    onAccess(address, size, kind, _privileged, actor) {
      const inside = address >= a && address + size <= a + 1024;
      if (actorMode(actor) === ActorMode.Dma && kind === AccessKind.Write && !inside) strayed = true;
    },
  };
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
  return { k, reads, flash, ccm, strayed, sram: Array.from(k.machine.bus.peek(0x2000_0000, 0x1_0000)).join() };
}

describe("DMA2's registers written at random by the task granted them", () => {
  it("a transfer into the kernel's block: the bystander's saved SP rewritten, the kernel faults it, the rogue runs on", () => {
    // The property's shrunk counterexample (seed -36323811): 9 bytes, no source increment, from
    // partition a's first byte (3) to the kernel's block, whose bytes 8.. hold the first TCB's
    // saved SP. The oracle once wanted no fault at all; the kernel refusing the forged SP is right.
    const probe = boot();
    const a = probe.partitions.get("a")!.base;
    const kb = probe.kernelBlock.base;
    expect([a, kb]).toEqual([0x2000_2400, 0x2000_4000]);
    const r = run([
      { kind: "start", src: a, dst: kb, n: 9, cr: DmaCr.DIR_M2M | DmaCr.MINC },
      { kind: "write", offset: 0, size: 1, value: 0x3d },
    ]);
    expect(r.strayed).toBe(true);
    expect(r.k.faults.map((f) => [f.task, f.kind, f.action, f.message])).toEqual([
      [
        "bystander",
        "usagefault",
        "stopped",
        "corrupt saved stack pointer in the TCB: UsageFault UNALIGNED on read of 4 byte(s) at 0x10000b03 while restoring the context",
      ],
    ]);
    const words = Array.from(new Uint32Array(r.k.machine.bus.peek(r.ccm, 1024).buffer));
    // The bystander was faulted at its first switch-in, before its first word.
    expect(words).toEqual(Array.from({ length: 256 }, () => 0));
    // Nine 3s over the block's first words: the saved SP (bytes 8..11) was 0x10000bxx.
    expect([...r.k.machine.bus.peek(kb, 12)]).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 0x0b, 0x00, 0x10]);
    // NDTR after each op (one item, then three moved), then LISR's TCIF0, NDTR 0 and SxCR without EN.
    expect(r.reads).toEqual([8, 6, DmaFlag.TCIF0, 0, DmaCr.DIR_M2M | DmaCr.MINC]);
  });

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
        // The bystander's CCM partition holds its own words and zeros: no DMA path reaches the CCM.
        const words = Array.from(new Uint32Array(first.k.machine.bus.peek(first.ccm, 1024).buffer));
        if (!first.strayed) {
          expect(first.k.faults).toEqual([]);
          expect(words).toEqual(Array.from({ length: 256 }, (_, i) => (i < 20 ? i : 0)));
        } else {
          const written = words.findIndex((w, i) => w !== i);
          expect(written).toBeLessThanOrEqual(20);
          expect(words.slice(written)).toEqual(Array.from({ length: 256 - written }, () => 0));
        }
        expect(first.k.machine.bus.peek(0x0800_0000, 0x1000)).toEqual(first.flash);
        const second = run(ops);
        expect(second.reads).toEqual(first.reads);
        expect(second.sram).toBe(first.sram);
      }),
      { seed: 0x0d3a2, numRuns: 100 },
    );
  });
});
