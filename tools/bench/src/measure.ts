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
  /** The baseline timed alternately with this case in the same process, when one was given. */
  readonly paired?: PairedBaseline;
}

/**
 * A baseline measured in the case's own process, each of its runs just before one of the
 * case's: the machine's state (another tenant on the host, a busy sibling core) falls on both
 * alike, where a baseline measured in another process can land in another state. On a shared
 * machine a raw DataView loop's speed is bimodal from one process to the next (1.6 and 3.3 G
 * accesses/s on the same code), so a ratio against another process's baseline swings with it.
 */
export interface PairedBaseline {
  /** The baseline's name (as its own row prints it). */
  readonly name: string;
  /** Median baseline throughput over its runs in this process. */
  readonly opsPerSec: number;
  /** Median over the runs of (the case's throughput / the throughput of the baseline run just before it). */
  readonly ratio: number;
}

/** The baseline {@link measure} alternates with the case (see {@link PairedBaseline}). */
export interface BaselineRun {
  readonly name: string;
  /** Operations per call of `run`. */
  readonly ops: number;
  readonly run: () => unknown;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Timed runs after warm-up; the median is reported. Default 5. */
  readonly runs?: number;
  /** Untimed warm-up runs first (lets the JIT settle). Default 2. */
  readonly warmup?: number;
  /**
   * A baseline to time before each run, in this process (see {@link PairedBaseline}); it is
   * warmed up too, and each of its timings repeats it for at least {@link MIN_BASELINE_MS}.
   */
  readonly baseline?: BaselineRun;
}

/** Shortest timing of a paired baseline, in milliseconds (a fast loop is repeated to fill it). */
export const MIN_BASELINE_MS = 5;

/**
 * Times `run`, which performs `ops` operations per call, and returns the median rate.
 * `run` may return a value; it is folded into a sink so the work is not optimised away.
 */
export function measure(name: string, ops: number, run: () => unknown, options: MeasureOptions = {}): Measurement {
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 2;
  const base = options.baseline;
  let sink = 0;
  for (let i = 0; i < warmup; i++) {
    if (base) sink ^= Number(base.run()) | 0;
    sink ^= Number(run()) | 0;
  }
  const rates: number[] = [];
  const baseRates: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (base) {
      let reps = 0;
      const b0 = performance.now();
      let bt = 0;
      do {
        sink ^= Number(base.run()) | 0;
        reps++;
        bt = performance.now() - b0;
      } while (bt < MIN_BASELINE_MS);
      baseRates.push((reps * base.ops) / (bt / 1000));
    }
    const t0 = performance.now();
    sink ^= Number(run()) | 0;
    const dt = (performance.now() - t0) / 1000;
    rates.push(ops / Math.max(dt, 1e-9));
    if (base) ratios.push(rates[i]! / baseRates[i]!);
  }
  globalSink ^= sink;
  const m: Measurement = { name, ops, opsPerSec: median(rates), runs: rates };
  return base ? { ...m, paired: { name: base.name, opsPerSec: median(baseRates), ratio: median(ratios) } } : m;
}

/** The median of a non-empty list (of an even count, the upper of the two middle ones: no average). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Keeps measured results observable so the JIT cannot drop the work. */
export let globalSink = 0;
