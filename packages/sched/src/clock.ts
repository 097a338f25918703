import { SchedError } from "./errors.js";

/** A relative time: a number of SysTick ticks, or milliseconds (rounded up to whole ticks). */
export type Duration =
  | {
      /** Whole ticks (a non-negative integer, else `DURATION`). */
      readonly ticks: number;
    }
  | {
      /** Milliseconds (non-negative, fractions allowed), rounded up to whole ticks. */
      readonly ms: number;
    };

/** An absolute simulated time: in core cycles, SysTick ticks or milliseconds since the start. */
export type Instant =
  | {
      /** Core cycles since the start (a non-negative integer, else `DURATION`). */
      readonly cycles: number;
    }
  | {
      /** SysTick ticks since the start (a non-negative integer): the tick's first cycle. */
      readonly ticks: number;
    }
  | {
      /** Milliseconds since the start (non-negative), rounded up to a whole cycle. */
      readonly ms: number;
    };

/** Simulated time in its three units. */
export interface Now {
  /** Core cycles since the start (the clock of record). */
  readonly cycles: number;
  /** Whole SysTick ticks elapsed: `floor(cycles / cyclesPerTick)`. */
  readonly ticks: number;
  /** Milliseconds: `cycles * 1000 / clockHz` (not rounded). */
  readonly ms: number;
}

/** `x` rounded up, unless it is within 1e-9 of an integer (so 0.7 ms * 10 kHz is 7 ticks, not 8). */
function ceilExact(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 ? r : Math.ceil(x);
}

function nonNegative(value: unknown, integer: boolean, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new SchedError("DURATION", `${field} must be a ${integer ? "non-negative integer" : "non-negative number"}`, {
      field,
      value,
    });
  }
  return value;
}

/**
 * The simulated clock: core cycles at the board's clock rate, and the SysTick that divides them
 * into ticks. Tick `n` begins at cycle `n * cyclesPerTick`; sleeps and timeouts end on a tick.
 *
 * @example
 * ```ts
 * import { SimClock } from "@rtos-sim/sched";
 * const clock = new SimClock(168_000_000, 1000); // 168 000 cycles per tick
 * console.log(clock.ticksFor({ ms: 2.5 })); // 3
 * // rounded up to whole ticks
 * console.log(clock.cyclesAt({ ms: 1 })); // 168000
 * ```
 */
export class SimClock {
  /** Core clock in Hz (the board's `clockHz`). */
  readonly clockHz: number;
  /** SysTick rate in ticks per second. */
  readonly tickHz: number;
  /** Core cycles per tick (`clockHz / tickHz`, an integer: SysTick's reload value + 1). */
  readonly cyclesPerTick: number;
  /** Core cycles since the start. Only the scheduler advances it. */
  cycles = 0;

  /** Throws `SCHED_OPTION` unless `clockHz / tickHz` is an integer in 1..2^24 (SysTick is 24-bit). */
  constructor(clockHz: number, tickHz: number) {
    const cpt = clockHz / tickHz;
    if (!Number.isInteger(clockHz) || clockHz <= 0 || !Number.isFinite(tickHz) || tickHz <= 0) {
      throw new SchedError("SCHED_OPTION", "clockHz and tickHz must be positive", {
        option: "tickHz",
        clockHz,
        tickHz,
      });
    }
    if (!Number.isInteger(cpt) || cpt < 1 || cpt > 0x1000000) {
      throw new SchedError(
        "SCHED_OPTION",
        `clockHz / tickHz must be an integer number of cycles in 1..2^24, got ${clockHz} / ${tickHz} = ${cpt}`,
        {
          option: "tickHz",
          clockHz,
          tickHz,
          cyclesPerTick: cpt,
        },
      );
    }
    this.clockHz = clockHz;
    this.tickHz = tickHz;
    this.cyclesPerTick = cpt;
  }

  /** Whole ticks elapsed. */
  get ticks(): number {
    return Math.floor(this.cycles / this.cyclesPerTick);
  }

  /** Milliseconds elapsed (not rounded). */
  get ms(): number {
    return (this.cycles * 1000) / this.clockHz;
  }

  /** The time in cycles, ticks and ms. */
  now(): Now {
    return { cycles: this.cycles, ticks: this.ticks, ms: this.ms };
  }

  /**
   * A duration in whole ticks (ms rounded up). Throws `DURATION` for a bad value, and for one that
   * would end past the last cycle the clock counts exactly (2^53 - 1, about 1.7 years at 168 MHz):
   * a timer set there could never be told apart from its neighbours.
   */
  ticksFor(d: Duration): number {
    let field: "ticks" | "ms";
    let value: number;
    let ticks: number;
    if (d !== null && typeof d === "object" && "ticks" in d) {
      field = "ticks";
      value = nonNegative(d.ticks, true, "ticks");
      ticks = value;
    } else if (d !== null && typeof d === "object" && "ms" in d) {
      field = "ms";
      value = nonNegative(d.ms, false, "ms");
      ticks = ceilExact((value * this.tickHz) / 1000);
    } else throw new SchedError("DURATION", "a duration is { ticks } or { ms }", { value: d });
    if ((this.ticks + ticks) * this.cyclesPerTick > Number.MAX_SAFE_INTEGER) {
      throw new SchedError("DURATION", `${field} ends past the last cycle the clock counts (2^53 - 1)`, {
        field,
        value,
        maxTicks: Math.floor(Number.MAX_SAFE_INTEGER / this.cyclesPerTick) - this.ticks,
      });
    }
    return ticks;
  }

  /** An instant in cycles (ms rounded up to a whole cycle). Throws `DURATION` for a bad value. */
  cyclesAt(t: Instant): number {
    if (t !== null && typeof t === "object") {
      if ("cycles" in t) return nonNegative(t.cycles, true, "cycles");
      if ("ticks" in t) return nonNegative(t.ticks, true, "ticks") * this.cyclesPerTick;
      if ("ms" in t) return ceilExact((nonNegative(t.ms, false, "ms") * this.clockHz) / 1000);
    }
    throw new SchedError("DURATION", "an instant is { cycles }, { ticks } or { ms }", { value: t });
  }
}

/**
 * Whole microseconds in `cycles` of a `clockHz` clock: exactly `floor(cycles x 10^6 / clockHz)`
 * for cycles below 2^53 (`ms x 1000` is a float, which fell a microsecond short at about 1 % of
 * the exact boundaries: 1000 at 168,168 cycles of 168 MHz).
 *
 * @example
 * ```ts
 * import { wholeMicros } from "@rtos-sim/sched";
 * console.log(wholeMicros(168_168, 168_000_000)); // 1001
 * ```
 */
export function wholeMicros(cycles: number, clockHz: number): number {
  let s = Math.floor(cycles / clockHz);
  if (s * clockHz > cycles) s--;
  const r = cycles - s * clockHz; // < clockHz: r x 10^6 is below 2^53 for any clock under 9 GHz
  let us = Math.floor((r * 1e6) / clockHz);
  if (us * clockHz > r * 1e6) us--;
  return s * 1e6 + us;
}
