import type { Peripheral } from "@rtos-sim/hw";
import type { DeviceKind } from "./types.js";

/** Timer register offsets (STM32 general-purpose timer: CNT 0x24). */
export const TimerReg = {
  /** Control register 1: reads 0, writes ignored (the counter always runs). */
  CR1: 0x00,
  /** Counter: simulated microseconds since boot, truncated to 32 bits (wraps after about 71.6 minutes). */
  CNT: 0x24,
} as const;

/** A free-running timer: CNT is the simulated time in microseconds (from a clock callback). */
export class Timer implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  private readonly micros: () => number;

  constructor(name: string, micros: () => number) {
    this.name = name;
    this.micros = micros;
  }

  /** CNT reads the simulated time in whole microseconds (mod 2^32); every other offset 0. */
  read(offset: number): number {
    return offset === TimerReg.CNT ? Math.floor(this.micros()) >>> 0 : 0;
  }

  /** Writes are ignored (CNT cannot be set). */
  write(): void {}
}

/** The timer role: CNT counts simulated microseconds. */
export const timerDevice: DeviceKind<Timer> = {
  summary: "free-running timer, CNT in microseconds",
  create: (name, env) => new Timer(name, () => env.micros()),
};
