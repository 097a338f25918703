import type { MemoryTypeSetting } from "../mpu/config.js";
import type { AccessPermission } from "../mpu/fields.js";
import type { MpuArchitecture, MpuRegionView } from "../mpu/view.js";

/** Access permissions a grant may ask for (the AP names, without PMSAv7's reserved encoding). */
export type RegionAccess = Exclude<AccessPermission, "reserved">;

/**
 * What a kernel asks the MPU driver for: a range of memory with permissions, in terms that do
 * not depend on the architecture. The driver fits it into the architecture's regions (or refuses
 * it with a typed error).
 *
 * @example
 * ```ts
 * import type { MpuGrant } from "@rtos-sim/hw";
 * const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20001000, size: 1024, access: "rw", guard: 32 };
 * const uart: MpuGrant = { id: "device:uart", label: "USART2 (uart)", base: 0x40004400, size: 0x400, access: "rw", memory: "device" };
 * ```
 */
export interface MpuGrant {
  /**
   * Identity within a configuration, stable across reconfigurations (e.g. `"stack"`, `"heap"`,
   * `"partition:ring"`): {@link MpuDriver.allocateRegion} replaces the grant with the same id.
   * Unique among a configuration's task grants (`MPU_GRANT_ID`).
   */
  readonly id: string;
  /** What it is, for reports and error messages: "stack", "heap", "partition ring (ro)", "USART2 (uart)"... */
  readonly label: string;
  /** First address. */
  readonly base: number;
  /** Bytes. Each architecture has its own rules (PMSAv7: a power of two >= 32 with `base` aligned on it). */
  readonly size: number;
  /** Access permissions (AP names; PMSAv8 encodes only "priv-rw", "rw", "priv-ro", "ro"). */
  readonly access: RegionAccess;
  /** Instruction fetch allowed (XN = 0). Default false. */
  readonly executable?: boolean | undefined;
  /** Memory type. Default "normal-wb". */
  readonly memory?: MemoryTypeSetting | undefined;
  /**
   * A stack whose lowest `guard` bytes guard it: an overflow into them faults. The driver picks
   * the mechanism: PMSAv7 an overlapping privileged-read-only region over [base, base + guard)
   * (the later region wins), PMSAv8 the stack limit register PSPLIM = base + guard with the
   * stack's region starting there (PMSAv8 regions cannot overlap). Default: no guard.
   */
  readonly guard?: number | undefined;
}

/** One region of a configuration as the driver laid it out: which grant it realises and how. */
export interface MpuRegionUse {
  /** Region number. */
  readonly number: number;
  /** The grant this region realises. */
  readonly grant: MpuGrant;
  /** True for the kernel's own grants (the highest-numbered regions). */
  readonly kernel: boolean;
  /** The grant's label, or `"<label> guard"` for a PMSAv7 stack guard region. */
  readonly label: string;
  /** First address of the region (a PMSAv8 guarded stack's starts above the guard). */
  readonly base: number;
  /** Bytes the region spans (a PMSAv7 guard region: the guard). */
  readonly size: number;
  /** Access permissions ("priv-ro" for a PMSAv7 guard region). */
  readonly access: RegionAccess;
  /** Instruction fetch allowed (XN = 0). */
  readonly executable: boolean;
  /** Memory type (the grant's, "normal-wb" by default). */
  readonly memory: MemoryTypeSetting;
  /**
   * RASR.SRD (PMSAv7 layout): subregions the region leaves out, bit n for the n-th eighth. Set
   * only for an ARMv6-M stack guard below 256 bytes: a 256-byte region with only its lowest
   * `guard / 32` subregions enabled (PMSAv6 has no region below 256 bytes). Default 0.
   */
  readonly subregionDisable?: number;
}

/**
 * A computed MPU configuration (Tock's per-process `MpuConfig`): the grants, where each sits, and
 * the register values computed once, ready to be written at every context switch. Immutable:
 * {@link MpuDriver.allocateRegion} and {@link MpuDriver.removeRegion} return new configurations.
 */
export interface MpuConfig {
  /** Stable identity: the driver skips loading a configuration it loaded last. */
  readonly id: number;
  /** The architecture whose register words it holds. */
  readonly architecture: MpuArchitecture;
  /** Whose configuration it is, for error messages (`task "logger"`, `kernel`). */
  readonly who: string;
  /** Regions of the MPU it was laid out for (MPU_TYPE.DREGION). */
  readonly regionCount: number;
  /** The kernel's grants (they take the highest-numbered regions). */
  readonly kernelGrants: readonly MpuGrant[];
  /** The task's grants, in the order they were given. */
  readonly grants: readonly MpuGrant[];
  /** Region number to what it realises (null: region disabled). */
  readonly regions: readonly (MpuRegionUse | null)[];
  /**
   * The two register words per region, in region order, as the driver writes them: PMSAv7
   * (RBAR | VALID | REGION, RASR), PMSAv8 (RBAR, RLAR).
   */
  readonly words: Uint32Array;
  /** PSPLIM loaded with the configuration (PMSAv8 stack guard), or null when the architecture has none. */
  readonly stackLimit: number | null;
  /**
   * The configuration as a kernel keeps it in memory for its switch (FreeRTOS-MPU's
   * `xMPU_SETTINGS` in the TCB), {@link MpuDriver.recordWords} words: PMSAv7 the
   * {@link MpuConfig.words}; PMSAv8 MAIR0, MAIR1, the words, then PSPLIM (0 without a stack guard).
   * {@link MpuDriver.configureFromRecord} loads it back.
   */
  readonly record: Uint32Array;
  /** Every region decoded from `words`, in region order (architecture-neutral view). */
  views(): readonly MpuRegionView[];
}

