import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import type { ConfigWarning, MpuChange } from "../events.js";
import { createMachine, type Machine } from "../machine.js";
import { MpuReg } from "./fields.js";

/**
 * The MPU registers at their PPB addresses: MPU_TYPE, CTRL, RNR, RBAR (VALID/REGION), RASR,
 * the alias registers, and the events register writes produce.
 */

const TYPE = 0xe000ed90;
const CTRL = 0xe000ed94;
const RNR = 0xe000ed98;
const RBAR = 0xe000ed9c;
const RASR = 0xe000eda0;

function watch(m: Machine): { changes: MpuChange[]; warnings: ConfigWarning[] } {
  const changes: MpuChange[] = [];
  const warnings: ConfigWarning[] = [];
  m.events.on("mpu-reconfigured", (c) => changes.push(c));
  m.events.on("warning", (w) => warnings.push(w));
  return { changes, warnings };
}

describe("MPU_TYPE", () => {
  it("is 0x800 on STM32F407 (8 regions) and 0x1000 on STM32H743 (16), read-only", () => {
    const f = createMachine(STM32F407);
    expect(f.core.read32(TYPE)).toBe(0x800);
    expect(f.mpu.type).toBe(0x800);
    expect(f.mpu.regionCount).toBe(8);
    f.core.write32(TYPE, 0xffffffff);
    expect(f.core.read32(TYPE)).toBe(0x800);
    const h = createMachine(STM32H743XI);
    expect(h.core.read32(TYPE)).toBe(0x1000);
    expect(h.core.read8(TYPE + 1)).toBe(0x10);
  });
});

describe("MPU_CTRL", () => {
  it("resets to 0 and keeps ENABLE, HFNMIENA and PRIVDEFENA only", () => {
    const m = createMachine(STM32F407);
    expect(m.core.read32(CTRL)).toBe(0);
    m.core.write32(CTRL, 0xffffffff);
    expect(m.core.read32(CTRL)).toBe(7);
    expect(m.mpu.enabled).toBe(true);
    expect(m.mpu.hfnmiena).toBe(true);
    m.core.write8(CTRL, 0x05);
    expect(m.core.read32(CTRL)).toBe(5);
  });
});

