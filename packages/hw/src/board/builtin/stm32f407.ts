import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { simulatedUid, stm32Signature } from "./stm32-signature.js";
import { KiB, MiB } from "./units.js";

/** STM32F407 (Cortex-M4F, 168 MHz, 8 MPU regions): RM0090 memory map. */
export const STM32F407: Board<"pmsav7"> = defineBoard({
  name: "stm32f407",
  aliases: ["stm32f407vg", "stm32f4"],
  description: "STM32F407 (Cortex-M4F, 168 MHz): 1 MiB flash, 64 KiB CCM, 112+16 KiB SRAM",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: 168_000_000,
  memory: [
    { name: "Flash", kind: "flash", start: 0x08000000, size: 1 * MiB, waitStates: 5 },
    // CCM is on the D-bus only: the bus gives IBUSERR on instruction fetch, and it is not on the
    // bus matrix, so no DMA reaches it (RM0090, 2.1 "System architecture").
    { name: "CCM", start: 0x10000000, size: 64 * KiB, executable: false, dmaReachable: false },
    { name: "SystemMemory", kind: "rom", start: 0x1fff0000, size: 30 * KiB, waitStates: 5 },
    { name: "OTP", kind: "otp", start: 0x1fff7800, size: 528, waitStates: 5 },
    // The device electronic signature right after the OTP lock bytes (RM0090 39, "Device electronic
    // signature"): the unique ID at 0x1FFF7A10 and the flash size at 0x1FFF7A22 (UID_BASE and
    // FLASHSIZE_BASE of the CMSIS header stm32f407xx.h). The region runs to 0x1FFF7A27 so that LL's
    // LL_GetFlashSize, a 32-bit load at 0x1FFF7A22, reads the register; its reserved bytes read 0.
    { name: "DeviceSignature", kind: "rom", start: 0x1fff7a10, size: 0x18, waitStates: 5 },
    { name: "SRAM1", start: 0x20000000, size: 112 * KiB },
    { name: "SRAM2", start: 0x2001c000, size: 16 * KiB },
    { name: "BackupSRAM", start: 0x40024000, size: 4 * KiB },
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
    // DMA2, the controller whose streams can copy memory to memory (RM0090, "Memory-to-memory
    // mode": only DMA2 can), at 0x40026400 (RM0090, "Register boundary addresses").
    DMA2: 0x40026400,
  },
  // The kernel's devices: console on USART2, LEDs on GPIOD (the Discovery board's), IMU on SPI1,
  // motors on TIM1's PWM outputs, microseconds from TIM2, memory-to-memory copies on DMA2.
  roles: { uart: "USART2", gpio: "GPIOD", timer: "TIM2", sensor: "SPI1", actuator: "TIM1", dma: "DMA2" },
  // RM0090, "Bit banding": SRAM1 and SRAM2 (0x20000000-0x2001FFFF) and the peripherals below
  // 0x40100000 through the alias windows at 0x22000000 and 0x42000000.
  bitBand: true,
  contents: stm32Signature({
    uidBase: 0x1fff7a10,
    uid: simulatedUid(1),
    flashSizeBase: 0x1fff7a22,
    flashSizeKiB: 1024,
    uidSource: "RM0090 39.1",
    flashSizeSource: "RM0090 39.2",
  }),
});
