import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import { STM32U585 } from "../board/builtin/stm32u585.js";
import { HwError, SimError } from "../errors.js";
import type { ConfigWarning, MpuChange } from "../events.js";
import { createMachine, type Machine } from "../machine.js";
import type { MpuRegionSettings } from "./config.js";

/** The typed convenience API: validation first, typed errors naming the field, nothing written on error. */

function snapshot(m: Machine<"pmsav7">) {
  return {
    regions: m.mpu.regions(),
    rnr: m.core.read32(0xe000ed98),
    ctrl: m.core.read32(0xe000ed94),
    rbar: m.core.read32(0xe000ed9c),
    rasr: m.core.read32(0xe000eda0),
  };
}

function rejected(m: Machine<"pmsav7">, n: number, settings: MpuRegionSettings): HwError {
  const before = snapshot(m);
  const events: (MpuChange | ConfigWarning)[] = [];
  m.events.on("mpu-reconfigured", (c) => events.push(c));
  m.events.on("warning", (w) => events.push(w));
  let err: unknown;
  try {
    m.mpu.setRegion(n, settings);
  } catch (e) {
    err = e;
  }
  m.events.removeAllListeners();
  expect(err).toBeInstanceOf(HwError);
  expect(err).toBeInstanceOf(SimError);
  expect(snapshot(m)).toEqual(before);
  expect(events).toEqual([]);
  return err as HwError;
}

