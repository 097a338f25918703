import { actorTask, type PeripheralAccess } from "@rtos-sim/hw";
import { DmaEngine, type DmaEnv } from "./dma-engine.js";
import { DmaFrontEnd } from "./dma-front-end.js";
import type { DeviceKind } from "./types.js";

export type { DmaEnv } from "./dma-engine.js";

/**
 * DMA register offsets: the STM32F4/F7/H7 DMA controller's (RM0090 chapter 10, "DMA registers";
 * RM0433 for the H7's DMA1/DMA2, the same layout), stream 0 only. The other streams' registers, HISR
 * and HIFCR read 0 and ignore writes.
 */
export const DmaReg = {
  /** Low interrupt status register (streams 0-3): read-only; stream 0's TEIF0 and TCIF0 ({@link DmaFlag}). */
  LISR: 0x00,
  /** High interrupt status register (streams 4-7): reads 0 (not modelled). */
  HISR: 0x04,
  /** Low interrupt flag clear register: a 1 clears the LISR bit at the same position; reads 0. */
  LIFCR: 0x08,
  /** High interrupt flag clear register: ignored (not modelled). */
  HIFCR: 0x0c,
  /** Stream 0 configuration register ({@link DmaCr}): read-only but for EN while EN is set. */
  S0CR: 0x10,
  /** Stream 0 number of data items to transfer (16 bits, PSIZE units): counts down as items move. */
  S0NDTR: 0x14,
  /** Stream 0 peripheral address: the source in memory-to-memory mode. */
  S0PAR: 0x18,
  /** Stream 0 memory 0 address: the destination in memory-to-memory mode. */
  S0M0AR: 0x1c,
} as const;

/** Bits of SxCR (RM0090, "DMA stream x configuration register (DMA_SxCR)"), those the model acts on. */
export const DmaCr = {
  /** Stream enable: set by software to start, cleared by hardware at the end or on an error. */
  EN: 1 << 0,
  /** Transfer error interrupt enable (stored; the model delivers no DMA interrupt: poll LISR). */
  TEIE: 1 << 2,
  /** Transfer complete interrupt enable (stored; no interrupt is delivered: poll LISR). */
  TCIE: 1 << 4,
  /** Data transfer direction, bits 7:6. */
  DIR_MASK: 3 << 6,
  /** DIR = 10: memory-to-memory (from PAR to M0AR), the only direction the model moves data in. */
  DIR_M2M: 2 << 6,
  /** Peripheral (here: source) address increment after each item. */
  PINC: 1 << 9,
  /** Memory (here: destination) address increment after each item. */
  MINC: 1 << 10,
  /** Shift of PSIZE, bits 12:11: the item size, 00 byte, 01 halfword, 10 word, 11 reserved. */
  PSIZE_SHIFT: 11,
  /** Shift of MSIZE, bits 14:13: which low bits of M0AR the memory port ignores (an item moves with PSIZE's width). */
  MSIZE_SHIFT: 13,
} as const;

/** Stream 0's flags in LISR and their clear bits in LIFCR (RM0090, "DMA_LISR" and "DMA_LIFCR"). */
export const DmaFlag = {
  /** Transfer error: a bus error on a beat (unmapped, read-only, or memory the DMA cannot reach). */
  TEIF0: 1 << 3,
  /** Transfer complete: every item moved, or the stream disabled by software. */
  TCIF0: 1 << 5,
} as const;

/** SxCR's writable bits (27:0; 31:28 are reserved). */
const CR_BITS = 0x0fff_ffff;
/** Stream 0's flag bits in LISR/LIFCR: FEIF0, DMEIF0, TEIF0, HTIF0, TCIF0 (only TEIF0 and TCIF0 are ever set). */
const STREAM0_FLAGS = 0x3d;

/**
 * The address a stream's port uses for `address` with a data size of `size` (0 byte, 1 halfword,
 * 2 word): RM0090's DMA_SxPAR and DMA_SxM0AR, "When PSIZE [MSIZE] is 01 (half-word), the PAR[0]
 * [M0A[0]] bit is ignored. Access is automatically aligned to a half-word address. When PSIZE
 * [MSIZE] is 10 (word), PAR[1] and PAR[0] are ignored". The register keeps what was written.
 * Size 11 (reserved) ignores no bit (PSIZE = 11 does not start the stream).
 */
