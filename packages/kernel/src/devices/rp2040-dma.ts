import { actorTask, type PeripheralAccess } from "@rtos-sim/hw";
import { type DmaBeatError, DmaEngine, type DmaEnv, type DmaGuard, ringAddress } from "./dma-engine.js";
import { DmaFrontEnd } from "./dma-front-end.js";
import type { DeviceKind } from "./types.js";

/**
 * RP2040 DMA register offsets (RP2040 datasheet, 2.5.7 "List of Registers"): channel 0's four
 * registers and their three aliases (2.5.2.1 "Control Register Aliases": the last register of
 * each alias is its trigger), and the global registers. Channel n's registers sit at `0x40 * n`
 * plus channel 0's offset; only channel 0 is modelled, channels 1-11 read 0 and ignore writes.
 */
export const RpDmaReg = {
  /** Channel 0's read address: the next beat's source, advancing as beats move when INCR_READ is set. */
  CH0_READ_ADDR: 0x000,
  /** Channel 0's write address: the next beat's destination, advancing when INCR_WRITE is set. */
  CH0_WRITE_ADDR: 0x004,
  /** Channel 0's transfer count: reads the live count (beats left); a write sets the reload value a trigger copies in. */
  CH0_TRANS_COUNT: 0x008,
  /** Channel 0's control and status ({@link RpDmaCtrl}); a trigger. */
  CH0_CTRL_TRIG: 0x00c,
  /** Alias 1: CTRL (no trigger). */
  CH0_AL1_CTRL: 0x010,
  /** Alias 1: READ_ADDR. */
  CH0_AL1_READ_ADDR: 0x014,
  /** Alias 1: WRITE_ADDR. */
  CH0_AL1_WRITE_ADDR: 0x018,
  /** Alias 1: TRANS_COUNT, a trigger (the written count used at once). */
  CH0_AL1_TRANS_COUNT_TRIG: 0x01c,
  /** Alias 2: CTRL (no trigger). */
  CH0_AL2_CTRL: 0x020,
  /** Alias 2: TRANS_COUNT. */
  CH0_AL2_TRANS_COUNT: 0x024,
  /** Alias 2: READ_ADDR. */
  CH0_AL2_READ_ADDR: 0x028,
  /** Alias 2: WRITE_ADDR, a trigger. */
  CH0_AL2_WRITE_ADDR_TRIG: 0x02c,
  /** Alias 3: CTRL (no trigger). */
  CH0_AL3_CTRL: 0x030,
  /** Alias 3: WRITE_ADDR. */
  CH0_AL3_WRITE_ADDR: 0x034,
  /** Alias 3: TRANS_COUNT. */
  CH0_AL3_TRANS_COUNT: 0x038,
  /** Alias 3: READ_ADDR, a trigger. */
  CH0_AL3_READ_ADDR_TRIG: 0x03c,
  /** Raw interrupt status, a bit per channel (bits 15:0); a 1 written clears the bit. */
  INTR: 0x400,
  /** Interrupt enables for DMA IRQ 0 (stored; no interrupt is delivered: poll INTR). */
  INTE0: 0x404,
  /** Force interrupts for IRQ 0 (stored; seen in INTS0). */
  INTF0: 0x408,
  /** Interrupt status for IRQ 0: (INTR | INTF0) & INTE0; a 1 written clears the INTR bit. */
  INTS0: 0x40c,
  /** Interrupt enables for DMA IRQ 1. */
  INTE1: 0x414,
  /** Force interrupts for IRQ 1. */
  INTF1: 0x418,
  /** Interrupt status for IRQ 1: (INTR | INTF1) & INTE1; a 1 written clears the INTR bit. */
  INTS1: 0x41c,
  /** A 1 in bit n triggers channel n, as a write to its trigger register does (reads 0). */
  MULTI_CHAN_TRIGGER: 0x430,
  /** Sniffer control: reads 0, writes ignored (the sniffer is not modelled and stays disabled). */
  SNIFF_CTRL: 0x434,
  /** Sniffer data accumulator: stored (with the sniffer disabled, nothing updates it). */
  SNIFF_DATA: 0x438,
  /** A 1 in bit n aborts channel n's transfer sequence (reads 0: the abort is immediate in the model). */
  CHAN_ABORT: 0x444,
  /** The number of channels the controller has: 12. */
  N_CHANNELS: 0x448,
  /** Channel 0's TRANS_COUNT reload value (the last value written to TRANS_COUNT). */
  CH0_DBG_TCR: 0x804,
} as const;

