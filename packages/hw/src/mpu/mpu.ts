import { requireArrayLike, requireRegionNumber } from "../errors.js";
import type { ConfigWarning, HwEmitter } from "../events.js";
import {
  decodeRegion,
  encodeRegion,
  type MpuRegionSettings,
  PMSAV7,
  type Pmsav7RegionView,
  type Pmsav7Variant,
} from "./config.js";
import {
  backgroundPerm,
  decodeMemoryAttributes,
  defaultPerm,
  isSystemXn,
  MpuCtrl,
  MpuReg,
  RASR_DEFINED,
  Rasr,
  rasrPerm,
} from "./fields.js";
import type { GranuleLayout, PermTable } from "./model.js";
import { MpuBase } from "./mpu-base.js";
import { MpuPairProgram } from "./pair-program.js";
import { Perm } from "./perm.js";
import { fillGranules, sameKey } from "./perm-table.js";

/** The RBAR..RASR_A3 alias block in STM order. */
const ALIAS_ADDRS = [
  MpuReg.RBAR,
  MpuReg.RASR,
  MpuReg.RBAR_A1,
  MpuReg.RASR_A1,
  MpuReg.RBAR_A2,
  MpuReg.RASR_A2,
  MpuReg.RBAR_A3,
  MpuReg.RASR_A3,
] as const;

const ALIAS_NAMES: Record<number, string> = {
  [MpuReg.RBAR]: "RBAR",
  [MpuReg.RASR]: "RASR",
  [MpuReg.RBAR_A1]: "RBAR_A1",
  [MpuReg.RASR_A1]: "RASR_A1",
  [MpuReg.RBAR_A2]: "RBAR_A2",
  [MpuReg.RASR_A2]: "RASR_A2",
  [MpuReg.RBAR_A3]: "RBAR_A3",
  [MpuReg.RASR_A3]: "RASR_A3",
};

/**
 * Bytes a region's RASR covers: 2^(SIZE+1), or 0 when the region is disabled or SIZE < `minField`
 * (4: below 32 bytes; 7 on ARMv6-M: below 256 bytes; UNPREDICTABLE, the region is ignored;
 * docs/mpu-model.md).
 */
function enabledRegionSize(rasr: number, minField: number): number {
  if ((rasr & Rasr.ENABLE) === 0) return 0;
  const sizeField = (rasr & Rasr.SIZE_MASK) >>> Rasr.SIZE_SHIFT;
  return sizeField < minField ? 0 : 2 ** (sizeField + 1);
}

/** A region's base: RBAR.ADDR aligned down to the region's size (0 for the 4 GiB region). */
function regionBase(rbar: number, size: number): number {
  return size >= 2 ** 32 ? 0 : rbar - (rbar % size);
}

/**
 * The PMSAv7 MPU: its registers are the only state. Decisions are precomputed per configuration
 * into a permission byte per 32-byte granule of the board's memory (see {@link Perm}) and cached
 * per configuration, so a context switch back to a known configuration costs a hash lookup.
 *
 * Register writes never throw (hardware cannot): UNPREDICTABLE values take the project's choice
 * and emit a `warning` event. The typed API ({@link Mpu.setRegion}) validates first and throws a
 * typed error without writing anything.
 */
export class Mpu extends MpuBase<Pmsav7RegionView> {
  /** The architecture of this MPU. */
  readonly architecture = "pmsav7" as const;
  /**
   * RBAR.ADDR and RASR per region: the MPU's own arrays (`ownRbar`, `ownRasr`) or, after {@link
   * Mpu.loadProgram}, the program's (shared copy-on-write: only read while shared; the next
   * register write first copies them into the own arrays, `ownRegisters`).
   */
  private rbar: Uint32Array;
  private rasr: Uint32Array;
  private readonly ownRbar: Uint32Array;
  private readonly ownRasr: Uint32Array;
  /** The words array of the last quiet {@link Mpu.loadPairs} that wrote every region in order; any register write clears it. */
  private source: ArrayLike<number> | null = null;
  /** The program of the last {@link Mpu.loadProgram}: its values are in the registers; any register write clears it. */
  private program: MpuPairProgram | null = null;
  /**
   * Tables by the words array that loaded them, with the registers they were built for (compared
   * at each use: the array is only a hint, the registers decide).
   */
  private readonly bySource = new WeakMap<
    object,
    { readonly rbar: Uint32Array; readonly rasr: Uint32Array; readonly ctrl: number; readonly table: PermTable }
  >();

