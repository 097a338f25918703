import { KernelError } from "../errors.js";
import { DmaCr, DmaFlag, DmaReg } from "./dma.js";
import type { DmaControllerKind } from "./dma-controller.js";
import { GpdmaCr, GpdmaFlag, GpdmaReg, GpdmaTr1, GpdmaTr2 } from "./gpdma.js";
import { RpDmaCtrl, type RpDmaCtrlFields, RpDmaReg } from "./rp2040-dma.js";
import { Rp2350DmaCtrl, Rp2350DmaMpu, Rp2350DmaReg, Rp2350Seccfg } from "./rp2350-dma.js";

/** What a driver reads and writes the controller's registers through: the core (a kernel) or a task's context (its MPU view). */
export interface DmaPort {
  /** A 32-bit load from `address` (a register). */
  read32(address: number): number;
  /** A 32-bit store of `value` at `address`. */
  write32(address: number, value: number): void;
}

/** A memory-to-memory copy as a driver asks for it. */
export interface DmaCopyRequest {
  /** Source address (aligned to the item size). */
  readonly src: number;
  /** Destination address (aligned to the item size). */
  readonly dst: number;
  /** Bytes to copy (a multiple of the item size; at most {@link DmaDriver.maxItems} items). */
  readonly bytes: number;
  /** log2 of the item size: 0 bytes, 1 halfwords, 2 words. */
  readonly size: 0 | 1 | 2;
}

/**
 * A minimal driver for one DMA controller model, as a C driver would program it through its
 * registers (every access a real load or store, charged and checked as the caller's): what the
 * kernel's `dma-copy` and the `dma` app use, so one program runs on both controllers.
 */
export interface DmaDriver {
  /** What it programs, for messages, e.g. "stream 0". */
  readonly channel: string;
  /** The status flag a completed copy sets. */
  readonly doneFlag: number;
  /** The status flags an ended copy may show ({@link DmaDriver.doneFlag} and the error flags). */
  readonly endFlags: number;
  /** The error flags among them: a copy that ended with one of them failed. */
  readonly errorFlags: number;
  /** The register offset a driver writes first ({@link DmaDriver.start}): where a task not granted the controller faults. */
  readonly firstRegister: number;
  /** The most items one copy moves with items of `1 << size` bytes. */
  maxItems(size: 0 | 1 | 2): number;
  /** Whether the channel is enabled (a copy programmed and not over). */
  enabled(port: DmaPort, base: number): boolean;
  /** Programs the copy and enables the channel. */
  start(port: DmaPort, base: number, copy: DmaCopyRequest): void;
  /** The end flags set now (0 while the copy runs). */
  flags(port: DmaPort, base: number): number;
  /** Clears `flags` (end flags) in the status register. */
  clear(port: DmaPort, base: number, flags: number): void;
  /**
   * What the kernel does once at boot, privileged, before any task may program the channel
   * (absent: nothing): the RP2350's channel resets Secure-Privileged, so the kernel marks
   * `protect` (its own memory) Secure-Privileged in the DMA MPU, one region each, and lowers the
   * channel to Secure-Unprivileged: a task granted the registers can program it, and its beats
   * cannot reach those ranges.
   */
  prepare?(port: DmaPort, base: number, protect: readonly { readonly base: number; readonly size: number }[]): void;
}

/** RM0090's DMA2 stream 0: PAR, M0AR, NDTR (items), then SxCR with EN (RM0090, "Stream configuration procedure"). */
const streamDriver: DmaDriver = {
  channel: "stream 0",
  doneFlag: DmaFlag.TCIF0,
  endFlags: DmaFlag.TCIF0 | DmaFlag.TEIF0,
  errorFlags: DmaFlag.TEIF0,
  firstRegister: DmaReg.S0PAR,
  maxItems: () => 0xffff,
  enabled: (port, base) => (port.read32(base + DmaReg.S0CR) & DmaCr.EN) !== 0,
  start(port, base, { src, dst, bytes, size }) {
    port.write32(base + DmaReg.S0PAR, src);
    port.write32(base + DmaReg.S0M0AR, dst);
    port.write32(base + DmaReg.S0NDTR, bytes >>> size);
    const cr = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (size << DmaCr.PSIZE_SHIFT) | (size << DmaCr.MSIZE_SHIFT);
    port.write32(base + DmaReg.S0CR, cr | DmaCr.EN);
  },
  flags: (port, base) => port.read32(base + DmaReg.LISR) & (DmaFlag.TCIF0 | DmaFlag.TEIF0),
  clear: (port, base, flags) => port.write32(base + DmaReg.LIFCR, flags),
};

