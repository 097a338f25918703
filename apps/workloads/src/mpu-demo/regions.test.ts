import { createMachine, createMpuDriver, MpuV8Reg, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { type DemoRegion, demoMpu, formatWrites } from "./regions.js";

const RING: DemoRegion = { base: 0x20003000, size: 0x400, access: "ro", executable: false, memory: "normal-wb" };
const UART: DemoRegion = { base: 0x40004400, size: 0x400, access: "rw", executable: false, memory: "device" };

/** The two words the architecture's MPU driver computes for `region` as region 0 of a task. */
function driverWords(machine: ReturnType<typeof createMachine>, region: DemoRegion): [number, number] {
  const config = createMpuDriver(machine).newConfig({
    who: "demo",
    kernel: [],
    task: [{ id: "r", label: "r", ...region }],
  });
  return [config.words[0]!, config.words[1]!];
}

describe("the demo's PMSAv7 programming", () => {
  it("writes RBAR (VALID | REGION) and RASR, the driver's words, and disables with RNR then RASR = 0", () => {
    const m = createMachine(STM32F407);
    const mpu = demoMpu("pmsav7");
    expect(mpu.boot(m)).toEqual([]);
    const writes = mpu.loadRegion(m, 0, RING);
    expect(writes).toEqual([
      ["RBAR", 0x20003010],
      ["RASR", 0x16030013],
    ]);
    expect(writes.map(([, v]) => v)).toEqual(driverWords(m, RING));
    expect(m.mpu.region(0)).toMatchObject({ base: 0x20003000, size: 0x400, access: "ro", enabled: true });
    expect(mpu.loadRegion(m, 0, null)).toEqual([
      ["RNR", 0],
      ["RASR", 0],
    ]);
    expect(m.mpu.region(0).enabled).toBe(false);
  });
});

describe("the demo's PMSAv8 programming", () => {
  it("boots MAIR0/1 with the driver's attribute table", () => {
    const m = createMachine(STM32U585);
    expect(demoMpu("pmsav8").boot(m)).toEqual([
      ["MAIR0", 0xff0004ee],
      ["MAIR1", 0x000044aa],
    ]);
    expect([m.core.read32(MpuV8Reg.MAIR0), m.core.read32(MpuV8Reg.MAIR1)]).toEqual([0xff0004ee, 0x000044aa]);
  });

  it("writes RNR, RBAR (BASE, AP, XN) and RLAR (LIMIT, AttrIndx, EN): the driver's words", () => {
    const m = createMachine(STM32U585);
    const mpu = demoMpu("pmsav8");
    mpu.boot(m);
    const ring = mpu.loadRegion(m, 2, RING);
    // AP = 11 (RO both), XN; LIMIT 0x200033E0, AttrIndx 0 (Normal write-back), EN.
    expect(ring).toEqual([
      ["RNR", 2],
      ["RBAR", 0x20003007],
      ["RLAR", 0x200033e1],
    ]);
    expect(ring.slice(1).map(([, v]) => v)).toEqual(driverWords(m, RING));
    // Device memory: AttrIndx 1 (Device-nGnRE).
    const uart = mpu.loadRegion(m, 3, UART);
    expect(uart.slice(1)).toEqual([
      ["RBAR", 0x40004403],
      ["RLAR", 0x400047e3],
    ]);
    expect(uart.slice(1).map(([, v]) => v)).toEqual(driverWords(m, UART));
    expect(m.mpu.region(3)).toMatchObject({ base: 0x40004400, limit: 0x400047ff, device: "nGnRE", attrIndex: 1 });
    expect(formatWrites(ring)).toBe("RNR=2 RBAR=0x20003007 RLAR=0x200033E1");
  });

  it("disables a region with RNR then RLAR = 0, leaving RBAR as it was", () => {
    const m = createMachine(STM32U585);
    const mpu = demoMpu("pmsav8");
    mpu.loadRegion(m, 1, RING);
    expect(mpu.loadRegion(m, 1, null)).toEqual([
      ["RNR", 1],
      ["RLAR", 0],
    ]);
    expect(m.mpu.region(1).enabled).toBe(false);
    expect(m.core.read32(MpuV8Reg.RBAR)).toBe(0x20003007);
  });

  it("refuses an access AP[2:1] cannot encode with a typed error, writing nothing", () => {
    const m = createMachine(STM32U585);
    expect(() => demoMpu("pmsav8").loadRegion(m, 1, { ...RING, access: "priv-rw-user-ro" })).toThrow(
      /MPU_FIELD_RESERVED/,
    );
    expect([m.core.read32(MpuV8Reg.RNR), m.core.read32(MpuV8Reg.RLAR)]).toEqual([0, 0]);
  });
});
