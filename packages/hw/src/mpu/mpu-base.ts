import { requireObject } from "../errors.js";
import type { ConfigWarning, HwEmitter } from "../events.js";
import { ctrlAfterWrite, rnrAfterWrite } from "./control-writes.js";
import { MpuCtrl, MpuReg } from "./fields.js";
import type { GranuleLayout, MpuControlSettings, MpuModel, PermTable } from "./model.js";
import { defaultMapTables, PermTableCache, permTable } from "./perm-table.js";
import type { MpuArchitecture, MpuRegionView } from "./view.js";

/**
 * What the PMSAv7 and PMSAv8 MPUs share: MPU_CTRL and MPU_RNR, the permission tables cached per
 * configuration (each architecture says what its configuration key holds and how its table is
 * built), the warnings and the `mpu-reconfigured` event of a register change. The registers that
 * differ (RASR or RLAR, MAIR) and the decisions are the subclasses' ({@link Mpu}, {@link MpuV8}).
 */
export abstract class MpuBase<V extends MpuRegionView> implements MpuModel {
  /** The architecture of this MPU. */
  abstract readonly architecture: MpuArchitecture;
  /** DREGION: number of regions. */
  readonly regionCount: number;
  /** @internal MPU_CTRL as stored. */
  protected ctrl = 0;
  /** @internal MPU_RNR. */
  protected rnr = 0;
  /** @internal The granules the tables cover. */
  protected readonly layout: GranuleLayout;
  /** @internal Where warnings and reconfigurations go. */
  protected readonly emitter: HwEmitter;
  /** @internal The default map's table, and the background region's bytes (PRIVDEFENA). */
  protected readonly defaultTable: PermTable;
  /** @internal */
  protected readonly backgroundTable: Uint8Array;
  /** @internal The table of the registers as they are, or null until one is looked up. */
  protected current: PermTable | null = null;
  /** @internal The configuration key's buffer, reused by every look-up (the cache copies it). */
  protected readonly keyScratch: Uint32Array;
  /** @internal Set while the typed API writes a validated region: intermediate register states do not warn. */
  protected quiet = false;
  private readonly cache = new PermTableCache();
  /** Called after any change of configuration (the core drops its cached table). */
  onChange: (() => void) | null = null;
  /** Counts tables built (not found in the cache); for tests and benchmarks. */
  tablesBuilt = 0;

  /** `keyWords`: the length of the architecture's configuration key (see {@link MpuBase.configKey}). */
  protected constructor(regionCount: number, layout: GranuleLayout, emitter: HwEmitter, keyWords: number) {
    this.regionCount = regionCount;
    this.layout = layout;
    this.emitter = emitter;
    this.keyScratch = new Uint32Array(keyWords);
    const tables = defaultMapTables(layout);
    this.defaultTable = tables.map;
    this.backgroundTable = tables.background;
  }

  // ---- registers -------------------------------------------------------------------------

  /** MPU_TYPE value: DREGION in [15:8], SEPARATE = 0. */
  get type(): number {
    return this.regionCount << 8;
  }

  /** MPU_CTRL value. */
  get control(): number {
    return this.ctrl;
  }

  /** MPU_CTRL.ENABLE. */
  get enabled(): boolean {
    return (this.ctrl & MpuCtrl.ENABLE) !== 0;
  }

  /** MPU_CTRL.HFNMIENA. */
  get hfnmiena(): boolean {
    return (this.ctrl & MpuCtrl.HFNMIENA) !== 0;
  }

  /** Whether the word at `address` (in the PPB) is one of this MPU's registers. */
  abstract decodes(address: number): boolean;
  /** Reads an MPU register by its address (privilege is the caller's concern). */
  abstract readRegister(address: number): number;
  /** Writes an MPU register by its address, with the hardware's semantics (never throws). */
  abstract writeRegister(address: number, value: number): void;