/** Fields of CHx_CTRL_TRIG (RP2040 datasheet, 2.5.7, "CH0_CTRL_TRIG"). */
export const RpDmaCtrl = {
  /** Enable: triggers start the channel; cleared while BUSY, it pauses the sequence (BUSY stays high). */
  EN: 1 << 0,
  /** High priority in the channels' scheduling (stored: one channel is modelled, nothing to schedule against). */
  HIGH_PRIORITY: 1 << 1,
  /** Shift of DATA_SIZE, bits 3:2: 0 byte, 1 halfword, 2 word (3 reserved). */
  DATA_SIZE_SHIFT: 2,
  /** The read address increments by the data size after each beat. */
  INCR_READ: 1 << 4,
  /** The write address increments by the data size after each beat. */
  INCR_WRITE: 1 << 5,
  /** Shift of RING_SIZE, bits 9:6: 0 no ring, n > 0 only the address's n low bits change. */
  RING_SIZE_SHIFT: 6,
  /** The ring applies to the write address (1) or the read address (0). */
  RING_SEL: 1 << 10,
  /** Shift of CHAIN_TO, bits 14:11: the channel triggered at completion (the channel's own number: none). */
  CHAIN_TO_SHIFT: 11,
  /** Shift of TREQ_SEL, bits 20:15: the transfer request pacing the channel. */
  TREQ_SEL_SHIFT: 15,
  /** TREQ_SEL's permanent request: unpaced, memory to memory. */
  TREQ_PERMANENT: 0x3f,
  /** No IRQ at a sequence's end; one at a null trigger instead. */
  IRQ_QUIET: 1 << 21,
  /** Each halfword's or word's bytes reversed between read and write. */
  BSWAP: 1 << 22,
  /** The channel's beats visible to the sniffer (stored: the sniffer stays disabled, SNIFF_CTRL reads 0). */
  SNIFF_EN: 1 << 23,
  /** Read-only: high from a trigger until the sequence's last beat, an error or an abort. */
  BUSY: 1 << 24,
  /** A write beat the bus refused; a 1 written clears it. */
  WRITE_ERROR: 1 << 29,
  /** A read beat the bus refused; a 1 written clears it. */
  READ_ERROR: 1 << 30,
  /** Read-only: READ_ERROR or WRITE_ERROR. */
  AHB_ERROR: 1 << 31,
} as const;

/** Where a variant of the Raspberry Pi DMA keeps CTRL's fields (the RP2040's {@link RpDmaCtrl}, the RP2350's `Rp2350DmaCtrl`). */
export interface RpDmaCtrlFields {
  /** Enable. */
  readonly EN: number;
  /** Shift of DATA_SIZE (2 bits). */
  readonly DATA_SIZE_SHIFT: number;
  /** The read address increments. */
  readonly INCR_READ: number;
  /** The write address increments. */
  readonly INCR_WRITE: number;
  /** Shift of RING_SIZE (4 bits). */
  readonly RING_SIZE_SHIFT: number;
  /** The ring applies to the write address. */
  readonly RING_SEL: number;
  /** Shift of TREQ_SEL (6 bits). */
  readonly TREQ_SEL_SHIFT: number;
  /** TREQ_SEL's permanent request. */
  readonly TREQ_PERMANENT: number;
  /** No IRQ at a sequence's end. */
  readonly IRQ_QUIET: number;
  /** Bytes reversed within each item. */
  readonly BSWAP: number;
  /** Read-only: a sequence triggered and not over. */
  readonly BUSY: number;
  /** A refused write beat (write one to clear). */
  readonly WRITE_ERROR: number;
  /** A refused read beat (write one to clear). */
  readonly READ_ERROR: number;
  /** Read-only: either error. */
  readonly AHB_ERROR: number;
}

