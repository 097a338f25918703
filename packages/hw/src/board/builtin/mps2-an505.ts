import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { KiB, MiB } from "./units.js";

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
    { name: "SSRAM1", start: 0x00000000, size: 4 * MiB },
    { name: "SRAM", start: 0x20000000, size: 32 * KiB },
    { name: "SSRAM2", start: 0x28000000, size: 2 * MiB },
    { name: "SSRAM3", start: 0x28200000, size: 2 * MiB },
    { name: "PSRAM", start: 0x80000000, size: 16 * MiB },
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
