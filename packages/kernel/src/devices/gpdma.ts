import { actorTask, type PeripheralAccess } from "@rtos-sim/hw";
import { DmaEngine, type DmaEnv } from "./dma-engine.js";
import { DmaFrontEnd } from "./dma-front-end.js";
import type { DeviceKind } from "./types.js";

/**
 * GPDMA register offsets: the STM32U5's general purpose DMA controller (RM0456, "GPDMA
 * registers"), its global registers and channel 0's. Channel x's registers sit at
 * `0x50 + 0x80 * x` plus the channel offset (CxLBAR +0x00, CxFCR +0x0C, CxSR +0x10, CxCR +0x14,
 * CxTR1 +0x40, CxTR2 +0x44, CxBR1 +0x48, CxSAR +0x4C, CxDAR +0x50, CxLLR +0x7C); only channel 0
 * is modelled, the other channels' registers read 0 and ignore writes.
 */
export const GpdmaReg = {
  /** Secure configuration register: reads 0, writes ignored (TrustZone not modelled). */
  SECCFGR: 0x00,
  /** Privileged configuration register: reads 0, writes ignored (every channel unprivileged, its reset value). */
  PRIVCFGR: 0x04,
  /** Configuration lock register: reads 0, writes ignored. */
  RCFGLOCKR: 0x08,
  /** Non-secure masked interrupt status: bit 0 is channel 0's (a CxSR flag whose CxCR enable bit is set). */
  MISR: 0x0c,
  /** Secure masked interrupt status: reads 0. */
  SMISR: 0x10,
  /** Channel 0 linked-list base address: reads 0, writes ignored (no linked list; see {@link Gpdma}). */
  C0LBAR: 0x50,
  /** Channel 0 flag clear register: a 1 clears the C0SR flag at the same position ({@link GpdmaFlag}); reads 0. */
  C0FCR: 0x5c,
  /** Channel 0 status register: read-only; IDLEF (reset value 0x00000001) and the flags of {@link GpdmaFlag}. */
  C0SR: 0x60,
  /** Channel 0 control register ({@link GpdmaCr}). */
  C0CR: 0x64,
  /** Channel 0 transfer register 1 ({@link GpdmaTr1}): data widths, increments. Read-only while EN is set. */
  C0TR1: 0x90,
  /** Channel 0 transfer register 2 ({@link GpdmaTr2}): the request (SWREQ: memory to memory). Read-only while EN. */
  C0TR2: 0x94,
  /** Channel 0 block register 1: BNDT (bits 15:0), the block's bytes, counting down as beats move. Read-only while EN. */
  C0BR1: 0x98,
  /** Channel 0 source address, advancing as beats move when SINC is set. Read-only while EN. */
  C0SAR: 0x9c,
  /** Channel 0 destination address, advancing as beats move when DINC is set. Read-only while EN. */
  C0DAR: 0xa0,
  /** Channel 0 linked-list address register: reads 0, writes ignored (no linked list; see {@link Gpdma}). */
  C0LLR: 0xcc,
} as const;

/** Bits of CxCR (RM0456, "GPDMA channel x control register (GPDMA_CxCR)"), those the model acts on. */
export const GpdmaCr = {
  /** Enable: set by software; cleared by hardware at the transfer's completion or on an error. Writing 0 is ignored. */
  EN: 1 << 0,
  /** Reset (write-only, reads 0): on a suspended or idle channel, clears EN and SUSP and returns it to idle. */
  RESET: 1 << 1,
  /** Suspend: the running transfer stops after the beats due (SUSPF, IDLEF set); cleared, it resumes. */
  SUSP: 1 << 2,
  /** Transfer complete interrupt enable (stored, and seen in MISR; no interrupt is delivered: poll CxSR). */
  TCIE: 1 << 8,
  /** Data transfer error interrupt enable (stored; poll CxSR). */
  DTEIE: 1 << 10,
  /** User setting error interrupt enable (stored; poll CxSR). */
  USEIE: 1 << 12,
} as const;

