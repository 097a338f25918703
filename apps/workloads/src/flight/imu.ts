import {
  array,
  detCos,
  detSin,
  f32,
  fn,
  type LocalsOf,
  SensorReg,
  type TaskContext,
  TimerReg,
  type ViewOf,
} from "@rtos-sim/kernel";
import { ACCEL_LSB_PER_G, GYRO_LSB_PER_DPS } from "../shared/fixed-point.js";
import { type Biquad, IMU_FIFO, type IMU_MAIN, IMU_PERIOD_MS, RING_SLOTS, type Ring } from "./layout.js";

/** Cycles of one biquad step besides its accesses (5 VFMA, the sign extension, the conversion, the scaling). */
export const BIQUAD_CYCLES = 20;
/** Low-pass cutoff of the IMU's per-axis filters (Hz). */
export const IMU_LPF_HZ = 250;

/**
 * Low-pass biquad coefficients (second-order Butterworth, RBJ audio cookbook) for cutoff `fc` at
 * sample rate `fs`: b0 b1 b2 a1 a2, a0 normalised to 1.
 */
export function lowPass(fc: number, fs: number): number[] {
  const w = (2 * Math.PI * fc) / fs;
  const alpha = detSin(w) / Math.SQRT2;
  const cw = detCos(w);
  const a0 = 1 + alpha;
  return [(1 - cw) / 2 / a0, (1 - cw) / a0, (1 - cw) / 2 / a0, (-2 * cw) / a0, (1 - alpha) / a0];
}

/** Sets a biquad's coefficients and clears its history. */
export function biquadInit(q: ViewOf<typeof Biquad>, c: readonly number[]): void {
  for (let i = 0; i < 3; i++) q.b.set(i, c[i]!);
  q.a.set(0, c[3]!);
  q.a.set(1, c[4]!);
  for (let i = 0; i < 2; i++) {
    q.x.set(i, 0);
    q.y.set(i, 0);
  }
}

/** One step of a biquad (direct form I): its coefficients and history loaded, the history stored back. */
export function biquadStep(t: TaskContext, q: ViewOf<typeof Biquad>, x0: number): number {
  const b = q.b;
  const a = q.a;
  const x = q.x;
  const y = q.y;
  const x1 = x.get(0);
  const y1 = y.get(0);
  const y0 = b.get(0) * x0 + b.get(1) * x1 + b.get(2) * x.get(1) - a.get(0) * y1 - a.get(1) * y.get(1);
  x.set(1, x1);
  x.set(0, x0);
  y.set(1, y1);
  y.set(0, y0);
  t.compute(BIQUAD_CYCLES);
  return y0;
}

/** The IMU's state: the locals of its `main`. */
export type ImuState = LocalsOf<typeof IMU_MAIN>;

/** Calibration (no bias, LSB to deg/s and g) and a fresh low-pass filter per axis. */
export function imuInit(s: ImuState): void {
  const c = lowPass(IMU_LPF_HZ, (1000 / IMU_PERIOD_MS) * IMU_FIFO);
  for (let axis = 0; axis < 6; axis++) {
    s.bias.set(axis, 0);
    s.scale.set(axis, axis < 3 ? 1 / GYRO_LSB_PER_DPS : 1 / ACCEL_LSB_PER_G);
    biquadInit(s.lpf.at(axis), c);
  }
  s.samples = 0;
}

const IMU_READ = fn("imu_read_fifo", { locals: { sum: array(f32, 6) } });

/**
 * Reads the sensor's FIFO ({@link IMU_FIFO} samples of the six axes, one register load each),
 * calibrates and low-pass filters every sample, and puts the average with TIM2's microsecond
 * time stamp into the next ring slot, publishing the sequence number last.
 */
export function imuReadFifo(
  t: TaskContext,
  s: ImuState,
  sensor: number,
  timer: number,
  ring: ViewOf<typeof Ring>,
): void {
  const f = t.enter(IMU_READ);
  const sum = f.locals.sum;
  if ((t.read32(sensor + SensorReg.STATUS) & 1) !== 0) {
    for (let axis = 0; axis < 6; axis++) {
      const bias = s.bias.get(axis);
      const scale = s.scale.get(axis);
      const q = s.lpf.at(axis);
      let acc = 0;
      for (let n = 0; n < IMU_FIFO; n++) {
        const raw = (t.read32(sensor + SensorReg.GX + 4 * axis) << 16) >> 16;
        acc += biquadStep(t, q, (raw - bias) * scale);
      }
      sum.set(axis, acc / IMU_FIFO);
    }
    const seq = ring.seq;
    const slot = ring.slots.at(seq % RING_SLOTS);
    slot.time = t.read32(timer + TimerReg.CNT);
    for (let i = 0; i < 3; i++) {
      slot.gyro.set(i, sum.get(i));
      slot.accel.set(i, sum.get(3 + i));
    }
    ring.seq = seq + 1; // publish after the slot is complete
    s.samples = s.samples + 1;
  }
  t.leave(f);
}
