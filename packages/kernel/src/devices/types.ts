import type { Peripheral } from "@rtos-sim/hw";

/** What a device factory is given by the kernel at boot. */
export interface DeviceEnv {
  /** Seed of the run (sensor noise). */
  readonly seed: number;
  /** Simulated milliseconds since boot. */
  ms(): number;
  /** Whole simulated microseconds since boot, exact (the timer's CNT). */
  micros(): number;
  /** Receives every completed UART line with the id of the task that wrote it. */
  onLine(task: number, line: string): void;
}

/**
 * One entry of the kernel's device table ({@link DEVICES}): how to build the simulated device
 * of a role, given the board's name for it (e.g. "USART2"). The kernel attaches it at the
 * address the board gives that name.
 *
 * @example
 * ```ts
 * export const gpioDevice: DeviceKind<Gpio> = { create: (name) => new Gpio(name) };
 * ```
 */
export interface DeviceKind<P extends Peripheral = Peripheral> {
  /** One line for docs and reports. */
  readonly summary: string;
  /** Builds the device the board calls `name` (e.g. "USART2"); the kernel then attaches it at its address. */
  create(name: string, env: DeviceEnv): P;
}