/**
 * What differs between the Raspberry Pi DMA controllers the model covers, channel 0's four
 * registers and their aliases being at the same offsets on both: CTRL's field positions, the
 * global registers' offsets, the channel count and TRANS_COUNT's count field.
 */
export interface RpDmaVariant {
  /** CTRL's fields. */
  readonly ctrl: RpDmaCtrlFields;
  /** CTRL's read-write bits (BUSY and AHB_ERROR read-only, the errors write-one-to-clear). */
  readonly ctrlBits: number;
  /** INCR_READ_REV (the read address decrements, or steps twice the size without INCR_READ), 0 where the controller has none. */
  readonly incrReadRev: number;
  /** INCR_WRITE_REV, the same for the write address, 0 where none. */
  readonly incrWriteRev: number;
  /** TRANS_COUNT's count bits: a trigger with any bit above them set (the RP2350's MODE) is refused. */
  readonly countBits: number;
  /** N_CHANNELS. */
  readonly channels: number;
  /** Offsets of the global registers that moved between the controllers. */
  readonly regs: {
    /** MULTI_CHAN_TRIGGER's offset. */
    readonly MULTI_CHAN_TRIGGER: number;
    /** SNIFF_DATA's offset. */
    readonly SNIFF_DATA: number;
    /** CHAN_ABORT's offset. */
    readonly CHAN_ABORT: number;
    /** N_CHANNELS's offset. */
    readonly N_CHANNELS: number;
  };
}

/** The RP2040's DMA (datasheet 2.5.7): CTRL's bits 23:0 read-write, a 32-bit count, 12 channels. */
export const RP2040_DMA: RpDmaVariant = {
  ctrl: RpDmaCtrl,
  ctrlBits: 0x00ff_ffff,
  incrReadRev: 0,
  incrWriteRev: 0,
  countBits: 0xffff_ffff,
  channels: 12,
  regs: RpDmaReg,
};

/** INTR, INTE and INTF hold a bit per channel, 15:0. */
const IRQ_BITS = 0xffff;

/** A channel-0 register by its offset: which of the four it is and whether the offset triggers. */
const CHANNEL_REGS: Readonly<Record<number, readonly ["read" | "write" | "count" | "ctrl", boolean]>> = {
  0: ["read", false],
  4: ["write", false],
  8: ["count", false],
  12: ["ctrl", true],
  16: ["ctrl", false],
  20: ["read", false],
  24: ["write", false],
  28: ["count", true],
  32: ["ctrl", false],
  36: ["count", false],
  40: ["read", false],
  44: ["write", true],
  48: ["ctrl", false],
  52: ["write", false],
  56: ["count", false],
  60: ["read", true],
};

/** The running sequence as the engine was given it: its first addresses, steps and rings, for the live registers. */
interface Sequence {
  readonly src: number;
  readonly dst: number;
  readonly srcStep: number;
  readonly dstStep: number;
  readonly srcRing: number;
  readonly dstRing: number;
  readonly beats: number;
}

