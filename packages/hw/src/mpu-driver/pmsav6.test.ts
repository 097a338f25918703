import { describe, expect, it } from "vitest";
import { RP2040 } from "../board/builtin/rp2040.js";
import { Fault } from "../fault.js";
import { createMachine } from "../machine.js";
import { MpuReg } from "../mpu/fields.js";
import { createMpuDriver } from "./create.js";
import type { MpuGrant } from "./types.js";

/**
 * The PMSAv7 driver on ARMv6-M's PMSAv6 (RP2040): regions of 256 bytes at least, the 32-byte
 * stack guard made of a 256-byte region's lowest subregion, pairs written to RBAR and RASR.
 */

const code: MpuGrant = { id: "code", label: "code", base: 0x10000000, size: 0x200000, access: "ro", executable: true };
const kernelBlock: MpuGrant = { id: "kernel", label: "kernel", base: 0x20004000, size: 0x2000, access: "priv-rw" };
const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20008000, size: 1024, access: "rw", guard: 32 };

function setup() {
  const m = createMachine(RP2040);
  return { m, driver: createMpuDriver(m) };
}

describe("PMSAv7 driver on PMSAv6 (ARMv6-M)", () => {
  it("realises a 32-byte guard as a 256-byte region with only its lowest subregion enabled", () => {
    const { driver } = setup();
    const c = driver.newConfig({ who: 'task "t"', kernel: [code, kernelBlock], task: [stack] });
    expect(c.regions[1]).toMatchObject({
      label: "stack guard",
      base: 0x20008000,
      size: 256,
      access: "priv-ro",
      subregionDisable: 0xfe,
    });
    // RBAR | VALID | REGION 1; RASR: XN, AP=101 (priv-ro), C B, SRD 0xFE, SIZE 7, ENABLE.
    expect([c.words[2], c.words[3]]).toEqual([0x20008011, 0x1503fe0f]);
    expect(c.views()[1]).toMatchObject({
      base: 0x20008000,
      size: 256,
      subregions: [true, false, false, false, false, false, false, false],
    });
  });

  it("a 64-byte guard enables two subregions; a guard of 256 bytes or more is a plain region", () => {
    const { driver } = setup();
    const c64 = driver.newConfig({ who: "t", kernel: [kernelBlock], task: [{ ...stack, guard: 64 }] });
    expect(c64.regions[1]).toMatchObject({ size: 256, subregionDisable: 0xfc });
    const c256 = driver.newConfig({ who: "t", kernel: [kernelBlock], task: [{ ...stack, guard: 256 }] });
    expect(c256.regions[1]).toMatchObject({ size: 256 });
    expect(c256.regions[1]!.subregionDisable).toBeUndefined();
  });

  it("refuses a grant below 256 bytes (MPU_GRANT_SIZE) and a TEX memory type", () => {
    const { driver } = setup();
    expect(() =>
      driver.newConfig({
        who: "t",
        kernel: [],
        task: [{ id: "b", label: "buf", base: 0x20000000, size: 128, access: "rw" }],
      }),
    ).toThrow(expect.objectContaining({ code: "MPU_GRANT_SIZE" }));
    expect(() =>
      driver.newConfig({
        who: "t",
        kernel: [],
        task: [{ id: "b", label: "buf", base: 0x20000000, size: 256, access: "rw", memory: "normal-wbwa" }],
      }),
    ).toThrow(expect.objectContaining({ code: "MPU_FIELD_RESERVED" }));
  });

  it("loads a configuration through RBAR and RASR: the guard's 32 bytes fault, the stack above them does not", () => {
    const { m, driver } = setup();
    const c = driver.newConfig({ who: "t", kernel: [code, kernelBlock], task: [stack] });
    driver.configureMpu(c);
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(m.core.read32(MpuReg.RBAR_A1)).toBe(0);
    m.core.controlNPriv = true;
    m.core.write32(0x20008020, 1); // the stack, just above the guard
    let fault: unknown = null;
    try {
      m.core.write32(0x2000801c, 1); // the guard's last word
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(Fault);
    expect([(fault as Fault).exception, (fault as Fault).faultAddress]).toEqual([3, 0x2000801c]);
  });
});
