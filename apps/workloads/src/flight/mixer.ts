import { ActuatorReg, array, f32, fn, type LocalsOf, type TaskContext, type ViewOf } from "@rtos-sim/kernel";
import { biquadInit, biquadStep, lowPass } from "./imu.js";
import { type Attitude, MIXER_MAIN, MIXER_PERIOD_MS, type Motors, Pid } from "./layout.js";

/** Lowest motor duty (PWM compare value: microseconds of a 1-2 ms ESC pulse; motors stopped). */
export const DUTY_MIN = 1000;
/** Highest motor duty (full throttle). */
export const DUTY_MAX = 2000;
/** Hover throttle. */
export const HOVER = 1500;
/** Mixer runs it takes to spin up from {@link DUTY_MIN} to {@link HOVER} (400 ms at 250 Hz). */
export const SPIN_UP_RUNS = 100;
/** Cycles of a PID step besides its accesses. */
export const PID_CYCLES = 40;
/** D-term low-pass cutoff (Hz). */
export const DTERM_LPF_HZ = 30;

/** The mixer's state: the locals of its `main`. */
export type MixerState = LocalsOf<typeof MIXER_MAIN>;

/**
 * Where the mixer's roll PID integral lives: in its `main` frame, the first frame on its stack
 * (its base is the stack top less the frame's size; the PIDs are its first local).
 */
export function rollIntegralAddress(stackTop: number): number {
  const layout = MIXER_MAIN.layout(0);
  const pid = layout.locals.find((l) => l.name === "pid")!;
  return stackTop - layout.size + pid.offset + Pid.offsetOf("integral");
}

/**
 * X-quad mixing (motor by axis: roll, pitch, yaw): front right (counter-clockwise), rear left
 * (counter-clockwise), front left (clockwise), rear right (clockwise).
 */
const MIX = [-1, 1, 1, 1, -1, 1, 1, 1, -1, -1, -1, -1] as const;
/** Gains per axis (duty units per degree and per degree-second): roll, pitch, yaw. */
const GAINS = [
  { kp: 2, ki: 0.5, kd: 0.05, limit: 40 },
  { kp: 2, ki: 0.5, kd: 0.05, limit: 40 },
  { kp: 0.2, ki: 0.05, kd: 0, limit: 20 },
] as const;

/** The PIDs' gains and cleared history, the mixing matrix, throttle at the minimum. */
export function mixerInit(s: MixerState): void {
  const c = lowPass(DTERM_LPF_HZ, 1000 / MIXER_PERIOD_MS);
  for (let axis = 0; axis < 3; axis++) {
    const p = s.pid.at(axis);
    const g = GAINS[axis]!;
    p.kp = g.kp;
    p.ki = g.ki;
    p.kd = g.kd;
    p.limit = g.limit;
    p.integral = 0;
    p.prev = 0;
    biquadInit(p.dlpf, c);
  }
  for (let i = 0; i < MIX.length; i++) s.mix.set(i, MIX[i]!);
  s.runs = 0;
  s.throttle = DUTY_MIN;
  s.armed = 1;
}

const PID_STEP = fn("pid_step", { saves: 4 });

/** One PID step on `error` (degrees) over `dt` seconds: the correction in duty units. */
export function pidStep(t: TaskContext, p: ViewOf<typeof Pid>, error: number, dt: number): number {
  const f = t.enter(PID_STEP);
  const limit = p.limit;
  const integral = Math.max(-limit, Math.min(limit, p.integral + error * dt));
  p.integral = integral;
  const d = biquadStep(t, p.dlpf, (error - p.prev) / dt);
  p.prev = error;
  t.compute(PID_CYCLES);
  const out = p.kp * error + p.ki * integral + p.kd * d;
  t.leave(f);
  return out;
}

const MIXER_RUN = fn("mixer_run", { locals: { out: array(f32, 3), duty: array(f32, 4) } });

/**
 * One mixer run: throttle (spinning up over {@link SPIN_UP_RUNS} runs), a PID per axis holding
 * the attitude level (and the yaw at its start), the mixing matrix, the duties clamped to
 * [{@link DUTY_MIN}, {@link DUTY_MAX}] into CCR1..CCR4 and the `motors` partition. Disarmed
 * (`armed` is not 1, as a corrupted flag would leave it), every motor gets {@link DUTY_MIN}.
 */
export function mixerRun(
  t: TaskContext,
  s: MixerState,
  att: ViewOf<typeof Attitude>,
  motors: ViewOf<typeof Motors>,
  actuator: number,
): void {
  const f = t.enter(MIXER_RUN);
  const { out, duty } = f.locals;
  const run = s.runs + 1;
  s.runs = run;
  const throttle = run < SPIN_UP_RUNS ? DUTY_MIN + Math.trunc(((HOVER - DUTY_MIN) * run) / SPIN_UP_RUNS) : HOVER;
  s.throttle = throttle;
  const dt = MIXER_PERIOD_MS / 1000;
  const armed = s.armed === 1;
  out.set(0, pidStep(t, s.pid.at(0), -att.roll, dt));
  out.set(1, pidStep(t, s.pid.at(1), -att.pitch, dt));
  out.set(2, pidStep(t, s.pid.at(2), -att.yaw, dt));
  const ccr = [ActuatorReg.CCR1, ActuatorReg.CCR2, ActuatorReg.CCR3, ActuatorReg.CCR4];
  for (let m = 0; m < 4; m++) {
    let d = throttle;
    for (let axis = 0; axis < 3; axis++) d += s.mix.get(3 * m + axis) * out.get(axis);
    duty.set(m, d);
    const v = armed ? Math.max(DUTY_MIN, Math.min(DUTY_MAX, Math.round(duty.get(m)))) : DUTY_MIN;
    t.write32(actuator + ccr[m]!, v);
    motors.duty.set(m, v);
  }
  motors.seq = run;
  t.compute(60);
  t.leave(f);
}
