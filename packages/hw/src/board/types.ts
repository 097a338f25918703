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
  readonly kind?: MemoryKind | undefined;
  /** Stores are BusFaults. Default: true for flash/rom/otp, false for ram. */
  readonly readOnly?: boolean | undefined;
  /** Instruction fetches allowed by the bus. Default true (false e.g. for STM32F407 CCM). */
  readonly executable?: boolean | undefined;
  /** Extra bus cycles per access (flash wait states; 0 for SRAM and TCM). Default 0. */
  readonly waitStates?: number | undefined;
  /**
   * Whether the board's DMA controller (a bus master besides the core) can reach the region.
   * Default true; false e.g. for the STM32F407's CCM, on the core's D-bus only (RM0090, "System
   * architecture"), and the STM32H7's TCMs, which DMA1 and DMA2 cannot reach (RM0433, "Bus
   * matrix"). See {@link BusMaster}.
   */
  readonly dmaReachable?: boolean | undefined;
}

/** A range of addresses decoded by peripherals (reads of unattached registers read as zero). */
export interface PeripheralRangeSpec {
  /** Unique name among the board's peripheral ranges, e.g. "APB1". */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Size in bytes (> 0; the range ends at or below 0xE0000000). */
  readonly size: number;
  /**
   * Whether the board's DMA controller can reach the range's registers. Default true; false for
   * a block off the bus fabric the DMA sits on, e.g. the RP2040's SIO, on the processors' IOPORT
   * only (RP2040 datasheet, 2.3.1 "SIO"). A validated board keeps the field only when false. See
   * {@link BusMaster}.
   */
  readonly dmaReachable?: boolean | undefined;
}

/**
 * Initial bytes of read-only memory: what the factory programmed there (a device identity block
 * such as an STM32's unique device ID and flash size registers, or bytes of system memory or
 * OTP). They are written into the simulated memory when a machine is built, so a load reads them
 * through the core like any other read-only memory (MPU, access hook, bus), and a store there is
 * the read-only memory's precise BusFault.
 */
export interface MemoryContentsSpec {
  /** Unique name among the board's contents, e.g. `"UID"`, `"FLASH_SIZE"`. */
  readonly name: string;
  /** Address of the first byte; every byte must lie in one read-only memory region of the board. */
  readonly address: number;
  /** The bytes in address order, each an integer 0..255 (at least one). */
  readonly bytes: ArrayLike<number>;
  /** What the bytes are, one line (e.g. with the reference manual's section). Default: the name. */
  readonly description?: string | undefined;
}

/** Initial bytes of read-only memory after validation (see {@link MemoryContentsSpec}). */
export interface MemoryContents {
  /** Unique name among the board's contents. */
  readonly name: string;
  /** Address of the first byte. */
  readonly address: number;
  /** One past the last byte. */
  readonly end: number;
  /** The bytes in address order (frozen). */
  readonly bytes: readonly number[];
  /** What the bytes are (the name when the spec gave no description). */
  readonly description: string;
  /** The name of the board memory region that holds them. */
  readonly region: string;
}

