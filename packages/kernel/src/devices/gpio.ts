import type { Peripheral } from "@rtos-sim/hw";
import type { DeviceKind } from "./types.js";

/** GPIO register offsets (STM32 layout). */
export const GpioReg = { MODER: 0x00, IDR: 0x10, ODR: 0x14, BSRR: 0x18 } as const;

/** A GPIO port: ODR written directly or through BSRR set/reset; IDR reads back ODR. */
export class Gpio implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  moder = 0;
  odr = 0;
  /** Number of ODR changes (for LED-blink style apps). */
  toggles = 0;

  constructor(name = "GPIO") {
    this.name = name;
  }

  read(offset: number): number {
    if (offset === GpioReg.MODER) return this.moder;
    if (offset === GpioReg.IDR || offset === GpioReg.ODR) return this.odr;
    return 0;
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset === GpioReg.MODER) this.moder = value >>> 0;
    else if (offset === GpioReg.ODR) this.setOdr(value & 0xffff);
    else if (offset === GpioReg.BSRR) this.setOdr((this.odr | (value & 0xffff)) & ~(value >>> 16) & 0xffff);
  }

  private setOdr(v: number): void {
    if (v !== this.odr) this.toggles++;
    this.odr = v;
  }
}

/** The GPIO role: a port whose output register toggles are counted. */
export const gpioDevice: DeviceKind<Gpio> = {
  summary: "GPIO port (STM32 MODER/IDR/ODR/BSRR)",
  create: (name) => new Gpio(name),
};
