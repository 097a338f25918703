import type { Peripheral } from "@rtos-sim/hw";
import type { DeviceKind } from "./types.js";

/** GPIO register offsets (STM32 layout). */
export const GpioReg = {
  /** Mode register: stored and read back as written (it has no effect on the pins here). */
  MODER: 0x00,
  /** Input data register: reads the output data register (the pins loop back). */
  IDR: 0x10,
  /** Output data register: its low 16 bits are the pins. */
  ODR: 0x14,
  /** Bit set/reset register (write-only, reads 0): bits 0-15 set pins, bits 16-31 reset them. */
  BSRR: 0x18,
} as const;

/** A GPIO port: ODR written directly or through BSRR set/reset; IDR reads back ODR. */
export class Gpio implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  /** MODER as last written (32 bits). */
  moder = 0;
  /** The output data register: 16 pin bits. */
  odr = 0;
  /** Number of ODR changes (for LED-blink style apps). */
  toggles = 0;

  constructor(name = "GPIO") {
    this.name = name;
  }

  /** MODER, IDR (= ODR) and ODR read their values; every other offset 0. */
  read(offset: number): number {
    if (offset === GpioReg.MODER) return this.moder;
    if (offset === GpioReg.IDR || offset === GpioReg.ODR) return this.odr;
    return 0;
  }

  /**
   * MODER takes the value; ODR its low 16 bits; BSRR sets the pins of bits 0-15 and clears those
   * of bits 16-31, a pin in both ends set (RM0090 8.4.7: "If both BSx and BRx are set, BSx has
   * priority"). Other offsets ignore writes.
   */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset === GpioReg.MODER) this.moder = value >>> 0;
    else if (offset === GpioReg.ODR) this.setOdr(value & 0xffff);
    else if (offset === GpioReg.BSRR) this.setOdr(((this.odr & ~(value >>> 16)) | value) & 0xffff);
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