  /** What this MPU implements: {@link PMSAV7}, or ARMv6-M's PMSAv6 (`PMSAV6`). */
  readonly variant: Pmsav7Variant;
  /** The smallest RASR.SIZE a region matches with (4, or 7 on ARMv6-M). */
  private readonly minSizeField: number;
  /** RASR bits a write keeps (RASR_DEFINED, without TEX on ARMv6-M). */
  private readonly rasrWritable: number;

  constructor(regionCount: number, layout: GranuleLayout, emitter: HwEmitter, variant: Pmsav7Variant = PMSAV7) {
    super(regionCount, layout, emitter, 1 + 2 * regionCount);
    this.variant = variant;
    this.minSizeField = Math.log2(variant.minRegionSize) - 1;
    this.rasrWritable = variant.tex ? RASR_DEFINED : (RASR_DEFINED & ~Rasr.TEX_MASK) >>> 0;
    this.ownRbar = new Uint32Array(regionCount);
    this.ownRasr = new Uint32Array(regionCount);
    this.rbar = this.ownRbar;
    this.rasr = this.ownRasr;
  }

  /**
   * Whether the word at `address` is one of the PMSAv7 MPU's registers (MPU_TYPE..MPU_RASR_A3;
   * MPU_TYPE..MPU_RASR on ARMv6-M, whose alias addresses are reserved).
   */
  decodes(address: number): boolean {
    return address >= MpuReg.TYPE && address <= (this.variant.aliases ? MpuReg.RASR_A3 : MpuReg.RASR);
  }

  /** Reads an MPU register by its address (privilege is the caller's concern). */
  readRegister(address: number): number {
    if (!this.variant.aliases && address > MpuReg.RASR) return 0;
    switch (address) {
      case MpuReg.TYPE:
        return this.type;
      case MpuReg.CTRL:
        return this.ctrl;
      case MpuReg.RNR:
        return this.rnr;
      case MpuReg.RBAR:
      case MpuReg.RBAR_A1:
      case MpuReg.RBAR_A2:
      case MpuReg.RBAR_A3:
        return ((this.rbar[this.rnr] ?? 0) | (this.rnr & 0xf)) >>> 0;
      case MpuReg.RASR:
      case MpuReg.RASR_A1:
      case MpuReg.RASR_A2:
      case MpuReg.RASR_A3:
        return this.rasr[this.rnr] ?? 0;
      default:
        return 0;
    }
  }

  /** Writes an MPU register by its address, with the hardware's semantics. */
  writeRegister(address: number, value: number): void {
    value >>>= 0;
    if (!this.variant.aliases && address > MpuReg.RASR) return;
    this.ownRegisters();
    this.source = null;
    this.program = null;
    if (this.writeCommon(address, value)) return;
    switch (address) {
      case MpuReg.RBAR:
      case MpuReg.RBAR_A1:
      case MpuReg.RBAR_A2:
      case MpuReg.RBAR_A3: {
        if (value & 0x10) {
          const n = value & 0xf;
          if (n >= this.regionCount) {
            this.warn({
              code: "MPU_RBAR_REGION_RANGE",
              message: `MPU_RBAR: VALID with REGION=${n} >= DREGION=${this.regionCount}; write ignored (project choice)`,
              field: "RBAR.REGION",
              value: n,
            });
            return;
          }
          this.rnr = n;
        }
        const n = this.rnr;
        const addr = (value & 0xffffffe0) >>> 0;
        if (this.rbar[n] === addr) return;
        this.rbar[n] = addr;
        this.checkRegion(n);
        this.changed(address, n, value);
        return;
      }
      case MpuReg.RASR:
      case MpuReg.RASR_A1:
      case MpuReg.RASR_A2:
      case MpuReg.RASR_A3: {
        const n = this.rnr;
        const v = (value & this.rasrWritable) >>> 0;
        if (this.rasr[n] === v) return;
        this.rasr[n] = v;
        this.checkRegion(n);
        this.changed(address, n, v);
        return;
      }
      default:
        return;
    }
  }

  /** Raw register pair of a region (RBAR.ADDR, RASR). */
  rawRegion(n: number): {
    /** RBAR.ADDR as written (bits [31:5]; VALID and REGION not stored). */
    rbar: number;
    /** RASR, reserved bits cleared. */
    rasr: number;
  } {
    return { rbar: this.rbar[n] ?? 0, rasr: this.rasr[n] ?? 0 };
  }

  // ---- typed API (writes the registers; never a second source of truth) ------------------

