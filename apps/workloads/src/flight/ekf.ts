import {
  type ArrayType,
  array,
  type FunctionType,
  f32,
  fn,
  type ScalarArrayView,
  type ScalarType,
  type TaskContext,
} from "@rtos-sim/kernel";
import type { ekfType } from "./layout.js";

/**
 * Cycles of computation per multiply-accumulate of the matrix loops besides their two loads
 * (charged as accesses): VFMA.F32 (3 on the Cortex-M4F) and the index arithmetic with the loop
 * branch (1).
 */
export const MAC_CYCLES = 4;
/** Cycles of computation per element of the row copies and the rank-1 update besides their accesses. */
export const ELEMENT_CYCLES = 2;
/** Cycles of a division (VDIV.F32: 14) or a square root (VSQRT.F32: 14). */
export const DIV_CYCLES = 14;
/** Cycles of an `atan2f` from the C library (a polynomial with a few divisions). */
export const ATAN2_CYCLES = 120;

/** An EKF view (`ekfType(n)`'s). */
export type EkfView = ReturnType<ReturnType<typeof ekfType>["at"]>;

type F32s = ArrayType<ScalarType<"f32">>;
type UpdateLocals = { readonly k: F32s; readonly prow: F32s };

/** Functions of the filter sized for `n` states (their locals hold rows of n floats), declared once per size. */
function perSize<L extends Record<string, F32s>>(make: (n: number) => FunctionType<L>): (n: number) => FunctionType<L> {
  const bySize = new Map<number, FunctionType<L>>();
  return (n) => {
    let f = bySize.get(n);
    if (f === undefined) {
      f = make(n);
      bySize.set(n, f);
    }
    return f;
  };
}
const MAT_MUL = fn("mat_mul", { saves: 6 });
const MAT_MUL_T = fn("mat_mul_t_add_diag", { saves: 7 });
const updateFn = perSize<UpdateLocals>((n) =>
  fn("ekf_update", { locals: { k: array(f32, n), prow: array(f32, n) }, saves: 9 }),
);
const PREDICT = fn("ekf_predict", { locals: { rate: array(f32, 3) } });

/**
 * `c = a b` for n x n row-major matrices (the loop indices and the sum in registers, as compiled
 * code keeps them: two loads per multiply-accumulate, one store per element).
 */
export function matMul(t: TaskContext, a: ScalarArrayView, b: ScalarArrayView, c: ScalarArrayView, n: number): void {
  const f = t.enter(MAT_MUL);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += a.get(i * n + k) * b.get(k * n + j);
      c.set(i * n + j, acc);
    }
    t.compute(n * n * MAC_CYCLES + n * ELEMENT_CYCLES);
  }
  t.leave(f);
}

/** `c = a b' + diag(q)` for n x n row-major matrices: P = (F P) F' + Q. */
export function matMulTransposeAddDiag(
  t: TaskContext,
  a: ScalarArrayView,
  b: ScalarArrayView,
  q: ScalarArrayView,
  c: ScalarArrayView,
  n: number,
): void {
  const f = t.enter(MAT_MUL_T);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = i === j ? q.get(i) : 0;
      for (let k = 0; k < n; k++) acc += a.get(i * n + k) * b.get(j * n + k);
      c.set(i * n + j, acc);
    }
    t.compute(n * n * MAC_CYCLES + n * ELEMENT_CYCLES);
  }
  t.leave(f);
}

/** State indices of the couplings in F: angle i <- gyro bias i; velocity <- accel bias; position <- velocity. */
function couplings(n: number): { row: number; col: number; sign: number }[] {
  const out: { row: number; col: number; sign: number }[] = [];
  for (let i = 0; i < 3; i++) out.push({ row: i, col: 3 + i, sign: -1 });
  if (n >= 15) {
    for (let i = 0; i < 3; i++) out.push({ row: 6 + i, col: 12 + i, sign: -1 });
    for (let i = 0; i < 3; i++) out.push({ row: 9 + i, col: 6 + i, sign: 1 });
  } else if (n >= 10) out.push({ row: 8, col: 9, sign: -1 });
  return out;
}

/**
 * Initial filter: x = 0, P = diag(1 deg^2 for the angles, 0.01 for the gyro biases, 1 for the
 * rest), F = the identity, Q = diag(1e-4, 1e-7, 1e-3 per step).
 */
export function ekfInit(t: TaskContext, e: EkfView, n: number): void {
  for (let i = 0; i < n; i++) {
    e.x.set(i, 0);
    e.q.set(i, i < 3 ? 1e-4 : i < 6 ? 1e-7 : 1e-3);
    for (let j = 0; j < n; j++) {
      e.P.set(i * n + j, i === j ? (i >= 3 && i < 6 ? 0.01 : 1) : 0);
      e.F.set(i * n + j, i === j ? 1 : 0);
    }
  }
  t.compute(n * n * ELEMENT_CYCLES);
}

/**
 * The prediction: the angles integrate the gyro rates (deg/s) less the bias estimates over `dt`
 * seconds, F takes the couplings for this `dt`, and the covariance propagates: P = F P F' + Q.
 */
export function ekfPredict(t: TaskContext, e: EkfView, gyro: readonly number[], dt: number, n: number): void {
  const f = t.enter(PREDICT);
  const rate = f.locals.rate;
  for (let i = 0; i < 3; i++) {
    rate.set(i, gyro[i]! - e.x.get(3 + i));
    e.x.set(i, e.x.get(i) + rate.get(i) * dt);
  }
  for (const c of couplings(n)) e.F.set(c.row * n + c.col, c.sign * dt);
  t.compute(40);
  matMul(t, e.F, e.P, e.FP, n);
  matMulTransposeAddDiag(t, e.FP, e.F, e.q, e.P, n);
  t.leave(f);
}

/**
 * A scalar measurement update of state `idx` with measurement `z` (variance `r`): the gain
 * k = P[:, idx] / (P[idx][idx] + r), x += k (z - x[idx]), P -= k P[idx, :]. Returns k[idx] (the
 * weight the measurement got).
 */
export function ekfUpdate(t: TaskContext, e: EkfView, idx: number, z: number, r: number, n: number): number {
  const f = t.enter(updateFn(n));
  const { k, prow } = f.locals;
  const s = e.P.get(idx * n + idx) + r;
  for (let i = 0; i < n; i++) k.set(i, e.P.get(i * n + idx) / s);
  const y = z - e.x.get(idx);
  for (let i = 0; i < n; i++) e.x.set(i, e.x.get(i) + k.get(i) * y);
  for (let j = 0; j < n; j++) prow.set(j, e.P.get(idx * n + j));
  for (let i = 0; i < n; i++) {
    const ki = k.get(i);
    for (let j = 0; j < n; j++) e.P.set(i * n + j, e.P.get(i * n + j) - ki * prow.get(j));
  }
  t.compute(DIV_CYCLES + n * (DIV_CYCLES + 3 * ELEMENT_CYCLES) + n * n * MAC_CYCLES);
  const gain = k.get(idx);
  t.leave(f);
  return gain;
}
