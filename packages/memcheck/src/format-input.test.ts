import { describe, expect, it } from "vitest";
import { MemcheckError } from "./errors.js";
import { formatLeakSummary } from "./leaks.js";
import { formatReport, type MemReport } from "./report.js";

/** The MemcheckError `fn` throws (fails the test if it returns). */
function memcheckErrorOf(fn: () => unknown): MemcheckError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MemcheckError);
    return e as MemcheckError;
  }
  throw new Error("returned");
}

describe("the formatters refuse what is not a report or a leak summary", () => {
  it.each([
    [null, "null"],
    [undefined, "undefined"],
    [{}, "an object"],
    [{ kind: "heap-overflow" }, "an object"],
    ["use-after-free", '"use-after-free"'],
  ])("formatReport(%j) is REPORT_INVALID, not a TypeError", (value, shown) => {
    const e = memcheckErrorOf(() => formatReport(value as unknown as MemReport));
    expect([e.code, e.message, e.context]).toEqual([
      "REPORT_INVALID",
      `REPORT_INVALID: formatReport takes a checker report (MemReport), got ${shown}`,
      { value: shown },
    ]);
  });

  it.each([
    [null, "null"],
    [[], "an array"],
    [{ definite: [] }, "an object"],
  ])("formatLeakSummary(%j) is REPORT_INVALID, not a TypeError", (value, shown) => {
    const e = memcheckErrorOf(() => formatLeakSummary(value as never));
    expect([e.code, e.message]).toEqual([
      "REPORT_INVALID",
      `REPORT_INVALID: formatLeakSummary takes a leak summary (checkLeaks()), got ${shown}`,
    ]);
  });
});
