import type { Peripheral } from "@rtos-sim/hw";
import { detCos, detSin } from "../math/sin-cos.js";
import type { DeviceKind } from "./types.js";

/** IMU register offsets: STATUS, then six signed 16-bit samples (gyro x/y/z, accel x/y/z) as words. */
export const SensorReg = {
  /** Status: always reads 1 (a sample is ready). */
  STATUS: 0x00,
  /** Gyro X: about ±800 raw units, a slow sine. */
  GX: 0x04,
  /** Gyro Y: about ±600 raw units, a slow cosine. */
  GY: 0x08,
  /** Gyro Z: about ±200 raw units, a slow sine. */
  GZ: 0x0c,
  /** Accelerometer X: about ±410 raw units, a slow sine. */
  AX: 0x10,
  /** Accelerometer Y: about ±410 raw units, a slow cosine. */
  AY: 0x14,
  /** Accelerometer Z: a constant 4096 raw units (plus the noise). */
  AZ: 0x18,
} as const;

/**
 * An IMU on SPI (modelled as memory-mapped sample registers): deterministic samples of a slow
 * rotation from the simulated time plus seeded noise (deterministic sine and cosine: the same
 * samples on every engine). Values are signed 16-bit in the low half.
 */
export class Sensor implements Peripheral {
  readonly name: string;
  readonly size = 0x400;
  private readonly millis: () => number;
  private state: number;
  /** Samples read (for reports). */
  reads = 0;

  constructor(name: string, millis: () => number, seed = 1) {
    this.name = name;
    this.millis = millis;
    this.state = seed | 0 || 1;
  }

  private noise(): number {
    // xorshift32: deterministic per seed.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return ((x >>> 0) % 41) - 20;
  }

  /**
   * STATUS reads 1; GX..AZ (any byte of their word) a fresh sample each read (the value at the
   * simulated time plus seeded noise in -20..20, counted in `reads`), a signed 16-bit value in
   * the low half; other offsets 0.
   */
  read(offset: number): number {
    const t = this.millis() / 1000;
    const axis = (offset - 4) >> 2;
    if (offset === SensorReg.STATUS) return 1;
    if (axis < 0 || axis > 5) return 0;
    this.reads++;
    const base = [
      Math.round(800 * detSin(t * 1.3)),
      Math.round(600 * detCos(t * 0.7)),
      Math.round(200 * detSin(t * 0.2)),
      Math.round(4096 * detSin(t * 0.5) * 0.1),
      Math.round(4096 * detCos(t * 0.4) * 0.1),
      4096,
    ][axis]!;
    return (base + this.noise()) & 0xffff;
  }

  /** Writes are ignored (the registers are read-only). */
  write(): void {}
}

/** The sensor role: an IMU with seeded noise. */
export const sensorDevice: DeviceKind<Sensor> = {
  summary: "IMU sample registers (gyro and accelerometer, seeded noise)",
  create: (name, env) => new Sensor(name, () => env.ms(), env.seed),
};
