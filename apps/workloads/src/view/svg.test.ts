import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { RunRecorder } from "../run/recorder.js";
import { ColourMap } from "./colours.js";
import { counterSvg, niceTicks, timelineSvg } from "./svg.js";

describe("niceTicks", () => {
  it("steps of 1, 2 or 5 x 10^k from 0 to the end", () => {
    expect(niceTicks(2_000_004)).toEqual([0, 500_000, 1_000_000, 1_500_000, 2_000_000]);
    expect(niceTicks(1_000_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    expect(niceTicks(9.149)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(25_005)).toEqual([0, 5000, 10_000, 15_000, 20_000, 25_000]);
    expect(niceTicks(0)).toEqual([0]);
  });
});

/** A recorder of a 1 ms run on the STM32F407, with no task yet. */
function recorder(): RunRecorder {
  return new RunRecorder({
    app: { name: "x", summary: "x", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 1, memcheck: false },
  });
}

describe("timelineSvg and counterSvg", () => {
  const rec = recorder();
  const a = rec.addTask("a<b");
  rec.slice(a, 0, 100);
  rec.slice(a, 500, 1000);
  rec.counter("heap", "bytes", { "a<b": 8 }, 0);
  rec.counter("heap", "bytes", { "a<b": 16 }, 500);
  const result = rec.finish({ simulatedUs: 1000, cycles: 168_000, wallMs: 0, memcheckActive: false });

  it("one lane per task, slices merged per pixel column, names escaped", () => {
    const svg = timelineSvg(result, new ColourMap());
    expect(svg.match(/class="slice"/g)).toHaveLength(2);
    expect(svg).toContain('data-task="a&lt;b"');
    expect(svg).toContain('<rect x="110" y="30" width="96" height="18" fill="#4e79a7" class="slice"');
    expect(svg).toContain(">2 slices<");
    expect(svg).toContain('viewBox="0 0 1140 '); // a right margin of 70 for "2 slices"
  });

  it("widens its gutter for a long task name and cuts one past 32 characters, named whole in a tooltip", () => {
    const rec = recorder();
    const short = rec.addTask("imu");
    const long = rec.addTask("rogue-stack-overflow");
    const huge = rec.addTask("a-task-whose-name-goes-on-and-on-for-ever");
    rec.slice(short, 0, 500);
    rec.slice(long, 0, 500);
    rec.slice(huge, 0, 500);
    const svg = timelineSvg(
      rec.finish({ simulatedUs: 1000, cycles: 1, wallMs: 0, memcheckActive: false }),
      new ColourMap(),
    );
    // 32 characters of 6.5 units and 16 of margin: the gutter is 224, the plot starts there.
    expect(svg).toContain('viewBox="0 0 1254 ');
    expect(svg).toContain('<text x="216" y="45" class="lane-label" text-anchor="end">imu</text>');
    expect(svg).toContain(">rogue-stack-overflow</text>");
    expect(svg).toContain(
      "<title>a-task-whose-name-goes-on-and-on-for-ever</title>a-task-whose-name-goes-on-and-o…</text>",
    );
    expect(svg).toContain('<rect x="224" y="30" width="480" height="18" fill="#4e79a7" class="slice"');
  });

  it("a step line per value, in the value's colour", () => {
    const colours = new ColourMap();
    const svg = counterSvg(result.counters[0]!, result.simulatedUs, colours, 0);
    expect(svg).toContain('id="counter-0"');
    expect(svg).toContain(`stroke="${colours.of("a<b")}"`);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    // A step per sample: along at 8 B to 500 us (x 590), up to 16 B, along to the end (x 1070).
    expect(svg).toContain('points="110.0,80.0 590.0,80.0 590.0,10.0 1070.0,10.0"');
  });

  it("writes a fractional top of a plot to six significant digits", () => {
    const rec = recorder();
    rec.addTask("a");
    rec.counter("response time", "us", { a: 680.2440476190476 }, 0);
    rec.counter("response time", "us", { a: 12.5 }, 500);
    const r = rec.finish({ simulatedUs: 1000, cycles: 1, wallMs: 0, memcheckActive: false });
    const plot = counterSvg(r.counters[0]!, r.simulatedUs, new ColourMap(), 0);
    expect(plot).toContain('class="tick" text-anchor="end">680.244<');
    expect(plot).not.toContain("680.2440476");
  });

  it("draws a run that reached its recording limit (200,000 slices and samples: no argument spread)", () => {
    const long = recorder();
    const t = long.addTask("t");
    const u = long.addTask("u");
    for (let i = 0; i < 200_000; i++) {
      long.slice(i < 150_000 ? t : u, 10 * i, 10 * i + 5);
      long.counter("heap", "bytes", { t: i }, 10 * i);
    }
    const r = long.finish({ simulatedUs: 2_000_000, cycles: 0, wallMs: 0, memcheckActive: false });
    expect(r.slices).toHaveLength(200_000);
    const timeline = timelineSvg(r, new ColourMap());
    // Lane by lane: t ran in the first three quarters (columns 0-719), u in the last (720-959).
    expect(timeline.match(/>\d+ slices</g)).toEqual([">0 slices<", ">150000 slices<", ">50000 slices<"]); // kernel, t, u
    // The right margin fits "150000 slices" (13 characters of 6.2 units after a gap of 6): 87.
    expect(timeline).toContain('viewBox="0 0 1157 ');
    expect(timeline).toContain('<rect x="110" y="30" width="720" height="18"');
    expect(timeline).toContain('<rect x="830" y="56" width="240" height="18"');
    const plot = counterSvg(r.counters[0]!, r.simulatedUs, new ColourMap(), 0);
    expect(plot).toContain('class="tick" text-anchor="end">199999<');
    // 200,000 steps drawn as at most four points per half unit of x, from 0 (y 150) to 199,999 (y 10).
    const points = /points="([^"]*)"/.exec(plot)![1]!.split(" ");
    expect(points.length).toBeLessThanOrEqual(4 * 2 * 960 + 1);
    expect(points[0]).toBe("110.0,150.0");
    expect(points.at(-1)).toBe("1070.0,10.0");
  });
});