describe("MPU_RNR, MPU_RBAR, MPU_RASR", () => {
  it("RBAR/RASR address the region RNR selects; RBAR reads back VALID=0 and REGION=RNR", () => {
    const m = createMachine(STM32F407);
    m.core.write32(RNR, 5);
    m.core.write32(RBAR, 0x20001000);
    m.core.write32(RASR, 0x03020017);
    expect(m.core.read32(RNR)).toBe(5);
    expect(m.core.read32(RBAR)).toBe(0x20001005);
    expect(m.core.read32(RASR)).toBe(0x03020017);
    expect(m.mpu.rawRegion(5)).toEqual({ rbar: 0x20001000, rasr: 0x03020017 });
    m.core.write32(RNR, 4);
    expect(m.core.read32(RBAR)).toBe(0x00000004);
    expect(m.core.read32(RASR)).toBe(0);
  });

  it("RBAR with VALID=1 writes RNR := REGION first, then the base of that region", () => {
    const m = createMachine(STM32F407);
    m.core.write32(RNR, 1);
    m.core.write32(RBAR, 0x20002000 | 0x10 | 6);
    expect(m.core.read32(RNR)).toBe(6);
    expect(m.mpu.rawRegion(6).rbar).toBe(0x20002000);
    expect(m.mpu.rawRegion(1).rbar).toBe(0);
    expect(m.core.read32(RBAR)).toBe(0x20002006);
    // VALID=0: REGION bits are ignored, RNR selects.
    m.core.write32(RBAR, 0x20003000 | 2);
    expect(m.core.read32(RNR)).toBe(6);
    expect(m.mpu.rawRegion(6).rbar).toBe(0x20003000);
    expect(m.mpu.rawRegion(2).rbar).toBe(0);
  });

  it("RBAR VALID with REGION 8..15 on an 8-region MPU: ignored with a warning", () => {
    const m = createMachine(STM32F407);
    const { warnings, changes } = watch(m);
    m.core.write32(RNR, 3);
    m.core.write32(RBAR, 0x20000000 | 0x10 | 9);
    expect(m.core.read32(RNR)).toBe(3);
    expect(m.mpu.rawRegion(3).rbar).toBe(0);
    expect(changes).toEqual([]);
    expect(warnings.map((w) => [w.code, w.field, w.value])).toEqual([["MPU_RBAR_REGION_RANGE", "RBAR.REGION", 9]]);
  });

  it("REGION 8..15 is valid on the 16-region Cortex-M7 MPU", () => {
    const m = createMachine(STM32H743XI);
    m.core.write32(RBAR, 0x24000000 | 0x10 | 15);
    expect(m.core.read32(RNR)).toBe(15);
    expect(m.mpu.rawRegion(15).rbar).toBe(0x24000000);
  });

  it("RNR >= DREGION: write ignored, MPU_RNR_RANGE warning", () => {
    const m = createMachine(STM32F407);
    const { warnings } = watch(m);
    m.core.write32(RNR, 2);
    m.core.write32(RNR, 8);
    expect(m.core.read32(RNR)).toBe(2);
    m.core.write32(RNR, 0x1ff); // REGION is RNR[7:0]: 0xff
    expect(m.core.read32(RNR)).toBe(2);
    expect(warnings).toEqual([
      {
        code: "MPU_RNR_RANGE",
        message: "MPU_RNR: region 8 does not exist (DREGION=8); write ignored (project choice)",
        field: "RNR.REGION",
        value: 8,
      },
      {
        code: "MPU_RNR_RANGE",
        message: "MPU_RNR: region 255 does not exist (DREGION=8); write ignored (project choice)",
        field: "RNR.REGION",
        value: 255,
      },
    ]);
    const h = createMachine(STM32H743XI);
    h.core.write32(RNR, 15);
    expect(h.core.read32(RNR)).toBe(15);
  });

  it("RASR keeps its defined bits only; RBAR ADDR is bits [31:5]", () => {
    const m = createMachine(STM32F407);
    m.core.write32(RASR, 0xffffffff);
    expect(m.core.read32(RASR)).toBe(0x173fff3f);
    m.core.write32(RBAR, 0xffffffef); // VALID = 0
    expect(m.core.read32(RBAR)).toBe(0xffffffe0);
  });

  it("sub-word stores to RBAR/RASR merge with the current value", () => {
    const m = createMachine(STM32F407);
    m.core.write32(RASR, 0x0302001f);
    m.core.write8(RASR + 3, 0x16); // AP=110, XN=1
    expect(m.core.read32(RASR)).toBe(0x1602001f);
    m.core.write16(RBAR + 2, 0x2000);
    expect(m.core.read32(RBAR)).toBe(0x20000000);
    expect(m.core.read16(RASR + 2)).toBe(0x1602);
  });
});

