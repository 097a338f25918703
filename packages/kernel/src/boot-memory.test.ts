import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { KernelError } from "./errors.js";

/** The error `bootKernel` throws for these options (fails the test if it boots). */
function bootError(options: Partial<Parameters<typeof bootKernel>[0]>): KernelError {
  try {
    bootKernel({ board: STM32F407, ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(KernelError);
    return e as KernelError;
  }
  throw new Error("booted");
}

describe("boot memory: the region manager's refusals name the kernel option", () => {
  it("a page order out of the region manager's range is BAD_CONFIG naming pageOrder", () => {
    const e = bootError({ pageOrder: 4 });
    expect(e.code).toBe("BAD_CONFIG");
    expect(e.message).toBe("BAD_CONFIG: pageOrder 4 (BAD_PAGE_ORDER): PAGE_ORDER must be an integer in 5..16, got 4");
    expect(e.context).toMatchObject({ field: "pageOrder", value: 4, regionError: "BAD_PAGE_ORDER" });
  });

  it("pages so large a RAM region holds fewer than two is BAD_CONFIG naming pageOrder and the region", () => {
    // SRAM2 is 16 KiB: one page of 16 KiB.
    const e = bootError({ pageOrder: 14 });
    expect(e.message).toBe('BAD_CONFIG: pageOrder 14 (REGION_TOO_SMALL): region "SRAM2" has 1 whole pages of 16384 B');
    expect(e.context).toEqual({
      field: "pageOrder",
      value: 14,
      regionError: "REGION_TOO_SMALL",
      region: "SRAM2",
      pages: 1,
      pageSize: 16384,
    });
  });

  it("an image larger than the main RAM is BAD_CONFIG naming imageSize, before any page is laid out", () => {
    const e = bootError({ imageSize: 1 << 30 });
    expect(e.message).toBe(
      "BAD_CONFIG: imageSize 1073741824 is larger than SRAM1 (114688 bytes), the RAM the image occupies",
    );
    expect(e.context).toEqual({ field: "imageSize", value: 1 << 30, region: "SRAM1", regionSize: 114688 });
  });

  it("an image that leaves its region no page to allocate is BAD_CONFIG naming imageSize", () => {
    const e = bootError({ imageSize: 112 * 1024 - 64 });
    expect(e.message).toBe(
      'BAD_CONFIG: imageSize 114624 (REGION_TOO_SMALL): region "SRAM1": 112 pages (112 reserved) cannot hold 1 metadata pages and one page to allocate',
    );
    expect(e.context).toMatchObject({ field: "imageSize", value: 114624, region: "SRAM1", reservedPages: 112 });
  });

  it.each([
    [0, 0],
    [-1, -1],
    [1.5, 1.5],
    ["8192", "8192"],
  ])("imageSize %j is BAD_CONFIG before anything is built", (imageSize, value) => {
    const e = bootError({ imageSize: imageSize as number });
    expect(e.message).toBe("BAD_CONFIG: imageSize must be an integer >= 1 (bytes)");
    expect(e.context).toEqual({ field: "imageSize", value });
  });

  it("a kernel block larger than any region is OUT_OF_MEMORY, as one that does not fit now", () => {
    const e = bootError({ kernelHeapSize: 1 << 20 });
    expect(e.code).toBe("OUT_OF_MEMORY");
    expect(e.context).toEqual({ order: 10, bytes: 1 << 20, region: "SRAM1", imageSize: 8192 });
  });

  it("an image that leaves room boots, the kernel block after it", () => {
    expect(bootKernel({ board: STM32F407, imageSize: 100 * 1024 }).kernelBlock).toEqual({
      base: 0x2001a000,
      size: 8192,
      order: 3,
    });
  });
});