/** What {@link MpuDriver.newConfig} lays out. */
export interface MpuConfigRequest {
  /** Whose configuration it is, for error messages. */
  readonly who: string;
  /** The kernel's grants: the highest-numbered regions, in this order. */
  readonly kernel: readonly MpuGrant[];
  /** The task's grants: the lowest-numbered regions, in this order. */
  readonly task: readonly MpuGrant[];
}

/**
 * An MPU architecture behind one interface, like Tock's `kernel::platform::mpu::MPU` trait and
 * Zephyr's `arm_mpu_v7_internal.h` / `arm_mpu_v8_internal.h`: a kernel states grants, the driver
 * encodes them into its architecture's registers, and loads a configuration at a switch only
 * when it is not the one loaded already.
 *
 * Errors (`HwError`, nothing laid out or loaded): `MPU_REGIONS_EXHAUSTED` (more regions than
 * the MPU has: `context.dropped` names the grants that do not fit), `MPU_GRANT_SIZE`,
 * `MPU_GRANT_ALIGNMENT`, `MPU_GRANT_ACCESS` (an access this architecture cannot encode),
 * `MPU_GRANT_GUARD`, `MPU_GRANT_OVERLAP` (PMSAv8), `MPU_GRANT_ID` (two task grants of one id),
 * `MPU_CONFIG_FOREIGN` (a configuration of another driver); each `context` names the grant.
 *
 * @example
 * ```ts
 * import { createMachine, createMpuDriver, type MpuGrant, STM32F407 } from "@rtos-sim/hw";
 * const driver = createMpuDriver(createMachine(STM32F407));
 * const flash: MpuGrant = { id: "flash", label: "flash", base: 0x08000000, size: 0x100000, access: "ro", executable: true };
 * const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20001000, size: 1024, access: "rw", guard: 32 };
 * const heap: MpuGrant = { id: "heap", label: "heap", base: 0x20004000, size: 4096, access: "rw" };
 * const config = driver.newConfig({ who: 'task "t"', kernel: [flash], task: [stack, heap] });
 * driver.configureMpu(config); // writes the registers
 * driver.configureMpu(config); // skipped: already loaded
 * console.log(driver.skips); // 1
 * ```
 */
export interface MpuDriver {
  /** PMSAv7 or PMSAv8. */
  readonly architecture: MpuArchitecture;
  /** Regions the MPU has (MPU_TYPE.DREGION). */
  readonly regionCount: number;
  /** The accesses this architecture's regions can encode. */
  readonly accesses: readonly RegionAccess[];
  /** Lays out a configuration (Tock's `new_config` and `allocate_region` per grant). */
  newConfig(request: MpuConfigRequest): MpuConfig;
  /** A copy of `config` with `grant` added at the end of the task's grants, replacing a grant of the same id. */
  allocateRegion(config: MpuConfig, grant: MpuGrant): MpuConfig;
  /** A copy of `config` without the task's grant `id` (unchanged when there is none). */
  removeRegion(config: MpuConfig, id: string): MpuConfig;
  /** Tock's `configure_mpu`: writes the configuration's registers, unless it is the one loaded. */
  configureMpu(config: MpuConfig): void;
  /** Words of a configuration's {@link MpuConfig.record}: 2 per region on PMSAv7, 2 per region + 3 on PMSAv8. */
  readonly recordWords: number;
  /**
   * Loads `record`, a configuration's record as read back from memory at a switch: when its
   * words are `config`'s record, as {@link MpuDriver.configureMpu} (skipped when loaded) and
   * returns true; otherwise (the memory was overwritten since the kernel stored it) the registers
   * get the words as they are, through the architecture's load sequence (PMSAv7: each RBAR's
   * VALID and REGION pick its region, as an STM to the alias block does), the driver forgets its
   * loaded configuration, and it returns false. `BAD_ARGUMENT` for a record of another length.
   */
  configureFromRecord(config: MpuConfig, record: ArrayLike<number>): boolean;
  /** Forgets the loaded configuration (after someone else wrote the MPU): the next load writes everything. */
  invalidate(): void;
  /** The configuration loaded now, or null. */
  readonly loaded: MpuConfig | null;
  /** Configurations actually written (not skipped). */
  readonly loads: number;
  /** Loads that found the configuration already loaded. */
  readonly skips: number;
}
