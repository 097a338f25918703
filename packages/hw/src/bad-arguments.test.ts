import { describe, expect, it } from "vitest";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { STM32U585 } from "./board/builtin/stm32u585.js";
import { findBoard } from "./board/builtin/table.js";
import { isBoard } from "./board/is-board.js";
import { parseLinkerMemory } from "./board/linker-script.js";
import { subtractRanges } from "./board/ranges.js";
import { HwError } from "./errors.js";
import { createMachine } from "./machine.js";
import { isMemoryPort } from "./memory/port.js";
import { encodeRegion } from "./mpu/config.js";
import { createMpuDriver } from "./mpu-driver/create.js";

/** The code of the HwError `fn` throws (fails the test for anything else, a TypeError included). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HwError);
    return (e as HwError).code;
  }
  throw new Error("no error thrown");
}

describe("null and wrong-type arguments are typed errors, not TypeErrors", () => {
  it("boards and linker scripts", () => {
    expect(codeOf(() => findBoard(42 as never))).toBe("BAD_ARGUMENT");
    expect(findBoard("no-such-board")).toBeUndefined();
    expect(codeOf(() => createMachine(null as never))).toBe("BOARD_INVALID");
    expect(codeOf(() => createMachine({} as never))).toBe("BOARD_INVALID");
    expect(codeOf(() => parseLinkerMemory(null as never))).toBe("LINKER_SCRIPT");
  });

  it("PMSAv7 settings and register words: the MPU's registers unchanged", () => {
    const m = createMachine(STM32F407);
    m.mpu.setRegion(1, { base: 0x20000000, size: 0x1000, access: "rw" });
    const before = m.mpu.regions();
    expect(codeOf(() => m.mpu.setRegion(1, null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.mpu.setControl(null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.mpu.loadPairs(null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.mpu.loadPairs(7 as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => encodeRegion(0, 8, undefined as never))).toBe("BAD_ARGUMENT");
    expect(m.mpu.regions()).toEqual(before);
    expect(m.mpu.enabled).toBe(false);
  });

  it("PMSAv8 settings and register words", () => {
    const m = createMachine(STM32U585);
    const before = m.mpu.regions();
    expect(codeOf(() => m.mpu.setRegion(0, null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.mpu.setControl(undefined as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.mpu.loadRegions(0, null as never))).toBe("BAD_ARGUMENT");
    expect(m.mpu.regions()).toEqual(before);
  });

  it("the core's mode and block data: a typo or a missing array changes nothing", () => {
    const m = createMachine(STM32F407);
    m.core.mode = "thread";
    m.core.controlNPriv = true;
    expect(
      codeOf(() => {
        m.core.mode = "Handler" as never;
      }),
    ).toBe("BAD_ARGUMENT");
    expect(m.core.mode).toBe("thread");
    expect(m.core.privileged).toBe(false);
    m.core.controlNPriv = false;
    m.core.write32(0x20000000, 0x11223344);
    // `new Uint8Array(4)` would be four zero bytes, `new Uint8Array(null)` none: neither is data.
    expect(codeOf(() => m.core.writeBytes(0x20000000, 4 as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.core.writeBytes(0x20000000, null as never))).toBe("BAD_ARGUMENT");
    expect(m.core.read32(0x20000000)).toBe(0x11223344);
    m.core.writeBytes(0x20000000, new Uint8Array([1, 2]));
    expect(m.core.read32(0x20000000)).toBe(0x11220201);
  });

  it("the MPU driver, subtractRanges and bus.load: null or the wrong shape is BAD_ARGUMENT, nothing loaded", () => {
    const m = createMachine(STM32F407);
    expect(codeOf(() => createMpuDriver(null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => createMpuDriver({} as never))).toBe("BAD_ARGUMENT");
    const driver = createMpuDriver(m);
    expect(codeOf(() => driver.newConfig(null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => driver.newConfig({} as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => driver.newConfig({ who: "t", kernel: [], task: null } as never))).toBe("BAD_ARGUMENT");
    expect(driver.loads).toBe(0);
    expect(codeOf(() => subtractRanges(null as never, []))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => subtractRanges([], null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.bus.load(0x20000000, null as never))).toBe("BAD_ARGUMENT");
    expect(codeOf(() => m.bus.load(0x20000000, [1, 2] as never))).toBe("BAD_ARGUMENT");
    expect([...m.bus.peek(0x20000000, 2)]).toEqual([0, 0]);
  });

  it("bus.peek of a non-integer address or length is ADDRESS_RANGE", () => {
    const m = createMachine(STM32F407);
    expect(codeOf(() => m.bus.peek(undefined as never, 4))).toBe("ADDRESS_RANGE");
    expect(codeOf(() => m.bus.peek(0x20000000, Number.NaN))).toBe("ADDRESS_RANGE");
    expect([...m.bus.peek(0x20000000, 2)]).toEqual([0, 0]);
  });

  it("isBoard and isMemoryPort: the shape checks of what takes a board or a memory port", () => {
    const m = createMachine(STM32F407);
    expect([isBoard(STM32F407), isBoard({}), isBoard(null), isBoard({ memory: [] })]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([isMemoryPort(m.core), isMemoryPort({}), isMemoryPort(5)]).toEqual([true, false, false]);
    expect(isMemoryPort({ read32: () => 0, write32: () => {} })).toBe(false);
  });
});
