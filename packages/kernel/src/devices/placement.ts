import type { Board } from "@rtos-sim/hw";
import { KernelError } from "../errors.js";
import { DEVICE_ROLES, type DeviceRole } from "./table.js";

/**
 * Bytes of the Device-memory MPU region a task granted a device role gets at the device's base
 * (a device's registers may reach further: the GPDMA's and the RP2040's DMA's 4 KiB blocks keep
 * their interrupt registers past it, out of the task's reach).
 */
export const DEVICE_GRANT_BYTES = 0x400;

/** Where a role sits on a board: the board's own device name and address. */
export interface DevicePlacement {
  /** The kernel's role for the device (a key of {@link DEVICES}). */
  readonly role: DeviceRole;
  /** The board's name for it, e.g. "USART2". */
  readonly name: string;
  /** Its base address on the bus; a task granted the role gets a {@link DEVICE_GRANT_BYTES} Device-memory MPU region there. */
  readonly base: number;
}

/**
 * Places the kernel's devices where the board's roles say (`board.roles`, e.g. STM32F407:
 * uart USART2 0x40004400, gpio GPIOD 0x40020C00, timer TIM2 0x40000000, sensor SPI1 0x40013000,
 * actuator TIM1 0x40010000), in the device table's order. Roles the board does not declare are
 * left out, and roles the kernel has no device for are ignored. Throws `BAD_CONFIG` when the
 * board declares no `uart` (the kernel console).
 */
export function placeDevices(board: Board): DevicePlacement[] {
  const out: DevicePlacement[] = [];
  for (const role of DEVICE_ROLES) {
    const name = Object.hasOwn(board.roles, role) ? board.roles[role] : undefined;
    if (name !== undefined) out.push({ role, name, base: board.devices[name]! });
  }
  if (!out.some((d) => d.role === "uart")) {
    throw new KernelError("BAD_CONFIG", `board ${board.name} declares no uart role for the kernel console`, {
      board: board.name,
      field: "roles.uart",
    });
  }
  return out;
}