/**
 * The Raspberry Pi DMA controller's channel 0, as the RP2040's (RP2040 datasheet, chapter 2.5
 * "DMA") and, with its security registers added, the RP2350's ({@link Rp2350Dma}) front ends share
 * it ({@link RpDmaVariant} says what moved). Described here as the RP2040's, reduced as {@link Dma} and
 * {@link Gpdma} are to what shows that the MPU checks only the core's accesses and the DMA is
 * another bus master: channel 0, its four registers and their aliases, on the shared transfer
 * engine ({@link DmaEngine}: the same time per beat and settle-on-observe as DMA2 and GPDMA1).
 * The RP2040 has no DMA-side protection at all (no privilege or security attribute on its
 * channels), so a task granted the DMA's registers reaches every byte the DMA does: every RAM.
 *
 * **Starting** (2.5.2 "Starting Channels"): a write to a trigger register (CTRL_TRIG, or the last
 * register of an alias: AL1_TRANS_COUNT_TRIG, AL2_WRITE_ADDR_TRIG, AL3_READ_ADDR_TRIG, or bit 0 of
 * MULTI_CHAN_TRIGGER) starts the channel when EN is set and BUSY is not: BUSY goes high and the
 * reload value (the last TRANS_COUNT written) becomes the live count. A trigger while BUSY or with
 * EN clear is ignored. A zero written to a trigger register other than through CTRL_TRIG is a
 * null trigger: nothing starts, and with IRQ_QUIET set the channel's INTR bit is raised (2.5.4).
 * TREQ_SEL = 0x3f (permanent request) moves a beat as soon as it can: memory to memory. Any other
 * TREQ_SEL (a peripheral's DREQ, a pacing timer) waits for a request that never comes in the model:
 * BUSY stays high, nothing moves, CHAN_ABORT ends it.
 *
 * **Alignment** (2.5.1.1 "Read and Write Addresses", CAUTION: READ_ADDR and WRITE_ADDR must be
 * aligned to DATA_SIZE, and it is up to software; the datasheet says nothing of what an unaligned
 * address does): the model drops the low bits when the channel starts (READ_ADDR and WRITE_ADDR
 * read back aligned down), as RM0090's streams ignore them. DATA_SIZE = 3 (reserved) refuses the
 * trigger: nothing starts, BUSY stays low.
 *
 * **While BUSY** READ_ADDR, WRITE_ADDR and TRANS_COUNT read the sequence's progress (the next
 * beat's addresses, the beats left); TRANS_COUNT written sets only the reload value (CH0_DBG_TCR).
 * Clearing EN pauses the sequence after the beats due (BUSY stays high); setting it resumes. A
 * write to READ_ADDR, WRITE_ADDR or CTRL's fields while BUSY takes effect from the next beat.
 * CHAN_ABORT bit 0 ends the sequence after the beats due: BUSY low, the live count 0, no IRQ
 * (2.5.5.3 "Channel Abort").
 *
 * **End**: the last beat clears BUSY and raises INTR bit 0 unless IRQ_QUIET is set. A beat the
 * bus refuses (unmapped, read-only, out of the DMA's reach) sets READ_ERROR or WRITE_ERROR (and
 * AHB_ERROR), clears BUSY and always raises INTR bit 0 (2.5.7, CH0_CTRL_TRIG: "The channel halts
 * when it encounters any bus error, and always raises its channel IRQ flag"). The datasheet says
 * READ_ADDR and WRITE_ADDR then show the approximate address of the error, not earlier and at most
 * 3 (read) or 5 (write) transfers later; the model gives the refused beat's pair exactly (the
 * earliest the datasheet allows), and TRANS_COUNT the beats not moved, the refused one included.
 * The CPU takes no fault. The error flags are cleared by writing 1 to them through any CTRL alias
 * (AL1_CTRL does not trigger).
 *
 * **Register writes** (2.1.4 "Narrow IO Register Writes"): the RP2040's IO registers ignore the
 * width of a write: a byte or halfword store writes its data replicated across the 32-bit word to
 * the whole register. Reads of a byte or halfword take their lanes of the register.
 *
 * **Modelled faithfully** besides the transfer: DATA_SIZE, INCR_READ, INCR_WRITE, RING_SIZE and
 * RING_SEL (the wrapped address bits), BSWAP (each item's bytes reversed), IRQ_QUIET, the pause,
 * CHAN_ABORT, INTR, INTE0/1, INTF0/1, INTS0/1 (stored and combined; no interrupt is delivered:
 * poll INTR or BUSY). **Stored, with nothing to do in the model** (so the silicon would do the
 * same): HIGH_PRIORITY (one channel); CHAIN_TO (a chained channel is one of 1-11, whose registers
 * read 0 and ignore writes: its EN is clear, so the silicon would ignore the chain trigger too);
 * SNIFF_EN (SNIFF_CTRL reads 0 and ignores writes: the sniffer stays disabled, SNIFF_DATA is a
 * plain register). **Not modelled**: channels 1-11, DREQs and the pacing timers (TIMER0-3 read 0,
 * ignore writes), the FIFOs (FIFO_LEVELS reads 0), the debug registers but CH0_DBG_TCR, the
 * atomic set/clear/XOR register aliases (+0x1000 to +0x3000: outside the device).
 *
 * @example
 * ```ts
 * import { RpDmaCtrl, RpDmaReg, type TaskContext } from "@rtos-sim/kernel";
 * // A task granted the "dma" role copies 64 bytes, as the Pico SDK's dma_channel_configure does:
 * function* copy64(t: TaskContext, dma: number, src: number, dst: number) {
 *   t.write32(dma + RpDmaReg.CH0_READ_ADDR, src);
 *   t.write32(dma + RpDmaReg.CH0_WRITE_ADDR, dst);
 *   t.write32(dma + RpDmaReg.CH0_TRANS_COUNT, 16);
 *   t.write32(dma + RpDmaReg.CH0_CTRL_TRIG, RpDmaCtrl.EN | (2 << RpDmaCtrl.DATA_SIZE_SHIFT) | RpDmaCtrl.INCR_READ |
 *     RpDmaCtrl.INCR_WRITE | (RpDmaCtrl.TREQ_PERMANENT << RpDmaCtrl.TREQ_SEL_SHIFT));
 *   while ((t.read32(dma + RpDmaReg.INTR) & 1) === 0) yield* t.yield();
 *   t.write32(dma + RpDmaReg.INTR, 1);
 * }
 * ```
 */