function alignDown(address: number, size: number): number {
  return size === 1 ? (address & ~1) >>> 0 : size === 2 ? (address & ~3) >>> 0 : address;
}

/**
 * A DMA controller modelled on the STM32F4's (RM0090 chapter 10, "DMA controller"), reduced to
 * what shows the one fact every MPU lesson must teach: the Cortex-M MPU checks the core's own
 * accesses only, and the DMA is another bus master. One stream (stream 0) copies memory to
 * memory (DIR = 10) from S0PAR to S0M0AR, NDTR items of PSIZE bytes, the addresses incremented
 * when PINC/MINC say so. Its accesses go through its bus master (`BusMaster` of @rtos-sim/hw): the bus decodes them, but
 * no MPU and no privilege check them, so a task granted this device's registers can copy into any
 * memory the DMA reaches, another task's partition or the kernel's own included.
 *
 * **Errors** (RM0090, "Error management"): a beat the bus refuses (an unmapped address, a
 * write to flash, memory the DMA has no path to: the STM32F407's CCM, the STM32H7's TCMs, marked
 * `dmaReachable: false` by the board) sets TEIF0 and clears EN, and the transfer stops there:
 * NDTR keeps the items not moved. The CPU takes no fault.
 *
 * **Time**: an item costs a read and a write, each charged as the core's accesses are (1 + the
 * memory's wait states, 2 for a device register; docs/timing.md), the figure taken from the
 * first item's source and destination for the whole transfer; the stream's arbitration and FIFO
 * are not modelled. Item `i` (from 0) lands at `start + (i + 1) x beat`, but the model moves the
 * items that are due only when time is observed: at any access to the DMA's registers (so
 * polling LISR or NDTR sees exact progress), at each task switch (the kernel catches the DMA up
 * after idle time), and at the completion time itself (an alarm shared with the SysTick and the
 * watchdog: the first core access or charged cycle past it). Between those, due items are not
 * yet visible in memory; every item has landed, in order, by the time anything but the
 * destination's own bytes could tell. So a buffer freed before the transfer completes receives
 * its bytes later, as on the silicon, and the memory checker reports them as the DMA's writes.
 *
 * **Not modelled** (project choices): the other seven streams, peripheral-request transfers (DIR
 * 00 and 01: EN is set and nothing moves, as no request ever comes), circular and double-buffer
 * modes, the FIFO's packing (an item is read and written with PSIZE's width: the same bytes land),
 * half-transfer, FIFO and direct-mode flags, and the DMA's interrupts (TCIE/TEIE are stored; poll
 * LISR). NDTR = 0 at EN: the stream is enabled and serves nothing (RM0090, DMA_SxNDTR). PSIZE = 11
 * (reserved): the EN write is ignored. An address not aligned to its port's data size (PSIZE for
 * PAR, MSIZE for M0AR) has its low bits ignored, as RM0090 says; the register reads back what was
 * written.
 *
 * @example
 * ```ts
 * import { DmaCr, DmaFlag, DmaReg, type TaskContext } from "@rtos-sim/kernel";
 * // A task granted the "dma" role copies 64 bytes, as a driver programs DMA2 stream 0:
 * function* copy64(t: TaskContext, dma: number, src: number, dst: number) {
 *   t.write32(dma + DmaReg.S0PAR, src);
 *   t.write32(dma + DmaReg.S0M0AR, dst);
 *   t.write32(dma + DmaReg.S0NDTR, 16);
 *   t.write32(dma + DmaReg.S0CR, DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | DmaCr.EN);
 *   while ((t.read32(dma + DmaReg.LISR) & DmaFlag.TCIF0) === 0) yield* t.yield();
 *   t.write32(dma + DmaReg.LIFCR, DmaFlag.TCIF0);
 * }
 * ```
 */
export class Dma extends DmaFrontEnd {
  /** Which register interface this is: the key of the controller's driver ({@link DMA_DRIVERS}). */
  readonly kind = "stm32-dma" as const;
  readonly name: string;
  /** 1 KiB of registers, as the STM32F4's DMA1 and DMA2 blocks. */
  readonly size = 0x400;
  private lisr = 0;
  private cr = 0;
  private ndtr = 0;
  private par = 0;
  private m0ar = 0;
  /** The transfer engine shared with the other controller models ({@link DmaEngine}). */
  protected readonly engine: DmaEngine;

