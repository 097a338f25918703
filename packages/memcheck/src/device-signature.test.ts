import { createMachine, Fault, STM32H743XI } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { MemoryChecker } from "./checker.js";
import { ANY, StateBit } from "./state.js";
import { SENSOR, setup } from "./test-setup.js";

// A board's initial contents of read-only memory (the STM32 device signature: UID and flash
// size) are read-only board memory like flash: addressable, initialized, never reported on a load.

describe("the device signature under the checker", () => {
  it("F407: a task and the kernel read the UID and the flash size; no report", () => {
    const f = setup();
    expect(f.checker.shadow.get(0x1fff7a10)).toBe(ANY | StateBit.I);
    expect(f.checker.shadow.get(0x1fff7a27)).toBe(ANY | StateBit.I);
    f.user(SENSOR);
    f.m.core.controlNPriv = true;
    expect([f.m.core.read32(0x1fff7a10), f.m.core.read32(0x1fff7a14), f.m.core.read32(0x1fff7a18)]).toEqual([
      0x00200041, 0x53494d01, 0x52544f53,
    ]);
    expect(f.m.core.read16(0x1fff7a22)).toBe(1024);
    expect(f.m.core.read32(0x1fff7a22)).toBe(1024); // LL_GetFlashSize's word load, the reserved half 0
    expect(Array.from(f.m.core.readBytes(0x1fff7a10, 24))).toHaveLength(24);
    f.kernel();
    f.m.core.controlNPriv = false;
    expect(f.m.core.read8(0x1fff7a1b)).toBe(0x52);
    expect(f.checker.reports).toEqual([]);
  });

  it("F407: a task's store is reported as write-to-readonly naming the region, then the bus faults", () => {
    const f = setup();
    f.user(SENSOR);
    expect(() => f.m.core.write32(0x1fff7a10, 0)).toThrow(Fault);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.region])).toEqual([
      ["write-to-readonly", 0x1fff7a10, "DeviceSignature"],
    ]);
    expect(f.m.bus.peek(0x1fff7a10, 1)[0]).toBe(0x41);
  });

  it("H743: the UID inside system memory reads clean too", () => {
    const m = createMachine(STM32H743XI);
    const checker = new MemoryChecker(m, { clock: () => 0, onError: "continue" }).attach();
    expect([m.core.read32(0x1ff1e800), m.core.read16(0x1ff1e880)]).toEqual([0x00200041, 2048]);
    expect(checker.reports).toEqual([]);
  });
});
