import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CliError } from "./errors.js";
import { MAX_DURATION_MS, parseDuration, parseInteger, parseSeed } from "./values.js";

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof CliError ? `${e.code} ${e.exitCode}` : "other";
  }
  return "none";
}

describe("parseDuration", () => {
  it("reads seconds, milliseconds, minutes and bare milliseconds", () => {
    expect(parseDuration("2s")).toBe(2000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("10000")).toBe(10000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration(".5s")).toBe(500);
    expect(parseDuration(" 3s ")).toBe(3000);
    expect(parseDuration("60m")).toBe(MAX_DURATION_MS);
    // Microseconds, the unit of the run's timeline: 500us is half a millisecond.
    expect([parseDuration("500us"), parseDuration("1500us"), parseDuration("1us")]).toEqual([0.5, 1.5, 0.001]);
  });

  it("rejects anything else as a usage error (exit 2) naming the option", () => {
    for (const bad of ["", "s", "2x", "2 s", "-1s", "1e3", "2h", "1.5.2s", "0x10"]) {
      expect(
        codeOf(() => parseDuration(bad)),
        bad,
      ).toBe("USAGE_BAD_VALUE 2");
    }
    expect(() => parseDuration("2x")).toThrow(
      '--duration: "2x" is not a duration (use e.g. 2s, 500ms, 1.5s, 2m, 250us, or 10000 for milliseconds)',
    );
    expect(() => parseDuration("0ms")).toThrow("--duration: the duration must be greater than 0");
    expect(() => parseDuration("-5s")).toThrow('--duration: the duration must be greater than 0, got "-5s"');
    expect(() => parseDuration("-0")).toThrow("--duration: the duration must be greater than 0");
    expect(() => parseDuration("3600001")).toThrow("--duration: at most 1 hour");
  });

  it("n ms, n/1000 s and n written as a bare number agree", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_DURATION_MS }), (n) => {
        expect(parseDuration(`${n}ms`)).toBe(n);
        expect(parseDuration(String(n))).toBe(n);
        expect(parseDuration(`${n / 1000}s`)).toBeCloseTo(n, 6);
      }),
      { seed: 0x5eed1 },
    );
  });
});

describe("parseInteger and parseSeed", () => {
  it("reads decimal and hex within the range", () => {
    expect(parseSeed("0")).toBe(0);
    expect(parseSeed("0xC0FFEE")).toBe(0xc0ffee);
    expect(parseSeed("4294967295")).toBe(0xffffffff);
    expect(parseInteger("16", "--page-order", 5, 16, "map")).toBe(16);
  });

  it("rejects out-of-range and non-integers with the range in the message", () => {
    for (const bad of ["-1", "4294967296", "1.5", "abc", "", "0x"])
      expect(
        codeOf(() => parseSeed(bad)),
        bad,
      ).toBe("USAGE_BAD_VALUE 2");
    expect(() => parseInteger("4", "--page-order", 5, 16, "map")).toThrow(
      '--page-order: expected an integer from 5 to 16, got "4"',
    );
  });
});
