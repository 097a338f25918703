import { describe, expect, it } from "vitest";
import { formatAction, formatBytes, formatHz, formatShare, formatTime, hex32, plural } from "./format.js";

describe("formatting", () => {
  it("hex32 pads to 8 upper-case digits, unsigned", () => {
    expect(hex32(0x2001c000)).toBe("0x2001C000");
    expect(hex32(-1)).toBe("0xFFFFFFFF");
    expect(hex32(0)).toBe("0x00000000");
  });

  it("formatBytes uses the largest binary unit, with at most 2 decimals", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(528)).toBe("528 B");
    expect(formatBytes(112 * 1024)).toBe("112 KiB");
    expect(formatBytes(1024 * 1024)).toBe("1 MiB");
    expect(formatBytes(1536 * 1024)).toBe("1.5 MiB");
    expect(formatBytes(25_182_208)).toBe("24.02 MiB");
  });

  it("plural: the noun's plural unless the count is 1", () => {
    expect([plural(0, "line"), plural(1, "line"), plural(2, "line")]).toEqual(["0 lines", "1 line", "2 lines"]);
  });

  it("formatHz, formatTime, formatShare", () => {
    expect(formatHz(168_000_000)).toBe("168 MHz");
    expect(formatHz(32_768)).toBe("32.768 kHz");
    expect(formatTime(1_000_000)).toBe("1.000 s");
    expect(formatTime(12_500)).toBe("12.500 ms");
    expect(formatTime(3.25)).toBe("3.25 us");
    expect(formatShare(0.1234)).toBe("12.34%");
  });

  it("formatAction says a task policy's action of the task and a panic of the kernel", () => {
    expect(formatAction("stopped")).toBe("the task was stopped");
    expect(formatAction("restarted")).toBe("the task was restarted");
    expect(formatAction("panic")).toBe("kernel panic: the run ended");
    expect(formatAction("reset by the app")).toBe("reset by the app");
  });
});
