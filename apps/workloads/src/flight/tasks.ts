import { ActuatorReg, type AppEnv, SensorReg, type TaskContext, type TaskSpec, TimerReg } from "@rtos-sim/kernel";
import { accelAngles, complementary, formatMilliDeg, gyroDeltaMilli } from "../shared/fixed-point.js";
import { uartWrite } from "../shared/uart.js";
import {
  ATTITUDE,
  AttitudeLayout,
  IMU_PERIOD_MS,
  MOTORS,
  MotorsLayout,
  Priority,
  RING,
  RING_SLOTS,
  RingLayout,
  SAMPLES_PER_MIX,
  SEM_ATTITUDE,
  SEM_SAMPLE,
  TELEMETRY_PERIOD_MS,
} from "./layout.js";
import { LogRecord, logSlab, RECORD_BYTES, SLAB_BYTES } from "./log-slab.js";

/** Records the telemetry task keeps (its "black box"); older ones go back to the slab. */
export const BLACK_BOX = 8;
/** Lowest motor duty (PWM compare value: microseconds of a 1-2 ms ESC pulse; motors stopped). */
export const DUTY_MIN = 1000;
/** Highest motor duty (full throttle). */
export const DUTY_MAX = 2000;
/** Hover throttle. */
export const HOVER = 1500;
/** Mixer runs it takes to spin up from {@link DUTY_MIN} to {@link HOVER} (400 ms at 250 Hz). */
export const SPIN_UP_RUNS = 100;

const I16 = (v: number) => (v << 16) >> 16;
const clampDuty = (v: number) => Math.max(DUTY_MIN, Math.min(DUTY_MAX, v));

/** IMU: every period, reads the sensor's six axes and TIM2's microsecond counter into the next ring slot. */
function* imu(t: TaskContext, sensor: number, timer: number, ring: number): Generator<unknown, void, unknown> {
  // The producer initializes its partition's header before anyone reads it.
  t.fill(ring, 0, RingLayout.SLOTS);
  for (;;) {
    if ((t.read32(sensor + SensorReg.STATUS) & 1) !== 0) {
      const seq = t.read32(ring + RingLayout.SEQ);
      const slot = ring + RingLayout.SLOTS + (seq % RING_SLOTS) * RingLayout.SLOT_BYTES;
      t.write32(slot + RingLayout.TIME, t.read32(timer + TimerReg.CNT));
      for (let axis = 0; axis < 6; axis++) {
        t.write16(slot + RingLayout.GX + 2 * axis, t.read32(sensor + SensorReg.GX + 4 * axis) & 0xffff);
      }
      t.write32(ring + RingLayout.SEQ, seq + 1); // publish after the slot is complete
      yield* t.semGive(SEM_SAMPLE);
    }
    yield* t.sleep({ ms: IMU_PERIOD_MS });
  }
}

/** Estimator state, in a frame on its own stack: where the next sample is, the angles, counters. */
const St = { NEXT: 0x00, ROLL: 0x04, PITCH: 0x08, YAW: 0x0c, TIME: 0x10, USED: 0x14, LOST: 0x18 } as const;

