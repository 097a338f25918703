import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { KiB, MiB } from "./units.js";

/** Arm MPS2-AN386 (Cortex-M4 FPGA image, 25 MHz, 8 MPU regions): the board QEMU emulates as `mps2-an386`. */
export const MPS2_AN386: Board<"pmsav7"> = defineBoard({
  name: "mps2-an386",
  aliases: ["mps2"],
  description: "Arm MPS2-AN386 (Cortex-M4, 25 MHz): 4 MiB ZBT SSRAM1, 16 KiB block RAM, 4 MiB SSRAM2/3, 16 MiB PSRAM",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: 25_000_000,
  memory: [
    { name: "SSRAM1", start: 0x00000000, size: 4 * MiB },
    { name: "BlockRAM", start: 0x01000000, size: 16 * KiB },
    { name: "SSRAM2", start: 0x20000000, size: 4 * MiB },
    { name: "PSRAM", start: 0x21000000, size: 16 * MiB },
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
  // The FPGA image's Cortex-M4 is built with bit-banding, as QEMU's MPS2 models it; no range
  // lies in the alias windows (PSRAM ends where the SRAM alias begins, at 0x22000000).
  bitBand: true,
});
