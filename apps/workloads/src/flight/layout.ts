/**
 * The shared memory of the flight controller: three partitions, each one block of pages covered
 * by one MPU region, and the byte layout of what lives in them. Tasks reach them only through
 * checked loads and stores (`TaskContext`), so what the layouts describe are bytes in simulated
 * RAM.
 */

/** Name of the IMU sample ring partition (see {@link RingLayout}). */
export const RING = "ring";
/** Name of the attitude partition (see {@link AttitudeLayout}). */
export const ATTITUDE = "attitude";
/** Name of the motor-output partition (see {@link MotorsLayout}). */
export const MOTORS = "motors";

/**
 * IMU sample ring (written by `imu` only; read-only for everyone else):
 * - 0x00 u32 samples written so far (the producer's sequence number; slot = seq % {@link RING_SLOTS});
 * - 0x10 + 16 * slot: u32 time stamp in microseconds (core cycle counter), then six i16 (gyro x/y/z, accel x/y/z).
 */
export const RingLayout = {
  SEQ: 0x00,
  SLOTS: 0x10,
  SLOT_BYTES: 16,
  TIME: 0x0,
  GX: 0x4,
  GY: 0x6,
  GZ: 0x8,
  AX: 0xa,
  AY: 0xc,
  AZ: 0xe,
} as const;
/** Samples the ring holds. */
export const RING_SLOTS = 32;
/** Bytes of the ring partition (one 1 KiB page). */
export const RING_BYTES = 1024;

/**
 * Attitude (written by `estimator`; read by `mixer` and `telemetry`):
 * - 0x00 u32 updates so far, 0x04 i32 roll, 0x08 i32 pitch, 0x0c i32 yaw (millidegrees),
 * - 0x10 u32 time stamp of the last sample used (us), 0x14 u32 samples used, 0x18 u32 samples lost
 *   (overwritten in the ring before the estimator read them).
 */
export const AttitudeLayout = {
  SEQ: 0x00,
  ROLL: 0x04,
  PITCH: 0x08,
  YAW: 0x0c,
  TIME: 0x10,
  USED: 0x14,
  LOST: 0x18,
} as const;

/**
 * Motor outputs (written by `mixer`, the one task granted the actuator; read by `telemetry`):
 * - 0x00 u32 updates so far, 0x04 + 4 * n: u32 duty of motor n (1000..2000, as CCR1..CCR4).
 */
export const MotorsLayout = { SEQ: 0x00, DUTY: 0x04 } as const;

/** Task names of the flight controller. */
export const FLIGHT_TASKS = ["imu", "estimator", "mixer", "telemetry"] as const;

/** Priorities: the IMU highest, telemetry lowest of the flight tasks (0 is left for intruders). */
export const Priority = { imu: 6, estimator: 5, mixer: 4, telemetry: 2 } as const;

/** IMU sampling period (500 Hz). */
export const IMU_PERIOD_MS = 2;
/** IMU samples per mixer run (the mixer runs at 250 Hz). */
export const SAMPLES_PER_MIX = 2;
/** Period of the telemetry line. */
export const TELEMETRY_PERIOD_MS = 100;
/** Semaphore the IMU gives for every sample it puts in the ring. */
export const SEM_SAMPLE = "imu-sample";
/** Semaphore the estimator gives every {@link SAMPLES_PER_MIX} samples (a new attitude for the mixer). */
export const SEM_ATTITUDE = "attitude-ready";
