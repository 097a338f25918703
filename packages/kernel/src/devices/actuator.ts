import type { Peripheral } from "@rtos-sim/hw";
import type { DeviceKind } from "./types.js";

/** Actuator (PWM timer) register offsets: CCR1..CCR4 hold the four motor duty cycles. */
export const ActuatorReg = {
  /** Capture/compare register 1: motor 1's duty (16 bits). */
  CCR1: 0x34,
  /** Capture/compare register 2: motor 2's duty (16 bits). */
  CCR2: 0x38,
  /** Capture/compare register 3: motor 3's duty (16 bits). */
  CCR3: 0x3c,
  /** Capture/compare register 4: motor 4's duty (16 bits). */
  CCR4: 0x40,
} as const;

/** Four motor outputs driven by PWM compare registers; every write is recorded. */
export class Actuator implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  /** The four duties as last written to CCR1..CCR4 (16 bits each; index 0 is CCR1). */
  readonly duty = new Uint16Array(4);
  /** Total compare-register writes. */
  writes = 0;
  /** FNV-1a hash of every write (channel, value): identical runs give identical hashes. */
  hash = 0x811c9dc5;

  constructor(name = "ACTUATOR") {
    this.name = name;
  }

  /** CCR1..CCR4 read back their duties; other offsets 0. */
  read(offset: number): number {
    const ch = (offset - ActuatorReg.CCR1) >> 2;
    return ch >= 0 && ch < 4 ? this.duty[ch]! : 0;
  }

  /** A CCRn write stores the low 16 bits as motor n's duty, counts it and hashes it; other offsets ignore writes. */
  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const ch = (offset - ActuatorReg.CCR1) >> 2;
    if (ch < 0 || ch > 3) return;
    this.duty[ch] = value & 0xffff;
    this.writes++;
    this.hash = Math.imul(this.hash ^ ((ch << 16) | (value & 0xffff)), 0x01000193) >>> 0;
  }
}

/** The actuator role: four motor duty cycles, every write hashed. */
export const actuatorDevice: DeviceKind<Actuator> = {
  summary: "four PWM compare registers (motor duties), writes hashed",
  create: (name) => new Actuator(name),
};
