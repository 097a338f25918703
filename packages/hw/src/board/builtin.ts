import { defineBoard } from "./define.js";
import type { Board, MemoryRegionSpec, PeripheralRangeSpec } from "./types.js";

const K = 1024;
const M = 1024 * 1024;

/** STM32F407 (Cortex-M4F, 168 MHz, 8 MPU regions): RM0090 memory map. */
export const STM32F407: Board<"pmsav7"> = defineBoard({
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
export const STM32H743XI: Board<"pmsav7"> = defineBoard({
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
export const STM32H743XG: Board<"pmsav7"> = defineBoard({
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
export const STM32H750XB: Board<"pmsav7"> = defineBoard({
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
export const MPS2_AN386: Board<"pmsav7"> = defineBoard({
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

/**
 * STM32U585 (Cortex-M33, 160 MHz, 8 MPU regions per security state): RM0456 section 2.3 (memory
 * map) and the CMSIS device header stm32u585xx.h. With TrustZone disabled (TZEN = 0, the factory
 * setting) software uses these addresses; the Secure aliases (flash 0x0C000000, SRAM 0x30000000,
 * peripherals 0x50000000) and the SAU/IDAU are not modelled.
 */
export const STM32U585: Board<"pmsav8"> = defineBoard({
  name: "stm32u585",
  aliases: ["stm32u585ai", "stm32u5"],
  description: "STM32U585 (Cortex-M33, 160 MHz): 2 MiB flash, SRAM1-3 768 KiB, SRAM4 16 KiB",
  core: "cortex-m33",
  mpuRegions: 8,
  clockHz: 160_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 2 * M, waitStates: 4 },
    { name: "SRAM1", start: 0x20000000, size: 192 * K },
    { name: "SRAM2", start: 0x20030000, size: 64 * K },
    { name: "SRAM3", start: 0x20040000, size: 512 * K },
    { name: "SRAM4", start: 0x28000000, size: 16 * K },
  ],
  // Bus windows from the CMSIS header's bases (APB1PERIPH_BASE_NS ... AHB3PERIPH_BASE_NS).
  peripherals: [
    { name: "APB1", start: 0x40000000, size: 0x10000 },
    { name: "APB2", start: 0x40010000, size: 0x10000 },
    { name: "AHB1", start: 0x40020000, size: 0x20000 },
    { name: "AHB2", start: 0x42020000, size: 0xc0000 },
    { name: "APB3", start: 0x46000000, size: 0x10000 },
    { name: "AHB3", start: 0x46020000, size: 0x10000 },
  ],
  devices: {
    TIM2: 0x40000000,
    USART2: 0x40004400,
    TIM1: 0x40012c00,
    SPI1: 0x40013000,
    USART1: 0x40013800,
    GPIOA: 0x42020000,
    GPIOD: 0x42020c00,
    RCC: 0x46020c00,
  },
  // The kernel's devices: console on USART1 (the Discovery kit's ST-LINK port), IMU on SPI1, motors on TIM1.
  roles: { uart: "USART1", gpio: "GPIOA", timer: "TIM2", sensor: "SPI1", actuator: "TIM1" },
});

/**
 * Raspberry Pi RP2350 (Cortex-M33, 150 MHz, 8 MPU regions per security state): RP2350 datasheet
 * section 2.2 (address map) and the Pico SDK's addressmap.h, with the Pico 2's 4 MiB QSPI flash
 * in the XIP window. Only the Secure state (the core's reset state) is modelled.
 */
export const RP2350: Board<"pmsav8"> = defineBoard({
  name: "rp2350",
  aliases: ["pico2", "rp2350a"],
  description: "Raspberry Pi RP2350 (Cortex-M33, 150 MHz): 32 KiB ROM, 4 MiB XIP flash, 520 KiB SRAM",
  core: "cortex-m33",
  mpuRegions: 8,
  clockHz: 150_000_000,
  memory: [
    { name: "ROM", kind: "rom", start: 0x00000000, size: 32 * K, waitStates: 1 },
    { name: "XIP", kind: "flash", start: 0x10000000, size: 4 * M, waitStates: 2 },
    // SRAM0-7 are striped over 512 KiB; SRAM8 and SRAM9 (4 KiB each) follow without striping.
    { name: "SRAM", start: 0x20000000, size: 512 * K },
    { name: "SRAM8", start: 0x20080000, size: 4 * K },
    { name: "SRAM9", start: 0x20081000, size: 4 * K },
  ],
  peripherals: [
    { name: "APB", start: 0x40000000, size: 0x168000 },
    { name: "AHB", start: 0x50000000, size: 0x800000 },
    { name: "SIO", start: 0xd0000000, size: 0x40000 },
  ],
  devices: {
    IO_BANK0: 0x40028000,
    UART0: 0x40070000,
    UART1: 0x40078000,
    SPI0: 0x40080000,
    SPI1: 0x40088000,
    PWM: 0x400a8000,
    TIMER0: 0x400b0000,
    TIMER1: 0x400b8000,
    SIO: 0xd0000000,
  },
  // The kernel's devices: console on UART0, LEDs through SIO, IMU on SPI0, motors on the PWM slices.
  roles: { uart: "UART0", gpio: "SIO", timer: "TIMER0", sensor: "SPI0", actuator: "PWM" },
});

/**
 * Arm MPS2 with the AN505 FPGA image (Cortex-M33 IoT Kit, 20 MHz, 8 MPU regions): Arm AN505
 * and the IoT Kit FVP user guide (ECM0601256), as QEMU's `mps2-an505` builds it (hw/arm/mps2-tz.c,
 * hw/arm/armsse.c). QEMU before 8.2 gave the CPU 16 MPU regions; the IoT Kit RTL configures 8
 * and so does QEMU since 8.2. The Secure aliases (address + 0x10000000: the IDAU marks
 * 0x1xxxxxxx, 0x3xxxxxxx, 0x5xxxxxxx Secure) are the same memory and are not modelled; with the
 * SAU off every address is Secure. SSRAM1's alias at 0x00400000 is left out too.
 */
export const MPS2_AN505: Board<"pmsav8"> = defineBoard({
  name: "mps2-an505",
  aliases: ["an505"],
  description: "Arm MPS2-AN505 (Cortex-M33, 20 MHz): 4 MiB SSRAM1, 32 KiB IoT Kit SRAM, 4 MiB SSRAM2/3, 16 MiB PSRAM",
  core: "cortex-m33",
  mpuRegions: 8,
  clockHz: 20_000_000,
  memory: [
    { name: "SSRAM1", start: 0x00000000, size: 4 * M },
    { name: "SRAM", start: 0x20000000, size: 32 * K },
    { name: "SSRAM2", start: 0x28000000, size: 2 * M },
    { name: "SSRAM3", start: 0x28200000, size: 2 * M },
    { name: "PSRAM", start: 0x80000000, size: 16 * M },
  ],
  peripherals: [
    { name: "IoTKit-APB", start: 0x40000000, size: 0x100000 },
    { name: "AHB-GPIO-DMA", start: 0x40100000, size: 0x20000 },
    { name: "APB-expansion", start: 0x40200000, size: 0x10000 },
    { name: "SCC-FPGAIO", start: 0x40300000, size: 0x10000 },
    { name: "IoTKit-secure", start: 0x50000000, size: 0x100000 },
    { name: "MPC", start: 0x58007000, size: 0x3000 },
  ],
  devices: {
    TIMER0: 0x40000000,
    TIMER1: 0x40001000,
    DUALTIMER: 0x40002000,
    GPIO0: 0x40100000,
    UART0: 0x40200000,
    UART1: 0x40201000,
    SPI0: 0x40205000,
    SPI1: 0x40206000,
    SCC: 0x40300000,
    FPGAIO: 0x40302000,
  },
  // As on the AN386: the CMSDK TIMER1 carries the IMU's sample registers, the dual timer the motors.
  roles: { uart: "UART0", gpio: "GPIO0", timer: "TIMER0", sensor: "TIMER1", actuator: "DUALTIMER" },
});

/**
 * Arm MPS3 with the AN547 FPGA image (Cortex-M55 on the SSE-300, ARMv8.1-M, 32 MHz, 16 MPU
 * regions): Arm AN547 and the SSE-300 TRM (101773), as QEMU's `mps3-an547` builds it. The 2 GiB
 * DDR at 0x60000000 is left out (more than the model backs), and so are the Secure aliases
 * (address + 0x10000000), as for the AN505.
 */
export const MPS3_AN547: Board<"pmsav8"> = defineBoard({
  name: "mps3-an547",
  aliases: ["an547"],
  description: "Arm MPS3-AN547 (Cortex-M55, 32 MHz): 512 KiB ITCM and DTCM, 2 MiB SRAM, 4 MiB SSE-300 SRAM, 8 MiB QSPI",
  core: "cortex-m55",
  mpuRegions: 16,
  clockHz: 32_000_000,
  memory: [
    { name: "ITCM", start: 0x00000000, size: 512 * K },
    { name: "SRAM", start: 0x01000000, size: 2 * M },
    { name: "DTCM", start: 0x20000000, size: 512 * K },
    { name: "SSE-SRAM", start: 0x21000000, size: 4 * M },
    { name: "QSPI", kind: "flash", start: 0x28000000, size: 8 * M, waitStates: 2 },
  ],
  peripherals: [
    { name: "AHB-expansion", start: 0x41000000, size: 0x600000 },
    { name: "SSE300-APB", start: 0x48000000, size: 0x100000 },
    { name: "APB-expansion1", start: 0x49200000, size: 0x10000 },
    { name: "APB-expansion2", start: 0x49300000, size: 0x10000 },
    { name: "MPC", start: 0x57000000, size: 0x3000 },
    { name: "SSE300-secure", start: 0x58000000, size: 0x100000 },
  ],
  devices: {
    GPIO0: 0x41100000,
    TIMER0: 0x48000000,
    TIMER1: 0x48001000,
    SPI0: 0x49202000,
    SPI1: 0x49203000,
    SCC: 0x49300000,
    FPGAIO: 0x49302000,
    UART0: 0x49303000,
    UART1: 0x49304000,
  },
  // The kernel's devices: console on UART0, IMU on SPI0, the SSE-300's TIMER1 standing in for the motors.
  roles: { uart: "UART0", gpio: "GPIO0", timer: "TIMER0", sensor: "SPI0", actuator: "TIMER1" },
});

/** Every built-in board, in a stable order. */
export const BOARDS: readonly Board[] = Object.freeze([
  STM32F407,
  STM32H743XI,
  STM32H743XG,
  STM32H750XB,
  MPS2_AN386,
  STM32U585,
  RP2350,
  MPS2_AN505,
  MPS3_AN547,
]);

/** Finds a built-in board by name or alias (case-insensitive); undefined when unknown. */
export function findBoard(name: string): Board | undefined {
  const n = name.toLowerCase();
  return BOARDS.find((b) => b.name === n || b.aliases.includes(n));
}
