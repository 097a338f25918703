import { actuatorDevice } from "./actuator.js";
import { dmaDevice } from "./dma-controller.js";
import { gpioDevice } from "./gpio.js";
import { sensorDevice } from "./sensor.js";
import { timerDevice } from "./timer.js";
import type { DeviceKind } from "./types.js";
import { uartDevice } from "./uart.js";

/**
 * The kernel's simulated devices, by role: one entry (and one file) each. A board says which of
 * its devices plays a role (`board.roles`, e.g. `{ uart: "USART2" }`); the kernel attaches the
 * device of every role the board declares at that device's address, in this order. Adding a
 * device is one file with its class and {@link DeviceKind} entry, and one line here.
 */
export const DEVICES = {
  /** The console UART ({@link Uart}): lines captured per task. Every board must declare it. */
  uart: uartDevice,
  /** A GPIO port ({@link Gpio}). */
  gpio: gpioDevice,
  /** A free-running microsecond timer ({@link Timer}). */
  timer: timerDevice,
  /** An IMU's sample registers ({@link Sensor}). */
  sensor: sensorDevice,
  /** Four PWM motor outputs ({@link Actuator}). */
  actuator: actuatorDevice,
  /**
   * A DMA controller's memory-to-memory channel: DMA2 stream 0 ({@link Dma}, RM0090) or, for a
   * device the board names GPDMA<n>, GPDMA channel 0 ({@link Gpdma}, RM0456; see
   * {@link dmaKindOf}). A bus master the MPU does not check, so granting it to a task
   * grants every byte the DMA reaches.
   */
  dma: dmaDevice,
} as const satisfies Readonly<Record<string, DeviceKind>>;

/** The roles of the simulated peripherals the kernel attaches (the keys of {@link DEVICES}). */
export type DeviceRole = keyof typeof DEVICES;

/** The device class of a role. */
export type DeviceOf<R extends DeviceRole> = ReturnType<(typeof DEVICES)[R]["create"]>;

/** Every role, in table order. */
export const DEVICE_ROLES: readonly DeviceRole[] = Object.freeze(Object.keys(DEVICES) as DeviceRole[]);

/** Whether `value` is a role of the device table. */
export function isDeviceRole(value: unknown): value is DeviceRole {
  return typeof value === "string" && Object.hasOwn(DEVICES, value);
}
