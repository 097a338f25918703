import type { CounterSample, RecordingInfo } from "./result.js";

/**
 * How many entries a run keeps of each list it records (run slices, events, UART lines,
 * faults, checker reports) and of each counter series, unless the recorder is given another
 * limit. A 1-second `flight` run records about 1,300 slices and 1,800 events, so the limit is
 * reached after about 110 s of it; an hour of `flight` (4.5 million slices and 6.4 million events)
 * then keeps 200,000 of each and writes a 138 MB `--json` document, with a peak of 1.3 GB of
 * memory while writing it (an 18-minute run held 3.3 GB without the limit).
 */
export const RECORD_LIMIT = 200_000;

/**
 * How many faults a run keeps (of {@link RECORD_LIMIT}, when the recorder's limit is not
 * smaller). A fault is the heaviest entry: decoded, with the task's MPU regions, about 5 KB of
 * `--json` and 1.5 KB of summary. A task restarted at every fault makes one every millisecond, or
 * several million a simulated second when it faults as it starts again; 200,000 of them made a
 * JSON document past the longest string V8 builds (about 100,000 faults), so the run ended in an
 * internal error after running in full. 10,000 make a 52 MB document.
 */
export const FAULT_RECORD_LIMIT = 10_000;

/** A sample the series owns (its values merged in place). */
interface Sample {
  readonly t: number;
  readonly values: Record<string, number>;
}

/**
 * A counter series that stays within a limit by halving its resolution: when it reaches the
 * limit, each pair of neighbouring samples becomes one (at the first one's time, with the larger
 * of each value: a peak of memory use or response time survives), and from then on every two
 * incoming samples make one; at the limit again, every four; and so on. The series still spans
 * the whole run. Deterministic: the result depends only on the samples and the limit.
 *
 * @example
 * ```ts
 * import { SampleSeries } from "@rtos-sim/apps";
 * const s = new SampleSeries(4);
 * for (let t = 0; t < 6; t++) s.add(t, { heap: t * 10 });
 * console.log(JSON.stringify(s.samples())); // [{"t":0,"values":{"heap":10}},{"t":2,"values":{"heap":30}},{"t":4,"values":{"heap":50}}]
 * console.log(s.merged); // 3
 * // six samples recorded as three
 * ```
 */
export class SampleSeries {
  private readonly kept: Sample[] = [];
  /** Incoming samples per kept one (1, 2, 4...). */
  private stride = 1;
  /** The sample being merged from incoming ones while `stride` > 1, and how many it holds. */
  private pending: Sample | null = null;
  private pendingCount = 0;
  /** Samples added. */
  private added = 0;

  /** `limit`: the most samples the series keeps (an even number of 2 or more). */
  constructor(private readonly limit: number) {}

  /** Adds a sample (its values are copied). */
  add(t: number, values: Readonly<Record<string, number>>): void {
    this.added++;
    if (this.stride === 1) {
      this.push({ t, values: { ...values } });
      return;
    }
    if (this.pending === null) this.pending = { t, values: { ...values } };
    else mergeInto(this.pending.values, values);
    if (++this.pendingCount === this.stride) {
      const p = this.pending;
      this.pending = null;
      this.pendingCount = 0;
      this.push(p);
    }
  }

  /** How many samples were merged into others (added minus kept, a partial merge included). */
  get merged(): number {
    return this.added - this.kept.length - (this.pending === null ? 0 : 1);
  }

  /** The samples in time order, with a partial merge of the last incoming samples at the end. */
  samples(): CounterSample[] {
    return this.pending === null
      ? this.kept
      : [...this.kept, { t: this.pending.t, values: { ...this.pending.values } }];
  }

  private push(sample: Sample): void {
    const kept = this.kept;
    kept.push(sample);
    if (kept.length < this.limit) return;
    // Halve: samples 2i and 2i+1 become sample i.
    let n = 0;
    for (let i = 0; i < kept.length; i += 2) {
      const a = kept[i]!;
      const b = kept[i + 1];
      if (b !== undefined) mergeInto(a.values, b.values);
      kept[n++] = a;
    }
    kept.length = n;
    this.stride *= 2;
  }
}

/** Merges `from` into `into`: the larger of each value, keys of both. */
function mergeInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const k of Object.keys(from)) {
    const v = from[k]!;
    const old = into[k];
    if (old === undefined || v > old) into[k] = v;
  }
}

/**
 * What a run that reached its recording limit did not keep, as one sentence for the summary, the
 * HTML report and the trace.
 *
 * @example
 * ```ts
 * import { recordingSummary } from "@rtos-sim/apps";
 * console.log(recordingSummary({ limit: 200000, faultLimit: 10000, dropped: { slices: 12, events: 0, uart: 0, faults: 0, reports: 0 }, samplesMerged: 0 }));
 * // the run kept the first 200,000 run slices (12 more not kept); the task table, the CPU load and the verdict cover the whole run
 * ```
 */
export function recordingSummary(info: RecordingInfo): string {
  const d = info.dropped;
  const n = (x: number) => x.toLocaleString("en-US");
  const lists = (
    [
      ["run slices", d.slices],
      ["events", d.events],
      ["UART lines", d.uart],
      ["checker reports", d.reports],
    ] as const
  )
    .filter(([, dropped]) => dropped > 0)
    .map(([name, dropped]) => `${name} (${n(dropped)} more not kept)`);
  const kept: string[] = [];
  if (lists.length > 0) kept.push(`${n(info.limit)} ${lists.join(", ")}`);
  if (d.faults > 0) kept.push(`${n(info.faultLimit)} faults (${n(d.faults)} more not kept)`);
  const parts: string[] = [];
  if (kept.length > 0) parts.push(`the run kept the first ${kept.join(" and the first ")}`);
  if (info.samplesMerged > 0)
    parts.push(
      `counter samples were merged in pairs (the larger value kept) to stay within ${n(info.limit)} per series`,
    );
  return `${parts.join("; ")}; the task table, the CPU load and the verdict cover the whole run`;
}
