import { ActorMode, actorMode, type PeripheralAccess } from "@rtos-sim/hw";
import type { DmaEnv } from "./dma-engine.js";
import { RpDma, RpDmaReg, type RpDmaVariant } from "./rp2040-dma.js";
import type { DeviceKind } from "./types.js";

/**
 * RP2350 DMA register offsets (RP2350 datasheet, 12.6.10 "List of Registers"; the Pico SDK's
 * rp2350 `hardware/regs/dma.h`): channel 0's registers and their aliases are at the RP2040's
 * offsets ({@link RpDmaReg}); the global registers after the four IRQs moved, and the security
 * registers are new. Only channel 0 is modelled; channels 1-15 read 0 and ignore writes.
 */
export const Rp2350DmaReg = {
  ...RpDmaReg,
  /** A 1 in bit n triggers channel n (reads 0). */
  MULTI_CHAN_TRIGGER: 0x450,
  /** Sniffer control: reads 0, writes ignored (the sniffer is not modelled). */
  SNIFF_CTRL: 0x454,
  /** Sniffer data accumulator: stored. */
  SNIFF_DATA: 0x458,
  /** A 1 in bit n aborts channel n's sequence (reads 0: the abort is immediate in the model). */
  CHAN_ABORT: 0x464,
  /** The number of channels: 16. */
  N_CHANNELS: 0x468,
  /** Channel 0's security configuration ({@link Rp2350Seccfg}): reset 0x3, Secure and Privileged. */
  SECCFG_CH0: 0x480,
  /** IRQ 0's security configuration (S bit 1, P bit 0): reset 0x3. */
  SECCFG_IRQ0: 0x4c0,
  /** IRQ 1's security configuration: reset 0x3. */
  SECCFG_IRQ1: 0x4c4,
  /** Miscellaneous security configuration (the sniffer's and the pacing timers'): reset 0x3ff, stored. */
  SECCFG_MISC: 0x4d0,
  /** The DMA MPU's control ({@link Rp2350DmaMpu}): the attributes of addresses no enabled region covers. */
  MPU_CTRL: 0x500,
  /** DMA MPU region 0's base address (bits 31:5); region n's at `MPU_BAR0 + 8n`, n < 8. */
  MPU_BAR0: 0x504,
  /** DMA MPU region 0's limit address (bits 31:5), S, P and EN; region n's at `MPU_LAR0 + 8n`. */
  MPU_LAR0: 0x508,
} as const;

/** Fields of CHx_CTRL_TRIG on the RP2350 (datasheet 12.6.10, CH0_CTRL_TRIG): the RP2040's, moved up by the two REV bits. */
export const Rp2350DmaCtrl = {
  /** Enable. */
  EN: 1 << 0,
  /** High priority (stored). */
  HIGH_PRIORITY: 1 << 1,
  /** Shift of DATA_SIZE, bits 3:2. */
  DATA_SIZE_SHIFT: 2,
  /** The read address steps by the data size. */
  INCR_READ: 1 << 4,
  /** With INCR_READ, the read address decrements; without it, it steps twice the data size. */
  INCR_READ_REV: 1 << 5,
  /** The write address steps by the data size. */
  INCR_WRITE: 1 << 6,
  /** With INCR_WRITE, the write address decrements; without it, it steps twice the data size. */
  INCR_WRITE_REV: 1 << 7,
  /** Shift of RING_SIZE, bits 11:8. */
  RING_SIZE_SHIFT: 8,
  /** The ring applies to the write address. */
  RING_SEL: 1 << 12,
  /** Shift of CHAIN_TO, bits 16:13 (stored: the chained channels are not modelled). */
  CHAIN_TO_SHIFT: 13,
  /** Shift of TREQ_SEL, bits 22:17. */
  TREQ_SEL_SHIFT: 17,
  /** TREQ_SEL's permanent request: unpaced, memory to memory. */
  TREQ_PERMANENT: 0x3f,
  /** No IRQ at a sequence's end; one at a null trigger instead. */
  IRQ_QUIET: 1 << 23,
  /** Each item's bytes reversed. */
  BSWAP: 1 << 24,
  /** The beats visible to the sniffer (stored). */
  SNIFF_EN: 1 << 25,
  /** Read-only: a sequence triggered and not over. */
  BUSY: 1 << 26,
  /** A refused write beat; a 1 written clears it. */
  WRITE_ERROR: 1 << 29,
  /** A refused read beat; a 1 written clears it. */
  READ_ERROR: 1 << 30,
  /** Read-only: READ_ERROR or WRITE_ERROR. */
  AHB_ERROR: 1 << 31,
} as const;

