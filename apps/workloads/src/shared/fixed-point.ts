/**
 * Integer arithmetic for the flight estimator, as firmware without an FPU would do it: a CORDIC
 * `atan2` in millidegrees, an integer square root and the complementary filter step. Everything
 * is exact integer math, so a run is bit-for-bit reproducible.
 */

/** atan(2^-i) in millidegrees, i = 0..15 (the CORDIC rotation angles). */
const ATAN_TABLE = [45000, 26565, 14036, 7125, 3576, 1790, 895, 448, 224, 112, 56, 28, 14, 7, 3, 2] as const;

/**
 * `atan2(y, x)` in millidegrees (-180000..180000) by CORDIC vectoring (16 iterations, about
 * 0.01 degree). Inputs are integers with |x|, |y| < 2^20.
 *
 * @example
 * ```ts
 * import { atan2Milli } from "@rtos-sim/apps";
 * console.log(atan2Milli(4096, 4096)); // 44997
 * // 44997: 45 degrees, within the few millidegrees CORDIC leaves
 * console.log(atan2Milli(0, -1)); // 180000
 * ```
 */
export function atan2Milli(y: number, x: number): number {
  // The axes exactly (CORDIC itself ends within a few millidegrees of them).
  if (y === 0) return x < 0 ? 180000 : 0;
  if (x === 0) return y > 0 ? 90000 : -90000;
  let z = 0;
  // Bring the vector into the right half plane (CORDIC converges for |angle| < 99.9 degrees).
  if (x < 0) {
    z = y >= 0 ? 180000 : -180000;
    x = -x;
    y = -y;
  }
  x <<= 8;
  y <<= 8;
  for (let i = 0; i < ATAN_TABLE.length; i++) {
    const xs = x >> i;
    const ys = y >> i;
    if (y > 0) {
      x += ys;
      y -= xs;
      z += ATAN_TABLE[i]!;
    } else {
      x -= ys;
      y += xs;
      z -= ATAN_TABLE[i]!;
    }
  }
  return z;
}

/** Floor of the square root of a non-negative integer below 2^52 (a correctly rounded guess, then corrected to the exact floor). */
export function isqrt(n: number): number {
  if (n < 2) return Math.max(n, 0);
  let x = Math.floor(Math.sqrt(n)); // first guess only; corrected below to the exact floor
  while (x * x > n) x--;
  while ((x + 1) * (x + 1) <= n) x++;
  return x;
}

/** Gyro sensitivity of the simulated IMU: 16 LSB per degree per second. */
export const GYRO_LSB_PER_DPS = 16;
/** Accelerometer sensitivity: 4096 LSB per g. */
export const ACCEL_LSB_PER_G = 4096;
/** Weight of the integrated gyro in the complementary filter, in percent (the accel gets the rest). */
export const FILTER_GYRO_PERCENT = 98;

/** Angle change in millidegrees for a gyro rate `raw` (LSB) held for `dtUs` microseconds. */
export function gyroDeltaMilli(raw: number, dtUs: number): number {
  return Math.trunc((raw * dtUs) / (GYRO_LSB_PER_DPS * 1000));
}

/**
 * One complementary-filter step on one axis, millidegrees: the gyro-integrated angle weighted
 * `FILTER_GYRO_PERCENT`%, the accelerometer angle the rest.
 */
export function complementary(angle: number, gyroDelta: number, accelAngle: number): number {
  return Math.trunc((FILTER_GYRO_PERCENT * (angle + gyroDelta) + (100 - FILTER_GYRO_PERCENT) * accelAngle) / 100);
}

/** Roll and pitch (millidegrees) the accelerometer alone gives for a sample. */
export function accelAngles(
  ax: number,
  ay: number,
  az: number,
): {
  /** atan2(ay, az), in millidegrees. */
  roll: number;
  /** atan2(-ax, sqrt(ay^2 + az^2)), in millidegrees. */
  pitch: number;
} {
  return { roll: atan2Milli(ay, az), pitch: atan2Milli(-ax, isqrt(ay * ay + az * az)) };
}

/** Formats millidegrees as signed degrees with two decimals, e.g. `+5.71`, `-0.40`. */
export function formatMilliDeg(m: number): string {
  const sign = m < 0 ? "-" : "+";
  const centi = Math.round(Math.abs(m) / 10);
  return `${sign}${Math.floor(centi / 100)}.${String(centi % 100).padStart(2, "0")}`;
}
