import { defineBoard } from "../define.js";
import type { Board } from "../types.js";
import { KiB, MiB } from "./units.js";

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
    { name: "ITCM", start: 0x00000000, size: 512 * KiB },
    { name: "SRAM", start: 0x01000000, size: 2 * MiB },
    { name: "DTCM", start: 0x20000000, size: 512 * KiB },
    { name: "SSE-SRAM", start: 0x21000000, size: 4 * MiB },
    { name: "QSPI", kind: "flash", start: 0x28000000, size: 8 * MiB, waitStates: 2 },
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
