import { performance } from "node:perf_hooks";

/** One measured case: median throughput over several runs. */
export interface Measurement {
  /** Case name as printed in the table. */
  readonly name: string;
  /** Operations per run. */
  readonly ops: number;
  /** Median operations per second over the runs. */
  readonly opsPerSec: number;
  /** Every run's operations per second, in run order. */
  readonly runs: readonly number[];
  /** With several processes per case (see `benchMain`): each process's median, in order. */
  readonly processes?: readonly number[];
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Timed runs after warm-up; the median is reported. Default 5. */
  readonly runs?: number;
  /** Untimed warm-up runs first (lets the JIT settle). Default 2. */
  readonly warmup?: number;
}

/**
 * Times `run`, which performs `ops` operations per call, and returns the median rate.
 * `run` may return a value; it is folded into a sink so the work is not optimised away.
 */
export function measure(name: string, ops: number, run: () => unknown, options: MeasureOptions = {}): Measurement {
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 2;
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink ^= Number(run()) | 0;
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink ^= Number(run()) | 0;
    const dt = (performance.now() - t0) / 1000;
    rates.push(ops / Math.max(dt, 1e-9));
  }
  globalSink ^= sink;
  const sorted = [...rates].sort((a, b) => a - b);
  const opsPerSec = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return { name, ops, opsPerSec, runs: rates };
}

/** Keeps measured results observable so the JIT cannot drop the work. */
export let globalSink = 0;