export abstract class RpDma extends DmaFrontEnd {
  /** Which register interface this is: the key of the controller's driver ({@link DMA_DRIVERS}). */
  abstract readonly kind: "rp2040-dma" | "rp2350-dma";
  readonly name: string;
  /** 4 KiB of registers (the DMA's block up to the debug registers; the atomic aliases follow it). A task granted it gets the first 1 KiB. */
  readonly size = 0x1000;
  private readAddr = 0;
  private writeAddr = 0;
  /** The live transfer count. */
  private count = 0;
  /** The reload value: the last TRANS_COUNT written (CH0_DBG_TCR). */
  private reload = 0;
  /** CTRL's read-write fields (bits 23:0). */
  private ctrl = 0;
  /** READ_ERROR and WRITE_ERROR. */
  private errors = 0;
  /** CTRL.BUSY: a sequence triggered and not over (running, paused or waiting for a request). */
  private active = false;
  private intr = 0;
  private inte0 = 0;
  private intf0 = 0;
  private inte1 = 0;
  private intf1 = 0;
  private sniffData = 0;
  /** The sequence the engine moves, or null (idle, paused, waiting for a request). */
  private sequence: Sequence | null = null;
  /** The transfer engine shared with the other controller models ({@link DmaEngine}). */
  protected readonly engine: DmaEngine;
  /** The task that triggered the channel (the DMA's writes are reported as its). */
  private task = 0;
  /** What differs between the controllers ({@link RpDmaVariant}). */
  protected readonly variant: RpDmaVariant;

  /**
   * The controller `name` of `variant`; when `guarded`, its protected `refuses` checks each beat
   * before the bus does (the RP2350's DMA MPU).
   */
  constructor(name: string, env: DmaEnv, variant: RpDmaVariant, guarded = false) {
    super();
    this.name = name;
    this.variant = variant;
    const guard: DmaGuard | null = guarded ? (address, length, write) => this.refuses(address, length, write) : null;
    this.engine = new DmaEngine(
      env,
      {
        complete: () => this.complete(),
        error: (err, done) => this.error(err, done),
      },
      guard,
    );
  }

  /** Whether the controller's own protection refuses a beat of channel 0 (never on the RP2040: it has none). */
  protected refuses(_address: number, _length: number, _write: boolean): boolean {
    return false;
  }

  /**
   * Whether `access` may program, trigger, abort or read channel 0 (its registers, its INTR bit,
   * CHAN_ABORT's and MULTI_CHAN_TRIGGER's bit 0): always on the RP2040, whose channels have no
   * security attribute; the RP2350 compares the access's level with SECCFG_CH0's.
   */
  protected permits(_access: PeripheralAccess): boolean {
    return true;
  }