/** Fields of CxTR1 (RM0456, "GPDMA channel x transfer register 1 (GPDMA_CxTR1)"). */
export const GpdmaTr1 = {
  /** Shift of SDW_LOG2, bits 1:0: the source data width, 1 << SDW_LOG2 bytes (3, 8 bytes: a user setting error). */
  SDW_SHIFT: 0,
  /** Source address incremented by the data width after each beat. */
  SINC: 1 << 3,
  /** Shift of DDW_LOG2, bits 17:16: the destination data width. */
  DDW_SHIFT: 16,
  /** Destination address incremented after each beat. */
  DINC: 1 << 19,
} as const;

/** Fields of CxTR2 (RM0456, "GPDMA channel x transfer register 2 (GPDMA_CxTR2)"). */
export const GpdmaTr2 = {
  /** Software request: the transfer is memory to memory, served as soon as EN is set (0: wait for REQSEL's peripheral). */
  SWREQ: 1 << 9,
} as const;

/** CxSR's flags and their clear bits in CxFCR, at the same positions (RM0456, "GPDMA_CxSR", "GPDMA_CxFCR"). */
export const GpdmaFlag = {
  /** Idle: the channel is disabled or suspended (reset value 1). Not a clear bit. */
  IDLEF: 1 << 0,
  /** Transfer complete: the block's last beat landed. */
  TCF: 1 << 8,
  /** Half transfer (not modelled: never set). */
  HTF: 1 << 9,
  /** Data transfer error: a beat the bus refused (unmapped, read-only, out of the GPDMA's reach); EN cleared. */
  DTEF: 1 << 10,
  /** Update link transfer error (no linked list in the model: never set). */
  ULEF: 1 << 11,
  /** User setting error: EN set with a configuration the channel refuses; nothing moved, EN cleared. */
  USEF: 1 << 12,
  /** Completed suspension: the channel stopped at SUSP. */
  SUSPF: 1 << 13,
  /** Trigger overrun (no triggers in the model: never set). */
  TOF: 1 << 14,
} as const;

/** CxFCR's clear bits (TCF to TOF, bits 14:8). */
const FLAG_BITS = 0x7f00;
/** CxCR's stored bits: EN, SUSP, the interrupt enables 14:8, LSM, LAP, PRIO 23:22 (RESET is write-only). */
const CR_BITS = 0x00c3_7f05;
/** CxTR1's stored bits (SSEC and DSEC, the secure attributes, read 0: TrustZone is not modelled). */
const TR1_BITS = 0x4ffb_7bfb;
/** CxTR2's stored bits: REQSEL, SWREQ, DREQ, BREQ, TRIGM, TRIGSEL, TRIGPOL, TCEM. */
const TR2_BITS = 0xc33f_ce7f;

