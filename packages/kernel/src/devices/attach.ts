import type { Board, Bus } from "@rtos-sim/hw";
import { Actuator } from "./actuator.js";
import { Gpio } from "./gpio.js";
import { type DevicePlacement, placeDevices } from "./map.js";
import { Sensor } from "./sensor.js";
import { Timer } from "./timer.js";
import { Uart } from "./uart.js";

/** The simulated devices of a kernel, by role (absent when the board has no address for one). */
export interface KernelDevices {
  readonly uart: Uart;
  readonly gpio?: Gpio;
  readonly timer?: Timer;
  readonly sensor?: Sensor;
  readonly actuator?: Actuator;
  readonly placements: readonly DevicePlacement[];
}

/**
 * Attaches the kernel's devices to the bus at the board's real addresses ({@link placeDevices}):
 * the UART's completed lines go to `onLine(task id, line)`; the timer and sensor read `ms()`.
 */
export function attachDevices(
  bus: Bus,
  board: Board,
  seed: number,
  ms: () => number,
  onLine: (task: number, line: string) => void,
): KernelDevices {
  const placements = placeDevices(board);
  const out: { -readonly [K in keyof KernelDevices]?: KernelDevices[K] } = { placements };
  for (const p of placements) {
    if (p.role === "uart") {
      const uart = new Uart(p.name);
      uart.onLine = onLine;
      bus.attach(p.base, uart);
      out.uart = uart;
    } else if (p.role === "gpio") {
      out.gpio = new Gpio(p.name);
      bus.attach(p.base, out.gpio);
    } else if (p.role === "timer") {
      out.timer = new Timer(p.name, () => ms() * 1000);
      bus.attach(p.base, out.timer);
    } else if (p.role === "sensor") {
      out.sensor = new Sensor(p.name, ms, seed);
      bus.attach(p.base, out.sensor);
    } else if (p.role === "actuator") {
      out.actuator = new Actuator(p.name);
      bus.attach(p.base, out.actuator);
    }
  }
  return out as KernelDevices;
}
