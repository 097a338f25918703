import { HwError, requireArrayLike, requireRegionNumber } from "../errors.js";
import type { ConfigWarning, HwEmitter } from "../events.js";
import { backgroundPerm, defaultPerm, isSystemXn, MpuCtrl } from "../mpu/fields.js";
import type { GranuleLayout } from "../mpu/model.js";
import { MpuBase } from "../mpu/mpu-base.js";
import { Perm } from "../mpu/perm.js";
import { fillGranules } from "../mpu/perm-table.js";
import { decodeRegionV8, encodeRegionV8, type MpuV8RegionSettings, type Pmsav8RegionView } from "./config.js";
import { decodeMairAttr, MpuV8Reg, RbarV8, Rlar, regionV8Perm, rlarDefined } from "./fields.js";

const REGISTER_NAMES: Record<number, string> = {
  [MpuV8Reg.RBAR]: "RBAR",
  [MpuV8Reg.RLAR]: "RLAR",
  [MpuV8Reg.RBAR_A1]: "RBAR_A1",
  [MpuV8Reg.RLAR_A1]: "RLAR_A1",
  [MpuV8Reg.RBAR_A2]: "RBAR_A2",
  [MpuV8Reg.RLAR_A2]: "RLAR_A2",
  [MpuV8Reg.RBAR_A3]: "RBAR_A3",
  [MpuV8Reg.RLAR_A3]: "RLAR_A3",
  [MpuV8Reg.MAIR0]: "MAIR0",
  [MpuV8Reg.MAIR1]: "MAIR1",
};

/** First match end (exclusive) of a region: LIMIT[31:5]:11111 + 1 (may be 2^32). */
function regionEnd(rlar: number): number {
  return ((rlar & Rlar.LIMIT_MASK) >>> 0) + 32;
}

/**
 * The ARMv8-M PMSAv8 MPU (the Secure MPU; TrustZone is not modelled): its registers are the only
 * state. A region matches [BASE, LIMIT | 0x1F] at 32-byte granularity; an address two enabled
 * regions match is a MemManage fault whatever their numbers; AP[2:1], XN, PXN (ARMv8.1-M) and
 * the MAIR attribute AttrIndx selects give the permission byte (see `Perm`). Decisions are
 * precomputed per configuration into one permission byte per 32-byte granule of the board's
 * memory and cached per configuration, as for PMSAv7.
 *
 * Register writes never throw; UNPREDICTABLE values take the project's choice
 * (docs/mpu-model.md) and emit a `warning` event. The typed API ({@link MpuV8.setRegion})
 * validates first and throws a typed error without writing anything.
 */
export class MpuV8 extends MpuBase<Pmsav8RegionView> {
  /** The architecture of this MPU. */
  readonly architecture = "pmsav8" as const;
  /** Whether RLAR.PXN exists (ARMv8.1-M). */
  readonly pxnImplemented: boolean;
  private readonly rbar: Uint32Array;
  private readonly rlar: Uint32Array;
  private readonly mair = new Uint32Array(2);
  private readonly rlarMask: number;

  constructor(regionCount: number, layout: GranuleLayout, emitter: HwEmitter, options: { readonly pxn: boolean }) {
    super(regionCount, layout, emitter, 3 + 2 * regionCount);
    this.pxnImplemented = options.pxn;
    this.rlarMask = rlarDefined(options.pxn);
    this.rbar = new Uint32Array(regionCount);
    this.rlar = new Uint32Array(regionCount);
  }

  // ---- registers -------------------------------------------------------------------------

  /** MPU_MAIR0 (Attr0..Attr3) and MPU_MAIR1 (Attr4..Attr7). */
  get mairs(): readonly [number, number] {
    return [this.mair[0]!, this.mair[1]!];
  }

  /** The MAIR attribute byte `index` (0..7). */
  attr(index: number): number {
    return (this.mair[index >>> 2]! >>> (8 * (index & 3))) & 0xff;
  }

  /** Whether the word at `address` is one of the PMSAv8 MPU's registers (MPU_TYPE..MPU_MAIR1). */
  decodes(address: number): boolean {
    return address >= MpuV8Reg.TYPE && address <= MpuV8Reg.MAIR1;
  }

  /**
   * The region a region-register address selects: RBAR/RLAR region RNR, the aliases RBAR_An /
   * RLAR_An region RNR[7:2]:n. -1 when the address is not a region register.
   */
  private regionOf(address: number): number {
    if (address === MpuV8Reg.RBAR || address === MpuV8Reg.RLAR) return this.rnr;
    if (address >= MpuV8Reg.RBAR_A1 && address <= MpuV8Reg.RLAR_A3) {
      return (this.rnr & ~3) | (((address - MpuV8Reg.RBAR) >>> 3) & 3);
    }
    return -1;
  }