/**
 * The STM32U5's GPDMA (RM0456 chapter "General purpose direct memory access controller
 * (GPDMA)"), reduced as {@link Dma} is to what shows that the MPU checks only the core's
 * accesses and the DMA is another bus master. Channel 0 copies a block of BNDT bytes from CxSAR
 * to CxDAR, in beats of 1 << SDW_LOG2 bytes, the addresses incremented when SINC/DINC say so,
 * when EN is set with CxTR2.SWREQ = 1 (a software request: memory to memory). Its beats go
 * through the shared transfer engine ({@link DmaEngine}): the same bus master, time per beat
 * (a read and a write, charged as the core's accesses are; docs/timing.md) and settle-on-observe
 * as the STM32F4's DMA2, so the same lesson runs on a PMSAv8 part.
 *
 * **Starting** (RM0456, "GPDMA channel state and direct programming without any linked-list"):
 * EN written 1 checks the configuration first; a user setting error (USEF set, EN cleared,
 * nothing moves) is: a data width of 8 bytes (SDW_LOG2 or DDW_LOG2 = 3), BNDT = 0 (no linked
 * list to reload it), BNDT not a multiple of the source data width, or a source address not
 * aligned to the source data width or a destination address not aligned to the destination data
 * width (the CxTR1 SDW_LOG2/DDW_LOG2 notes: the GPDMA does not ignore low address bits as
 * RM0090's streams do). Else IDLEF clears and the block runs; with SWREQ = 0 it waits for a
 * peripheral request that never comes (EN stays set, nothing moves).
 *
 * **While EN is set** CxTR1, CxTR2, CxBR1, CxSAR and CxDAR are read-only (RM0456, the register
 * descriptions), and BNDT, SAR and DAR read the transfer's progress (the bytes left, the next
 * beat's addresses). Writing EN 0 is ignored; software stops a channel by SUSP (the beats due
 * land, then SUSPF and IDLEF set; clearing SUSP resumes) and RESET on the suspended channel
 * (EN and SUSP cleared, idle; the registers keep the progress, the flags stay until CxFCR). RESET
 * on a running channel is ignored (RM0456: suspend first); on one waiting for a peripheral
 * request, which moves nothing here, it takes effect.
 *
 * **End**: the last beat sets TCF, clears EN and sets IDLEF (BNDT 0). A beat the bus refuses
 * (RM0456, "GPDMA error management": a data transfer error) sets DTEF, clears EN and sets IDLEF;
 * BNDT keeps the bytes not moved (the refused beat's included), SAR and DAR the refused beat's
 * addresses. The CPU takes no fault. Flags are cleared by writing 1 to the same bit of CxFCR.
 *
 * **Not modelled** (project choices): channels 1-15, peripheral requests and triggers (CxTR2
 * is stored), bursts (SBL/DBL stored: the engine moves single beats), the FIFO's padding,
 * truncation and packing (PAM): with SDW_LOG2 ≠ DDW_LOG2 the bytes move as source-width beats,
 * the packed result; the half-transfer flag; the linked list: CxLBAR and CxLLR read 0 and
 * ignore writes, so a driver that reads CxLLR back sees no list was taken, and every block
 * ends its transfer; TrustZone: the board's GPDMA1 is the non-secure alias (0x40020000; the
 * secure alias 0x50020000 is not mapped, TZEN = 0 as the board file says), SECCFGR, SMISR and
 * CxTR1.SSEC/DSEC read 0; privilege: PRIVCFGR reads 0 (every channel unprivileged, the reset
 * value), so the MPU's Device region over the registers is the only guard; interrupts (the
 * enables are stored and MISR shows them; poll CxSR).
 *
 * @example
 * ```ts
 * import { GpdmaCr, GpdmaFlag, GpdmaReg, GpdmaTr1, GpdmaTr2, type TaskContext } from "@rtos-sim/kernel";
 * // A task granted the "dma" role copies 64 bytes, as a driver programs GPDMA1 channel 0:
 * function* copy64(t: TaskContext, gpdma: number, src: number, dst: number) {
 *   t.write32(gpdma + GpdmaReg.C0SAR, src);
 *   t.write32(gpdma + GpdmaReg.C0DAR, dst);
 *   t.write32(gpdma + GpdmaReg.C0BR1, 64);
 *   t.write32(gpdma + GpdmaReg.C0TR1, (2 << GpdmaTr1.SDW_SHIFT) | GpdmaTr1.SINC | (2 << GpdmaTr1.DDW_SHIFT) | GpdmaTr1.DINC);
 *   t.write32(gpdma + GpdmaReg.C0TR2, GpdmaTr2.SWREQ);
 *   t.write32(gpdma + GpdmaReg.C0CR, GpdmaCr.EN);
 *   while ((t.read32(gpdma + GpdmaReg.C0SR) & GpdmaFlag.TCF) === 0) yield* t.yield();
 *   t.write32(gpdma + GpdmaReg.C0FCR, GpdmaFlag.TCF);
 * }
 * ```
 */