  /**
   * Programs region `n` through RNR, RBAR and RASR. Validates every field first and throws a
   * typed error (`MPU_REGION_NUMBER`, `MPU_SIZE`, `MPU_ALIGNMENT`, `MPU_FIELD_RESERVED`) naming
   * the field, writing nothing.
   *
   * @example
   * ```ts
   * import { createMachine, STM32F407 } from "@rtos-sim/hw";
   * const { mpu } = createMachine(STM32F407);
   * mpu.setRegion(3, { base: 0x20000000, size: 0x4000, access: "rw", executable: false });
   * ```
   */
  setRegion(n: number, settings: MpuRegionSettings): void {
    const { rbar, rasr } = encodeRegion(n, this.regionCount, settings, this.variant);
    // The validated result has nothing to warn about; RBAR's new base next to the old SIZE would.
    this.quiet = true;
    try {
      this.writeRegister(MpuReg.RNR, n);
      this.writeRegister(MpuReg.RBAR, rbar);
      this.writeRegister(MpuReg.RASR, rasr);
    } finally {
      this.quiet = false;
    }
  }

  /** Disables region `n` (RASR := 0). */
  clearRegion(n: number): void {
    requireRegionNumber(n, this.regionCount);
    this.writeRegister(MpuReg.RNR, n);
    this.writeRegister(MpuReg.RASR, 0);
  }

  /** Region `n` decoded from its registers (`MPU_REGION_NUMBER` when the MPU has no region `n`). */
  region(n: number): Pmsav7RegionView {
    requireRegionNumber(n, this.regionCount);
    return decodeRegion(n, this.rbar[n] ?? 0, this.rasr[n] ?? 0);
  }

  /**
   * Loads (RBAR, RASR) pairs as an STM to RBAR..RASR_A3 would: each RBAR carries VALID and REGION.
   * `words` holds 2 entries per region (at most 4 regions per call, like the alias block). Without
   * the alias registers (ARMv6-M) each pair goes to RBAR and RASR, as a PMSAv6 driver writes them.
   */
  loadPairs(words: ArrayLike<number>): void {
    requireArrayLike(words, "loadPairs: words");
    if (!this.loadPairsQuietly(words)) {
      const block = this.variant.aliases ? 8 : 2;
      for (let i = 0; i < words.length; i++) this.writeRegister(ALIAS_ADDRS[i % block]!, words[i]!);
    }
  }

  /**
   * The same register writes as {@link Mpu.loadPairs} when nobody listens for warnings or
   * reconfiguration events and every RBAR carries VALID with an existing REGION: the registers
   * end up identical, and the core is told once (a context switch reloads 8-16 regions).
   * Returns false, having written nothing, when the writes must go one by one.
   */
  private loadPairsQuietly(words: ArrayLike<number>): boolean {
    const n = words.length;
    if ((n & 1) !== 0) return false;
    if (this.writesObserved()) return false;
    let inOrder = n === 2 * this.regionCount;
    for (let i = 0; i < n; i += 2) {
      const rb = words[i]!;
      if ((rb & 0x10) === 0 || (rb & 0xf) >= this.regionCount) return false;
      if ((rb & 0xf) !== i >>> 1) inOrder = false;
    }
    let dirty = false;
    this.ownRegisters();
    for (let i = 0; i < n; i += 2) {
      const r = words[i]! & 0xf;
      const addr = (words[i]! & 0xffffffe0) >>> 0;
      const v = (words[i + 1]! & this.rasrWritable) >>> 0;
      this.rnr = r;
      if (this.rbar[r] !== addr) {
        this.rbar[r] = addr;
        dirty = true;
      }
      if (this.rasr[r] !== v) {
        this.rasr[r] = v;
        dirty = true;
      }
    }
    // The source first: the core may ask for the new configuration's table when told.
    this.source = inOrder ? words : null;
    this.program = null;
    if (dirty) {
      this.current = null;
      this.onChange?.();
    }
    return true;
  }

  /**
   * Whether anyone listens for what register writes one by one tell (warnings, reconfiguration
   * events): then the batched loads ({@link Mpu.loadPairs}' quiet path, {@link Mpu.loadProgram})
   * write register by register.
   */
  private writesObserved(): boolean {
    const e = this.emitter;
    return (
      (e.watched.warning && e.listenerCount("warning") > 0) ||
      (e.watched["mpu-reconfigured"] && e.listenerCount("mpu-reconfigured") > 0)
    );
  }