  /**
   * The channel bits of interrupt `irq`'s registers (INTEn, INTFn, INTSn) `access` may see and
   * write: every channel on the RP2040; the RP2350's SECCFG_IRQn narrows it.
   */
  protected irqChannels(_irq: 0 | 1, _access: PeripheralAccess): number {
    return IRQ_BITS;
  }

  /** A successful write to one of channel 0's registers (the RP2350 sets SECCFG_CH0.LOCK). */
  protected programmed(): void {}

  /** A register the RP-series core does not know, read by `access` (0: none; the RP2350's security registers). */
  protected otherRegister(_reg: number, _access: PeripheralAccess): number {
    return 0;
  }

  /** A write of `value` to a register the core does not know (ignored; the RP2350's security registers). */
  protected writeOther(_reg: number, _value: number, _access: PeripheralAccess): void {}

  protected register(reg: number, access: PeripheralAccess): number {
    const entry = CHANNEL_REGS[reg];
    if (entry !== undefined) return this.permits(access) ? this.channelRegister(entry[0]) : 0;
    const g = this.variant.regs;
    switch (reg) {
      case RpDmaReg.INTR:
        return this.intr & (this.permits(access) ? IRQ_BITS : ~1);
      case RpDmaReg.INTE0:
        return this.inte0 & this.irqChannels(0, access);
      case RpDmaReg.INTF0:
        return this.intf0 & this.irqChannels(0, access);
      case RpDmaReg.INTS0:
        return (this.intr | this.intf0) & this.inte0 & this.irqChannels(0, access);
      case RpDmaReg.INTE1:
        return this.inte1 & this.irqChannels(1, access);
      case RpDmaReg.INTF1:
        return this.intf1 & this.irqChannels(1, access);
      case RpDmaReg.INTS1:
        return (this.intr | this.intf1) & this.inte1 & this.irqChannels(1, access);
      case g.SNIFF_DATA:
        return this.sniffData;
      case g.N_CHANNELS:
        return this.variant.channels;
      case RpDmaReg.CH0_DBG_TCR:
        return this.permits(access) ? this.reload : 0;
      default:
        return this.otherRegister(reg, access);
    }
  }

  /** Channel 0's register `which`, live while the engine moves a sequence. */
  private channelRegister(which: "read" | "write" | "count" | "ctrl"): number {
    const p = this.engine.progress();
    const s = this.sequence;
    const done = p === null || s === null ? null : p.done;
    switch (which) {
      case "read":
        return done === null ? this.readAddr : ringAddress(s!.src, done, s!.srcStep, s!.srcRing);
      case "write":
        return done === null ? this.writeAddr : ringAddress(s!.dst, done, s!.dstStep, s!.dstRing);
      case "count":
        return done === null ? this.count : s!.beats - done;
      default:
        return (
          (this.ctrl |
            (this.active ? this.variant.ctrl.BUSY : 0) |
            this.errors |
            (this.errors !== 0 ? this.variant.ctrl.AHB_ERROR : 0)) >>>
          0
        );
    }
  }

  /**
   * A store to a register (after the beats due landed): the RP2040's IO registers take every
   * write as 32 bits, a narrow store's data replicated across the word (datasheet 2.1.4; the
   * RP2350 model keeps the rule).
   */
  override write(offset: number, size: 1 | 2 | 4, value: number, access: PeripheralAccess): void {
    this.settle();
    const word =
      size === 4
        ? value >>> 0
        : size === 2
          ? ((value & 0xffff) * 0x1_0001) >>> 0
          : ((value & 0xff) * 0x0101_0101) >>> 0;
    this.writeRegister(offset & ~3, () => word, access);
  }

