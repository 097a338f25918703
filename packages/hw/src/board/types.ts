import type { MpuArchitecture } from "../mpu/view.js";
import type { CoreKind } from "./cores.js";

export type { CoreKind } from "./cores.js";

/** What a memory region is made of; drives defaults (flash/rom/otp are read-only). */
export type MemoryKind = "ram" | "flash" | "rom" | "otp";

/** A memory region as a board description gives it. */
export interface MemoryRegionSpec {
  /** Unique name, e.g. "SRAM1", "CCM". */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Size in bytes (> 0). */
  readonly size: number;
  /** Default "ram". */
  readonly kind?: MemoryKind;
  /** Stores are BusFaults. Default: true for flash/rom/otp, false for ram. */
  readonly readOnly?: boolean;
  /** Instruction fetches allowed by the bus. Default true (false e.g. for STM32F407 CCM). */
  readonly executable?: boolean;
  /** Extra bus cycles per access (flash wait states; 0 for SRAM and TCM). Default 0. */
  readonly waitStates?: number;
}

/** A range of addresses decoded by peripherals (reads of unattached registers read as zero). */
export interface PeripheralRangeSpec {
  readonly name: string;
  readonly start: number;
  readonly size: number;
}

/** A typed board description (built-in boards and custom ones). */
export interface BoardSpec {
  /** Board or part name, e.g. "stm32f407". */
  readonly name: string;
  /** Other names accepted for the board. */
  readonly aliases?: readonly string[];
  /** One-line description. */
  readonly description?: string;
  readonly core: CoreKind;
  /**
   * Number of MPU regions (DREGION, per security state on ARMv8-M): 8 on Cortex-M3/M4, 16 on the
   * Cortex-M7 of STM32H7; a build-time option of ARMv8-M chips. Default from the core.
   */
  readonly mpuRegions?: 8 | 16;
  /** Core clock in Hz (for simulated time). Default 16 MHz. */
  readonly clockHz?: number;
  readonly memory: readonly MemoryRegionSpec[];
  readonly peripherals?: readonly PeripheralRangeSpec[];
  /** Named peripheral addresses on this board (e.g. { USART2: 0x40004400 }) used by the kernel's devices. */
  readonly devices?: Readonly<Record<string, number>>;
  /**
   * What each device is for: a role (a lowercase name such as `uart`, `gpio`, `timer`) mapped to
   * the name of one of {@link BoardSpec.devices}, e.g. `{ uart: "USART2", gpio: "GPIOD" }`. The
   * kernel attaches its simulated device of a role at that device's address; a board without a
   * role has no such device. Default: none.
   */
  readonly roles?: Readonly<Record<string, string>>;
}

/** A memory region after validation: every field present. */
export interface MemoryRegion {
  readonly name: string;
  readonly start: number;
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
  readonly kind: MemoryKind;
  readonly readOnly: boolean;
  readonly executable: boolean;
  readonly waitStates: number;
}

/**
 * A validated, frozen board. `A` is its MPU architecture when known statically (the built-in
 * boards), so `createMachine` gives a machine whose `mpu` has that architecture's type.
 */
export interface Board<A extends MpuArchitecture = MpuArchitecture> {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  readonly core: CoreKind;
  /** The MPU architecture, from the core: PMSAv7 (Cortex-M3/M4/M7) or PMSAv8 (Cortex-M33/M55). */
  readonly mpuArchitecture: A;
  readonly mpuRegions: 8 | 16;
  readonly clockHz: number;
  /** Sorted by start address. */
  readonly memory: readonly MemoryRegion[];
  /** Sorted by start address. */
  readonly peripherals: readonly PeripheralRangeSpec[];
  readonly devices: Readonly<Record<string, number>>;
  /** Role -> device name (every name a key of `devices`); see {@link BoardSpec.roles}. */
  readonly roles: Readonly<Record<string, string>>;
}