  /**
   * Checks a whole configuration once for {@link Mpu.loadProgram}: `words` as {@link
   * Mpu.loadPairs} takes them, a pair for every region in order (pair n's RBAR with VALID and
   * REGION = n). Returns null for anything else (load such words with {@link Mpu.loadPairs}).
   */
  programPairs(words: ArrayLike<number>): MpuPairProgram | null {
    return MpuPairProgram.fits(words, this.regionCount)
      ? new MpuPairProgram(this, words, this.regionCount, this.rasrWritable)
      : null;
  }

  /**
   * The register writes of {@link Mpu.loadPairs} with the program's words (every region's RBAR
   * and RASR, RNR left at the last region), without checking the words again. When nobody
   * listens for warnings or reconfiguration events the registers are set at once and the core
   * told once (even when they held these values already: it then finds the same table); a
   * configuration's table is kept in its program, so a reload to it needs no lookup. The
   * registers are not copied: they become the program's arrays (which nothing writes after its
   * construction) until the next register write, which first copies them into the MPU's own.
   */
  loadProgram(p: MpuPairProgram): void {
    if (p.owner !== this || this.writesObserved()) {
      this.loadPairs(p.words);
      return;
    }
    if (this.program === p) return; // its values are in the registers: no register changes
    this.rbar = p.rbar;
    this.rasr = p.rasr;
    this.rnr = this.regionCount - 1;
    this.source = null;
    this.program = p;
    this.current = p.tableCtrl === this.ctrl ? p.table : null;
    this.onChange?.();
  }

  // ---- decisions -------------------------------------------------------------------------

  /**
   * Permission byte for `address` under the current configuration with the MPU as programmed
   * (ENABLE and PRIVDEFENA honoured; HFNMIENA and the PPB rule are the core's concern).
   * Lookup order of the architecture: background (PRIVDEFENA, privileged only), then regions
   * 0..N-1, the highest-numbered matching region winning.
   */
  decide(address: number): number {
    const a = address >>> 0;
    if (!this.enabled) return defaultPerm(a);
    let p = this.ctrl & MpuCtrl.PRIVDEFENA ? backgroundPerm(a) : 0;
    for (let n = 0; n < this.regionCount; n++) {
      const rasr = this.rasr[n]!;
      const size = enabledRegionSize(rasr, this.minSizeField);
      if (size === 0) continue;
      const base = regionBase(this.rbar[n]!, size);
      const off = a - base;
      if (off < 0 || off >= size) continue;
      if (size >= 256) {
        const sub = Math.floor(off / (size / 8));
        if ((rasr >>> (Rasr.SRD_SHIFT + sub)) & 1) continue;
      }
      p = rasrPerm(rasr);
    }
    if (isSystemXn(a)) p &= ~(Perm.PX | Perm.UX);
    return p;
  }

  /**
   * The permission table of the current configuration: one byte per 32-byte granule of the
   * layout. Cached per configuration (keyed by CTRL and the enabled regions' registers).
   */
  override table(): PermTable {
    // A configuration loaded whole from a words array seen before: its table without a key.
    const known = this.knownTable();
    if (known !== null) return known;
    const p = this.program;
    if (p !== null) {
      // Loaded by loadProgram before its table was known for this MPU_CTRL: kept in the program.
      const table = this.lookup();
      p.table = table;
      p.tableCtrl = this.ctrl;
      return table;
    }
    const src = this.source;
    if (src !== null) {
      const table = this.lookup();
      this.bySource.set(src as object, { rbar: this.rbar.slice(), rasr: this.rasr.slice(), ctrl: this.ctrl, table });
      return table;
    }
    return this.lookup();
  }

  /**
   * The table of the current configuration when it is known without building one: the current
   * table, or the one of a words array loaded whole before ({@link Mpu.loadPairs} at a context
   * switch), checked against the registers as {@link Mpu.table} does; else null.
   */
  override knownTable(): PermTable | null {
    if (this.current) return this.current;
    const src = this.source;
    if (src === null) return null;
    const e = this.bySource.get(src as object);
    if (e === undefined || e.ctrl !== this.ctrl || !sameKey(e.rbar, this.rbar) || !sameKey(e.rasr, this.rasr))
      return null;
    this.current = e.table;
    return e.table;
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Before a register write: registers shared with a loaded program ({@link Mpu.loadProgram})
   * are copied into the MPU's own arrays, which become the registers again (the program's
   * arrays are never written).
   */
  private ownRegisters(): void {
    if (this.rbar === this.ownRbar) return;
    this.ownRbar.set(this.rbar);
    this.ownRasr.set(this.rasr);
    this.rbar = this.ownRbar;
    this.rasr = this.ownRasr;
  }