  /** Reads an MPU register by its address (privilege is the caller's concern). */
  readRegister(address: number): number {
    switch (address) {
      case MpuV8Reg.TYPE:
        return this.type;
      case MpuV8Reg.CTRL:
        return this.ctrl;
      case MpuV8Reg.RNR:
        return this.rnr;
      case MpuV8Reg.MAIR0:
        return this.mair[0]!;
      case MpuV8Reg.MAIR1:
        return this.mair[1]!;
    }
    const n = this.regionOf(address);
    if (n < 0 || n >= this.regionCount) return 0;
    return (address - MpuV8Reg.RBAR) & 4 ? this.rlar[n]! : this.rbar[n]!;
  }

  /** Writes an MPU register by its address, with the hardware's semantics. */
  writeRegister(address: number, value: number): void {
    const v = value >>> 0;
    if (this.writeCommon(address, v)) return;
    switch (address) {
      case MpuV8Reg.MAIR0:
      case MpuV8Reg.MAIR1: {
        const i = address === MpuV8Reg.MAIR0 ? 0 : 1;
        if (this.mair[i] === v) return;
        this.mair[i] = v;
        if (!this.quiet && this.emitter.listenerCount("warning") > 0) {
          for (let n = 0; n < this.regionCount; n++) for (const w of this.regionWarnings(n)) this.warn(w);
        }
        this.changed(address, null, v);
        return;
      }
    }
    const n = this.regionOf(address);
    if (n < 0) return;
    // RNR never selects a region past DREGION, and DREGION is a multiple of 4 on ARMv8-M, so
    // the aliases always select existing regions; a model built with another count ignores them.
    if (n >= this.regionCount) return;
    const isLimit = ((address - MpuV8Reg.RBAR) & 4) !== 0;
    const regs = isLimit ? this.rlar : this.rbar;
    const stored = isLimit ? (v & this.rlarMask) >>> 0 : v;
    if (regs[n] === stored) return;
    regs[n] = stored;
    this.checkRegion(n);
    this.changed(address, n, stored);
  }

  /** Raw register pair of a region (RBAR, RLAR). */
  rawRegion(n: number): {
    /** MPU_RBAR as written. */
    rbar: number;
    /** MPU_RLAR, PXN cleared on ARMv8.0-M. */
    rlar: number;
  } {
    return { rbar: this.rbar[n] ?? 0, rlar: this.rlar[n] ?? 0 };
  }

  // ---- typed API (writes the registers; never a second source of truth) ------------------

  /**
   * Programs region `n` through RNR, RBAR and RLAR. Validates every field first and throws a
   * typed error (`MPU_REGION_NUMBER`, `MPU_ALIGNMENT`, `MPU_SIZE`, `MPU_FIELD_RESERVED`) naming
   * the field, writing nothing.
   *
   * @example
   * ```ts
   * import { createMachine, STM32U585 } from "@rtos-sim/hw";
   * const { mpu } = createMachine(STM32U585);
   * mpu.setMair(0, 0xee); // Attr0: Normal, write-back
   * mpu.setRegion(2, { base: 0x20000100, size: 0x60, access: "rw" }); // 96 bytes, no power of two
   * ```
   */
  setRegion(n: number, settings: MpuV8RegionSettings): void {
    const { rbar, rlar } = encodeRegionV8(n, this.regionCount, settings, this.pxnImplemented);
    this.quiet = true;
    try {
      this.writeRegister(MpuV8Reg.RNR, n);
      this.writeRegister(MpuV8Reg.RBAR, rbar);
      this.writeRegister(MpuV8Reg.RLAR, rlar);
    } finally {
      this.quiet = false;
    }
    this.checkRegion(n);
  }

  /** Disables region `n` (RLAR.EN := 0, the rest of RLAR kept). */
  clearRegion(n: number): void {
    encodeRegionV8(n, this.regionCount, { base: 0, size: 32, access: "rw" }, this.pxnImplemented);
    this.writeRegister(MpuV8Reg.RNR, n);
    this.writeRegister(MpuV8Reg.RLAR, (this.rlar[n]! & ~Rlar.EN) >>> 0);
  }

