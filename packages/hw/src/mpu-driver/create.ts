import { HwError, requireObject } from "../errors.js";
import type { Machine } from "../machine.js";
import type { MpuArchitecture } from "../mpu/view.js";
import { Pmsav7Driver } from "./pmsav7.js";
import { Pmsav8Driver } from "./pmsav8.js";
import type { MpuDriver } from "./types.js";

/** The MPU driver of each architecture, by the machine it drives (one entry and one file per architecture). */
export const MPU_DRIVERS: { readonly [A in MpuArchitecture]: (machine: Machine<A>) => MpuDriver } = {
  pmsav7: (machine) => new Pmsav7Driver(machine.mpu),
  pmsav8: (machine) => new Pmsav8Driver(machine.mpu, machine.core),
};

/**
 * The MPU driver for a machine's MPU architecture (`machine.mpu.architecture`).
 *
 * @example
 * ```ts
 * import { createMachine, createMpuDriver, STM32F407, STM32U585 } from "@rtos-sim/hw";
 * console.log(createMpuDriver(createMachine(STM32F407)).constructor.name); // Pmsav7Driver
 * console.log(createMpuDriver(createMachine(STM32U585)).constructor.name); // Pmsav8Driver
 * // PMSAv8: PSPLIM for stack guards
 * ```
 */
export function createMpuDriver(machine: Machine): MpuDriver {
  requireObject(machine, "createMpuDriver: machine");
  // The entry of the machine's own architecture: `machine.mpu` has that entry's type.
  const architecture = (machine.mpu as { architecture?: unknown } | undefined)?.architecture;
  if (typeof architecture !== "string" || !Object.hasOwn(MPU_DRIVERS, architecture)) {
    throw new HwError(
      "BAD_ARGUMENT",
      "createMpuDriver: machine has no MPU this driver knows (machine.mpu.architecture)",
      {
        field: "createMpuDriver: machine",
        value: String(architecture),
      },
    );
  }
  const create = MPU_DRIVERS[architecture as MpuArchitecture] as (machine: Machine) => MpuDriver;
  return create(machine);
}
