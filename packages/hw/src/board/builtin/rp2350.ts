import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { KiB, MiB } from "./units.js";

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
    { name: "ROM", kind: "rom", start: 0x00000000, size: 32 * KiB, waitStates: 1 },
    { name: "XIP", kind: "flash", start: 0x10000000, size: 4 * MiB, waitStates: 2 },
    // SRAM0-7 are striped over 512 KiB; SRAM8 and SRAM9 (4 KiB each) follow without striping.
    { name: "SRAM", start: 0x20000000, size: 512 * KiB },
    { name: "SRAM8", start: 0x20080000, size: 4 * KiB },
    { name: "SRAM9", start: 0x20081000, size: 4 * KiB },
  ],
  peripherals: [
    { name: "APB", start: 0x40000000, size: 0x168000 },
    { name: "AHB", start: 0x50000000, size: 0x800000 },
    // On the processors' IOPORT, as the RP2040's (datasheet 3.1 "SIO"): the DMA's access is a bus error.
    { name: "SIO", start: 0xd0000000, size: 0x40000, dmaReachable: false },
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
    DMA: 0x50000000,
    SIO: 0xd0000000,
  },
  // The kernel's devices: console on UART0, LEDs through SIO, IMU on SPI0, motors on the PWM slices,
  // memory-to-memory copies on the DMA (channel 0 with SECCFG_CH0 and the DMA MPU: the kernel's
  // rp2350-dma.ts, datasheet 12.6).
  roles: { uart: "UART0", gpio: "SIO", timer: "TIMER0", sensor: "SPI0", actuator: "PWM", dma: "DMA" },
});
