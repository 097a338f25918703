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
export const Sample = struct("Sample", {
  /** TIM2's counter (microseconds, wrapping at 2^32) read as the sample was stored. */
  time: u32,
  /** Angular rates x, y, z in deg/s, calibrated and low-pass filtered. */
  gyro: array(f32, 3),
  /** Accelerations x, y, z in g, calibrated and low-pass filtered. */
  accel: array(f32, 3),
});

/**
 * The IMU sample ring (written by `imu` only; read-only for everyone else): the producer's
 * sequence number (slot = seq % {@link RING_SLOTS}), then the slots.
 */
export const Ring = struct("Ring", {
  /** Samples published so far; the next one goes to slot `seq % RING_SLOTS` (incremented after the slot is written). */
  seq: u32,
  /** The {@link RING_SLOTS} sample slots. */
  slots: array(Sample, RING_SLOTS),
});

/**
 * Attitude (written by `estimator`; read by `mixer` and `telemetry`): updates so far, roll, pitch
 * and yaw (degrees), body rates (deg/s), the time stamp of the last sample used, samples used and
 * lost (overwritten before the estimator read them), and the accelerometer gain the covariance
 * gave at the last update.
 */
export const Attitude = struct("Attitude", {
  /** Attitude updates published so far (incremented after the other fields are written). */
  seq: u32,
  /** Roll in degrees (the filter's state 0). */
  roll: f32,
  /** Pitch in degrees (the filter's state 1). */
  pitch: f32,
  /** Yaw in degrees (the filter's state 2: integrated gyro, no measurement corrects it). */
  yaw: f32,
  /** Body rates x, y, z in deg/s: the last sample's gyro less the estimated biases. */
  rates: array(f32, 3),
  /** TIM2 time stamp (microseconds) of the last sample used. */
  time: u32,
  /** Ring samples the estimator has used so far. */
  used: u32,
  /** Ring samples overwritten before the estimator read them. */
  lost: u32,
  /** Kalman gain the roll measurement got at the last update (0..1). */
  gain: f32,
});

/** Motor outputs (written by `mixer`, the one task granted the actuator; read by `telemetry`): runs so far, duties. */
export const Motors = struct("Motors", {
  /** Mixer runs so far (written after the duties). */
  seq: u32,
  /** Motor duties as written to CCR1..CCR4: ESC pulse microseconds, 1000 (stopped) to 2000 (full). */
  duty: array(u32, 4),
});

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
    /** State vector; 0..2 roll, pitch, yaw (degrees), 3..5 gyro biases (deg/s). */
    x: array(f32, n),
    /** Covariance of `x`, n x n, row-major. */
    P: array(f32, n * n),
    /** State transition matrix, n x n, row-major (the identity plus the `dt` couplings). */
    F: array(f32, n * n),
    /** Scratch for the product F P during a prediction, n x n, row-major. */
    FP: array(f32, n * n),
    /** Process noise per step: the diagonal of Q. */
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
export const Biquad = struct("Biquad", {
  /** Feed-forward coefficients b0, b1, b2. */
  b: array(f32, 3),
  /** Feedback coefficients a1, a2 (a0 = 1; they are subtracted). */
  a: array(f32, 2),
  /** The last two inputs x[n-1], x[n-2]. */
  x: array(f32, 2),
  /** The last two outputs y[n-1], y[n-2]. */
  y: array(f32, 2),
});

/**
 * The IMU task's state, the locals of its `main` (its frame stays at the top of its stack for the
 * task's life): per axis a bias and a scale, and a low-pass biquad on each of the six axes.
 */
export const IMU_MAIN = fn("imu_main", {
  locals: {
    /** Raw offset per axis (gyro x, y, z, then accel x, y, z), in sensor LSB (0: none). */
    bias: array(f32, 6),
    /** Per axis, the factor from LSB to deg/s (gyro) or g (accel). */
    scale: array(f32, 6),
    /** A low-pass biquad per axis, run at the sensor's 4 kHz rate. */
    lpf: array(Biquad, 6),
    /** Samples put in the ring so far. */
    samples: u32,
  },
});

/** A PID controller: gains, integral (clamped), previous error, and a biquad on the derivative. */
export const Pid = struct("Pid", {
  /** Proportional gain (duty units per degree). */
  kp: f32,
  /** Integral gain (duty units per degree-second). */
  ki: f32,
  /** Derivative gain (duty units per deg/s of error rate). */
  kd: f32,
  /** Bound of the integral: it is clamped to [-limit, limit] (degree-seconds). */
  limit: f32,
  /** Error integral so far (degree-seconds), clamped. */
  integral: f32,
  /** The previous step's error (degrees). */
  prev: f32,
  /** Low-pass biquad on the error's derivative. */
  dlpf: Biquad,
});

/**
 * The mixer's state, the locals of its `main`: a PID per axis (roll, pitch, yaw), the motor mixing
 * matrix (X quad: four motors by three axes), the run count.
 */
export const MIXER_MAIN = fn("mixer_main", {
  locals: {
    /** A PID per axis: roll, pitch, yaw. */
    pid: array(Pid, 3),
    /** Mixing matrix, row-major: `mix[3 * motor + axis]` is the share of axis `axis`'s correction in `motor`'s duty. */
    mix: array(f32, 12),
    /** Mixer runs so far. */
    runs: u32,
    /** Base duty of this run (ESC pulse microseconds): ramps from 1000 to the hover duty 1500. */
    throttle: u16,
    /** 1 once initialised: the motors run only while it is 1 (anything else stops them at the minimum duty). */
    armed: u16,
  },
});

/** Task names of the flight controller. */
export const FLIGHT_TASKS = ["imu", "estimator", "mixer", "telemetry"] as const;

/** Priorities: the IMU highest, telemetry lowest of the flight tasks (0 is left for intruders). */
export const Priority = {
  /** The IMU task (highest). */
  imu: 6,
  /** The estimator. */
  estimator: 5,
  /** The mixer. */
  mixer: 4,
  /** Telemetry (lowest). */
  telemetry: 2,
} as const;

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