/** Fields of SECCFG_CHn (datasheet 12.6.10, SECCFG_CH0). */
export const Rp2350Seccfg = {
  /** The channel's bus accesses are Privileged; it is controllable only from a Privileged (or more Secure) context. */
  P: 1 << 0,
  /** The channel's bus accesses are Secure; it is controllable only from a Secure context. */
  S: 1 << 1,
  /** Set by the first successful write to the channel's registers: SECCFG_CHn is read-only from then on. */
  LOCK: 1 << 2,
} as const;

/** Fields of MPU_CTRL and MPU_LARn, the DMA MPU's (datasheet 12.6.10). */
export const Rp2350DmaMpu = {
  /** MPU_CTRL: addresses no enabled region covers are Privileged. */
  CTRL_P: 1 << 1,
  /** MPU_CTRL: addresses no enabled region covers are Secure. */
  CTRL_S: 1 << 2,
  /** MPU_CTRL: region addresses read 0 to Non-secure reads (stored: the model has no Non-secure state). */
  CTRL_NS_HIDE_ADDR: 1 << 3,
  /** MPU_LARn: the region is enabled. */
  LAR_EN: 1 << 0,
  /** MPU_LARn: the region's addresses are Privileged. */
  LAR_P: 1 << 1,
  /** MPU_LARn: the region's addresses are Secure. */
  LAR_S: 1 << 2,
  /** MPU_BARn and MPU_LARn: the address bits 31:5 (regions are 32-byte granules, both ends inclusive). */
  ADDR: 0xffff_ffe0,
  /** The DMA MPU's regions. */
  REGIONS: 8,
} as const;

/** The RP2350's DMA (datasheet 12.6.10): CTRL's bits 25:0 read-write, a 28-bit count (MODE above it), 16 channels. */
export const RP2350_DMA: RpDmaVariant = {
  ctrl: Rp2350DmaCtrl,
  ctrlBits: 0x03ff_ffff,
  incrReadRev: Rp2350DmaCtrl.INCR_READ_REV,
  incrWriteRev: Rp2350DmaCtrl.INCR_WRITE_REV,
  countBits: 0x0fff_ffff,
  channels: 16,
  regs: Rp2350DmaReg,
};

/** Secure and Privileged: the highest level in SECCFG's order S+P > S+U > NS+P > NS+U (3, 2, 1, 0). */
const SP = 3;
/** The channel bits of an IRQ register. */
const IRQ_BITS = 0xffff;

