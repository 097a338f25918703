import { STM32F407 } from "@rtos-sim/hw";
import { fnv1a64 } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { DmaCr, DmaReg } from "./devices/dma.js";

// The DMA's items land when time is observed (a register access, a switch, its completion
// alarm), not when they fall due. A run cut into windows (`kernel.run` paused at the next
// syscall, `ms` counted from the first run's start) must be the very run made in one call:
// the same register reads at the same cycles, the same bytes, the same checker reports, with
// transfers in flight across the cuts and a buffer freed while one runs.

/** Six transfers of each width from "a" (rewritten each round) into "b" or a heap block, polled and slept over. */
function run(until: readonly number[]) {
  const k = bootKernel({
    board: STM32F407,
    memcheck: true,
    partitions: [
      { name: "a", size: 4096, region: "SRAM1" },
      { name: "b", size: 4096, region: "SRAM1" },
    ],
  });
  const a = k.partitions.get("a")!.base;
  const b = k.partitions.get("b")!.base;
  const dma = k.device("dma").base;
  const log: string[] = [];
  let freed = 0;
  k.spawn({
    name: "driver",
    priority: 2,
    devices: ["dma"],
    region: "SRAM1",
    partitions: { a: "rw", b: "rw" },
    *main(t) {
      for (let r = 0; r < 6; r++) {
        for (let i = 0; i < 256; i++) t.write32(a + 4 * i, r * 1000 + i);
        const p = yield* t.malloc(256);
        t.write32(dma + DmaReg.S0PAR, a);
        t.write32(dma + DmaReg.S0M0AR, r % 2 ? p : b + 8 * r);
        t.write32(dma + DmaReg.S0NDTR, r % 2 ? 64 : 900);
        const psize = (r % 3) << DmaCr.PSIZE_SHIFT;
        t.write32(dma + DmaReg.S0CR, DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | psize | DmaCr.EN);
        if (r === 3) {
          freed = p;
          yield* t.free(p); // while the DMA writes it
        }
        t.compute(100 * r);
        log.push(`${r} NDTR ${t.read32(dma + DmaReg.S0NDTR)} at ${k.scheduler.now().cycles}`);
        yield* t.sleep({ ticks: 1 });
        log.push(`${r} LISR ${t.read32(dma + DmaReg.LISR)} NDTR ${t.read32(dma + DmaReg.S0NDTR)}`);
        t.write32(dma + DmaReg.LIFCR, 0x3d);
        if (r !== 3) yield* t.free(p);
      }
    },
  });
  k.spawn({
    name: "reader",
    priority: 1,
    partitions: { b: "rw" },
    *main(t) {
      for (let i = 0; i < 200; i++) {
        t.compute(5000);
        log.push(`reader ${t.read32(b + 4 * (i % 64))} at ${k.scheduler.now().cycles}`);
        yield* t.yield();
      }
    },
  });
  for (const ms of until) k.run({ ms });
  const sram = k.machine.bus.peek(0x2000_0000, 0x2_0000);
  return {
    log,
    sram: fnv1a64(Array.from(sram, (x) => String.fromCharCode(x)).join("")),
    reports: k.checker!.reports.map((r) => [r.kind, r.mode, r.address - freed]),
    faults: k.faults.length,
  };
}

describe("a run cut into windows is the same run with DMA transfers in flight across the cuts", () => {
  it("one call, 48 windows of 0.25 ms, and uneven cuts: the same reads, cycles, bytes and reports", () => {
    const one = run([12]);
    expect(one.log.length).toBe(212);
    expect(one.log[0]).toMatch(/^0 NDTR \d+ at \d+$/);
    expect(one.reports).toEqual([["use-after-free", "dma", 0]]);
    expect(one.faults).toBe(0);
    const windows = run(Array.from({ length: 48 }, (_, i) => 0.25 * (i + 1)));
    const uneven = run([
      0.013, 0.0131, 0.0133, 0.02, 0.021, 0.5, 0.51, 0.5101, 1, 1.0003, 1.2, 3, 3.0001, 4.9, 7.58, 12,
    ]);
    expect(windows).toEqual(one);
    expect(uneven).toEqual(one);
  });
});
