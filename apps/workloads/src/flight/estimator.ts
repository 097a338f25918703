import { detAtan2, f32, fn, type LocalsOf, struct, type TaskContext, u32, type ViewOf } from "@rtos-sim/kernel";
import { ATAN2_CYCLES, DIV_CYCLES, type EkfView, ekfInit, ekfPredict, ekfUpdate } from "./ekf.js";
import { Attitude, ekfType, IMU_PERIOD_MS, RING_SLOTS, Ring, type Sample, SEM_SAMPLE } from "./layout.js";

/** Variance of the accelerometer's roll and pitch (deg^2): the measurement noise of the updates. */
export const ACCEL_ANGLE_VARIANCE = 4;

/** The accelerometer's angles, the measurement vector of an update, in the estimator's heap. */
export const AccelAngles = struct("AccelAngles", {
  /** Roll in degrees, from the y and z accelerations. */
  roll: f32,
  /** Pitch in degrees, from x against the y-z norm. */
  pitch: f32,
  /** sqrt(ay^2 + az^2), in g. */
  norm: f32,
});

/** The estimator's bookkeeping: the locals of its `main` (next ring sample, its time, samples used and lost). */
export const EST_MAIN = fn("estimator_main", {
  locals: {
    /** Sequence number of the next ring sample to read. */
    next: u32,
    /** TIM2 time stamp (microseconds) of the last sample used. */
    last: u32,
    /** Samples used so far. */
    used: u32,
    /** Samples overwritten before they were read. */
    lost: u32,
  },
});
const EST_STEP = fn("estimator_step", { saves: 6 });

/** A bug the estimator can carry (see {@link estimator}). */
export type EstimatorBug = "accel-overflow";
/** The sample at which an injected bug strikes (0.5 s into the run at 500 Hz). */
export const BUG_SAMPLE = 250;

/**
 * One sample: the prediction over the time since the last sample, the accelerometer's roll and
 * pitch, and two measurement updates. With the `accel-overflow` bug, at sample {@link BUG_SAMPLE}
 * it copies 8 floats into its 3-float measurement block (a copy sized by the wrong constant):
 * without the memory checker that lands in the heap next to it, where the filter's state lives.
 */
function step(
  t: TaskContext,
  e: EkfView,
  slot: ViewOf<typeof Sample>,
  s: LocalsOf<typeof EST_MAIN>,
  z: ViewOf<typeof AccelAngles>,
  n: number,
  bug: EstimatorBug | null,
): number {
  const f = t.enter(EST_STEP);
  const time = slot.time;
  const dt = s.used === 0 ? IMU_PERIOD_MS / 1000 : ((time - s.last) >>> 0) / 1e6;
  s.last = time;
  ekfPredict(t, e, [slot.gyro.get(0), slot.gyro.get(1), slot.gyro.get(2)], dt, n);
  const ax = slot.accel.get(0);
  const ay = slot.accel.get(1);
  const az = slot.accel.get(2);
  const norm = Math.sqrt(ay * ay + az * az);
  z.roll = (detAtan2(ay, az) * 180) / Math.PI;
  z.pitch = (detAtan2(-ax, norm) * 180) / Math.PI;
  z.norm = norm;
  t.compute(2 * ATAN2_CYCLES + DIV_CYCLES + 10);
  const used = s.used + 1;
  if (bug === "accel-overflow" && used === BUG_SAMPLE) {
    for (let i = 0; i < 8; i++) t.writeF32(z.address + 4 * i, z.roll);
  }
  const gain = ekfUpdate(t, e, 0, z.roll, ACCEL_ANGLE_VARIANCE, n);
  ekfUpdate(t, e, 1, z.pitch, ACCEL_ANGLE_VARIANCE, n);
  s.used = used;
  t.leave(f);
  return gain;
}

/**
 * Estimator: takes `imu-sample`, runs the filter over every new ring sample (a Kalman filter of
 * `ekfStates(clock)` states in its heap: dense covariance propagation and two accelerometer
 * updates per sample), and publishes roll, pitch, yaw, the body rates and the accelerometer gain
 * into `attitude`.
 */
export function* estimator(
  t: TaskContext,
  ringAt: number,
  attAt: number,
  n: number,
  bug: EstimatorBug | null,
): Generator<unknown, void, unknown> {
  const main = t.enter(EST_MAIN);
  const s = main.locals;
  s.next = 0;
  s.last = 0;
  s.used = 0;
  s.lost = 0;
  const zAt = yield* t.malloc(AccelAngles.size, AccelAngles.align, "accel angles");
  const E = ekfType(n);
  const eAt = yield* t.malloc(E.size, E.align, "ekf");
  if (zAt === 0 || eAt === 0) throw new Error("estimator: no heap for the filter");
  const z = AccelAngles.at(t, zAt);
  const e = E.at(t, eAt);
  ekfInit(t, e, n);
  const ring = Ring.at(t, ringAt);
  const att = Attitude.at(t, attAt);
  t.fill(attAt, 0, Attitude.size);
  for (;;) {
    yield* t.semTake(SEM_SAMPLE);
    const seq = ring.seq;
    let next = s.next;
    if (seq - next > RING_SLOTS) {
      s.lost = s.lost + (seq - next - RING_SLOTS);
      next = seq - RING_SLOTS;
    }
    const before = s.used;
    let gain = 0;
    for (; next < seq; next++) gain = step(t, e, ring.slots.at(next % RING_SLOTS), s, z, n, bug);
    s.next = next;
    if (s.used === before) continue;
    att.roll = e.x.get(0);
    att.pitch = e.x.get(1);
    att.yaw = e.x.get(2);
    for (let i = 0; i < 3; i++) att.rates.set(i, ring.slots.at((next - 1) % RING_SLOTS).gyro.get(i) - e.x.get(3 + i));
    att.time = s.last;
    att.used = s.used;
    att.lost = s.lost;
    att.gain = gain;
    att.seq = att.seq + 1;
  }
}