describe("alias registers RBAR_A1..A3 / RASR_A1..A3", () => {
  it("an STM of 8 words at MPU_RBAR programs 4 regions", () => {
    const m = createMachine(STM32F407);
    const { changes } = watch(m);
    const rasr = (sizeField: number, ap: number) => ((ap << 24) | (1 << 17) | (sizeField << 1) | 1) >>> 0;
    const words = [
      0x08000000 | 0x10 | 4,
      rasr(19, 0b110),
      0x20000000 | 0x10 | 5,
      rasr(16, 0b011),
      0x40000000 | 0x10 | 6,
      rasr(28, 0b001),
      0x2001f000 | 0x10 | 7,
      rasr(11, 0b000),
    ];
    m.core.writeWords(0xe000ed9c, words);
    expect(m.mpu.rawRegion(4)).toEqual({ rbar: 0x08000000, rasr: rasr(19, 0b110) });
    expect(m.mpu.rawRegion(5)).toEqual({ rbar: 0x20000000, rasr: rasr(16, 0b011) });
    expect(m.mpu.rawRegion(6)).toEqual({ rbar: 0x40000000, rasr: rasr(28, 0b001) });
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x2001f000, rasr: rasr(11, 0b000) });
    expect(m.core.read32(RNR)).toBe(7);
    expect(changes.map((c) => c.register)).toEqual([
      "RBAR",
      "RASR",
      "RBAR_A1",
      "RASR_A1",
      "RBAR_A2",
      "RASR_A2",
      "RBAR_A3",
      "RASR_A3",
    ]);
    expect(changes[2]).toEqual({ register: "RBAR_A1", region: 5, value: 0x20000015 });
    expect(changes[7]).toEqual({ register: "RASR_A3", region: 7, value: rasr(11, 0) });
    // The aliases read the region RNR selects, like RBAR/RASR.
    for (const a of [0xe000eda4, 0xe000edac, 0xe000edb4]) expect(m.core.read32(a)).toBe(0x2001f007);
    for (const a of [0xe000eda8, 0xe000edb0, 0xe000edb8]) expect(m.core.read32(a)).toBe(rasr(11, 0));
    expect(m.core.readWords(0xe000ed9c, 2)).toEqual(new Uint32Array([0x2001f007, rasr(11, 0)]));
  });

  it("mpu.loadPairs writes the same registers in the same order", () => {
    const a = createMachine(STM32F407);
    const b = createMachine(STM32F407);
    const words = [0x20000010, 0x0302001f, 0x20001011, 0x01020011];
    a.mpu.loadPairs(words);
    b.core.writeWords(0xe000ed9c, words);
    expect(a.mpu.regions()).toEqual(b.mpu.regions());
    expect(a.mpu.rawRegion(1)).toEqual({ rbar: 0x20001000, rasr: 0x01020011 });
  });

  it("the alias addresses are the architectural ones", () => {
    expect(MpuReg).toEqual({
      TYPE: 0xe000ed90,
      CTRL: 0xe000ed94,
      RNR: 0xe000ed98,
      RBAR: 0xe000ed9c,
      RASR: 0xe000eda0,
      RBAR_A1: 0xe000eda4,
      RASR_A1: 0xe000eda8,
      RBAR_A2: 0xe000edac,
      RASR_A2: 0xe000edb0,
      RBAR_A3: 0xe000edb4,
      RASR_A3: 0xe000edb8,
    });
  });
});

describe("events", () => {
  it("mpu-reconfigured carries register, region and value; unchanged writes emit nothing", () => {
    const m = createMachine(STM32F407);
    const { changes } = watch(m);
    m.mpu.setRegion(3, { base: 0x20000000, size: 0x400, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.mpu.setRegion(3, { base: 0x20000000, size: 0x400, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(changes).toEqual([
      { register: "RBAR", region: 3, value: 0x20000000 },
      { register: "RASR", region: 3, value: 0x13030013 },
      { register: "CTRL", region: null, value: 5 },
    ]);
    m.mpu.clearRegion(3);
    expect(changes[3]).toEqual({ register: "RASR", region: 3, value: 0 });
  });

  it("warning events for every UNPREDICTABLE or reserved setting of an enabled region", () => {
    const m = createMachine(STM32F407);
    const { warnings } = watch(m);
    m.core.write32(RNR, 2);
    m.core.write32(RBAR, 0x20000060);
    // SIZE=5 (64 B) misaligned, SRD on a 64-byte region, AP=100, TEX=011 reserved.
    m.core.write32(RASR, (0b100 << 24) | (0b011 << 19) | (0x0f << 8) | (5 << 1) | 1);
    expect(warnings.map((w) => [w.code, w.region, w.field, w.value])).toEqual([
      ["MPU_BASE_MISALIGNED", 2, "RBAR.ADDR", 0x20000060],
      ["MPU_SRD_IGNORED", 2, "RASR.SRD", 0x0f],
      ["MPU_AP_RESERVED", 2, "RASR.AP", 0b100],
      ["MPU_TEX_RESERVED", 2, "RASR.TEX", 0b011],
    ]);
    expect(m.mpu.warnings().map((w) => w.code)).toEqual([
      "MPU_BASE_MISALIGNED",
      "MPU_SRD_IGNORED",
      "MPU_AP_RESERVED",
      "MPU_TEX_RESERVED",
    ]);
  });

  it("a disabled region produces no warnings", () => {
    const m = createMachine(STM32F407);
    const { warnings } = watch(m);
    m.core.write32(RBAR, 0x20000040);
    m.core.write32(RASR, (0b100 << 24) | (1 << 1)); // ENABLE = 0
    expect(warnings).toEqual([]);
    expect(m.mpu.warnings()).toEqual([]);
  });
});
