import { MPS2_AN505, RP2040, RP2350, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelOptions } from "../config.js";
import { DmaCr, DmaReg } from "../devices/dma.js";
import { DMA_DRIVERS } from "../devices/dma-driver.js";
import { RpDmaCtrl, RpDmaReg } from "../devices/rp2040-dma.js";
import { type Rp2350Dma, Rp2350DmaReg } from "../devices/rp2350-dma.js";
import type { Kernel } from "../kernel.js";
import { Errno } from "../syscalls.js";
import type { TaskContext } from "../task-context.js";

/** Memory-to-memory, both addresses incremented, 32-bit items. */
const M2M_WORDS = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT);

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

    const u = bootKernel({ board: MPS2_AN505, partitions: [{ name: "a", size: 1024 }] });
    const pa = u.partitions.get("a")!.base;
    expect(runTask(u, ["a"], (t) => t.dmaCopy(pa + 512, pa, 64))).toBe(Errno.ENODEV);
  });

  it("on the RP2350 the kernel's copy runs on the channel it lowered to Secure-Unprivileged: OK, the exact bytes", () => {
    const k = bootKernel({ board: RP2350, partitions: [{ name: "a", size: 1024 }] });
    const pa = k.partitions.get("a")!.base;
    k.machine.bus.load(
      pa,
      Uint8Array.from({ length: 64 }, (_, i) => i),
    );
    expect([k.devices.dma!.kind, k.devices.dma!.read(0x480, 4)]).toEqual(["rp2350-dma", 0x2]);
    expect(runTask(k, ["a"], (t) => t.dmaCopy(pa + 512, pa, 64))).toBe(Errno.OK);
    expect([...k.machine.bus.peek(pa + 512, 64)]).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(k.devices.dma!.read(0x480, 4)).toBe(0x6); // the kernel's writes to the channel locked SECCFG_CH0
  });

  it("on the RP2350 an imageSize off the DMA MPU's 32-byte granule: the image's last bytes are Secure-Privileged too", () => {
    const k = bootKernel({ board: RP2350, imageSize: 8200, partitions: [{ name: "a", size: 1024 }] });
    const dma = k.devices.dma as Rp2350Dma;
    const regs = [Rp2350DmaReg.MPU_BAR0 + 8, Rp2350DmaReg.MPU_LAR0 + 8].map((o) => dma.read(o, 4) >>> 0);
    expect(regs).toEqual([0x2000_0000, 0x2000_2007]); // the image's last byte, 0x20002007, in the limit's granule
    expect([0x2000_2004, 0x2000_2007].map((a) => dma.levelAt(a))).toEqual([3, 3]);
    const pa = k.partitions.get("a")!.base;
    // A task granted the channel reads the image's last word: refused by the DMA MPU, nothing copied.
    const base = k.device("dma").base;
    const driver = DMA_DRIVERS["rp2350-dma"];
    k.machine.bus.load(0x2000_2004, Uint8Array.of(1, 2, 3, 4));
    k.spawn({
      name: "rogue",
      partitions: { a: "rw" },
      devices: ["dma"],
      *main(t) {
        driver.start(t, base, { src: 0x2000_2004, dst: pa, bytes: 4, size: 2 });
        while (driver.flags(t, base) === 0) yield* t.yield();
      },
    });
    k.run({ ms: 5 });
    expect(dma.lastError).toEqual({ address: 0x2000_2004, access: "read", reason: "dma-mpu" });
    expect([...k.machine.bus.peek(pa, 4)]).toEqual([0, 0, 0, 0]);
  });

  it("on the RP2350 each RAM region's page metadata is Secure-Privileged to the DMA: a task's channel cannot rewrite it", () => {
    const k = bootKernel({ board: RP2350, partitions: [{ name: "a", size: 1024 }] });
    const dma = k.devices.dma as Rp2350Dma;
    const metadata = k.regions.regions().map((r) => [r.name, r.metadataStart, r.metadataPages * 1024]);
    expect(metadata).toEqual([
      ["SRAM", 0x2000_2000, 3072],
      ["SRAM8", 0x2008_0000, 1024],
      ["SRAM9", 0x2008_1000, 1024],
    ]);
    // Regions 2-4 after the kernel's block and the image, one per RAM region, granules whole.
    const regs = [2, 3, 4].flatMap((n) => [Rp2350DmaReg.MPU_BAR0 + 8 * n, Rp2350DmaReg.MPU_LAR0 + 8 * n]);
    expect(regs.map((o) => dma.read(o, 4) >>> 0)).toEqual([
      0x2000_2000, 0x2000_2be7, 0x2008_0000, 0x2008_03e7, 0x2008_1000, 0x2008_13e7,
    ]);
    const pa = k.partitions.get("a")!.base;
    const before = [...k.machine.bus.peek(0x2000_2000, 16)];
    const base = k.device("dma").base;
    const driver = DMA_DRIVERS["rp2350-dma"];
    k.spawn({
      name: "rogue",
      partitions: { a: "rw" },
      devices: ["dma"],
      *main(t) {
        t.fill(pa, 0xee, 16);
        driver.start(t, base, { src: pa, dst: 0x2000_2000, bytes: 16, size: 2 });
        while (driver.flags(t, base) === 0) yield* t.yield();
      },
    });
    k.run({ ms: 5 });
    expect(dma.lastError).toEqual({ address: 0x2000_2000, access: "write", reason: "dma-mpu" });
    expect([...k.machine.bus.peek(0x2000_2000, 16)]).toEqual(before);
    expect(k.regions.consistencyCheck()).toEqual([]);
  });

  it("forged fields: the address space's end, its own stack guard, a read-only partition, the same span; nothing changes", () => {
    const k = boot({
      partitions: [
        { name: "a", size: 1024, region: "SRAM1" },
        { name: "ro", size: 1024, region: "SRAM1" },
      ],
    });
    const a = k.partitions.get("a")!.base;
    const ro = k.partitions.get("ro")!.base;
    k.machine.bus.load(ro, pattern(64, 7));
    let guard = 0;
    let guardBefore: Uint8Array = new Uint8Array(0);
    let codes: number[] = [];
    k.spawn({
      name: "client",
      region: "SRAM1",
      partitions: { a: "rw", ro: "ro" },
      *main(t) {
        guard = t.stackBase;
        guardBefore = k.machine.bus.peek(guard, 32);
        codes = [
          yield* t.dmaCopy(0xffff_fffc, a, 4), // the last word of the address space: not its own
          yield* t.dmaCopy(a, 0xffff_ffff, 2), // a span past 2^32
          yield* t.dmaCopy(guard, ro, 32), // into its own stack guard
          yield* t.dmaCopy(a, guard, 32), // out of it
          yield* t.dmaCopy(ro, a, 32), // into the partition it may only read
          yield* t.dmaCopy(a, a, 4), // the same span
          yield* t.dmaCopy(a + 4, a + 1, 4), // overlapping by one byte
          yield* t.dmaCopy(a + 512, ro, 64), // from the read-only partition into its own: fine
          yield* t.dmaCopy(a + 4, a, 4), // adjacent spans: fine
        ];
      },
    });
    k.run({ ms: 5 });
    const { EFAULT, EINVAL, OK } = Errno;
    expect(codes).toEqual([EFAULT, EFAULT, EFAULT, EFAULT, EFAULT, EINVAL, EINVAL, OK, OK]);
    expect(k.machine.bus.peek(guard, 32)).toEqual(guardBefore);
    expect(k.machine.bus.peek(ro, 64)).toEqual(pattern(64, 7));
    expect(k.machine.bus.peek(a + 512, 64)).toEqual(pattern(64, 7));
    expect(k.faults).toEqual([]);
  });

  it("a privileged caller is checked at its privilege: the kernel's block is its to write, its guard and flash are not", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    let codes: number[] = [];
    k.spawn({
      name: "root",
      privileged: true,
      region: "SRAM1",
      partitions: { a: "rw" },
      *main(t) {
        t.writeBytes(a, pattern(16, 0x30));
        codes = [
          yield* t.dmaCopy(t.stackBase, a, 16), // its guard: privileged read-only
          yield* t.dmaCopy(0x0800_0000, a, 16), // flash: its MPU view lets it, no DMA writes flash
          yield* t.dmaCopy(a + 64, 0x0800_0000, 16), // flash as the source: fine
          // OTP and the device signature after it end at 0x1FFF7A28, inside a 32-byte MPU granule:
          // past it is no memory.
          yield* t.dmaCopy(a + 128, 0x1fff_7a00, 48),
          yield* t.dmaCopy(a + 128, 0x1fff_7a00, 40), // the OTP's last 16 bytes and the signature: fine
        ];
      },
    });
    k.run({ ms: 5 });
    expect(codes).toEqual([Errno.EFAULT, Errno.ENXIO, Errno.OK, Errno.EFAULT, Errno.OK]);
    expect(k.machine.bus.peek(a + 64, 16)).toEqual(k.machine.bus.peek(0x0800_0000, 16));
    // The kernel's block, as a privileged task's own stores could: its privilege, not a hole.
    const c = boot();
    const ca = c.partitions.get("a")!.base;
    let code = -1;
    c.spawn({
      name: "root",
      privileged: true,
      partitions: { a: "rw" },
      *main(t) {
        t.writeBytes(ca, pattern(16, 0x30));
        code = yield* t.dmaCopy(c.kernelBlock.base + 1024, ca, 16);
      },
    });
    c.run({ ms: 5 });
    expect(code).toBe(Errno.OK);
    expect(c.machine.bus.peek(c.kernelBlock.base + 1024, 16)).toEqual(pattern(16, 0x30));
  });

  it("EBUSY while a rogue's own transfer writes the caller's buffer; the caller's bytes are the rogue's, not the kernel's", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    k.machine.bus.load(b, pattern(1024, 0x55));
    const dma = k.device("dma").base;
    let busy = -1;
    let after = -1;
    k.spawn({
      name: "rogue",
      priority: 5,
      devices: ["dma"],
      *main(t) {
        t.write32(dma + DmaReg.S0PAR, b);
        t.write32(dma + DmaReg.S0M0AR, a);
        t.write32(dma + DmaReg.S0NDTR, 256); // 256 words into the client's "a": 512 cycles
        t.write32(dma + DmaReg.S0CR, M2M_WORDS | DmaCr.EN);
        yield* t.yield();
      },
    });
    k.spawn({
      name: "client",
      priority: 4,
      partitions: { a: "rw", b: "rw" },
      *main(t) {
        busy = yield* t.dmaCopy(a, b + 512, 64); // while the rogue's transfer runs
        yield* t.sleep({ ms: 1 });
        after = yield* t.dmaCopy(a, b + 512, 64);
      },
    });
    k.run({ ms: 5 });
    expect(busy).toBe(Errno.EBUSY);
    expect(after).toBe(Errno.OK);
    expect(k.machine.bus.peek(a, 64)).toEqual(pattern(1024, 0x55).subarray(512, 576));
    expect(k.machine.bus.peek(a + 64, 960)).toEqual(pattern(1024, 0x55).subarray(64));
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

describe("dma-copy on the RP2040: its DMA's channel 0 through the driver of its kind", () => {
  it("words and bytes copied exactly; the channel left with EN cleared, no error, its last count 7 bytes", () => {
    const k = bootKernel({
      board: RP2040,
      partitions: [
        { name: "a", size: 1024 },
        { name: "b", size: 1024 },
      ],
    });
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    const r = runTask(k, ["a", "b"], function* (t) {
      t.writeBytes(a, pattern(256, 9));
      const words = yield* t.dmaCopy(b, a, 256);
      const bytes = yield* t.dmaCopy(b + 256, a + 1, 7);
      return [words, bytes];
    });
    expect(r).toEqual([Errno.OK, Errno.OK]);
    expect(k.machine.bus.peek(b, 256)).toEqual(pattern(256, 9));
    expect(k.machine.bus.peek(b + 256, 8)).toEqual(Uint8Array.of(...pattern(256, 9).subarray(1, 8), 0));
    const reg = (off: number) => k.devices.dma!.read(off, 4);
    // the last copy: byte items (DATA_SIZE 0), 7 of them, the flags cleared (EN too), not BUSY
    const ctrl = RpDmaCtrl.INCR_READ | RpDmaCtrl.INCR_WRITE | (RpDmaCtrl.TREQ_PERMANENT << RpDmaCtrl.TREQ_SEL_SHIFT);
    expect([reg(RpDmaReg.CH0_AL1_CTRL), reg(RpDmaReg.CH0_DBG_TCR), reg(RpDmaReg.CH0_TRANS_COUNT)]).toEqual([
      ctrl,
      7,
      0,
    ]);
    expect([reg(RpDmaReg.CH0_READ_ADDR), reg(RpDmaReg.CH0_WRITE_ADDR)]).toEqual([a + 8, b + 263]);
  });
});
