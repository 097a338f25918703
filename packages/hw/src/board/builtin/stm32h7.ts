import { defineBoard } from "../define.js";
import type { Board, MemoryContentsSpec, MemoryRegionSpec, PeripheralRangeSpec } from "../types.js";
import { simulatedUid, stm32Signature } from "./stm32-signature.js";
import { KiB, MiB } from "./units.js";

/*
 * The STM32H7 family of RM0433: the parts differ in flash only and share the rest of the memory
 * map, the peripheral ranges, the named devices and their roles, so they share one file.
 */

/**
 * Flash wait states of the H7 parts, in core cycles: at VOS0 with the AXI clock at 240 MHz (the
 * core at 480 MHz) RM0433's table "FLASH recommended number of wait states and programming delay"
 * gives LATENCY = 4 (5 flash clock cycles per read), which is 10 cycles of the 480 MHz core: 1 + 9.
 */
const H7_FLASH_WAIT_STATES = 9;

const H7_RAM: readonly MemoryRegionSpec[] = [
  // The TCMs are the core's own: DMA1 and DMA2 have no path to them (RM0433, "System
  // architecture", the bus-master-to-slave interconnect table; only the MDMA reaches them).
  { name: "ITCM", start: 0x00000000, size: 64 * KiB, dmaReachable: false },
  { name: "DTCM", start: 0x20000000, size: 128 * KiB, dmaReachable: false },
  { name: "AXISRAM", start: 0x24000000, size: 512 * KiB },
  { name: "SRAM1", start: 0x30000000, size: 128 * KiB },
  { name: "SRAM2", start: 0x30020000, size: 128 * KiB },
  { name: "SRAM3", start: 0x30040000, size: 32 * KiB },
  { name: "SRAM4", start: 0x38000000, size: 64 * KiB },
  { name: "BackupSRAM", start: 0x38800000, size: 4 * KiB },
];

const H7_SYSTEM: readonly MemoryRegionSpec[] = [
  { name: "SystemMemory0", kind: "rom", start: 0x1ff00000, size: 128 * KiB, waitStates: H7_FLASH_WAIT_STATES },
  { name: "SystemMemory1", kind: "rom", start: 0x1ff40000, size: 128 * KiB, waitStates: H7_FLASH_WAIT_STATES },
];

/**
 * The device electronic signature of an H7 part, inside SystemMemory0 (RM0433, "Device electronic
 * signature"): the unique ID at 0x1FF1E800 and the flash size at 0x1FF1E880 (UID_BASE and
 * FLASHSIZE_BASE of the CMSIS header stm32h743xx.h).
 */
function h7Signature(wafer: number, flashSizeKiB: number): MemoryContentsSpec[] {
  return stm32Signature({
    uidBase: 0x1ff1e800,
    uid: simulatedUid(wafer),
    flashSizeBase: 0x1ff1e880,
    flashSizeKiB,
    uidSource: "RM0433, Unique device ID register",
    flashSizeSource: "RM0433, Flash size register",
  });
}

const H7_PERIPHERALS: readonly PeripheralRangeSpec[] = [
  { name: "D2-APB1", start: 0x40000000, size: 0xd400 },
  { name: "D2-APB2", start: 0x40010000, size: 0x8000 },
  // DMA1 at 0x40020000 up to USB2 OTG_FS, which ends at 0x400BFFFF (RM0433 table 8).
  { name: "D2-AHB1", start: 0x40020000, size: 0xa0000 },
  { name: "D2-AHB2", start: 0x48020000, size: 0x2c00 },
  { name: "D1-APB3", start: 0x50000000, size: 0x4000 },
  { name: "D1-AHB3", start: 0x52000000, size: 0x10000 },
  { name: "D3-APB4", start: 0x58000000, size: 0x6800 },
  { name: "D3-AHB4", start: 0x58020000, size: 0x20000 },
];

const H7_DEVICES = {
  TIM2: 0x40000000,
  USART3: 0x40004800,
  TIM1: 0x40010000,
  SPI1: 0x40013000,
  // DMA2 (RM0433, table 8 "Register boundary addresses": DMA1 at 0x40020000, DMA2 at 0x40020400);
  // its streams have the STM32F4's registers and can copy memory to memory.
  DMA2: 0x40020400,
  GPIOA: 0x58020000,
  RCC: 0x58024400,
} as const;

/** The kernel's devices on the H7 parts: console on USART3 (the Nucleo-144's ST-LINK VCP), copies on DMA2. */
const H7_ROLES = {
  uart: "USART3",
  gpio: "GPIOA",
  timer: "TIM2",
  sensor: "SPI1",
  actuator: "TIM1",
  dma: "DMA2",
} as const;

/** STM32H743xI / H742xI / H753xI (Cortex-M7, 480 MHz, 16 MPU regions): 2 MiB flash in two banks. */
export const STM32H743XI: Board<"pmsav7"> = defineBoard({
  name: "stm32h743xi",
  aliases: ["stm32h742xi", "stm32h753xi", "stm32h743"],
  description: "STM32H743xI/H742xI/H753xI (Cortex-M7, 480 MHz): 2 MiB flash, TCMs, AXI and AHB SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    // Two contiguous 1 MiB banks: one backing segment, so an access may run from bank 1 into bank 2.
    { name: "FlashBank1", kind: "flash", start: 0x08000000, size: 1 * MiB, waitStates: H7_FLASH_WAIT_STATES },
    { name: "FlashBank2", kind: "flash", start: 0x08100000, size: 1 * MiB, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
  contents: h7Signature(2, 2048),
});

/**
 * STM32H743xG / H742xG (Cortex-M7, 480 MHz, 16 MPU regions): two 512 KiB flash banks 1 MiB apart
 * (RM0433).
 */
export const STM32H743XG: Board<"pmsav7"> = defineBoard({
  name: "stm32h743xg",
  aliases: ["stm32h742xg"],
  description: "STM32H743xG/H742xG (Cortex-M7, 480 MHz): 2x512 KiB flash banks, TCMs, AXI and AHB SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    { name: "FlashBank1", kind: "flash", start: 0x08000000, size: 512 * KiB, waitStates: H7_FLASH_WAIT_STATES },
    { name: "FlashBank2", kind: "flash", start: 0x08100000, size: 512 * KiB, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
  contents: h7Signature(3, 1024),
});

/** STM32H750xB (Cortex-M7, 480 MHz, 16 MPU regions): 128 KiB flash plus 8 MiB memory-mapped QUADSPI flash. */
export const STM32H750XB: Board<"pmsav7"> = defineBoard({
  name: "stm32h750xb",
  aliases: ["stm32h750"],
  description: "STM32H750xB (Cortex-M7, 480 MHz): 128 KiB flash, 8 MiB QUADSPI flash at 0x90000000, TCMs, SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 128 * KiB, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
    { name: "QSPI", kind: "flash", start: 0x90000000, size: 8 * MiB, waitStates: 4 },
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
  contents: h7Signature(4, 128),
});
