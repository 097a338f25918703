import type { Board } from "@rtos-sim/hw";
import { KernelError } from "../errors.js";

/** The roles of the simulated peripherals the kernel attaches. */
export type DeviceRole = "uart" | "gpio" | "timer" | "sensor" | "actuator";

/** Where each role sits on a board: the board's own device names and addresses. */
export interface DevicePlacement {
  readonly role: DeviceRole;
  /** The board's name for it, e.g. "USART2". */
  readonly name: string;
  readonly base: number;
}

const ROLES: Record<DeviceRole, readonly string[]> = {
  uart: ["USART2", "USART3", "UART0"],
  gpio: ["GPIOD", "GPIOA", "GPIO0"],
  timer: ["TIM2", "TIMER0"],
  sensor: ["SPI1", "TIMER1"],
  actuator: ["TIM1", "DUALTIMER"],
};

/**
 * Places the kernel's devices at real addresses of the board (e.g. STM32F407: USART2
 * 0x40004400, GPIOD 0x40020C00, TIM2 0x40000000, SPI1 0x40013000, TIM1 0x40010000).
 * Roles the board has no address for are left out (MPS2-AN386 has no TIM1: no actuator).
 */
export function placeDevices(board: Board): DevicePlacement[] {
  const out: DevicePlacement[] = [];
  for (const [role, names] of Object.entries(ROLES) as [DeviceRole, readonly string[]][]) {
    const name = names.find((n) => board.devices[n] !== undefined);
    if (name) out.push({ role, name, base: board.devices[name]! });
  }
  if (!out.some((d) => d.role === "uart")) {
    throw new KernelError("BAD_CONFIG", `board ${board.name} has no UART address for the kernel console`, {
      board: board.name,
    });
  }
  return out;
}
