import type { Machine } from "../machine.js";
import type { MpuArchitecture } from "../mpu/view.js";
import { Pmsav7Driver } from "./pmsav7.js";
import type { MpuDriver } from "./types.js";

/** The MPU driver of each architecture, by the machine it drives (one entry per architecture). */
export const MPU_DRIVERS: Readonly<Record<MpuArchitecture, (machine: Machine) => MpuDriver>> = {
  pmsav7: (machine) => new Pmsav7Driver(machine.mpu),
};

/**
 * The MPU driver for a machine's MPU architecture (`machine.mpu.architecture`).
 *
 * @example
 * ```ts
 * const driver = createMpuDriver(createMachine(STM32F407)); // a Pmsav7Driver
 * ```
 */
export function createMpuDriver(machine: Machine): MpuDriver {
  return MPU_DRIVERS[machine.mpu.architecture](machine);
}