  /** Sets MAIR attribute `index` (0..7) to `attr` (8 bits) through MPU_MAIR0/1. */
  setMair(index: number, attr: number): void {
    if (!Number.isInteger(index) || index < 0 || index > 7 || !Number.isInteger(attr) || attr < 0 || attr > 0xff) {
      throw new HwError("MPU_FIELD_RESERVED", `MAIR: attribute ${String(index)} must be 0..7 and its value 8 bits`, {
        field: "MAIR",
        value: attr,
        index,
      });
    }
    const reg = index < 4 ? MpuV8Reg.MAIR0 : MpuV8Reg.MAIR1;
    const shift = 8 * (index & 3);
    const old = this.mair[index >>> 2]!;
    this.writeRegister(reg, ((old & ~(0xff << shift)) | (attr << shift)) >>> 0);
  }

  /** Region `n` decoded from its registers (`MPU_REGION_NUMBER` when the MPU has no region `n`). */
  region(n: number): Pmsav8RegionView {
    requireRegionNumber(n, this.regionCount);
    const rlar = this.rlar[n] ?? 0;
    return decodeRegionV8(n, this.rbar[n] ?? 0, rlar, this.attr((rlar & Rlar.ATTRINDX_MASK) >>> Rlar.ATTRINDX_SHIFT));
  }

  /**
   * Loads (RBAR, RLAR) pairs for regions `first`, `first + 1`, ... as CMSIS's `ARM_MPU_Load`
   * does: RNR := the group's first region, then an STM of up to four pairs to RBAR..RLAR_A3, per
   * group of four. `first` must be a multiple of 4 (the aliases select RNR[7:2]:n) and every
   * region loaded must exist: else `MPU_REGION_NUMBER`, nothing written. (Through the registers
   * an RNR past DREGION is ignored and the aliases keep selecting the group RNR held before, so
   * such a load would silently rewrite other regions.)
   */
  loadRegions(first: number, words: ArrayLike<number>): void {
    requireArrayLike(words, "loadRegions: words");
    if (!Number.isInteger(first) || first < 0 || first % 4 !== 0 || words.length % 2 !== 0) {
      throw new HwError(
        "MPU_REGION_NUMBER",
        `loadRegions: the first region must be a multiple of 4 (got ${first}) and the words (RBAR, RLAR) pairs`,
        { field: "RNR", value: first, words: words.length },
      );
    }
    if (first + words.length / 2 > this.regionCount) {
      throw new HwError(
        "MPU_REGION_NUMBER",
        `loadRegions: regions ${first}..${first + words.length / 2 - 1} do not all exist (this MPU has ${this.regionCount})`,
        { field: "RNR", value: first, words: words.length, regionCount: this.regionCount },
      );
    }
    if (this.loadQuietly(first, words)) return;
    for (let i = 0; i < words.length; i += 8) {
      this.writeRegister(MpuV8Reg.RNR, first + i / 2);
      for (let j = 0; j < 8 && i + j < words.length; j++) this.writeRegister(MpuV8Reg.RBAR + 4 * j, words[i + j]!);
    }
  }

  /**
   * The same register writes as {@link MpuV8.loadRegions} (whose regions all exist) when nobody
   * listens for warnings or reconfiguration events: the registers end up identical and the core
   * is told once. Returns false, having written nothing, when the writes must go one by one.
   */
  private loadQuietly(first: number, words: ArrayLike<number>): boolean {
    const e = this.emitter;
    if (
      (e.watched.warning && e.listenerCount("warning") > 0) ||
      (e.watched["mpu-reconfigured"] && e.listenerCount("mpu-reconfigured") > 0)
    )
      return false;
    let dirty = false;
    for (let i = 0; i < words.length; i += 2) {
      const n = first + i / 2;
      const b = words[i]! >>> 0;
      const l = (words[i + 1]! & this.rlarMask) >>> 0;
      if (this.rbar[n] !== b || this.rlar[n] !== l) {
        this.rbar[n] = b;
        this.rlar[n] = l;
        dirty = true;
      }
    }
    if (words.length > 0) this.rnr = first + (((words.length / 2 - 1) >>> 2) << 2);
    if (dirty) {
      this.current = null;
      this.onChange?.();
    }
    return true;
  }

  // ---- decisions -------------------------------------------------------------------------