/**
 * The RP2350's DMA controller (RP2350 datasheet, 12.6 "DMA"): the RP2040's channel 0 ({@link RpDma},
 * the same registers and aliases, CTRL's fields moved, INCR_READ_REV and INCR_WRITE_REV, a 28-bit
 * count) with the RP2350's security on top: channel 0's SECCFG_CH0, SECCFG_IRQ0/1, SECCFG_MISC
 * and the DMA's own MPU.
 *
 * **Levels.** SECCFG's order S+P > S+U > NS+P > NS+U is numbered 3, 2, 1, 0 (S the high bit, P
 * the low one, as SECCFG_CHn holds them). The simulator runs everything Secure (docs/mpu-model.md,
 * PMSAv8), so the core's accesses are S+P (privileged code) or S+U (a task); a beat of channel 0
 * read or written back into the DMA's registers carries the channel's own level.
 *
 * **SECCFG_CH0** resets to 0x3 (Secure, Privileged). It is readable by anyone and writable only at
 * S+P, until LOCK is set: the first successful write to one of channel 0's registers (CTRL,
 * READ_ADDR, WRITE_ADDR, TRANS_COUNT, their aliases) sets it, and the register is read-only from
 * then on. An access below the channel's level may not program, trigger, abort or observe it:
 * the model ignores its writes (a failed write, which does not set LOCK) and reads its channel
 * registers as 0, as the datasheet says INTR's bit of such a channel reads (12.6.10, INTR: "read
 * as 0, ignore writes"); the datasheet does not say what a channel register gives such a read, and
 * no bus error is raised (the project's choice, docs/mpu-model.md). CHAN_ABORT's and
 * MULTI_CHAN_TRIGGER's bit 0 are ignored below the level too. **SECCFG_IRQn** (n = 0, 1, reset
 * 0x3): INTEn, INTFn and INTSn are accessible at its level or above only (read 0, writes ignored
 * below), and channel 0's bit in them is masked when the channel's level is above the IRQ's.
 * **SECCFG_MISC** is stored (writable at S+P): the sniffer and the pacing timers it guards are
 * not modelled.
 *
 * **The DMA MPU** (MPU_CTRL, MPU_BAR0-7, MPU_LAR0-7) gives each address a level: the highest of
 * the enabled regions that hold it (BAR.ADDR <= address[31:5] <= LAR.ADDR; the datasheet does not
 * say which region wins where they overlap: the most protective is the project's choice), or
 * MPU_CTRL's S and P where none does (reset: Non-secure Unprivileged, so at reset it protects
 * nothing). Each beat of channel 0 is checked before it reaches the bus: one to an address of a
 * higher level than the channel's is refused, and the channel stops as for a bus error
 * (READ_ERROR or WRITE_ERROR, its INTR bit raised, the beats before it landed; the engine's
 * reason `"dma-mpu"`), the project's reading of the datasheet's "an access of at least that level
 * is required". MPU_CTRL is accessible from a privileged context only, MPU_BARn and MPU_LARn are
 * writable at S+P only and readable from a privileged context (read 0 and ignore writes
 * otherwise). **Not modelled**: the bus fabric's own filters on the channel's accesses
 * (ACCESSCTRL, datasheet 10.6), IRQ 2 and 3 (INTE2-INTS3 read 0), channels 1-15 (SECCFG_CH1-15
 * read their reset value 0x3 and ignore writes), TRANS_COUNT's MODE (a trigger with MODE other
 * than NORMAL is refused: nothing starts).
 *
 * @example
 * ```ts
 * import type { Core } from "@rtos-sim/hw";
 * import { Rp2350DmaMpu, Rp2350DmaReg, Rp2350Seccfg } from "@rtos-sim/kernel";
 * // The kernel, privileged, before granting channel 0 to a task: its block Secure-Privileged to
 * // the DMA, then the channel lowered to Secure-Unprivileged (the driver's prepare does this).
 * function grantChannel0(core: Core, dma: number, kernelBase: number, kernelEnd: number): void {
 *   core.write32(dma + Rp2350DmaReg.MPU_BAR0, kernelBase);
 *   core.write32(dma + Rp2350DmaReg.MPU_LAR0, ((kernelEnd - 1) & Rp2350DmaMpu.ADDR) | Rp2350DmaMpu.LAR_S | Rp2350DmaMpu.LAR_P | Rp2350DmaMpu.LAR_EN);
 *   core.write32(dma + Rp2350DmaReg.SECCFG_CH0, Rp2350Seccfg.S);
 * }
 * ```
 */
