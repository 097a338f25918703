import { defineBoard } from "./define.js";
import type { Board, MemoryRegionSpec, PeripheralRangeSpec } from "./types.js";

const K = 1024;
const M = 1024 * 1024;

/** STM32F407 (Cortex-M4F, 168 MHz, 8 MPU regions): RM0090 memory map. */
export const STM32F407: Board = defineBoard({
  name: "stm32f407",
  aliases: ["stm32f407vg", "stm32f4"],
  description: "STM32F407 (Cortex-M4F, 168 MHz): 1 MiB flash, 64 KiB CCM, 112+16 KiB SRAM",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: 168_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 1 * M, waitStates: 5 },
    // CCM is on the D-bus only: the bus gives IBUSERR on instruction fetch.
    { name: "CCM", start: 0x10000000, size: 64 * K, executable: false },
    { name: "SystemMemory", kind: "rom", start: 0x1fff0000, size: 30 * K, waitStates: 5 },
    { name: "OTP", kind: "otp", start: 0x1fff7800, size: 528, waitStates: 5 },
    { name: "SRAM1", start: 0x20000000, size: 112 * K },
    { name: "SRAM2", start: 0x2001c000, size: 16 * K },
    { name: "BackupSRAM", start: 0x40024000, size: 4 * K },
  ],
  peripherals: [
    { name: "APB1", start: 0x40000000, size: 0x8000 },
    { name: "APB2", start: 0x40010000, size: 0x6c00 },
    { name: "AHB1", start: 0x40020000, size: 0x60000 },
    { name: "AHB2", start: 0x50000000, size: 0x70000 },
  ],
  devices: {
    TIM2: 0x40000000,
    USART2: 0x40004400,
    TIM1: 0x40010000,
    SPI1: 0x40013000,
    GPIOA: 0x40020000,
    GPIOD: 0x40020c00,
    RCC: 0x40023800,
  },
  // The kernel's devices: console on USART2, LEDs on GPIOD (the Discovery board's), IMU on SPI1,
  // motors on TIM1's PWM outputs, microseconds from TIM2.
  roles: { uart: "USART2", gpio: "GPIOD", timer: "TIM2", sensor: "SPI1", actuator: "TIM1" },
});

/**
 * Flash wait states of the H7 parts, in core cycles: at VOS0 with the AXI clock at 240 MHz (the
 * core at 480 MHz) RM0433's table "FLASH recommended number of wait states and programming delay"
 * gives LATENCY = 4 (5 flash clock cycles per read), which is 10 cycles of the 480 MHz core: 1 + 9.
 */
const H7_FLASH_WAIT_STATES = 9;

const H7_RAM: readonly MemoryRegionSpec[] = [
  { name: "ITCM", start: 0x00000000, size: 64 * K },
  { name: "DTCM", start: 0x20000000, size: 128 * K },
  { name: "AXISRAM", start: 0x24000000, size: 512 * K },
  { name: "SRAM1", start: 0x30000000, size: 128 * K },
  { name: "SRAM2", start: 0x30020000, size: 128 * K },
  { name: "SRAM3", start: 0x30040000, size: 32 * K },
  { name: "SRAM4", start: 0x38000000, size: 64 * K },
  { name: "BackupSRAM", start: 0x38800000, size: 4 * K },
];

const H7_SYSTEM: readonly MemoryRegionSpec[] = [
  { name: "SystemMemory0", kind: "rom", start: 0x1ff00000, size: 128 * K, waitStates: H7_FLASH_WAIT_STATES },
  { name: "SystemMemory1", kind: "rom", start: 0x1ff40000, size: 128 * K, waitStates: H7_FLASH_WAIT_STATES },
];

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
  GPIOA: 0x58020000,
  RCC: 0x58024400,
} as const;

/** The kernel's devices on the H7 parts: console on USART3 (the Nucleo-144's ST-LINK VCP). */
const H7_ROLES = { uart: "USART3", gpio: "GPIOA", timer: "TIM2", sensor: "SPI1", actuator: "TIM1" } as const;