/** A typed board description (built-in boards and custom ones). */
export interface BoardSpec {
  /** Board or part name, e.g. "stm32f407". */
  readonly name: string;
  /** Other names accepted for the board. */
  readonly aliases?: readonly string[] | undefined;
  /** One-line description. */
  readonly description?: string | undefined;
  /** The CPU core (see {@link CORE_PROFILES}): decides the MPU architecture, CPUID and CCR. */
  readonly core: CoreKind;
  /**
   * Number of MPU regions (DREGION, per security state on ARMv8-M): 8 on Cortex-M3/M4, 16 on the
   * Cortex-M7 of STM32H7; a build-time option of ARMv8-M chips; 8 on the Cortex-M0+ (PMSAv6). Default from the core.
   */
  readonly mpuRegions?: 8 | 16 | undefined;
  /** Core clock in Hz (for simulated time). Default 16 MHz. */
  readonly clockHz?: number | undefined;
  /** Memory regions (at least one; no overlaps, all below 0xE0000000, at most 256 MiB in total). */
  readonly memory: readonly MemoryRegionSpec[];
  /** Address ranges decoded by peripherals (no overlaps). Default none. */
  readonly peripherals?: readonly PeripheralRangeSpec[] | undefined;
  /** Named peripheral addresses on this board (e.g. { USART2: 0x40004400 }) used by the kernel's devices. */
  readonly devices?: Readonly<Record<string, number>> | undefined;
  /**
   * What each device is for: a role (a lowercase name such as `uart`, `gpio`, `timer`) mapped to
   * the name of one of {@link BoardSpec.devices}, e.g. `{ uart: "USART2", gpio: "GPIOD" }`. The
   * kernel attaches its simulated device of a role at that device's address; a board without a
   * role has no such device. Default: none.
   */
  readonly roles?: Readonly<Record<string, string>> | undefined;
  /**
   * Whether the chip has bit-banding (an option of the Cortex-M3 and M4 cores; the STM32F4 and
   * the MPS2's Cortex-M4 image have it): the alias windows 0x22000000 and 0x42000000, 32 MiB
   * each, stand for the bits of 0x20000000 and 0x40000000, 1 MiB each (docs/bit-banding.md). No
   * memory or peripheral range may lie in an alias window. Default false.
   */
  readonly bitBand?: boolean | undefined;
  /**
   * Initial bytes of read-only memory (device identity registers, system memory, OTP), loaded
   * into simulated memory when a machine is built. Each lies wholly in one read-only region; no
   * two overlap. Default none: RAM and ROM read zeros, flash and OTP erased (0xFF).
   */
  readonly contents?: readonly MemoryContentsSpec[] | undefined;
}

/** A memory region after validation: every field present. */
export interface MemoryRegion {
  /** Unique name, e.g. "SRAM1". */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Size in bytes (> 0). */
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
  /** What it is made of. */
  readonly kind: MemoryKind;
  /** Stores are BusFaults. */
  readonly readOnly: boolean;
  /** Instruction fetches allowed by the bus (else BusFault IBUSERR). */
  readonly executable: boolean;
  /** Extra bus cycles per access (0..15): an access costs 1 + waitStates cycles. */
  readonly waitStates: number;
  /** Whether the board's DMA controller can reach it (see {@link MemoryRegionSpec.dmaReachable}). */
  readonly dmaReachable: boolean;
}

/**
 * A validated, frozen board. `A` is its MPU architecture when known statically (the built-in
 * boards), so `createMachine` gives a machine whose `mpu` has that architecture's type.
 */
export interface Board<A extends MpuArchitecture = MpuArchitecture> {
  /** Board or part name, e.g. "stm32f407". */
  readonly name: string;
  /** Other names accepted for the board (may be empty). */
  readonly aliases: readonly string[];
  /** One-line description (the name when the spec gave none). */
  readonly description: string;
  /** The CPU core. */
  readonly core: CoreKind;
  /** The MPU architecture, from the core: PMSAv7 (Cortex-M3/M4/M7) or PMSAv8 (Cortex-M33/M55). */
  readonly mpuArchitecture: A;
  /** Number of MPU regions (DREGION). */
  readonly mpuRegions: 8 | 16;
  /** Core clock in Hz (for simulated time). */
  readonly clockHz: number;
  /** Sorted by start address. */
  readonly memory: readonly MemoryRegion[];
  /** Sorted by start address. */
  readonly peripherals: readonly PeripheralRangeSpec[];
  /** Named peripheral addresses, e.g. { USART2: 0x40004400 } (may be empty). */
  readonly devices: Readonly<Record<string, number>>;
  /** Role -> device name (every name a key of `devices`); see {@link BoardSpec.roles}. */
  readonly roles: Readonly<Record<string, string>>;
  /** Whether the chip has bit-banding (see {@link BoardSpec.bitBand}). */
  readonly bitBand: boolean;
  /** Initial bytes of read-only memory, sorted by address (may be empty; see {@link BoardSpec.contents}). */
  readonly contents: readonly MemoryContents[];
}