export class Rp2350Dma extends RpDma {
  /** Which register interface this is: the key of the controller's driver ({@link DMA_DRIVERS}). */
  readonly kind = "rp2350-dma" as const;
  private seccfg = SP;
  private readonly seccfgIrq = [SP, SP];
  private seccfgMisc = 0x3ff;
  private mpuCtrl = 0;
  private readonly bar = new Uint32Array(Rp2350DmaMpu.REGIONS);
  private readonly lar = new Uint32Array(Rp2350DmaMpu.REGIONS);

  constructor(name: string, env: DmaEnv) {
    super(name, env, RP2350_DMA, true);
  }

  /** Channel 0's level (SECCFG_CH0's S and P): 3 Secure-Privileged at reset. */
  channelLevel(): number {
    return this.seccfg & SP;
  }

  /** The level the DMA MPU gives `address` (see the class's description). */
  levelAt(address: number): number {
    const g = (address & Rp2350DmaMpu.ADDR) >>> 0;
    let level = -1;
    for (let n = 0; n < Rp2350DmaMpu.REGIONS; n++) {
      const lar = this.lar[n]!;
      if ((lar & Rp2350DmaMpu.LAR_EN) === 0) continue;
      if (g >= (this.bar[n]! & Rp2350DmaMpu.ADDR) >>> 0 && g <= (lar & Rp2350DmaMpu.ADDR) >>> 0) {
        level = Math.max(level, (lar >>> 1) & SP);
      }
    }
    return level >= 0 ? level : (this.mpuCtrl >>> 1) & SP;
  }

  /** The level of a core access (Secure: S+P privileged, S+U not), or of a beat of the channel itself. */
  private levelOf(access: PeripheralAccess): number {
    if (actorMode(access.actor) === ActorMode.Dma) return this.channelLevel();
    return access.privileged ? SP : 2;
  }

  /**
   * A beat of [address, address + length) is refused when any 32-byte granule of it is above the
   * channel's level: an enabled region above it overlaps the span, or MPU_CTRL's level is above
   * it and some granule of the span lies in no enabled region. Decided from the eight regions, not
   * granule by granule: the engine asks it of a whole burst, whose span a transfer of 2^28 words
   * makes up to 1 GiB (scanning that took the host seconds). A span past 2^32 wraps to 0.
   */
  protected override refuses(address: number, length: number): boolean {
    const chan = this.channelLevel();
    if (chan === SP || length <= 0) return false; // S+P reaches every level
    const first = Math.floor(address / 32) * 32;
    const last = Math.floor((address + length - 1) / 32) * 32;
    if (last < 2 ** 32) return this.spanRefused(first, last, chan);
    return (
      this.spanRefused(first, 2 ** 32 - 32, chan) || this.spanRefused(0, Math.min(last - 2 ** 32, 2 ** 32 - 32), chan)
    );
  }

  /** Whether a granule of [first, last] (granule addresses, first <= last < 2^32) is above level `chan`. */
  private spanRefused(first: number, last: number, chan: number): boolean {
    const covers: [number, number][] = [];
    for (let n = 0; n < Rp2350DmaMpu.REGIONS; n++) {
      const lar = this.lar[n]!;
      if ((lar & Rp2350DmaMpu.LAR_EN) === 0) continue;
      const lo = Math.max(first, (this.bar[n]! & Rp2350DmaMpu.ADDR) >>> 0);
      const hi = Math.min(last, (lar & Rp2350DmaMpu.ADDR) >>> 0);
      if (lo > hi) continue; // the region misses the span (or is empty)
      if (((lar >>> 1) & SP) > chan) return true;
      covers.push([lo, hi]);
    }
    if (((this.mpuCtrl >>> 1) & SP) <= chan) return false;
    // MPU_CTRL's level is above the channel's: refused unless the regions cover every granule.
    covers.sort((a, b) => a[0] - b[0]);
    let next = first; // the first granule not yet covered
    for (const [lo, hi] of covers) {
      if (lo > next) return true;
      next = Math.max(next, hi + 32);
      if (next > last) return false;
    }
    return next <= last;
  }