  protected writeRegister(reg: number, merge: (old: number) => number, access: PeripheralAccess): void {
    const value = merge(0);
    const entry = CHANNEL_REGS[reg];
    const mine = this.permits(access); // whether the access may touch channel 0
    if (entry !== undefined) {
      if (!mine) return; // a failed write: ignored
      this.writeChannel(entry[0], entry[1], value, actorTask(access.actor));
      this.programmed();
      return;
    }
    const g = this.variant.regs;
    switch (reg) {
      case RpDmaReg.INTR:
        this.intr &= ~(value & (mine ? IRQ_BITS : ~1));
        return;
      case RpDmaReg.INTS0:
        this.intr &= ~(value & this.irqChannels(0, access));
        return;
      case RpDmaReg.INTS1:
        this.intr &= ~(value & this.irqChannels(1, access));
        return;
      case RpDmaReg.INTE0:
        this.inte0 = masked(this.inte0, value, this.irqChannels(0, access));
        return;
      case RpDmaReg.INTF0:
        this.intf0 = masked(this.intf0, value, this.irqChannels(0, access));
        return;
      case RpDmaReg.INTE1:
        this.inte1 = masked(this.inte1, value, this.irqChannels(1, access));
        return;
      case RpDmaReg.INTF1:
        this.intf1 = masked(this.intf1, value, this.irqChannels(1, access));
        return;
      case g.MULTI_CHAN_TRIGGER:
        if ((value & 1) !== 0 && mine) this.trigger(1, actorTask(access.actor));
        return;
      case g.SNIFF_DATA:
        this.sniffData = value;
        return;
      case g.CHAN_ABORT:
        if ((value & 1) !== 0 && mine) this.abort();
        return;
      default:
        this.writeOther(reg, value, access);
        return;
    }
  }

  /** A write of `value` to channel 0's register `which` by `task`, then its trigger when `triggers`. */
  private writeChannel(
    which: "read" | "write" | "count" | "ctrl",
    triggers: boolean,
    value: number,
    task: number,
  ): void {
    if (which === "count") {
      // TRANS_COUNT sets the reload value; through a trigger alias it is used at once as well.
      this.reload = value;
      if (triggers) this.trigger(value, task);
      return;
    }
    this.hold(); // the live addresses into the registers, so the write takes effect from the next beat
    if (which === "read") this.readAddr = value;
    else if (which === "write") this.writeAddr = value;
    else {
      const c = this.variant.ctrl;
      this.errors &= ~(value & (c.READ_ERROR | c.WRITE_ERROR));
      this.ctrl = value & this.variant.ctrlBits;
    }
    if (this.active)
      this.proceed(); // a trigger while BUSY is ignored; the write takes effect
    else if (triggers) this.trigger(value, task);
  }

  /** A trigger with `value` (the written data: 0 is a null trigger) by `task` (2.5.2). */
  private trigger(value: number, task: number): void {
    const c = this.variant.ctrl;
    if (value === 0) {
      if ((this.ctrl & c.IRQ_QUIET) !== 0) this.intr |= 1;
      return;
    }
    if ((this.ctrl & c.EN) === 0 || this.active) return;
    const size = (this.ctrl >>> c.DATA_SIZE_SHIFT) & 3;
    if (size === 3) return; // reserved: the model refuses the trigger
    if ((this.reload & ~this.variant.countBits) !== 0) return; // the RP2350's MODE: only NORMAL is modelled
    const width = 1 << size;
    this.readAddr = (this.readAddr & ~(width - 1)) >>> 0;
    this.writeAddr = (this.writeAddr & ~(width - 1)) >>> 0;
    this.count = (this.reload & this.variant.countBits) >>> 0;
    this.task = task;
    this.active = true;
    this.proceed();
  }

  /**
   * Runs the BUSY channel from its registers when it may move: EN set, the permanent request
   * (TREQ_SEL = 0x3f), beats left (none left: the sequence is over at once).
   */
  private proceed(): void {
    const c = this.variant.ctrl;
    if ((this.ctrl & c.EN) === 0) return; // paused
    if (((this.ctrl >>> c.TREQ_SEL_SHIFT) & 0x3f) !== c.TREQ_PERMANENT) return; // a request that never comes
    if (this.count === 0) {
      this.complete();
      return;
    }
    const width = 1 << ((this.ctrl >>> c.DATA_SIZE_SHIFT) & 3);
    const srcStep = step(this.ctrl, c.INCR_READ, this.variant.incrReadRev, width);
    const dstStep = step(this.ctrl, c.INCR_WRITE, this.variant.incrWriteRev, width);
    const ringBits = (this.ctrl >>> c.RING_SIZE_SHIFT) & 0xf;
    const ring = ringBits === 0 ? 0 : 2 ** ringBits;
    const onWrite = (this.ctrl & c.RING_SEL) !== 0;
    const s: Sequence = {
      src: this.readAddr,
      dst: this.writeAddr,
      srcStep,
      dstStep,
      srcRing: onWrite ? 0 : ring,
      dstRing: onWrite ? ring : 0,
      beats: this.count,
    };
    this.sequence = s;
    this.engine.start(
      {
        src: s.src,
        dst: s.dst,
        width: width as 1 | 2 | 4,
        total: s.beats,
        srcStep,
        dstStep,
        srcRing: s.srcRing,
        dstRing: s.dstRing,
        swap: (this.ctrl & c.BSWAP) !== 0,
      },
      this.task,
    );
  }