export class Gpdma extends DmaFrontEnd {
  /** Which register interface this is: the key of the controller's driver ({@link DMA_DRIVERS}). */
  readonly kind = "stm32-gpdma" as const;
  readonly name: string;
  /** 4 KiB of registers, GPDMA1's block (RM0456 memory map); a task granted it gets the first 1 KiB. */
  readonly size = 0x1000;
  private sr = GpdmaFlag.IDLEF;
  private cr = 0;
  private tr1 = 0;
  private tr2 = 0;
  private bndt = 0;
  private sar = 0;
  private dar = 0;
  /** The running (or suspended) block: its first addresses, beat width and steps, for the progress registers. */
  private block: { src: number; dst: number; width: number; srcStep: number; dstStep: number; beats: number } | null =
    null;
  /** The transfer engine shared with the other controller models ({@link DmaEngine}). */
  protected readonly engine: DmaEngine;
  /** The task that set EN (the DMA's writes are reported as its). */
  private task = 0;
  /** Whether SUSP stopped the enabled channel (until SUSP is cleared or RESET). */
  private suspended = false;

  constructor(name: string, env: DmaEnv) {
    super();
    this.name = name;
    this.engine = new DmaEngine(env, {
      complete: () => this.finish(GpdmaFlag.TCF, this.block?.beats ?? 0),
      error: (_err, done) => this.finish(GpdmaFlag.DTEF, done),
    });
  }

  protected register(reg: number): number {
    const p = this.engine.progress();
    const b = this.block;
    switch (reg) {
      case GpdmaReg.MISR:
        return (this.sr & this.cr & FLAG_BITS) !== 0 ? 1 : 0;
      case GpdmaReg.C0SR:
        return this.sr;
      case GpdmaReg.C0CR:
        return this.cr;
      case GpdmaReg.C0TR1:
        return this.tr1;
      case GpdmaReg.C0TR2:
        return this.tr2;
      case GpdmaReg.C0BR1:
        return p === null || b === null ? this.bndt : (p.total - p.done) * b.width;
      case GpdmaReg.C0SAR:
        return p === null || b === null ? this.sar : (b.src + p.done * b.srcStep) >>> 0;
      case GpdmaReg.C0DAR:
        return p === null || b === null ? this.dar : (b.dst + p.done * b.dstStep) >>> 0;
      default:
        return 0;
    }
  }

  /**
   * Writes the register at `reg` (after the beats due landed, as {@link DmaFrontEnd.write} does). CxFCR clears
   * flags; CxCR sets EN (starting the block), SUSP and RESET; the transfer registers take writes
   * only while EN is clear.
   */
  protected writeRegister(reg: number, merge: (old: number) => number, access: PeripheralAccess): void {
    const enabled = (this.cr & GpdmaCr.EN) !== 0;
    switch (reg) {
      case GpdmaReg.C0FCR:
        this.sr &= ~(merge(0) & FLAG_BITS);
        return;
      case GpdmaReg.C0CR:
        this.control(merge(this.cr), actorTask(access.actor));
        return;
      case GpdmaReg.C0TR1:
        if (!enabled) this.tr1 = merge(this.tr1) & TR1_BITS;
        return;
      case GpdmaReg.C0TR2:
        if (!enabled) this.tr2 = merge(this.tr2) & TR2_BITS;
        return;
      case GpdmaReg.C0BR1:
        if (!enabled) this.bndt = merge(this.bndt) & 0xffff;
        return;
      case GpdmaReg.C0SAR:
        if (!enabled) this.sar = merge(this.sar);
        return;
      case GpdmaReg.C0DAR:
        if (!enabled) this.dar = merge(this.dar);
        return;
      default:
        return;
    }
  }