/** Estimator: a complementary filter (fixed point) over every new ring sample, into `attitude`. */
function* estimator(t: TaskContext, ring: number, att: number): Generator<unknown, void, unknown> {
  const s = t.push(32);
  t.fill(s, 0, 32);
  t.fill(att, 0, 32);
  for (;;) {
    yield* t.semTake(SEM_SAMPLE);
    const seq = t.read32(ring + RingLayout.SEQ);
    let next = t.read32(s + St.NEXT);
    let lost = t.read32(s + St.LOST);
    if (seq - next > RING_SLOTS) {
      lost += seq - next - RING_SLOTS;
      next = seq - RING_SLOTS;
    }
    let roll = t.read32(s + St.ROLL) | 0;
    let pitch = t.read32(s + St.PITCH) | 0;
    let yaw = t.read32(s + St.YAW) | 0;
    let last = t.read32(s + St.TIME);
    let used = t.read32(s + St.USED);
    const before = used;
    for (; next < seq; next++) {
      const slot = ring + RingLayout.SLOTS + (next % RING_SLOTS) * RingLayout.SLOT_BYTES;
      const time = t.read32(slot + RingLayout.TIME);
      const dt = used === 0 ? IMU_PERIOD_MS * 1000 : (time - last) >>> 0;
      last = time;
      const acc = accelAngles(
        I16(t.read16(slot + RingLayout.AX)),
        I16(t.read16(slot + RingLayout.AY)),
        I16(t.read16(slot + RingLayout.AZ)),
      );
      roll = complementary(roll, gyroDeltaMilli(I16(t.read16(slot + RingLayout.GX)), dt), acc.roll);
      pitch = complementary(pitch, gyroDeltaMilli(I16(t.read16(slot + RingLayout.GY)), dt), acc.pitch);
      yaw += gyroDeltaMilli(I16(t.read16(slot + RingLayout.GZ)), dt);
      used++;
    }
    t.write32(s + St.NEXT, next);
    t.write32(s + St.ROLL, roll >>> 0);
    t.write32(s + St.PITCH, pitch >>> 0);
    t.write32(s + St.YAW, yaw >>> 0);
    t.write32(s + St.TIME, last);
    t.write32(s + St.USED, used);
    t.write32(s + St.LOST, lost);
    if (used === before) continue;
    t.write32(att + AttitudeLayout.ROLL, roll >>> 0);
    t.write32(att + AttitudeLayout.PITCH, pitch >>> 0);
    t.write32(att + AttitudeLayout.YAW, yaw >>> 0);
    t.write32(att + AttitudeLayout.TIME, last);
    t.write32(att + AttitudeLayout.USED, used);
    t.write32(att + AttitudeLayout.LOST, lost);
    t.write32(att + AttitudeLayout.SEQ, t.read32(att + AttitudeLayout.SEQ) + 1);
    if (Math.floor(used / SAMPLES_PER_MIX) > Math.floor(before / SAMPLES_PER_MIX)) yield* t.semGive(SEM_ATTITUDE);
  }
}

/**
 * Motor mixer (X quad): spins up to hover, then corrects roll and pitch towards level and yaw
 * towards its start with proportional terms; writes CCR1..CCR4 of the actuator (it alone is
 * granted it) and the duties into `motors` for telemetry.
 */
function* mixer(t: TaskContext, att: number, motors: number, act: number): Generator<unknown, void, unknown> {
  const ccr = [ActuatorReg.CCR1, ActuatorReg.CCR2, ActuatorReg.CCR3, ActuatorReg.CCR4];
  for (let run = 1; ; run++) {
    yield* t.semTake(SEM_ATTITUDE);
    const throttle = run < SPIN_UP_RUNS ? DUTY_MIN + Math.trunc(((HOVER - DUTY_MIN) * run) / SPIN_UP_RUNS) : HOVER;
    // Proportional terms: 2 duty units per degree of roll/pitch, 1 per 5 degrees of yaw.
    const r = -Math.trunc((t.read32(att + AttitudeLayout.ROLL) | 0) / 500);
    const p = -Math.trunc((t.read32(att + AttitudeLayout.PITCH) | 0) / 500);
    const y = -Math.trunc((t.read32(att + AttitudeLayout.YAW) | 0) / 5000);
    const duty = [
      clampDuty(throttle - r + p + y), // front right, counter-clockwise
      clampDuty(throttle + r - p + y), // rear left, counter-clockwise
      clampDuty(throttle + r + p - y), // front left, clockwise
      clampDuty(throttle - r - p - y), // rear right, clockwise
    ];
    for (let m = 0; m < 4; m++) {
      t.write32(act + ccr[m]!, duty[m]!);
      t.write32(motors + MotorsLayout.DUTY + 4 * m, duty[m]!);
    }
    t.write32(motors + MotorsLayout.SEQ, run);
  }
}

/** One telemetry line from a log record (read back from simulated memory). */
function formatRecord(t: TaskContext, rec: number): string {
  const ms = t.read32(rec + LogRecord.TIME);
  const deg = (off: number) => formatMilliDeg(t.read32(rec + off) | 0).padStart(7);
  const duties: string[] = [];
  for (let m = 0; m < 4; m++) duties.push(String(t.read16(rec + LogRecord.MOTORS + 2 * m)));
  return (
    `t=${String(ms).padStart(5)} ms | roll ${deg(LogRecord.ROLL)} pitch ${deg(LogRecord.PITCH)} yaw ${deg(LogRecord.YAW)} deg` +
    ` | motors ${duties.join(" ")} | imu samples ${t.read32(rec + LogRecord.USED)} lost ${t.read32(rec + LogRecord.LOST)}\n`
  );
}

/**
 * Telemetry: every 100 ms a log record from its slab (attitude, motor duties, sample counts),
 * printed through the UART data register; the last {@link BLACK_BOX} records are kept in a table
 * in its heap and older ones go back to the slab. Every 500 ms, a line about the slab.
 */