  /** Stops the engine after the beats due (the channel stays BUSY) and keeps the progress in the registers. */
  private hold(): void {
    const done = this.engine.stop();
    if (done !== null) this.keep(done);
  }

  /** The sequence's progress after `done` beats into READ_ADDR, WRITE_ADDR and the live count. */
  private keep(done: number): void {
    const s = this.sequence;
    if (s === null) return;
    this.readAddr = ringAddress(s.src, done, s.srcStep, s.srcRing);
    this.writeAddr = ringAddress(s.dst, done, s.dstStep, s.dstRing);
    this.count = s.beats - done;
    this.sequence = null;
  }

  /** CHAN_ABORT: the sequence ends after the beats due, BUSY low, the live count 0, no IRQ (2.5.5.3). */
  private abort(): void {
    this.hold();
    this.active = false;
    this.count = 0;
  }

  /** The last beat landed: BUSY low, INTR bit 0 raised unless IRQ_QUIET. */
  private complete(): void {
    const s = this.sequence;
    this.keep(s?.beats ?? 0);
    this.active = false;
    if ((this.ctrl & this.variant.ctrl.IRQ_QUIET) === 0) this.intr |= 1;
  }

  /** A refused beat after `done` beats: its error flag, BUSY low, INTR bit 0 raised whatever IRQ_QUIET says. */
  private error(err: DmaBeatError, done: number): void {
    this.keep(done);
    this.errors |= err.access === "read" ? this.variant.ctrl.READ_ERROR : this.variant.ctrl.WRITE_ERROR;
    this.active = false;
    this.intr |= 1;
  }
}

/**
 * A channel's address step per beat: the size when INCR is set, else 0; with the RP2350's REV bit
 * (`rev`, 0 on the RP2040), minus the size when INCR is set, else twice the size (RP2350 datasheet
 * 12.6.10, CH0_CTRL_TRIG INCR_READ_REV and INCR_WRITE_REV).
 */
function step(ctrl: number, incr: number, rev: number, width: number): number {
  const reversed = (ctrl & rev) !== 0;
  if ((ctrl & incr) !== 0) return reversed ? -width : width;
  return reversed ? 2 * width : 0;
}

/** `old` with the bits of `mask` taken from `value` (an IRQ register written through a narrowed view). */
function masked(old: number, value: number, mask: number): number {
  return ((old & ~mask) | (value & mask & IRQ_BITS)) >>> 0;
}

/**
 * The RP2040's DMA controller (RP2040 datasheet, chapter 2.5 "DMA"): {@link RpDma} with the
 * RP2040's registers ({@link RP2040_DMA}), no security attribute on its channels.
 */
export class Rp2040Dma extends RpDma {
  /** Which register interface this is: the key of the controller's driver ({@link DMA_DRIVERS}). */
  readonly kind = "rp2040-dma" as const;

  constructor(name: string, env: DmaEnv) {
    super(name, env, RP2040_DMA);
  }
}

/** The RP2040 DMA controller kind: channel 0 of the RP2040's DMA, a bus master the MPU does not check. */
export const rp2040DmaDevice: DeviceKind<Rp2040Dma> = {
  summary: "RP2040 DMA, channel 0 memory-to-memory (RP2040 registers): a bus master the MPU does not check",
  create: (name, env) =>
    new Rp2040Dma(name, { master: env.busMaster(), cycles: () => env.cycles(), alarm: env.alarm() }),
};