  /** A CxCR write of `next` (merged) by `task`. */
  private control(next: number, task: number): void {
    const was = this.cr;
    if ((next & GpdmaCr.RESET) !== 0 && (!this.engine.busy || this.suspended)) {
      // RESET on an idle or suspended channel (or one waiting for a peripheral request): EN and
      // SUSP cleared, whatever was written there; the flags stay until CxFCR clears them.
      this.stopBlock();
      this.suspended = false;
      this.cr = next & CR_BITS & ~(GpdmaCr.EN | GpdmaCr.SUSP);
      this.sr |= GpdmaFlag.IDLEF;
      return;
    }
    // EN cannot be cleared by software (writing 0 is ignored); the other bits are stored.
    this.cr = (next & CR_BITS & ~GpdmaCr.EN) | (was & GpdmaCr.EN);
    if ((was & GpdmaCr.EN) === 0) {
      if ((next & GpdmaCr.EN) !== 0) this.enable(task);
      return;
    }
    const suspend = (next & GpdmaCr.SUSP) !== 0;
    if (suspend && !this.suspended) {
      this.stopBlock();
      this.suspended = true;
      this.sr |= GpdmaFlag.SUSPF | GpdmaFlag.IDLEF;
    } else if (!suspend && this.suspended) {
      this.suspended = false;
      this.sr &= ~GpdmaFlag.IDLEF;
      if ((this.tr2 & GpdmaTr2.SWREQ) !== 0) this.run();
    }
  }

  /** EN written 1 by `task` (0: not a task): the configuration checked, then the block starts. */
  private enable(task: number): void {
    this.cr |= GpdmaCr.EN;
    this.task = task;
    const sdw = (this.tr1 >>> GpdmaTr1.SDW_SHIFT) & 3;
    const ddw = (this.tr1 >>> GpdmaTr1.DDW_SHIFT) & 3;
    const width = 1 << sdw;
    const misaligned = this.sar % width !== 0 || this.dar % (1 << ddw) !== 0;
    if (sdw === 3 || ddw === 3 || this.bndt === 0 || this.bndt % width !== 0 || misaligned) {
      this.sr |= GpdmaFlag.USEF;
      this.cr &= ~GpdmaCr.EN;
      return;
    }
    this.sr &= ~GpdmaFlag.IDLEF;
    if ((this.tr2 & GpdmaTr2.SWREQ) === 0) return; // a peripheral request that never comes
    this.run();
  }

  /** Starts the engine on what is left of the block (BNDT, SAR and DAR). */
  private run(): void {
    const width = 1 << ((this.tr1 >>> GpdmaTr1.SDW_SHIFT) & 3);
    const srcStep = (this.tr1 & GpdmaTr1.SINC) !== 0 ? width : 0;
    const dstStep = (this.tr1 & GpdmaTr1.DINC) !== 0 ? width : 0;
    const beats = this.bndt / width;
    this.block = { src: this.sar, dst: this.dar, width, srcStep, dstStep, beats };
    this.engine.start(
      { src: this.sar, dst: this.dar, width: width as 1 | 2 | 4, total: beats, srcStep, dstStep },
      this.task,
    );
  }

  /** Stops the engine after the beats due and keeps the progress in BNDT, SAR and DAR. */
  private stopBlock(): void {
    const done = this.engine.stop();
    if (done !== null) this.keep(done);
  }

  /** The block's progress after `done` beats into BNDT, SAR and DAR. */
  private keep(done: number): void {
    const b = this.block;
    if (b === null) return;
    this.bndt = (b.beats - done) * b.width;
    this.sar = (b.src + done * b.srcStep) >>> 0;
    this.dar = (b.dst + done * b.dstStep) >>> 0;
    this.block = null;
  }

  /** The block ended (engine) after `done` beats: `flag` set, EN cleared, the channel idle. */
  private finish(flag: number, done: number): void {
    this.keep(done);
    this.sr |= flag | GpdmaFlag.IDLEF;
    this.cr &= ~GpdmaCr.EN;
  }
}

/** The GPDMA controller kind: RM0456's channel 0, memory to memory, a bus master the MPU does not check. */
export const gpdmaDevice: DeviceKind<Gpdma> = {
  summary: "GPDMA controller, channel 0 memory-to-memory (STM32U5 registers): a bus master the MPU does not check",
  create: (name, env) => new Gpdma(name, { master: env.busMaster(), cycles: () => env.cycles(), alarm: env.alarm() }),
};