  constructor(name: string, env: DmaEnv) {
    super();
    this.name = name;
    this.engine = new DmaEngine(env, {
      complete: () => this.finish(DmaFlag.TCIF0, this.ndtr),
      error: (_err, done) => this.finish(DmaFlag.TEIF0, done),
    });
  }

  protected register(reg: number): number {
    switch (reg) {
      case DmaReg.LISR:
        return this.lisr;
      case DmaReg.S0CR:
        return this.cr;
      case DmaReg.S0NDTR: {
        const p = this.engine.progress();
        return p === null ? this.ndtr : p.total - p.done;
      }
      case DmaReg.S0PAR:
        return this.par;
      case DmaReg.S0M0AR:
        return this.m0ar;
      default:
        return 0;
    }
  }

  /**
   * Writes the register at `reg` (after the items due landed, as {@link DmaFrontEnd.write} does). While EN is
   * set, NDTR, PAR, M0AR and every SxCR bit but EN are read-only (RM0090, the SxCR to SxM0AR
   * descriptions); a write clearing EN stops the stream after the items due (RM0090, "DMA
   * transfer suspension": TCIF set, NDTR holding the items left).
   */
  protected writeRegister(reg: number, merge: (old: number) => number, access: PeripheralAccess): void {
    const enabled = (this.cr & DmaCr.EN) !== 0;
    switch (reg) {
      case DmaReg.LIFCR:
        this.lisr &= ~(merge(0) & STREAM0_FLAGS);
        return;
      case DmaReg.S0CR: {
        const next = merge(this.cr) & CR_BITS;
        if (enabled) {
          if ((next & DmaCr.EN) === 0) this.disable();
          return;
        }
        this.cr = next & ~DmaCr.EN;
        if ((next & DmaCr.EN) !== 0) this.enable(actorTask(access.actor));
        return;
      }
      case DmaReg.S0NDTR:
        if (!enabled) this.ndtr = merge(this.ndtr) & 0xffff;
        return;
      case DmaReg.S0PAR:
        if (!enabled) this.par = merge(this.par);
        return;
      case DmaReg.S0M0AR:
        if (!enabled) this.m0ar = merge(this.m0ar);
        return;
      default:
        return;
    }
  }

  /** EN written 1 by `task` (0: not a task): a memory-to-memory transfer starts. */
  private enable(task: number): void {
    const psize = (this.cr >>> DmaCr.PSIZE_SHIFT) & 3;
    if (psize === 3) return; // reserved: the stream does not start
    this.cr |= DmaCr.EN;
    if ((this.cr & DmaCr.DIR_MASK) !== DmaCr.DIR_M2M || this.ndtr === 0) return; // nothing to serve
    const width = (1 << psize) as 1 | 2 | 4;
    this.engine.start(
      {
        src: alignDown(this.par, psize),
        dst: alignDown(this.m0ar, (this.cr >>> DmaCr.MSIZE_SHIFT) & 3),
        width,
        total: this.ndtr,
        srcStep: (this.cr & DmaCr.PINC) !== 0 ? width : 0,
        dstStep: (this.cr & DmaCr.MINC) !== 0 ? width : 0,
      },
      task,
    );
  }

  /** EN written 0 while the stream runs: it stops where it is, TCIF0 set, NDTR the items left. */
  private disable(): void {
    this.cr &= ~DmaCr.EN;
    this.lisr |= DmaFlag.TCIF0;
    const done = this.engine.stop();
    if (done !== null) this.ndtr -= done;
  }

  /** The transfer ended (engine) after `done` items: `flag` set, EN cleared, NDTR the items not moved. */
  private finish(flag: number, done: number): void {
    this.lisr |= flag;
    this.cr &= ~DmaCr.EN;
    this.ndtr -= done;
  }
}

/** The RM0090 stream model's kind (the `dma` role's model for any device not named GPDMA<n>: {@link dmaDevice}). */
export const dmaStreamDevice: DeviceKind<Dma> = {
  summary: "DMA controller, stream 0 memory-to-memory (STM32F4 registers): a bus master the MPU does not check",
  create: (name, env) => new Dma(name, { master: env.busMaster(), cycles: () => env.cycles(), alarm: env.alarm() }),
};
