import type { Board, BusMaster, Peripheral } from "@rtos-sim/hw";

/** An alarm on simulated time a device may set (the DMA's completion). */
export interface DeviceAlarm {
  /**
   * Runs `fn` at the first core access or charged cycle `delay` simulated cycles from now, with
   * the simulated cycle that access reaches; null clears it (one alarm per device: setting it
   * again moves it).
   */
  after(delay: number, fn: ((at: number) => void) | null): void;
}

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
  /** Simulated core cycles since the start of the run (idle time included). */
  cycles(): number;
  /** A new alarm on simulated time, for the device that calls it (the kernel's cycle alarm, shared). */
  alarm(): DeviceAlarm;
  /** A bus master of the device's own (a DMA's): through the bus, not the MPU (`BusMaster`). */
  busMaster(): BusMaster;
  /** The board's MPU architecture (absent: not said; a device named `DMA` on a "pmsav8" board is the RP2350's). */
  readonly architecture?: Board["mpuArchitecture"];
}

/**
 * One entry of the kernel's device table ({@link DEVICES}): how to build the simulated device
 * of a role, given the board's name for it (e.g. "USART2"). The kernel attaches it at the
 * address the board gives that name.
 *
 * @example
 * ```ts
 * import { type DeviceKind, Gpio } from "@rtos-sim/kernel";
 * export const gpioDevice: DeviceKind<Gpio> = {
 *   summary: "GPIO port (STM32 MODER/IDR/ODR/BSRR)",
 *   create: (name) => new Gpio(name),
 * };
 * ```
 */
export interface DeviceKind<P extends Peripheral = Peripheral> {
  /** One line for docs and reports. */
  readonly summary: string;
  /** Builds the device the board calls `name` (e.g. "USART2"); the kernel then attaches it at its address. */
  create(name: string, env: DeviceEnv): P;
}