  protected override permits(access: PeripheralAccess): boolean {
    return this.levelOf(access) >= this.channelLevel();
  }

  protected override irqChannels(irq: 0 | 1, access: PeripheralAccess): number {
    const level = this.seccfgIrq[irq]! & SP;
    if (this.levelOf(access) < level) return 0;
    return this.channelLevel() > level ? IRQ_BITS & ~1 : IRQ_BITS;
  }

  protected override programmed(): void {
    this.seccfg |= Rp2350Seccfg.LOCK;
  }

  protected override otherRegister(reg: number, access: PeripheralAccess): number {
    const privileged = this.levelOf(access) % 2 === 1;
    switch (reg) {
      case Rp2350DmaReg.SECCFG_CH0:
        return this.seccfg;
      case Rp2350DmaReg.SECCFG_IRQ0:
        return this.seccfgIrq[0]!;
      case Rp2350DmaReg.SECCFG_IRQ1:
        return this.seccfgIrq[1]!;
      case Rp2350DmaReg.SECCFG_MISC:
        return this.seccfgMisc;
      case Rp2350DmaReg.MPU_CTRL:
        return privileged ? this.mpuCtrl : 0;
      default: {
        if (reg > Rp2350DmaReg.SECCFG_CH0 && reg < Rp2350DmaReg.SECCFG_IRQ0) return SP; // SECCFG_CH1-15
        const n = mpuRegister(reg);
        if (n === null || !privileged) return 0;
        return n.lar ? this.lar[n.region]! : this.bar[n.region]!;
      }
    }
  }

  protected override writeOther(reg: number, value: number, access: PeripheralAccess): void {
    const level = this.levelOf(access);
    if (reg === Rp2350DmaReg.MPU_CTRL) {
      if (level % 2 === 1) this.mpuCtrl = value & 0xe;
      return;
    }
    if (level !== SP) return; // the rest is writable from a Secure, Privileged context only
    switch (reg) {
      case Rp2350DmaReg.SECCFG_CH0:
        if ((this.seccfg & Rp2350Seccfg.LOCK) === 0) this.seccfg = value & 7;
        return;
      case Rp2350DmaReg.SECCFG_IRQ0:
        this.seccfgIrq[0] = value & SP;
        return;
      case Rp2350DmaReg.SECCFG_IRQ1:
        this.seccfgIrq[1] = value & SP;
        return;
      case Rp2350DmaReg.SECCFG_MISC:
        this.seccfgMisc = value & 0x3ff;
        return;
      default: {
        const n = mpuRegister(reg);
        if (n === null) return;
        if (n.lar) this.lar[n.region] = value & 0xffff_ffe7;
        else this.bar[n.region] = value & Rp2350DmaMpu.ADDR;
      }
    }
  }
}

/** Which DMA MPU register `reg` is (region and BAR or LAR), or null. */
function mpuRegister(reg: number): { region: number; lar: boolean } | null {
  const at = reg - Rp2350DmaReg.MPU_BAR0;
  if (at < 0 || at >= 8 * Rp2350DmaMpu.REGIONS) return null;
  return { region: at >>> 3, lar: (at & 4) !== 0 };
}

/** The RP2350 DMA controller kind: channel 0 of the RP2350's DMA, with SECCFG_CH0 and the DMA MPU. */
export const rp2350DmaDevice: DeviceKind<Rp2350Dma> = {
  summary:
    "RP2350 DMA, channel 0 memory-to-memory (RP2350 registers) with SECCFG_CH0 and the DMA MPU: a bus master the core's MPU does not check, its own MPU checking each beat's privilege",
  create: (name, env) =>
    new Rp2350Dma(name, { master: env.busMaster(), cycles: () => env.cycles(), alarm: env.alarm() }),
};
