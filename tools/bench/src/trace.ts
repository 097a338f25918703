/**
 * The standard allocator trace (defined in docs/benchmarks.md): mulberry32 seeded 0xC0FFEE,
 * 1,000,000 operations, a random walk around 2,000 live blocks, truncated-Pareto sizes in [8, 512].
 */
import { mulberry32 } from "@rtos-sim/prng";

/** One operation of the trace: allocate `size` bytes (slot = index of the new live block), or free a live slot. */
export interface TraceOps {
  /** 1 = allocate, 0 = free, per operation. */
  readonly kind: Uint8Array;
  /** Allocation size for allocations; index into the live list for frees. */
  readonly arg: Uint32Array;
  readonly allocations: number;
  readonly frees: number;
  readonly peakLive: number;
  readonly peakLiveBytes: number;
  readonly meanSize: number;
  readonly liveAtEnd: number;
}

/** Default seed of the standard trace. */
export const STANDARD_SEED = 0xc0ffee;

/**
 * Generates the standard trace. The free argument is the index into the live list; the replayer
 * keeps the live list and removes by swapping with the last, exactly as the generator does.
 */
export function standardTrace(operations = 1_000_000, seed = STANDARD_SEED, target = 2000): TraceOps {
  const rnd = mulberry32(seed);
  const kind = new Uint8Array(operations);
  const arg = new Uint32Array(operations);
  const a = 0.5;
  const lo = 8 ** -a;
  const hi = 512 ** -a;
  const liveSizes: number[] = [];
  let liveBytes = 0;
  let peakLive = 0;
  let peakLiveBytes = 0;
  let allocations = 0;
  let frees = 0;
  let sizeSum = 0;
  for (let i = 0; i < operations; i++) {
    const live = liveSizes.length;
    const p = live === 0 ? 1 : 0.5 + (0.5 * (target - live)) / target;
    const u = rnd();
    if (u < p) {
      let size = Math.floor((lo - rnd() * (lo - hi)) ** (-1 / a));
      if (size < 8) size = 8;
      if (size > 512) size = 512;
      kind[i] = 1;
      arg[i] = size;
      liveSizes.push(size);
      liveBytes += size;
      allocations++;
      sizeSum += size;
      if (liveSizes.length > peakLive) peakLive = liveSizes.length;
      if (liveBytes > peakLiveBytes) peakLiveBytes = liveBytes;
    } else {
      const idx = Math.floor(rnd() * live);
      kind[i] = 0;
      arg[i] = idx;
      liveBytes -= liveSizes[idx] ?? 0;
      liveSizes[idx] = liveSizes[live - 1] ?? 0;
      liveSizes.pop();
      frees++;
    }
  }
  return {
    kind,
    arg,
    allocations,
    frees,
    peakLive,
    peakLiveBytes,
    meanSize: sizeSum / Math.max(allocations, 1),
    liveAtEnd: liveSizes.length,
  };
}

/**
 * Replays a trace against malloc/free callbacks and returns the high-water mark callback's
 * view (the caller tracks addresses). `malloc` returns an address (or a negative/null value on
 * failure, which throws); `free` releases one.
 */
export function replay(
  trace: TraceOps,
  malloc: (size: number) => number,
  free: (addr: number) => void,
): { live: number[] } {
  const live: number[] = [];
  const { kind, arg } = trace;
  for (let i = 0; i < kind.length; i++) {
    if (kind[i] === 1) {
      const p = malloc(arg[i] as number);
      if (p <= 0) throw new Error(`allocation ${i} of ${arg[i]} bytes failed`);
      live.push(p);
    } else {
      const idx = arg[i] as number;
      const p = live[idx] as number;
      live[idx] = live[live.length - 1] as number;
      live.pop();
      free(p);
    }
  }
  return { live };
}