/**
 * RM0456's GPDMA1 channel 0: CxSAR, CxDAR, CxBR1 (bytes), CxTR1 (widths, increments), CxTR2
 * (SWREQ: memory to memory), then CxCR with EN (RM0456, "GPDMA channel state and direct
 * programming without any linked-list"; CxLLR stays 0, its reset value).
 */
const gpdmaDriver: DmaDriver = {
  channel: "channel 0",
  doneFlag: GpdmaFlag.TCF,
  endFlags: GpdmaFlag.TCF | GpdmaFlag.DTEF | GpdmaFlag.ULEF | GpdmaFlag.USEF,
  errorFlags: GpdmaFlag.DTEF | GpdmaFlag.ULEF | GpdmaFlag.USEF,
  firstRegister: GpdmaReg.C0SAR,
  maxItems: (size) => 0xffff >>> size,
  enabled: (port, base) => (port.read32(base + GpdmaReg.C0CR) & GpdmaCr.EN) !== 0,
  start(port, base, { src, dst, bytes, size }) {
    port.write32(base + GpdmaReg.C0SAR, src);
    port.write32(base + GpdmaReg.C0DAR, dst);
    port.write32(base + GpdmaReg.C0BR1, bytes);
    const tr1 = (size << GpdmaTr1.SDW_SHIFT) | GpdmaTr1.SINC | (size << GpdmaTr1.DDW_SHIFT) | GpdmaTr1.DINC;
    port.write32(base + GpdmaReg.C0TR1, tr1);
    port.write32(base + GpdmaReg.C0TR2, GpdmaTr2.SWREQ);
    port.write32(base + GpdmaReg.C0CR, GpdmaCr.EN);
  },
  flags: (port, base) =>
    port.read32(base + GpdmaReg.C0SR) & (GpdmaFlag.TCF | GpdmaFlag.DTEF | GpdmaFlag.ULEF | GpdmaFlag.USEF),
  clear: (port, base, flags) => port.write32(base + GpdmaReg.C0FCR, flags),
};

/**
 * The Raspberry Pi DMA's channel 0 with CTRL's fields at `c` (the RP2040's or the RP2350's): the
 * driver below, the same sequence on both.
 */
function rpDriver(c: RpDmaCtrlFields): DmaDriver {
  const errors = (c.READ_ERROR | c.WRITE_ERROR) >>> 0;
  return {
    channel: "channel 0",
    doneFlag: c.EN,
    endFlags: (c.EN | errors) >>> 0,
    errorFlags: errors,
    firstRegister: RpDmaReg.CH0_READ_ADDR,
    maxItems: () => 0xffff_ffff,
    enabled: (port, base) => (port.read32(base + RpDmaReg.CH0_AL1_CTRL) & c.BUSY) !== 0,
    start(port, base, { src, dst, bytes, size }) {
      port.write32(base + RpDmaReg.CH0_READ_ADDR, src);
      port.write32(base + RpDmaReg.CH0_WRITE_ADDR, dst);
      port.write32(base + RpDmaReg.CH0_TRANS_COUNT, bytes >>> size);
      const ctrl =
        c.EN | (size << c.DATA_SIZE_SHIFT) | c.INCR_READ | c.INCR_WRITE | (c.TREQ_PERMANENT << c.TREQ_SEL_SHIFT);
      port.write32(base + RpDmaReg.CH0_CTRL_TRIG, ctrl);
    },
    flags(port, base) {
      const ctrl = port.read32(base + RpDmaReg.CH0_AL1_CTRL);
      if ((ctrl & c.BUSY) !== 0) return 0;
      return (ctrl & errors) !== 0 ? (ctrl & errors) >>> 0 : ctrl & c.EN;
    },
    clear(port, base, flags) {
      const ctrl = port.read32(base + RpDmaReg.CH0_AL1_CTRL);
      const next = (ctrl & ~errors & ~(flags & c.EN)) | (flags & errors);
      port.write32(base + RpDmaReg.CH0_AL1_CTRL, next >>> 0);
    },
  };
}

