import { describe, expect, it } from "vitest";
import { validateTrace } from "./trace-format.js";

describe("validateTrace (the test's own validator)", () => {
  it("accepts a minimal valid file", () => {
    expect(
      validateTrace({
        traceEvents: [
          { name: "thread_name", ph: "M", ts: 0, pid: 1, tid: 1, args: { name: "sensor" } },
          { name: "sensor", ph: "X", ts: 10, dur: 0, pid: 1, tid: 1 },
          { name: "fault", ph: "i", s: "t", ts: 12, pid: 1, tid: 1 },
          { name: "memory", ph: "C", ts: 12, pid: 1, tid: 0, args: { kernel: 4096 } },
        ],
      }),
    ).toEqual([]);
  });

  it("names every problem", () => {
    expect(validateTrace([])).toEqual(["the file is not one JSON object"]);
    expect(validateTrace({ events: [] })).toEqual(["traceEvents is not an array"]);
    expect(
      validateTrace({
        traceEvents: [
          { name: 1, ph: "Z", ts: -1, pid: 1.5, tid: "a" },
          { name: "x", ph: "X", ts: 0, pid: 1, tid: 1, dur: -2 },
          { name: "c", ph: "C", ts: 0, pid: 1, tid: 0, args: { v: "7" } },
          { name: "m", ph: "M", ts: 0, pid: 1, tid: 0, args: {} },
          { name: "i", ph: "i", s: "q", ts: 0, pid: 1, tid: 0 },
        ],
      }),
    ).toEqual([
      "traceEvents[0].name is not a string",
      'traceEvents[0].ph "Z" is not a phase',
      "traceEvents[0].ts is not a time >= 0",
      "traceEvents[0].pid is not an integer",
      "traceEvents[0].tid is not an integer",
      "traceEvents[1]: an X event needs dur >= 0",
      "traceEvents[2].args.v is not a number",
      "traceEvents[3]: an M event needs args.name or args.sort_index",
      "traceEvents[4].s must be g, p or t",
    ]);
  });
});
