import { STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { DMA_DRIVERS } from "./devices/dma-driver.js";
import { GpdmaFlag, GpdmaReg } from "./devices/gpdma.js";
import type { FaultRecord } from "./fault-report.js";
import type { Kernel } from "./kernel.js";
import { Errno } from "./syscalls.js";
import type { TaskContext } from "./task-context.js";

const gpdma = DMA_DRIVERS["stm32-gpdma"];

/** Programs GPDMA1 channel 0 from a task, as its driver does: SAR, DAR, BR1, TR1, TR2, then EN. */
function startCopy(t: TaskContext, k: Kernel, src: number, dst: number, bytes: number): void {
  gpdma.start(t, k.device("dma").base, { src, dst, bytes, size: 2 });
}

/** Polls C0SR (sleeping 1 ms between polls) until TCF, DTEF or USEF; returns the flags and clears them. */
function* waitCopy(t: TaskContext, k: Kernel): Generator<unknown, number, unknown> {
  const base = k.device("dma").base;
  while (gpdma.flags(t, base) === 0) yield* t.sleep({ ms: 1 });
  const flags = gpdma.flags(t, base);
  gpdma.clear(t, base, flags);
  return flags;
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + 7 * i) & 0xff);

describe("the STM32U585's GPDMA1 is a bus master the PMSAv8 MPU does not see", () => {
  it("the U585 kernel attaches its GPDMA model at GPDMA1 (0x40020000) for the dma role", () => {
    const k = bootKernel({ board: STM32U585 });
    expect([k.device("dma").base, k.devices.dma!.kind, k.devices.dma!.name]).toEqual([
      0x40020000,
      "stm32-gpdma",
      "GPDMA1",
    ]);
    expect(k.devices.dma!.read(GpdmaReg.C0SR, 4)).toBe(GpdmaFlag.IDLEF);
  });

  it("a task granted GPDMA1 copies over another task's partition; the MPU stops the same store from the core", () => {
    const k = bootKernel({
      board: STM32U585,
      partitions: [
        { name: "shared", size: 1024 },
        { name: "secret", size: 1024 },
      ],
    });
    const shared = k.partitions.get("shared")!.base;
    const secret = k.partitions.get("secret")!.base;
    const faults: FaultRecord[] = [];
    k.events.on("fault", (r) => faults.push(r));
    const flags: number[] = [];
    let started = -1;
    let completes = -1;
    k.spawn({
      name: "keeper",
      priority: 3,
      partitions: { secret: "rw" },
      *main(t) {
        t.writeBytes(secret, pattern(64, 0x10));
        yield* t.yield();
      },
    });
    k.spawn({
      name: "rogue",
      priority: 2,
      partitions: { shared: "rw" },
      devices: ["dma"],
      *main(t) {
        t.writeBytes(shared, pattern(64, 0x80));
        startCopy(t, k, shared, secret, 64); // 64 bytes over another task's partition
        started = k.scheduler.now().cycles;
        completes = k.devices.dma!.completesAt()!;
        flags.push(yield* waitCopy(t, k));
      },
    });
    k.spawn({
      name: "direct",
      priority: 1,
      partitions: { shared: "rw" },
      *main(t) {
        yield* t.yield();
        t.write32(secret, 0); // the same store from the core: the MPU stops it
      },
    });
    k.run({ ms: 10 });
    expect(flags).toEqual([GpdmaFlag.TCF]);
    expect(k.machine.bus.peek(secret, 64)).toEqual(pattern(64, 0x80));
    // 16 words SRAM to SRAM: a 1-cycle read and a 1-cycle write each, 32 cycles after its EN write (as DMA2's).
    expect(completes - started).toBe(32);
    expect(faults.map((f) => [f.task, f.kind, f.hw?.faultAddress])).toEqual([["direct", "memmanage", secret]]);
  });

  it("with the checker: the GPDMA's write into a block freed mid-transfer is one use-after-free by the DMA, as DMA2's is", () => {
    const k = bootKernel({ board: STM32U585, memcheck: true });
    let dst = 0;
    let flags = 0;
    k.spawn({
      name: "sloppy",
      heapSize: 8192,
      devices: ["dma"],
      *main(t) {
        const src = yield* t.malloc(1024);
        dst = yield* t.malloc(1024);
        t.writeBytes(src, pattern(1024, 3));
        startCopy(t, k, src, dst, 1024); // 256 words: 512 cycles
        yield* t.free(dst); // the DMA still writes it
        t.compute(4096);
        flags = yield* waitCopy(t, k);
        yield* t.free(src);
      },
    });
    k.run({ ms: 5 });
    expect(flags).toBe(GpdmaFlag.TCF);
    const reports = k.checker!.reports;
    expect(reports.map((r) => [r.kind, r.mode, r.address, r.size, r.access, r.taskName])).toEqual([
      ["use-after-free", "dma", dst, 1024, "write", "sloppy"],
    ]);
    expect(k.machine.bus.peek(dst + 16, 1008)).toEqual(pattern(1024, 3).subarray(16));
  });

  it("the kernel's dma-copy programs GPDMA1 through its driver: OK with the exact bytes; EFAULT for memory the caller may not read", () => {
    const k = bootKernel({ board: STM32U585, partitions: [{ name: "a", size: 1024 }] });
    const a = k.partitions.get("a")!.base;
    k.machine.bus.load(a, pattern(64, 9));
    const codes: number[] = [];
    k.spawn({
      name: "client",
      partitions: { a: "rw" },
      *main(t) {
        codes.push(yield* t.dmaCopy(a + 512, a, 64));
        codes.push(yield* t.dmaCopy(a + 256, a + 1, 7)); // bytes: 7 one-byte beats
        codes.push(yield* t.dmaCopy(a + 512, k.kernelBlock.base, 64));
      },
    });
    k.run({ ms: 2 });
    expect(codes).toEqual([Errno.OK, Errno.OK, Errno.EFAULT]);
    expect(k.machine.bus.peek(a + 512, 64)).toEqual(pattern(64, 9));
    expect(k.machine.bus.peek(a + 256, 7)).toEqual(pattern(64, 9).subarray(1, 8));
    expect(k.devices.dma!.read(GpdmaReg.C0SR, 4)).toBe(GpdmaFlag.IDLEF); // its flags cleared
  });
});
