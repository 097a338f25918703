import { describe, expect, it } from "vitest";
import { SimClock, wholeMicros } from "./clock.js";
import { SchedError } from "./errors.js";

describe("SimClock", () => {
  it("divides the board clock into ticks and converts ms, rounding up to whole ticks", () => {
    const c = new SimClock(168_000_000, 1000);
    expect(c.cyclesPerTick).toBe(168_000);
    expect(c.ticksFor({ ticks: 7 })).toBe(7);
    expect(c.ticksFor({ ms: 2.5 })).toBe(3);
    expect(c.ticksFor({ ms: 0 })).toBe(0);
    expect(new SimClock(16_000_000, 10_000).ticksFor({ ms: 0.7 })).toBe(7);
    expect(c.cyclesAt({ ms: 1 })).toBe(168_000);
    expect(c.cyclesAt({ ticks: 3 })).toBe(504_000);
    expect(c.cyclesAt({ cycles: 5 })).toBe(5);
    c.cycles = 168_000 * 4 + 167_999;
    expect(c.now()).toEqual({ cycles: 839_999, ticks: 4, ms: 839_999 / 168_000 });
  });

  it("counts whole microseconds exactly, where ms x 1000 falls short at about 1 % of the boundaries", () => {
    const hz = 168_000_000;
    for (const [cycles, us] of [
      [168_167, 1000],
      [168_168, 1001],
      [336_336, 2002],
      [168_000_000 * 100 + 168, 100_000_001],
      [2 ** 52, 26_807_140_639_110], // 26,807,140 s and 107,370,496 cycles
    ] as const) {
      expect(wholeMicros(cycles, hz), `${cycles} cycles`).toBe(us);
    }
    // Every microsecond of the first second, at its boundary and a cycle before.
    let off = 0;
    for (let us = 1; us <= 1_000_000; us++) {
      if (wholeMicros(168 * us, hz) !== us) off++;
      if (wholeMicros(168 * us - 1, hz) !== us - 1) off++;
    }
    expect(off).toBe(0);
    expect(wholeMicros(25_025, 25_000_000)).toBe(1001);
  });

  it("rejects a tick rate SysTick cannot make and bad durations", () => {
    const err = (f: () => unknown): [string, unknown] => {
      try {
        f();
      } catch (e) {
        return e instanceof SchedError ? [e.code, e.context] : ["other", e];
      }
      return ["no error", null];
    };
    expect(err(() => new SimClock(168_000_000, 7))).toEqual([
      "SCHED_OPTION",
      { option: "tickHz", clockHz: 168_000_000, tickHz: 7, cyclesPerTick: 24_000_000 },
    ]);
    expect(err(() => new SimClock(16_000_000, 3))[0]).toBe("SCHED_OPTION");
    expect(() => new SimClock(25_000_000, 7)).toThrow(
      "clockHz / tickHz must be an integer number of cycles in 1..2^24, got 25000000 / 7 = 3571428.5714285714",
    );
    expect(err(() => new SimClock(16_000_000, 0))[0]).toBe("SCHED_OPTION");
    const c = new SimClock(16_000_000, 1000);
    expect(err(() => c.ticksFor({ ticks: 1.5 }))).toEqual(["DURATION", { field: "ticks", value: 1.5 }]);
    expect(err(() => c.ticksFor({ ms: -1 }))).toEqual(["DURATION", { field: "ms", value: -1 }]);
    expect(err(() => c.cyclesAt({ ms: Number.NaN }))[0]).toBe("DURATION");
    expect(err(() => c.ticksFor({} as never))[0]).toBe("DURATION");
    // 2^53 - 1 cycles is the last the clock counts exactly: 562,949,953,421 ticks of 16,000 cycles.
    expect(c.ticksFor({ ticks: 562_949_953_421 })).toBe(562_949_953_421);
    expect(err(() => c.ticksFor({ ticks: 562_949_953_422 }))).toEqual([
      "DURATION",
      { field: "ticks", value: 562_949_953_422, maxTicks: 562_949_953_421 },
    ]);
    expect(err(() => c.ticksFor({ ms: 1e300 }))).toEqual([
      "DURATION",
      { field: "ms", value: 1e300, maxTicks: 562_949_953_421 },
    ]);
    c.cycles = 16_000 * 1000; // at tick 1000 the longest sleep is 1000 ticks shorter
    expect(err(() => c.ticksFor({ ticks: 562_949_952_422 }))[1]).toEqual({
      field: "ticks",
      value: 562_949_952_422,
      maxTicks: 562_949_952_421,
    });
  });
});
