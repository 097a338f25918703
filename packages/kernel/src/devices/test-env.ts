import { BusMaster, createMachine, STM32F407 } from "@rtos-sim/hw";
import type { DeviceEnv } from "./types.js";

/** A device environment for tests of the device table (not exported from the package): time 0, no alarm. */
export function testDeviceEnv(): DeviceEnv {
  return {
    seed: 1,
    ms: () => 0,
    micros: () => 0,
    onLine: () => {},
    cycles: () => 0,
    alarm: () => ({ after: () => {} }),
    busMaster: () => new BusMaster(createMachine(STM32F407).bus, { hook: null }),
  };
}
