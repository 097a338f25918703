import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { simulatedUid, stm32Signature } from "./stm32-signature.js";
import { KiB, MiB } from "./units.js";

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
    { name: "Flash", kind: "flash", start: 0x08000000, size: 2 * MiB, waitStates: 4 },
    // The device electronic signature in the system flash's read-only area (RM0456 76, "Device
    // electronic signature"): the unique ID at 0x0BFA0700 and the flash size at 0x0BFA07A0
    // (UID_BASE and FLASHSIZE_BASE of the CMSIS header stm32u585xx.h); the bytes between read 0.
    // The rest of system memory (the bootloader at 0x0BF90000, OTP at 0x0BFA0000) is not modelled.
    { name: "DeviceSignature", kind: "rom", start: 0x0bfa0700, size: 0xa4, waitStates: 4 },
    { name: "SRAM1", start: 0x20000000, size: 192 * KiB },
    { name: "SRAM2", start: 0x20030000, size: 64 * KiB },
    { name: "SRAM3", start: 0x20040000, size: 512 * KiB },
    // SRAM4 sits in the SmartRun domain, LPDMA1's, but the main bus matrix (GPDMA1's two master
    // ports included) reaches it through the AHB3 bridge (RM0456, 2.1 "System architecture"): every
    // SRAM is in GPDMA1's reach, so no region is marked dmaReachable: false.
    { name: "SRAM4", start: 0x28000000, size: 16 * KiB },
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
    // GPDMA1, the general purpose DMA (RM0456, 2.3 "Memory organization": AHB1 at 0x40020000, the
    // non-secure alias; its secure alias 0x50020000 is not mapped, TZEN = 0).
    GPDMA1: 0x40020000,
  },
  // The kernel's devices: console on USART1 (the Discovery kit's ST-LINK port), IMU on SPI1, motors
  // on TIM1, memory-to-memory copies on GPDMA1 (its channel 0: the kernel's GPDMA model).
  roles: { uart: "USART1", gpio: "GPIOA", timer: "TIM2", sensor: "SPI1", actuator: "TIM1", dma: "GPDMA1" },
  contents: stm32Signature({
    uidBase: 0x0bfa0700,
    uid: simulatedUid(5),
    flashSizeBase: 0x0bfa07a0,
    flashSizeKiB: 2048,
    uidSource: "RM0456 76.1",
    flashSizeSource: "RM0456 76.2",
  }),
});