/** STM32H743xI / H742xI / H753xI (Cortex-M7, 480 MHz, 16 MPU regions): 2 MiB flash in two banks. */
export const STM32H743XI: Board = defineBoard({
  name: "stm32h743xi",
  aliases: ["stm32h742xi", "stm32h753xi", "stm32h743"],
  description: "STM32H743xI/H742xI/H753xI (Cortex-M7, 480 MHz): 2 MiB flash, TCMs, AXI and AHB SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    // Two contiguous 1 MiB banks: one backing segment, so an access may run from bank 1 into bank 2.
    { name: "FlashBank1", kind: "flash", start: 0x08000000, size: 1 * M, waitStates: H7_FLASH_WAIT_STATES },
    { name: "FlashBank2", kind: "flash", start: 0x08100000, size: 1 * M, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
});

/**
 * STM32H743xG / H742xG (Cortex-M7, 480 MHz, 16 MPU regions): two 512 KiB flash banks 1 MiB apart
 * (RM0433).
 */
export const STM32H743XG: Board = defineBoard({
  name: "stm32h743xg",
  aliases: ["stm32h742xg"],
  description: "STM32H743xG/H742xG (Cortex-M7, 480 MHz): 2x512 KiB flash banks, TCMs, AXI and AHB SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    { name: "FlashBank1", kind: "flash", start: 0x08000000, size: 512 * K, waitStates: H7_FLASH_WAIT_STATES },
    { name: "FlashBank2", kind: "flash", start: 0x08100000, size: 512 * K, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
});

/** STM32H750xB (Cortex-M7, 480 MHz, 16 MPU regions): 128 KiB flash plus 8 MiB memory-mapped QUADSPI flash. */
export const STM32H750XB: Board = defineBoard({
  name: "stm32h750xb",
  aliases: ["stm32h750"],
  description: "STM32H750xB (Cortex-M7, 480 MHz): 128 KiB flash, 8 MiB QUADSPI flash at 0x90000000, TCMs, SRAMs",
  core: "cortex-m7",
  mpuRegions: 16,
  clockHz: 480_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 128 * K, waitStates: H7_FLASH_WAIT_STATES },
    ...H7_SYSTEM,
    ...H7_RAM,
    { name: "QSPI", kind: "flash", start: 0x90000000, size: 8 * M, waitStates: 4 },
  ],
  peripherals: H7_PERIPHERALS,
  devices: H7_DEVICES,
  roles: H7_ROLES,
});

/** Arm MPS2-AN386 (Cortex-M4 FPGA image, 25 MHz, 8 MPU regions): the board QEMU emulates as `mps2-an386`. */
export const MPS2_AN386: Board = defineBoard({
  name: "mps2-an386",
  aliases: ["mps2"],
  description: "Arm MPS2-AN386 (Cortex-M4, 25 MHz): 4 MiB ZBT SSRAM1, 16 KiB block RAM, 4 MiB SSRAM2/3, 16 MiB PSRAM",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: 25_000_000,
  memory: [
    { name: "SSRAM1", start: 0x00000000, size: 4 * M },
    { name: "BlockRAM", start: 0x01000000, size: 16 * K },
    { name: "SSRAM2", start: 0x20000000, size: 4 * M },
    { name: "PSRAM", start: 0x21000000, size: 16 * M },
  ],
  peripherals: [
    { name: "CMSDK-APB", start: 0x40000000, size: 0x10000 },
    { name: "AHB-GPIO", start: 0x40010000, size: 0x4000 },
  ],
  devices: {
    TIMER0: 0x40000000,
    TIMER1: 0x40001000,
    DUALTIMER: 0x40002000,
    UART0: 0x40004000,
    GPIO0: 0x40010000,
  },
  // The CMSDK parts stand in for the kernel's devices: TIMER1 carries the IMU's sample registers
  // and the dual timer the motor compare registers.
  roles: { uart: "UART0", gpio: "GPIO0", timer: "TIMER0", sensor: "TIMER1", actuator: "DUALTIMER" },
});

/** Every built-in board, in a stable order. */
export const BOARDS: readonly Board[] = Object.freeze([STM32F407, STM32H743XI, STM32H743XG, STM32H750XB, MPS2_AN386]);

/** Finds a built-in board by name or alias (case-insensitive); undefined when unknown. */
export function findBoard(name: string): Board | undefined {
  const n = name.toLowerCase();
  return BOARDS.find((b) => b.name === n || b.aliases.includes(n));
}