/**
 * The RP2040's DMA channel 0: READ_ADDR, WRITE_ADDR, TRANS_COUNT (items), then CTRL_TRIG with EN,
 * DATA_SIZE, INCR_READ, INCR_WRITE, TREQ_SEL = 0x3f (permanent: memory to memory) and CHAIN_TO =
 * 0 (itself: no chain), the trigger (RP2040 datasheet 2.5.2, "Starting Channels"; the order the
 * Pico SDK's dma_channel_configure writes them). A task granted the DMA gets the block's first
 * 1 KiB, the channels' registers; INTR (0x400) lies past it, so the driver polls CTRL (through
 * AL1_CTRL, which does not trigger) as the SDK's dma_channel_wait_for_finish_blocking polls BUSY:
 * the flags are 0 while BUSY; when it is low, READ_ERROR or WRITE_ERROR if set, else EN (the
 * done flag: a sequence triggered and over without an error). Clearing writes the error bits back
 * (write one to clear) and clears EN, so a cleared channel shows no end flag; enabled is BUSY.
 */
const rp2040Driver: DmaDriver = rpDriver(RpDmaCtrl);

/**
 * The RP2350's DMA channel 0: the RP2040's sequence with the RP2350's CTRL fields (RP2350
 * datasheet 12.6), and what the kernel does at boot ({@link DmaDriver.prepare}): MPU_BARn and
 * MPU_LARn over each range to protect (Secure, Privileged, enabled; regions 0 up), MPU_CTRL left
 * at reset (every other address Non-secure Unprivileged), then SECCFG_CH0 = S (Secure,
 * Unprivileged), before anything writes the channel's registers and locks it.
 */
const rp2350Driver: DmaDriver = {
  ...rpDriver(Rp2350DmaCtrl),
  prepare(port, base, protect) {
    // A range left out would be open to every task's channel: more than the MPU holds is refused
    // (before any register is written), not cut short.
    if (protect.length > Rp2350DmaMpu.REGIONS) {
      throw new KernelError(
        "BAD_CONFIG",
        `the DMA MPU has ${Rp2350DmaMpu.REGIONS} regions; ${protect.length} ranges of kernel memory and page metadata need one each`,
        { field: "dma", ranges: protect.length, regions: Rp2350DmaMpu.REGIONS },
      );
    }
    protect.forEach((r, n) => {
      if (r.size <= 0) return; // nothing to protect: the region stays disabled
      // BAR's and LAR's granules are 32 bytes, both ends inclusive: the base rounds down and the
      // limit is the granule of the range's last byte, so a range whose ends are not on a granule
      // is covered whole (its last granule taken from base + size - 32 left up to 31 bytes out,
      // and a range under 32 bytes got a limit below its base: no address at all).
      port.write32(base + Rp2350DmaReg.MPU_BAR0 + 8 * n, r.base);
      const limit = (r.base + r.size - 1) & Rp2350DmaMpu.ADDR;
      port.write32(
        base + Rp2350DmaReg.MPU_LAR0 + 8 * n,
        (limit | Rp2350DmaMpu.LAR_S | Rp2350DmaMpu.LAR_P | Rp2350DmaMpu.LAR_EN) >>> 0,
      );
    });
    port.write32(base + Rp2350DmaReg.SECCFG_CH0, Rp2350Seccfg.S);
  },
};

/**
 * The drivers by controller kind (a device's `kind`): `DMA_DRIVERS[kernel.devices.dma.kind]`
 * programs whichever controller the board has.
 *
 * @example
 * ```ts
 * import { DMA_DRIVERS, type Kernel, type TaskContext } from "@rtos-sim/kernel";
 * function* copy64(kernel: Kernel, t: TaskContext, base: number, src: number, dst: number) {
 *   const drv = DMA_DRIVERS[kernel.devices.dma!.kind];
 *   drv.start(t, base, { src, dst, bytes: 64, size: 2 });
 *   while (drv.flags(t, base) === 0) yield* t.yield();
 * }
 * ```
 */
export const DMA_DRIVERS: Readonly<Record<DmaControllerKind, DmaDriver>> = {
  "stm32-dma": streamDriver,
  "stm32-gpdma": gpdmaDriver,
  "rp2040-dma": rp2040Driver,
  "rp2350-dma": rp2350Driver,
};