function* telemetry(
  t: TaskContext,
  uart: number,
  att: number,
  motors: number,
  banner: string,
): Generator<unknown, void, unknown> {
  const block = yield* t.malloc(SLAB_BYTES, SLAB_BYTES, "log slab");
  const table = yield* t.malloc(4 * BLACK_BOX, 4, "black box");
  if (block === 0 || table === 0) {
    uartWrite(t, uart, "telemetry: no heap for the log slab\n");
    return;
  }
  const slab = logSlab(t, block);
  t.fill(table, 0, 4 * BLACK_BOX);
  uartWrite(t, uart, banner);
  for (let n = 1; ; n++) {
    yield* t.sleep({ ms: TELEMETRY_PERIOD_MS });
    const rec = slab.allocate(RECORD_BYTES);
    if (rec === null) {
      uartWrite(t, uart, "telemetry: log slab full\n");
      continue;
    }
    t.write32(rec + LogRecord.TIME, n * TELEMETRY_PERIOD_MS);
    t.write32(rec + LogRecord.ROLL, t.read32(att + AttitudeLayout.ROLL));
    t.write32(rec + LogRecord.PITCH, t.read32(att + AttitudeLayout.PITCH));
    t.write32(rec + LogRecord.YAW, t.read32(att + AttitudeLayout.YAW));
    for (let m = 0; m < 4; m++) t.write16(rec + LogRecord.MOTORS + 2 * m, t.read32(motors + MotorsLayout.DUTY + 4 * m));
    t.write32(rec + LogRecord.USED, t.read32(att + AttitudeLayout.USED));
    t.write32(rec + LogRecord.LOST, t.read32(att + AttitudeLayout.LOST));
    const slot = table + 4 * (n % BLACK_BOX);
    const old = t.read32(slot);
    if (old !== 0) slab.free(old);
    t.write32(slot, rec);
    uartWrite(t, uart, formatRecord(t, rec));
    if (n % 5 === 0) {
      const st = slab.stats();
      uartWrite(
        t,
        uart,
        `log: ${st.liveBlocks} records live in the slab (${RECORD_BYTES} B each, ${st.heldBytes} B slab in the heap), ${st.allocations} written, ${st.frees} recycled\n`,
      );
    }
  }
}

/** The flight controller's task specs on a booted kernel (partition and device addresses from `env`). */
export function flightTasks(env: AppEnv): TaskSpec[] {
  const ring = env.partition(RING).base;
  const att = env.partition(ATTITUDE).base;
  const motors = env.partition(MOTORS).base;
  const uart = env.device("uart");
  const board = env.kernel.machine.board.name;
  const banner =
    `flight controller on ${board}: imu ${1000 / IMU_PERIOD_MS} Hz -> ring -> estimator -> mixer ` +
    `${1000 / (IMU_PERIOD_MS * SAMPLES_PER_MIX)} Hz -> 4 motors; telemetry every ${TELEMETRY_PERIOD_MS} ms\n`;
  return [
    {
      name: "imu",
      priority: Priority.imu,
      stackSize: 1024,
      heapSize: 0,
      partitions: { [RING]: "rw" },
      semaphores: { [SEM_SAMPLE]: "give" },
      devices: ["sensor", "timer"],
      main: (t) => imu(t, env.device("sensor"), env.device("timer"), ring),
    },
    {
      name: "estimator",
      priority: Priority.estimator,
      stackSize: 1024,
      heapSize: 0,
      partitions: { [RING]: "ro", [ATTITUDE]: "rw" },
      semaphores: { [SEM_SAMPLE]: "take", [SEM_ATTITUDE]: "give" },
      main: (t) => estimator(t, ring, att),
    },
    {
      name: "mixer",
      priority: Priority.mixer,
      stackSize: 1024,
      heapSize: 0,
      partitions: { [ATTITUDE]: "ro", [MOTORS]: "rw" },
      semaphores: { [SEM_ATTITUDE]: "take" },
      devices: ["actuator"],
      main: (t) => mixer(t, att, motors, env.device("actuator")),
    },
    {
      name: "telemetry",
      priority: Priority.telemetry,
      stackSize: 1024,
      heapSize: 4096,
      partitions: { [ATTITUDE]: "ro", [MOTORS]: "ro" },
      devices: ["uart"],
      main: (t) => telemetry(t, uart, att, motors, banner),
    },
  ];
}
