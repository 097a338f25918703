import type { AppEnv, TaskContext, TaskSpec } from "@rtos-sim/kernel";
import { type EstimatorBug, estimator } from "./estimator.js";
import { imuInit, imuReadFifo } from "./imu.js";
import {
  ATTITUDE,
  Attitude,
  ekfStates,
  IMU_DEADLINE_MS,
  IMU_MAIN,
  IMU_PERIOD_MS,
  MIXER_DEADLINE_MS,
  MIXER_MAIN,
  MIXER_PERIOD_MS,
  MOTORS,
  Motors,
  Priority,
  RING,
  Ring,
  SEM_SAMPLE,
  TELEMETRY_PERIOD_MS,
} from "./layout.js";
import { mixerInit, mixerRun } from "./mixer.js";
import { telemetry } from "./telemetry.js";

/** Options of the flight tasks (the tests inject a bug to show it reaches the control outputs). */
export interface FlightOptions {
  /** A memory bug in the estimator (see `estimator`). Default none. */
  readonly bug?: EstimatorBug | undefined;
}

/** IMU: every period, reads the sensor FIFO, filters it and puts the sample into the ring; signals the estimator. */
function* imu(t: TaskContext, sensor: number, timer: number, ringAt: number): Generator<unknown, void, unknown> {
  const main = t.enter(IMU_MAIN); // main's locals: its state for the task's life
  imuInit(main.locals);
  const ring = Ring.at(t, ringAt);
  t.fill(ringAt, 0, Ring.size); // the producer initializes its partition before anyone reads it
  for (;;) {
    imuReadFifo(t, main.locals, sensor, timer, ring);
    yield* t.semGive(SEM_SAMPLE);
    yield* t.nextPeriod();
  }
}

/** Mixer: every period, the PIDs and the motor mixing into CCR1..CCR4 (it alone is granted the actuator). */
function* mixer(t: TaskContext, attAt: number, motorsAt: number, actuator: number): Generator<unknown, void, unknown> {
  const main = t.enter(MIXER_MAIN); // main's locals: the PIDs, for the task's life
  mixerInit(main.locals);
  const att = Attitude.at(t, attAt);
  const motors = Motors.at(t, motorsAt);
  t.fill(motorsAt, 0, Motors.size);
  for (;;) {
    mixerRun(t, main.locals, att, motors, actuator);
    yield* t.nextPeriod();
  }
}

/** The flight controller's task specs on a booted kernel (partition and device addresses from `env`). */
export function flightTasks(env: AppEnv, options: FlightOptions = {}): TaskSpec[] {
  const ring = env.partition(RING).base;
  const att = env.partition(ATTITUDE).base;
  const motors = env.partition(MOTORS).base;
  const uart = env.device("uart");
  const board = env.board;
  const states = ekfStates(board.clockHz);
  const banner =
    `flight controller on ${board.name}: imu ${1000 / IMU_PERIOD_MS} Hz -> ring -> estimator (${states}-state filter) -> ` +
    `mixer ${1000 / MIXER_PERIOD_MS} Hz -> 4 motors; telemetry every ${TELEMETRY_PERIOD_MS} ms\n`;
  return [
    {
      name: "imu",
      priority: Priority.imu,
      stackSize: 1024,
      heapSize: 0,
      period: { ms: IMU_PERIOD_MS },
      deadline: { ms: IMU_DEADLINE_MS },
      partitions: { [RING]: "rw" },
      semaphores: { [SEM_SAMPLE]: "give" },
      devices: ["sensor", "timer"],
      main: (t) => imu(t, env.device("sensor"), env.device("timer"), ring),
    },
    {
      name: "estimator",
      priority: Priority.estimator,
      stackSize: 1024,
      heapSize: 8192,
      partitions: { [RING]: "ro", [ATTITUDE]: "rw" },
      semaphores: { [SEM_SAMPLE]: "take" },
      main: (t) => estimator(t, ring, att, states, options.bug ?? null),
    },
    {
      name: "mixer",
      priority: Priority.mixer,
      stackSize: 1024,
      heapSize: 0,
      period: { ms: MIXER_PERIOD_MS },
      deadline: { ms: MIXER_DEADLINE_MS },
      partitions: { [ATTITUDE]: "ro", [MOTORS]: "rw" },
      devices: ["actuator"],
      main: (t) => mixer(t, att, motors, env.device("actuator")),
    },
    {
      name: "telemetry",
      priority: Priority.telemetry,
      stackSize: 1024,
      heapSize: 4096,
      period: { ms: TELEMETRY_PERIOD_MS },
      partitions: { [ATTITUDE]: "ro", [MOTORS]: "ro" },
      devices: ["uart"],
      main: (t) => telemetry(t, uart, att, motors, TELEMETRY_PERIOD_MS, banner),
    },
  ];
}
