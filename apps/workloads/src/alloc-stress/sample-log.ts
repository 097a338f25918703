/**
 * A time-ordered list of samples that stays within `limit` entries however long a run is: when
 * it would pass the limit, every other entry goes, and from then on only every second incoming
 * sample is kept; at the limit again, every fourth; and so on. The kept samples stay evenly
 * spaced (every `stride`-th sample from the first) and span the whole run. Unlike the recorder's
 * `SampleSeries`, entries are dropped, not merged: a sample (a page map, a heap's shape) cannot
 * be averaged. Deterministic: what it keeps depends only on the number of samples and the limit.
 *
 * @example
 * ```ts
 * import { SampleLog } from "@rtos-sim/apps";
 * const log = new SampleLog<number>(4);
 * for (let i = 0; i < 10; i++) log.add(i);
 * console.log(log.kept); // [ 0, 4, 8 ]
 * // every 4th sample since the list reached 4 entries twice
 * console.log(log.latest); // 9
 * ```
 */
export class SampleLog<T> {
  /** The samples kept, in time order (every {@link SampleLog.stride}-th sample from the first). */
  readonly kept: T[] = [];
  /** The last sample added, kept or not (undefined before the first). */
  latest: T | undefined = undefined;
  /** Samples added so far. */
  count = 0;
  /** The spacing of the kept samples, in samples (1 until the list first reached its limit). */
  stride = 1;

  /** The most samples kept (an even number of 2 or more). */
  readonly limit: number;

  /** `limit`: the most samples kept (an even number of 2 or more). */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 2 || limit % 2 !== 0) {
      throw new RangeError(`SampleLog: limit must be an even integer of 2 or more, got ${String(limit)}`);
    }
    this.limit = limit;
  }

  /** Adds the next sample. */
  add(sample: T): void {
    this.latest = sample;
    if (this.count % this.stride === 0) {
      if (this.kept.length === this.limit) {
        // kept[i] is sample i * stride: keep the even i, which are the multiples of the new stride.
        let n = 0;
        for (let i = 0; i < this.kept.length; i += 2) this.kept[n++] = this.kept[i]!;
        this.kept.length = n;
        this.stride *= 2;
      }
      if (this.count % this.stride === 0) this.kept.push(sample);
    }
    this.count++;
  }
}