function machine(): Machine<"pmsav7"> {
  const m = createMachine(STM32F407);
  m.mpu.setRegion(2, { base: 0x20000000, size: 0x8000, access: "rw" });
  m.mpu.setRegion(5, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
  m.mpu.setControl({ enable: true, privdefena: true });
  return m;
}

describe("mpu.setRegion validation", () => {
  it("MPU_REGION_NUMBER: region 8 on an 8-region MPU, negative, fractional", () => {
    const m = machine();
    for (const n of [8, -1, 1.5, 16]) {
      const e = rejected(m, n, { base: 0x20000000, size: 0x100, access: "rw" });
      expect(e.code).toBe("MPU_REGION_NUMBER");
      expect(e.context).toEqual({ field: "region", value: n, regionCount: 8 });
      expect(e.message).toBe(`MPU_REGION_NUMBER: MPU region ${n} does not exist (this MPU has 8)`);
    }
    const h = createMachine(STM32H743XI);
    h.mpu.setRegion(15, { base: 0x24000000, size: 0x80000, access: "rw" });
    expect(h.mpu.region(15).size).toBe(0x80000);
    expect(rejected(h, 16, { base: 0, size: 32, access: "rw" }).context).toEqual({
      field: "region",
      value: 16,
      regionCount: 16,
    });
  });

  it("MPU_REGION_NUMBER from mpu.region(n) too: a region the MPU lacks was decoded as a disabled one", () => {
    for (const board of [STM32F407, STM32U585]) {
      const m = createMachine(board);
      for (const n of [8, -1, 1.5, Number.NaN]) {
        let err: unknown;
        try {
          m.mpu.region(n);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(HwError);
        expect((err as HwError).code).toBe("MPU_REGION_NUMBER");
        expect((err as HwError).context).toEqual({ field: "region", value: n, regionCount: 8 });
      }
      expect(m.mpu.region(7).number).toBe(7);
      expect(m.mpu.regions()).toHaveLength(8);
    }
  });

  it("MPU_SIZE: not a power of two, under 32 B, over 4 GiB", () => {
    const m = machine();
    for (const size of [48, 16, 0, -64, 2 ** 33, 100.5, Number.NaN]) {
      const e = rejected(m, 1, { base: 0, size, access: "rw" });
      expect(e.code).toBe("MPU_SIZE");
      expect(e.context).toEqual({ field: "RASR.SIZE", value: size, region: 1 });
    }
  });

  it("MPU_ALIGNMENT: base not aligned to the size, or outside 32 bits", () => {
    const m = machine();
    const cases: [number, number][] = [
      [0x20000100, 0x1000],
      [0x20000020, 64],
      [0x20000000, 2 ** 32],
      [-32, 32],
      [2 ** 32, 32],
      [0x20000000 + 0.5, 32],
    ];
    for (const [base, size] of cases) {
      const e = rejected(m, 3, { base, size, access: "rw" });
      expect(e.code).toBe("MPU_ALIGNMENT");
      expect(e.context).toEqual({ field: "RBAR.ADDR", value: base, size, region: 3 });
    }
  });

  it("MPU_FIELD_RESERVED naming RASR.AP for the reserved or unknown access", () => {
    const m = machine();
    for (const access of ["reserved", "rwx", ""]) {
      const e = rejected(m, 2, { base: 0x20000000, size: 0x100, access: access as MpuRegionSettings["access"] });
      expect(e.code).toBe("MPU_FIELD_RESERVED");
      expect(e.context).toEqual({ field: "RASR.AP", value: access, region: 2 });
    }
  });

  it("MPU_FIELD_RESERVED naming RASR.TEX for reserved TEX/C/B encodings and unknown names", () => {
    const m = machine();
    const reserved = [
      { tex: 1, c: false, b: true },
      { tex: 1, c: true, b: false },
      { tex: 2, c: true, b: true },
      { tex: 3, c: false, b: false },
    ];
    for (const memory of reserved) {
      const e = rejected(m, 4, { base: 0x20000000, size: 0x100, access: "rw", memory });
      expect(e.code).toBe("MPU_FIELD_RESERVED");
      expect(e.context).toEqual({ field: "RASR.TEX", value: memory.tex, region: 4 });
    }
    for (const memory of [{ tex: 8, c: false, b: false }, { tex: -1, c: false, b: false }, "normal-magic"]) {
      const e = rejected(m, 4, {
        base: 0x20000000,
        size: 0x100,
        access: "rw",
        memory: memory as MpuRegionSettings["memory"],
      });
      expect(e.code).toBe("MPU_FIELD_RESERVED");
      expect(e.context.field).toBe("RASR.TEX");
    }
  });

  it("MPU_FIELD_RESERVED naming RASR.SRD: wider than 8 bits, or on a region under 256 B", () => {
    const m = machine();
    for (const srd of [0x100, -1, 1.5]) {
      const e = rejected(m, 6, { base: 0x20000000, size: 0x1000, access: "rw", subregionDisable: srd });
      expect(e.code).toBe("MPU_FIELD_RESERVED");
      expect(e.context).toEqual({ field: "RASR.SRD", value: srd, region: 6 });
    }
    for (const size of [32, 64, 128]) {
      const e = rejected(m, 6, { base: 0x20000000, size, access: "rw", subregionDisable: 1 });
      expect(e.context).toEqual({ field: "RASR.SRD", value: 1, region: 6 });
    }
  });

  it("the region number is checked first, then SIZE, then the base", () => {
    const m = machine();
    expect(rejected(m, 9, { base: 3, size: 3, access: "rw" }).code).toBe("MPU_REGION_NUMBER");
    expect(rejected(m, 1, { base: 3, size: 3, access: "rw" }).code).toBe("MPU_SIZE");
    expect(rejected(m, 1, { base: 3, size: 32, access: "rw" }).code).toBe("MPU_ALIGNMENT");
  });

  it("clearRegion rejects a region that does not exist and disables one that does", () => {
    const m = machine();
    const before = snapshot(m);
    expect(() => m.mpu.clearRegion(8)).toThrow(HwError);
    expect(snapshot(m)).toEqual(before);
    m.mpu.clearRegion(2);
    expect(m.mpu.region(2).enabled).toBe(false);
    expect(m.mpu.rawRegion(2)).toEqual({ rbar: 0x20000000, rasr: 0 });
  });
});

describe("mpu.setRegion encoding", () => {
  it("writes RNR, RBAR and RASR with the encoded fields and decodes back", () => {
    const m = createMachine(STM32F407);
    m.mpu.setRegion(7, {
      base: 0x20010000,
      size: 0x8000,
      access: "priv-rw-user-ro",
      executable: true,
      memory: "normal-wbwa",
      shareable: true,
      subregionDisable: 0x81,
    });
    expect(m.core.read32(0xe000ed98)).toBe(7);
    expect(m.core.read32(0xe000ed9c)).toBe(0x20010007);
    // XN=0 AP=010 TEX=001 S=1 C=1 B=1 SRD=0x81 SIZE=14 ENABLE
    expect(m.core.read32(0xe000eda0)).toBe(0x020f811d);
    expect(m.mpu.region(7)).toMatchObject({
      number: 7,
      enabled: true,
      base: 0x20010000,
      size: 0x8000,
      sizeField: 14,
      ap: 0b010,
      access: "priv-rw-user-ro",
      xn: false,
      srd: 0x81,
      subregions: [false, true, true, true, true, true, true, false],
    });
    m.mpu.setRegion(0, { base: 0, size: 2 ** 32, access: "priv-ro", enabled: false });
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: 0, rasr: 0x1503003e });
  });

  it("reprogramming an enabled region through the typed API emits no configuration warning", () => {
    const m = createMachine(STM32F407);
    const warnings: ConfigWarning[] = [];
    m.events.on("warning", (w) => warnings.push(w));
    m.mpu.setRegion(4, { base: 0x20000000, size: 0x8000, access: "rw" });
    m.mpu.setRegion(4, { base: 0x20004000, size: 0x4000, access: "rw" }); // a task switch
    m.mpu.setRegion(4, { base: 0x20000000, size: 0x20, access: "rw" });
    m.mpu.setRegion(4, { base: 0x20000000, size: 0x1000, access: "rw", subregionDisable: 3 });
    expect(warnings).toEqual([]);
    expect(m.mpu.region(4).base).toBe(0x20000000);
  });
});
