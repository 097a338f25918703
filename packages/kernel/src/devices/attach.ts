import type { Board, Bus, Peripheral } from "@rtos-sim/hw";
import { type DevicePlacement, placeDevices } from "./placement.js";
import { DEVICES, type DeviceOf, type DeviceRole } from "./table.js";
import type { DeviceEnv } from "./types.js";
import type { Uart } from "./uart.js";

/** The simulated devices of a kernel, by role (absent when the board declares no such role). */
export type KernelDevices = { readonly [R in DeviceRole]?: DeviceOf<R> } & {
  /** The console: every board the kernel runs on declares one. */
  readonly uart: Uart;
  /** Where each attached device sits, in device-table order. */
  readonly placements: readonly DevicePlacement[];
};

/**
 * Attaches the kernel's devices to the bus where the board's roles say ({@link placeDevices}),
 * each built by its entry of the device table ({@link DEVICES}).
 */
export function attachDevices(bus: Bus, board: Board, env: DeviceEnv): KernelDevices {
  const placements = placeDevices(board);
  const out: Record<string, Peripheral | readonly DevicePlacement[]> = { placements };
  for (const p of placements) {
    const device = DEVICES[p.role].create(p.name, env);
    bus.attach(p.base, device);
    out[p.role] = device;
  }
  return out as unknown as KernelDevices;
}