  /**
   * Permission byte for `address` under the current configuration with the MPU as programmed
   * (ENABLE and PRIVDEFENA honoured; HFNMIENA and the PPB rule are the core's concern): no
   * enabled region matching gives the background (privileged, PRIVDEFENA) or nothing; exactly one
   * gives its permissions; two or more give nothing (a MemManage fault for every access).
   */
  decide(address: number): number {
    const a = address >>> 0;
    if (!this.enabled) return defaultPerm(a);
    let hit = -1;
    for (let n = 0; n < this.regionCount; n++) {
      const rlar = this.rlar[n]!;
      if ((rlar & Rlar.EN) === 0) continue;
      const base = (this.rbar[n]! & RbarV8.BASE_MASK) >>> 0;
      if (a < base || a >= regionEnd(rlar)) continue;
      if (hit >= 0) return 0;
      hit = n;
    }
    let p: number;
    if (hit < 0) p = this.ctrl & MpuCtrl.PRIVDEFENA ? backgroundPerm(a) : 0;
    else p = this.regionPerm(hit);
    if (isSystemXn(a)) p &= ~(Perm.PX | Perm.UX);
    return p;
  }

  // ---- internals -------------------------------------------------------------------------

  private regionPerm(n: number): number {
    const rlar = this.rlar[n]!;
    return regionV8Perm(this.rbar[n]!, rlar, this.attr((rlar & Rlar.ATTRINDX_MASK) >>> Rlar.ATTRINDX_SHIFT));
  }

  /** @internal The key of the current configuration: CTRL, MAIR0/1, then RBAR and RLAR of each enabled region. */
  protected configKey(): Uint32Array {
    const key = this.keyScratch;
    key.fill(0);
    key[0] = this.ctrl;
    key[1] = this.mair[0]!;
    key[2] = this.mair[1]!;
    for (let i = 0; i < this.regionCount; i++) {
      const rlar = this.rlar[i]!;
      if ((rlar & Rlar.EN) === 0) continue;
      key[3 + 2 * i] = this.rbar[i]!;
      key[4 + 2 * i] = rlar;
    }
    return key;
  }

  /** @internal */
  protected build(): Uint8Array {
    const t = new Uint8Array(this.layout.granules);
    if (!this.enabled) {
      t.set(this.defaultTable.bytes);
      return t;
    }
    if (this.ctrl & MpuCtrl.PRIVDEFENA) t.set(this.backgroundTable);
    const spans: [number, number][] = [];
    for (let n = 0; n < this.regionCount; n++) {
      const rlar = this.rlar[n]!;
      if ((rlar & Rlar.EN) === 0) continue;
      const lo = (this.rbar[n]! & RbarV8.BASE_MASK) >>> 0;
      const hi = regionEnd(rlar);
      if (lo >= hi) continue; // BASE > LIMIT: matches nothing
      fillGranules(this.layout, t, lo, hi, this.regionPerm(n));
      spans.push([lo, hi]);
    }
    // Where two enabled regions match, every access faults.
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        const lo = Math.max(spans[i]![0], spans[j]![0]);
        const hi = Math.min(spans[i]![1], spans[j]![1]);
        if (lo < hi) fillGranules(this.layout, t, lo, hi, 0);
      }
    }
    return t;
  }

  /** @internal */
  protected registerName(address: number): string {
    return REGISTER_NAMES[address] ?? "RBAR";
  }

  /** @internal */
  protected regionWarnings(n: number): ConfigWarning[] {
    const rlar = this.rlar[n]!;
    if ((rlar & Rlar.EN) === 0) return [];
    const rbar = this.rbar[n]!;
    const out: ConfigWarning[] = [];
    const sh = (rbar & RbarV8.SH_MASK) >>> RbarV8.SH_SHIFT;
    if (sh === 1) {
      out.push({
        code: "MPU_SH_RESERVED",
        message: `region ${n}: RBAR.SH=01 is reserved (UNPREDICTABLE); treated as non-shareable (project choice)`,
        region: n,
        field: "RBAR.SH",
        value: sh,
      });
    }
    const index = (rlar & Rlar.ATTRINDX_MASK) >>> Rlar.ATTRINDX_SHIFT;
    const attr = this.attr(index);
    const m = decodeMairAttr(attr);
    if (m.unpredictable) {
      out.push({
        code: "MPU_MAIR_RESERVED",
        message: `region ${n}: MAIR Attr${index}=0x${attr.toString(16).padStart(2, "0")} is UNPREDICTABLE; treated as Device-nGnRnE (project choice)`,
        region: n,
        field: `MAIR.Attr${index}`,
        value: attr,
      });
    }
    if (m.device !== null && (rbar & RbarV8.XN) === 0) {
      out.push({
        code: "MPU_DEVICE_EXECUTABLE",
        message: `region ${n}: XN=0 on Device memory; a fetch from Device memory is UNPREDICTABLE: it faults (IACCVIOL, project choice)`,
        region: n,
        field: "RBAR.XN",
        value: 0,
      });
    }
    return out;
  }
}