  /** @internal The key of the current configuration: CTRL, then RBAR and RASR of each enabled region. */
  protected configKey(): Uint32Array {
    const n = this.regionCount;
    const key = this.keyScratch;
    key.fill(0);
    key[0] = this.ctrl;
    for (let i = 0; i < n; i++) {
      const rasr = this.rasr[i]!;
      if ((rasr & Rasr.ENABLE) === 0) continue;
      key[1 + 2 * i] = this.rbar[i]!;
      key[2 + 2 * i] = rasr;
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
    for (let n = 0; n < this.regionCount; n++) {
      const rasr = this.rasr[n]!;
      const size = enabledRegionSize(rasr, this.minSizeField);
      if (size === 0) continue;
      const base = regionBase(this.rbar[n]!, size);
      const perm = rasrPerm(rasr);
      const srd = size >= 256 ? (rasr & Rasr.SRD_MASK) >>> Rasr.SRD_SHIFT : 0;
      if (srd === 0) {
        this.fill(t, base, base + size, perm);
      } else {
        const sub = size / 8;
        for (let i = 0; i < 8; i++)
          if (((srd >> i) & 1) === 0) this.fill(t, base + i * sub, base + (i + 1) * sub, perm);
      }
    }
    return t;
  }

  private fill(t: Uint8Array, lo: number, hi: number, perm: number): void {
    fillGranules(this.layout, t, lo, hi, perm);
  }

  /** @internal */
  protected registerName(address: number): string {
    return ALIAS_NAMES[address] ?? "RBAR";
  }

  /** @internal */
  protected regionWarnings(n: number): ConfigWarning[] {
    const rasr = this.rasr[n]!;
    if ((rasr & Rasr.ENABLE) === 0) return [];
    const out: ConfigWarning[] = [];
    const sizeField = (rasr & Rasr.SIZE_MASK) >>> Rasr.SIZE_SHIFT;
    if (sizeField < this.minSizeField) {
      out.push({
        code: "MPU_SIZE_TOO_SMALL",
        message: `region ${n}: RASR.SIZE=${sizeField} (< ${this.minSizeField}) is UNPREDICTABLE; the region never matches (project choice)`,
        region: n,
        field: "RASR.SIZE",
        value: sizeField,
      });
      return out;
    }
    const size = 2 ** (sizeField + 1);
    const raw = this.rbar[n]!;
    // The 4 GiB region compares no address bit: any ADDR other than 0 is misaligned, base 0 used.
    if (raw % size !== 0) {
      out.push({
        code: "MPU_BASE_MISALIGNED",
        message: `region ${n}: base 0x${raw.toString(16)} is not aligned to size ${size}; the hardware ignores the low bits (base used: 0x${regionBase(raw, size).toString(16)})`,
        region: n,
        field: "RBAR.ADDR",
        value: raw,
      });
    }
    const srd = (rasr & Rasr.SRD_MASK) >>> Rasr.SRD_SHIFT;
    if (srd !== 0 && size < 256) {
      out.push({
        code: "MPU_SRD_IGNORED",
        message: `region ${n}: RASR.SRD=0x${srd.toString(16)} on a ${size}-byte region is UNPREDICTABLE; SRD ignored (project choice)`,
        region: n,
        field: "RASR.SRD",
        value: srd,
      });
    }
    const ap = (rasr & Rasr.AP_MASK) >>> Rasr.AP_SHIFT;
    if (ap === 0b100) {
      out.push({
        code: "MPU_AP_RESERVED",
        message: `region ${n}: RASR.AP=100 is UNPREDICTABLE; no access for either privilege (project choice)`,
        region: n,
        field: "RASR.AP",
        value: ap,
      });
    }
    const tex = (rasr & Rasr.TEX_MASK) >>> Rasr.TEX_SHIFT;
    if (decodeMemoryAttributes(tex, (rasr & Rasr.C) !== 0, (rasr & Rasr.B) !== 0, false).reserved) {
      out.push({
        code: "MPU_TEX_RESERVED",
        message: `region ${n}: TEX=${tex} C=${(rasr >> 17) & 1} B=${(rasr >> 16) & 1} is reserved: invalid configuration, treated as Strongly-ordered (project choice)`,
        region: n,
        field: "RASR.TEX",
        value: tex,
      });
    }
    return out;
  }
}
