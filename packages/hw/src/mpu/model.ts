import type { ConfigWarning } from "../events.js";
import type { MpuArchitecture, MpuRegionView } from "./view.js";

/** The address ranges the MPU precomputes decisions for (the board's memory), in 32-byte granules. */
export interface GranuleLayout {
  /** Total granules over all ranges. */
  readonly granules: number;
  /** Ranges with the index of their first granule in a table. */
  readonly ranges: readonly {
    /** First address of the range. */
    readonly start: number;
    /** One past its last address. */
    readonly end: number;
    /** Table index of the granule holding `start`. */
    readonly gbase: number;
  }[];
}

/**
 * A precomputed decision table: a permission byte per granule, and per layout range the AND of
 * its bytes (so a range wholly allowed for an access needs no per-granule lookup).
 */
export interface PermTable {
  /** One permission byte (see `Perm`) per 32-byte granule, indexed as the layout's ranges say. */
  readonly bytes: Uint8Array;
  /** AND of the permission bytes of each layout range (same order as `GranuleLayout.ranges`). */
  readonly and: Uint8Array;
  /**
   * AND of the permission bytes of each 1 KiB block (32 granules) of the layout, indexed by
   * granule index >>> 5 (blocks are counted from each range's first granule).
   */
  readonly blockAnd: Uint8Array;
  /**
   * @internal The access views built from this table (the core's `ViewCache` keeps its slot
   * numbers here, so a context switch finds them without a map lookup), or null. Optional, so a
   * table built outside this package stays valid (`permTable()` always sets it, keeping one shape).
   */
  views?: TableViews | null;
}

/** @internal Slot numbers and offsets of a table's access views in one core's view cache (see `ViewCache`). */
export interface TableViews {
  /** The view cache the numbers belong to. */
  readonly cache: object;
  /** Slot per variant `(privileged ? 0 : 1) + (cycles ? 2 : 0)` (0: none). */
  readonly slots: Int32Array;
  /** Buffer offset of the view per variant (0: none). */
  readonly offsets: Int32Array;
}

/** log2 of granules per block of `PermTable.blockAnd` (32 granules = 1 KiB). */
export const BLOCK_SHIFT = 5;

/** MPU_CTRL settings by name (the same three bits on PMSAv7 and PMSAv8). */
export interface MpuControlSettings {
  /** ENABLE: the MPU is on. */
  readonly enable: boolean;
  /** PRIVDEFENA: the default map as background region for privileged accesses. Default false. */
  readonly privdefena?: boolean | undefined;
  /** HFNMIENA: the MPU stays on at priority < 0 (HardFault, NMI, FAULTMASK). Default false. */
  readonly hfnmiena?: boolean | undefined;
}

/**
 * What the core and the PPB need of an MPU, whatever its architecture: its decisions as
 * permission bytes (see `Perm`), precomputed per configuration into a {@link PermTable} over the
 * board's memory, its MPU_CTRL state, and its registers. `Mpu` (PMSAv7) and `MpuV8` (PMSAv8)
 * implement it.
 */
export interface MpuModel {
  /** PMSAv7 (`Mpu`) or PMSAv8 (`MpuV8`). */
  readonly architecture: MpuArchitecture;
  /** DREGION: number of regions. */
  readonly regionCount: number;
  /** MPU_CTRL value. */
  readonly control: number;
  /** MPU_CTRL.ENABLE. */
  readonly enabled: boolean;
  /** MPU_CTRL.HFNMIENA. */
  readonly hfnmiena: boolean;
  /** The default-map table (MPU off, or HardFault/NMI with HFNMIENA = 0). */
  readonly defaultMapTable: PermTable;
  /** The permission table of the current configuration (cached per configuration). */
  table(): PermTable;
  /**
   * The current configuration's table if it is known without building one (the core takes it at
   * once after a reconfiguration), else null: then {@link MpuModel.table} decides at first use.
   */
  knownTable(): PermTable | null;
  /**
   * Permission byte for any address under the current configuration with the MPU as programmed
   * (ENABLE and PRIVDEFENA honoured; HFNMIENA and the PPB rule are the core's concern).
   */
  decide(address: number): number;
  /** Called after any change of configuration (the core drops its cached table). */
  onChange: (() => void) | null;
  /** Whether the word at `address` (in the PPB) is one of this MPU's registers. */
  decodes(address: number): boolean;
  /** Reads an MPU register by its address (privilege is the caller's concern). */
  readRegister(address: number): number;
  /** Writes an MPU register by its address, with the hardware's semantics (never throws). */
  writeRegister(address: number, value: number): void;
  /** Writes MPU_CTRL from named bits. */
  setControl(c: MpuControlSettings): void;
  /** Region `n` decoded from its registers (`MPU_REGION_NUMBER` when the MPU has no region `n`). */
  region(n: number): MpuRegionView;
  /** Every region decoded. */
  regions(): MpuRegionView[];
  /** Configuration warnings for the current register values. */
  warnings(): ConfigWarning[];
  /** Counts tables built (not found in the cache); for tests and benchmarks. */
  readonly tablesBuilt: number;
}