  /**
   * @internal A write of MPU_TYPE (read-only), MPU_CTRL or MPU_RNR (the same words on PMSAv7 and
   * PMSAv8), with the hardware's semantics (`value` a uint32); false, having done nothing, for any
   * other register.
   */
  protected writeCommon(address: number, value: number): boolean {
    switch (address) {
      case MpuReg.TYPE:
        return true;
      case MpuReg.CTRL: {
        const c = ctrlAfterWrite(value, (w) => this.warn(w));
        if (c !== this.ctrl) {
          this.ctrl = c;
          this.changed("CTRL", null, c);
        }
        return true;
      }
      case MpuReg.RNR: {
        const n = rnrAfterWrite(value, this.regionCount, (w) => this.warn(w));
        if (n >= 0) this.rnr = n;
        return true;
      }
      default:
        return false;
    }
  }

  /** Writes MPU_CTRL from named bits. */
  setControl(c: MpuControlSettings): void {
    requireObject(c, "setControl: settings");
    let v = c.enable ? MpuCtrl.ENABLE : 0;
    if (c.privdefena) v |= MpuCtrl.PRIVDEFENA;
    if (c.hfnmiena) v |= MpuCtrl.HFNMIENA;
    this.writeRegister(MpuReg.CTRL, v);
  }

  /** Region `n` decoded from its registers (`MPU_REGION_NUMBER` when the MPU has no region `n`). */
  abstract region(n: number): V;

  /** Every region decoded. */
  regions(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.regionCount; i++) out.push(this.region(i));
    return out;
  }

  /** Configuration warnings for the current register values (enabled regions only). */
  warnings(): ConfigWarning[] {
    const out: ConfigWarning[] = [];
    for (let n = 0; n < this.regionCount; n++) out.push(...this.regionWarnings(n));
    return out;
  }

  // ---- decisions -------------------------------------------------------------------------

  /**
   * Permission byte for `address` under the current configuration with the MPU as programmed
   * (ENABLE and PRIVDEFENA honoured; HFNMIENA and the PPB rule are the core's concern).
   */
  abstract decide(address: number): number;

  /** The default-map table (MPU off, or HardFault/NMI with HFNMIENA = 0). */
  get defaultMapTable(): PermTable {
    return this.defaultTable;
  }

  /**
   * The permission table of the current configuration: one byte per 32-byte granule of the
   * layout, cached per configuration (keyed by the registers that decide it).
   */
  table(): PermTable {
    return this.current ?? this.lookup();
  }

  /** The current table when one is known for the registers as they are, else null (nothing is built). */
  knownTable(): PermTable | null {
    return this.current;
  }

  /** @internal The table of the current registers from the cache keyed by their values (built on a miss). */
  protected lookup(): PermTable {
    const key = this.configKey();
    let table = this.cache.get(key);
    if (table === undefined) {
      table = permTable(this.layout, this.build());
      this.tablesBuilt++;
      this.cache.set(key, table);
    }
    this.current = table;
    return table;
  }

  /** @internal The current configuration's key, in {@link MpuBase.keyScratch} (zeros where a region is disabled). */
  protected abstract configKey(): Uint32Array;
  /** @internal The permission byte of every granule under the current registers. */
  protected abstract build(): Uint8Array;

  // ---- changes and warnings --------------------------------------------------------------

  /** @internal The name of the register at `address` in `mpu-reconfigured` events. */
  protected abstract registerName(address: number): string;

  /** @internal A register changed: drop the current table, tell the core, emit (the register named only when someone listens). */
  protected changed(register: string | number, region: number | null, value: number): void {
    this.current = null;
    this.onChange?.();
    if (this.emitter.listenerCount("mpu-reconfigured") > 0) {
      const name = typeof register === "string" ? register : this.registerName(register);
      this.emitter.emit("mpu-reconfigured", { register: name, region, value });
    }
  }

  /** @internal */
  protected warn(w: ConfigWarning): void {
    this.emitter.emit("warning", w);
  }

  /** @internal Emits region `n`'s warnings, unless the typed API is writing or nobody listens. */
  protected checkRegion(n: number): void {
    if (this.quiet || this.emitter.listenerCount("warning") === 0) return;
    for (const w of this.regionWarnings(n)) this.warn(w);
  }

  /** @internal What is UNPREDICTABLE or reserved in region `n`'s registers (none while it is disabled). */
  protected abstract regionWarnings(n: number): ConfigWarning[];
}
