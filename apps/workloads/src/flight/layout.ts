/**
 * The flight controller's data: the shared partitions (each one block of pages covered by one MPU
 * region) and the tasks' own state, declared as C structs (`struct` of `@rtos-sim/kernel`) and
 * reached only through views whose every field access is a checked access by the task: what these
 * declare are bytes in simulated RAM, laid out as arm-none-eabi-gcc would lay out the same structs.
 */
import { array, f32, fn, struct, u16, u32 } from "@rtos-sim/kernel";

/** Name of the IMU sample ring partition (see {@link Ring}). */
export const RING = "ring";
/** Name of the attitude partition (see {@link Attitude}). */
export const ATTITUDE = "attitude";
/** Name of the motor-output partition (see {@link Motors}). */
export const MOTORS = "motors";

/** Samples the ring holds. */
export const RING_SLOTS = 32;
/** Bytes of the ring partition (one 1 KiB page). */
export const RING_BYTES = 1024;

/** One filtered IMU sample: TIM2's microseconds, gyro (deg/s) and accelerometer (g), averaged over the FIFO. */
export const Sample = struct("Sample", { time: u32, gyro: array(f32, 3), accel: array(f32, 3) });

/**
 * The IMU sample ring (written by `imu` only; read-only for everyone else): the producer's
 * sequence number (slot = seq % {@link RING_SLOTS}), then the slots.
 */
export const Ring = struct("Ring", { seq: u32, slots: array(Sample, RING_SLOTS) });

/**
 * Attitude (written by `estimator`; read by `mixer` and `telemetry`): updates so far, roll, pitch
 * and yaw (degrees), body rates (deg/s), the time stamp of the last sample used, samples used and
 * lost (overwritten before the estimator read them), and the accelerometer gain the covariance
 * gave at the last update.
 */
export const Attitude = struct("Attitude", {
  seq: u32,
  roll: f32,
  pitch: f32,
  yaw: f32,
  rates: array(f32, 3),
  time: u32,
  used: u32,
  lost: u32,
  gain: f32,
});

/** Motor outputs (written by `mixer`, the one task granted the actuator; read by `telemetry`): runs so far, duties. */
export const Motors = struct("Motors", { seq: u32, duty: array(u32, 4) });

/**
 * States of the estimator's Kalman filter on a board: 20 (attitude, gyro biases, velocity,
 * position, accelerometer biases, magnetic field, wind) on a core of 100 MHz or more, 10
 * (attitude, gyro biases, velocity, accelerometer z bias) on a slower one (the 25 MHz MPS2-AN386):
 * the covariance propagation grows as the cube of it, and firmware sizes its filter to its CPU.
 */
export function ekfStates(clockHz: number): number {
  return clockHz >= 100_000_000 ? 20 : 10;
}

const ekfTypes = new Map<number, ReturnType<typeof makeEkf>>();
function makeEkf(n: number) {
  return struct(`Ekf${n}`, {
    x: array(f32, n),
    P: array(f32, n * n),
    F: array(f32, n * n),
    FP: array(f32, n * n),
    q: array(f32, n),
  });
}

/**
 * The estimator's filter of `n` states, in its heap: the state `x`, its covariance `P`, the
 * transition matrix `F`, the product `FP` (F P; P's next value is FP F' + Q) and the process
 * noise `q` (the diagonal of Q).
 */
export function ekfType(n: number): ReturnType<typeof makeEkf> {
  let t = ekfTypes.get(n);
  if (t === undefined) {
    t = makeEkf(n);
    ekfTypes.set(n, t);
  }
  return t;
}

/** A second-order IIR filter (direct form I): coefficients b0 b1 b2 a1 a2, inputs x1 x2, outputs y1 y2. */
export const Biquad = struct("Biquad", { b: array(f32, 3), a: array(f32, 2), x: array(f32, 2), y: array(f32, 2) });

/**
 * The IMU task's state, the locals of its `main` (its frame stays at the top of its stack for the
 * task's life): per axis a bias and a scale, and a low-pass biquad on each of the six axes.
 */
export const IMU_MAIN = fn("imu_main", {
  locals: { bias: array(f32, 6), scale: array(f32, 6), lpf: array(Biquad, 6), samples: u32 },
});

/** A PID controller: gains, integral (clamped), previous error, and a biquad on the derivative. */
export const Pid = struct("Pid", { kp: f32, ki: f32, kd: f32, limit: f32, integral: f32, prev: f32, dlpf: Biquad });

/**
 * The mixer's state, the locals of its `main`: a PID per axis (roll, pitch, yaw), the motor mixing
 * matrix (X quad: four motors by three axes), the run count.
 */
export const MIXER_MAIN = fn("mixer_main", {
  locals: { pid: array(Pid, 3), mix: array(f32, 12), runs: u32, throttle: u16, armed: u16 },
});

/** Task names of the flight controller. */
export const FLIGHT_TASKS = ["imu", "estimator", "mixer", "telemetry"] as const;

/** Priorities: the IMU highest, telemetry lowest of the flight tasks (0 is left for intruders). */
export const Priority = { imu: 6, estimator: 5, mixer: 4, telemetry: 2 } as const;

/** IMU period (500 Hz). */
export const IMU_PERIOD_MS = 2;
/** IMU deadline: the filtered sample must be in the ring this long after its release. */
export const IMU_DEADLINE_MS = 0.5;
/** Samples the IMU reads from its FIFO per period (the sensor sampling at 4 kHz). */
export const IMU_FIFO = 8;
/** Mixer period (250 Hz). */
export const MIXER_PERIOD_MS = 4;
/** Mixer deadline: the motor outputs must be written this long after its release. */
export const MIXER_DEADLINE_MS = 1.5;
/** Period of the telemetry line. */
export const TELEMETRY_PERIOD_MS = 100;
/** Semaphore the IMU gives for every sample it puts in the ring. */
export const SEM_SAMPLE = "imu-sample";

/** Millidegrees, rounded, of an angle in degrees (the telemetry's integer format). */
export const milliDeg = (deg: number): number => Math.round(deg * 1000) | 0;
