import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { KiB, MiB } from "./units.js";

/**
 * Raspberry Pi RP2040 (the Pico's chip; Cortex-M0+ r0p1, ARMv6-M, 125 MHz, 8 MPU regions): RP2040
 * datasheet section 2.2 (address map) and the Pico SDK's rp2040 `addressmap.h`, with the Pico's
 * 2 MiB QSPI flash in the XIP window. One of the two cores is modelled. The clock is the SDK's
 * default 125 MHz (the datasheet's maximum is 133 MHz). Not modelled: the XIP cache-mode aliases
 * (0x11000000-0x13FFFFFF), XIP_CTRL, XIP_SRAM and XIP_SSI, and the unstriped SRAM0-3 aliases at
 * 0x21000000 (the same bytes as the striped window; the model backs each range once), the USB
 * DPRAM. The DMA (datasheet 2.5) is the kernel's `dma` role, its channel 0 modelled (the kernel's
 * rp2040-dma.ts). See packages/hw/README.md, "Built-in boards", and docs/mpu-model.md, "ARMv6-M".
 */
export const RP2040: Board<"pmsav7"> = defineBoard({
  name: "rp2040",
  aliases: ["pico", "rp2040-pico"],
  description: "Raspberry Pi RP2040 (Cortex-M0+, 125 MHz): 16 KiB ROM, 2 MiB XIP flash, 264 KiB SRAM",
  core: "cortex-m0plus",
  mpuRegions: 8,
  clockHz: 125_000_000,
  memory: [
    // Wait states: a project choice as on the RP2350 (no datasheet figure: the XIP cache hides the
    // QSPI flash for cached code, data reads pay a short miss); SRAM is single-cycle.
    { name: "ROM", kind: "rom", start: 0x00000000, size: 16 * KiB, waitStates: 1 },
    { name: "XIP", kind: "flash", start: 0x10000000, size: 2 * MiB, waitStates: 2 },
    // SRAM0-3 are striped over 256 KiB (word-interleaved on address bits 3:2); SRAM4 and SRAM5
    // (4 KiB each) follow without striping.
    { name: "SRAM", start: 0x20000000, size: 256 * KiB },
    { name: "SRAM4", start: 0x20040000, size: 4 * KiB },
    { name: "SRAM5", start: 0x20041000, size: 4 * KiB },
  ],
  peripherals: [
    // APB: SYSINFO 0x40000000 .. TBMAN 0x4006C000; AHB-Lite: DMA, USB, PIO0, PIO1, XIP_AUX.
    { name: "APB", start: 0x40000000, size: 0x70000 },
    { name: "AHB", start: 0x50000000, size: 0x500000 },
    // On the processors' IOPORT, not the bus fabric: "It can only be accessed by the processors"
    // (datasheet 2.3.1), so the DMA's access there is a bus error.
    { name: "SIO", start: 0xd0000000, size: 0x1000, dmaReachable: false },
  ],
  devices: {
    IO_BANK0: 0x40014000,
    UART0: 0x40034000,
    UART1: 0x40038000,
    SPI0: 0x4003c000,
    SPI1: 0x40040000,
    PWM: 0x40050000,
    TIMER: 0x40054000,
    DMA: 0x50000000,
    SIO: 0xd0000000,
  },
  // The kernel's devices: console on UART0, LEDs through SIO, IMU on SPI0, motors on the PWM
  // slices, microseconds from TIMER, memory-to-memory copies on the DMA (its channel 0: the
  // kernel's RP2040 DMA model, datasheet 2.5; every RAM in its reach, no DMA-side protection).
  roles: { uart: "UART0", gpio: "SIO", timer: "TIMER", sensor: "SPI0", actuator: "PWM", dma: "DMA" },
});
