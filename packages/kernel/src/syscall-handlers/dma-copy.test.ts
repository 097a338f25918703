import { STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelOptions } from "../config.js";
import { DmaCr, DmaReg } from "../devices/dma.js";
import type { Kernel } from "../kernel.js";
import { Errno } from "../syscalls.js";
import type { TaskContext } from "../task-context.js";

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + 5 * i) & 0xff);

/** STM32F407 with partitions "a", "b" and "secret" in SRAM1 (the DMA's reach), "ccm" in the CCM (not). */
function boot(options: Partial<KernelOptions> = {}): Kernel {
  return bootKernel({
    board: STM32F407,
    partitions: [
      { name: "a", size: 1024, region: "SRAM1" },
      { name: "b", size: 1024, region: "SRAM1" },
      { name: "secret", size: 1024, region: "SRAM1" },
      { name: "ccm", size: 1024, region: "CCM" },
    ],
    ...options,
  });
}

/** Runs one task on `k` with rw grants of `parts`, collecting what `body` returns. */
function runTask<T>(k: Kernel, parts: readonly string[], body: (t: TaskContext) => Generator<unknown, T, unknown>): T {
  let out: T | undefined;
  k.spawn({
    name: "client",
    partitions: Object.fromEntries(parts.map((p) => [p, "rw" as const])),
    *main(t) {
      out = yield* body(t);
    },
  });
  k.run({ ms: 5 });
  return out as T;
}

describe("dma-copy: the kernel's DMA service checks both buffers against the caller's view and the DMA's reach", () => {
  it("copies between the caller's own partitions: OK, exact bytes, the transfer's time charged to the call", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    const r = runTask(k, ["a", "b"], function* (t) {
      t.writeBytes(a, pattern(256, 3));
      const before = k.scheduler.now().cycles;
      const words = yield* t.dmaCopy(b, a, 256);
      const wordsCycles = k.scheduler.now().cycles - before;
      const bytes = yield* t.dmaCopy(b + 256, a + 1, 7); // not word-aligned: byte items
      return { words, bytes, wordsCycles };
    });
    expect([r.words, r.bytes]).toEqual([Errno.OK, Errno.OK]);
    expect(k.machine.bus.peek(b, 256)).toEqual(pattern(256, 3));
    expect(k.machine.bus.peek(b + 256, 8)).toEqual(Uint8Array.of(...pattern(256, 3).subarray(1, 8), 0));
    // 64 words at 2 cycles: 128 cycles of transfer inside the call, plus its entry, checks and return.
    expect(r.wordsCycles).toBeGreaterThan(128);
    expect(k.devices.dma!.busy).toBe(false);
    expect(k.faults).toEqual([]);
  });

  it("refuses what the caller may not access itself (EFAULT), what the DMA cannot reach (ENXIO), overlaps (EINVAL); nothing changes", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const secret = k.partitions.get("secret")!.base;
    const ccm = k.partitions.get("ccm")!.base;
    k.machine.bus.load(secret, pattern(64, 9));
    const codes = runTask(k, ["a", "ccm"], function* (t) {
      t.writeBytes(a, pattern(64, 1));
      return [
        yield* t.dmaCopy(secret, a, 64), // into a partition it was not granted
        yield* t.dmaCopy(a, secret, 64), // out of one
        yield* t.dmaCopy(k.kernelBlock.base, a, 16), // into the kernel's block
        yield* t.dmaCopy(ccm, a, 64), // its own, but in the CCM: the DMA has no path there
        yield* t.dmaCopy(a + 8, a, 16), // overlapping
        yield* t.dmaCopy(a, a + 512, 0), // nothing to copy
        yield* t.dmaCopy(0xffff_fff0, a, 32), // past the end of the address space
      ];
    });
    expect(codes).toEqual([
      Errno.EFAULT,
      Errno.EFAULT,
      Errno.EFAULT,
      Errno.ENXIO,
      Errno.EINVAL,
      Errno.OK,
      Errno.EFAULT,
    ]);
    expect(k.machine.bus.peek(secret, 64)).toEqual(pattern(64, 9));
    expect(k.machine.bus.peek(ccm, 64)).toEqual(new Uint8Array(64));
    expect(k.devices.dma!.read(DmaReg.S0NDTR, 4)).toBe(0); // never programmed
    expect(k.faults).toEqual([]);
  });

  it("EBUSY while a task granted the DMA holds the stream enabled; ENODEV on a board without one", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    k.spawn({
      name: "hog",
      priority: 5,
      devices: ["dma"],
      *main(t) {
        const dma = k.device("dma").base;
        t.write32(dma + DmaReg.S0NDTR, 1);
        t.write32(dma + DmaReg.S0CR, DmaCr.EN); // peripheral-to-memory: waits for requests forever
        yield* t.yield();
      },
    });
    const busy = runTask(k, ["a", "b"], function* (t) {
      return yield* t.dmaCopy(b, a, 64);
    });
    expect(busy).toBe(Errno.EBUSY);

    const u = bootKernel({ board: STM32U585, partitions: [{ name: "a", size: 1024 }] });
    const pa = u.partitions.get("a")!.base;
    expect(runTask(u, ["a"], (t) => t.dmaCopy(pa + 512, pa, 64))).toBe(Errno.ENODEV);
  });

  it("with the checker: a freed block as the destination is EFAULT, not a DMA write into it", () => {
    const k = boot({ memcheck: true });
    const a = k.partitions.get("a")!.base;
    let freed = 0;
    const code = runTask(k, ["a"], function* (t) {
      freed = yield* t.malloc(64);
      yield* t.free(freed);
      return yield* t.dmaCopy(freed, a, 64);
    });
    // The task's heap is in the CCM here, out of the DMA's reach too; the caller's own view is
    // checked first, so the freed block is what refuses it.
    expect(freed >>> 16).toBe(0x1000);
    expect(code).toBe(Errno.EFAULT);
    expect(k.checker!.reports).toEqual([]);
  });

  it("a malformed field faults the caller (BAD_ARGUMENT), as every syscall's does", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    runTask(k, ["a"], function* (t) {
      return yield* t.dmaCopy(a, a + 512, 262144);
    });
    expect(k.faults.map((f) => [f.task, f.kind])).toEqual([["client", "bad-syscall"]]);
    expect(k.faults[0]!.message).toContain("BAD_ARGUMENT");
  });
});
