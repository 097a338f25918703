import { describe, expect, it } from "vitest";
import { Cfsr, createMachine, Fault, Shcsr, STM32F407 } from "./index.js";

describe("smoke", () => {
  it("reads and writes SRAM, faults on MPU and unmapped", () => {
    const m = createMachine(STM32F407);
    m.core.write32(0x20000000, 0xdeadbeef);
    expect(m.core.read32(0x20000000)).toBe(0xdeadbeef);
    m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(m.core.read32(0x20000000)).toBe(0xdeadbeef);
    m.core.controlNPriv = true;
    let f: unknown;
    try {
      m.core.read32(0x20000010);
    } catch (e) {
      f = e;
    }
    expect(f).toBeInstanceOf(Fault);
    expect((f as Fault).exception).toBe(4);
    expect(m.scb.cfsr).toBe(0x82);
    expect(m.scb.mmfar).toBe(0x20000010);
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.core.controlNPriv = false;
    expect(() => m.core.read32(0x30000000)).toThrow(Fault);
    expect(m.scb.cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
    expect(m.scb.bfar).toBe(0x30000000);
  });
});
