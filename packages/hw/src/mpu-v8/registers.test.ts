import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { MPS3_AN547 } from "../board/builtin/mps3-an547.js";
import { STM32U585 } from "../board/builtin/stm32u585.js";
import { HwError } from "../errors.js";
import { type ConfigWarning, HwEmitter, type MpuChange } from "../events.js";
import { createMachine, type Machine } from "../machine.js";
import { trap } from "../test-util.js";
import { MpuV8Reg as R } from "./fields.js";
import { MpuV8 } from "./mpu-v8.js";

/**
 * The PMSAv8 registers at their PPB addresses: MPU_TYPE, CTRL, RNR, RBAR, RLAR, the alias
 * registers RBAR_An/RLAR_An (region RNR[7:2]:n), MAIR0/1, read-back masks, warnings and events.
 */

function watch(m: Machine): { changes: MpuChange[]; warnings: ConfigWarning[] } {
  const changes: MpuChange[] = [];
  const warnings: ConfigWarning[] = [];
  m.events.on("mpu-reconfigured", (c) => changes.push(c));
  m.events.on("warning", (w) => warnings.push(w));
  return { changes, warnings };
}

describe("PMSAv8 MPU_TYPE and MPU_CTRL", () => {
  it("MPU_TYPE is DREGION << 8 (8 on STM32U585, 16 on MPS3-AN547), SEPARATE 0, read-only", () => {
    const u = createMachine(STM32U585);
    expect(u.mpu.architecture).toBe("pmsav8");
    expect(u.core.read32(R.TYPE)).toBe(0x800);
    u.core.write32(R.TYPE, 0xffffffff);
    expect(u.core.read32(R.TYPE)).toBe(0x800);
    expect(createMachine(MPS3_AN547).core.read32(R.TYPE)).toBe(0x1000);
    expect(createMachine(MPS2_AN505).mpu.regionCount).toBe(8);
  });

  it("MPU_CTRL resets to 0 and keeps PRIVDEFENA, HFNMIENA, ENABLE only", () => {
    const m = createMachine(STM32U585);
    expect(m.core.read32(R.CTRL)).toBe(0);
    m.core.write32(R.CTRL, 0xffffffff);
    expect(m.core.read32(R.CTRL)).toBe(7);
    expect([m.mpu.enabled, m.mpu.hfnmiena]).toEqual([true, true]);
  });

  it("HFNMIENA without ENABLE: a warning, the MPU stays off", () => {
    const m = createMachine(STM32U585);
    const { warnings } = watch(m);
    m.core.write32(R.CTRL, 2);
    expect(warnings.map((w) => w.code)).toEqual(["MPU_HFNMIENA_WITHOUT_ENABLE"]);
    expect(m.mpu.enabled).toBe(false);
  });
});

describe("PMSAv8 MPU_RNR, MPU_RBAR, MPU_RLAR", () => {
  it("RBAR and RLAR address region RNR; every RBAR bit reads back", () => {
    const m = createMachine(STM32U585);
    m.core.write32(R.RNR, 5);
    m.core.write32(R.RBAR, 0xffffffff);
    m.core.write32(R.RLAR, 0x2000_1fe3);
    expect(m.core.read32(R.RNR)).toBe(5);
    expect(m.core.read32(R.RBAR)).toBe(0xffffffff);
    expect(m.core.read32(R.RLAR)).toBe(0x2000_1fe3);
    expect(m.mpu.rawRegion(5)).toEqual({ rbar: 0xffffffff, rlar: 0x20001fe3 });
    m.core.write32(R.RNR, 4);
    expect([m.core.read32(R.RBAR), m.core.read32(R.RLAR)]).toEqual([0, 0]);
  });

  it("RLAR.PXN (bit 4) is RES0 on the ARMv8.0-M Cortex-M33 and kept on the ARMv8.1-M Cortex-M55", () => {
    const m33 = createMachine(STM32U585);
    m33.core.write32(R.RLAR, 0xffffffff);
    expect(m33.core.read32(R.RLAR)).toBe(0xffffffef);
    const m55 = createMachine(MPS3_AN547);
    m55.core.write32(R.RLAR, 0xffffffff);
    expect(m55.core.read32(R.RLAR)).toBe(0xffffffff);
    expect(m55.mpu.region(0).pxn).toBe(true);
  });

  it("RNR beyond DREGION: write ignored, a warning", () => {
    const m = createMachine(STM32U585);
    const { warnings } = watch(m);
    m.core.write32(R.RNR, 3);
    m.core.write32(R.RNR, 8);
    expect(m.core.read32(R.RNR)).toBe(3);
    expect(warnings.map((w) => [w.code, w.value])).toEqual([["MPU_RNR_RANGE", 8]]);
  });

  it("reset: every region disabled (RLAR.EN = 0), MAIR 0", () => {
    const m = createMachine(MPS3_AN547);
    expect(m.mpu.regions().every((r) => !r.enabled)).toBe(true);
    expect([m.core.read32(R.MAIR0), m.core.read32(R.MAIR1)]).toEqual([0, 0]);
  });
});

describe("PMSAv8 alias registers RBAR_An / RLAR_An", () => {
  it("select region RNR[7:2]:n: with RNR = 6, A1 is region 5, A2 region 6, A3 region 7; RBAR itself region 6", () => {
    const m = createMachine(STM32U585);
    m.core.write32(R.RNR, 6);
    m.core.write32(R.RBAR, 0x600);
    m.core.write32(R.RBAR_A1, 0x100);
    m.core.write32(R.RLAR_A1, 0x101);
    m.core.write32(R.RBAR_A2, 0x200);
    m.core.write32(R.RBAR_A3, 0x300);
    m.core.write32(R.RLAR_A3, 0x301);
    expect(m.mpu.rawRegion(5)).toEqual({ rbar: 0x100, rlar: 0x101 });
    expect(m.mpu.rawRegion(6).rbar).toBe(0x200); // A2 = region 6 too (written after RBAR)
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x300, rlar: 0x301 });
    expect(m.mpu.rawRegion(4).rbar).toBe(0);
    expect(m.core.read32(R.RNR)).toBe(6); // the aliases do not change RNR
    expect(m.core.read32(R.RBAR_A3)).toBe(0x300);
    expect(m.core.read32(R.RLAR_A1)).toBe(0x101);
  });

  it("an STM of four pairs from RNR = 4 programs regions 4..7 (CMSIS ARM_MPU_Load)", () => {
    const m = createMachine(STM32U585);
    const { changes } = watch(m);
    m.core.write32(R.RNR, 4);
    m.core.writeWords(
      R.RBAR,
      [0x20000002, 0x200000e1, 0x20000102, 0x200001e1, 0x20000202, 0x200002e1, 0x20000302, 0x200003e1],
    );
    for (let n = 4; n < 8; n++) {
      expect(m.mpu.region(n)).toMatchObject({
        base: 0x20000000 + 0x100 * (n - 4),
        size: 0x100,
        access: "rw",
        enabled: true,
      });
    }
    expect(changes.map((c) => [c.register, c.region])).toEqual([
      ["RBAR", 4],
      ["RLAR", 4],
      ["RBAR_A1", 5],
      ["RLAR_A1", 5],
      ["RBAR_A2", 6],
      ["RLAR_A2", 6],
      ["RBAR_A3", 7],
      ["RLAR_A3", 7],
    ]);
  });

  it("loadRegions: the quiet path leaves the same registers as the register-by-register writes", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 2, maxLength: 32 }), fc.constantFrom(0, 4, 8, 12), (raw, first) => {
        const words = raw.slice(0, raw.length & ~1);
        if (first + words.length / 2 > 16) return;
        // MPUs over no memory: the registers are what is compared.
        const noMemory = { granules: 0, ranges: [] };
        const quiet = new MpuV8(16, noMemory, new HwEmitter(), { pxn: true });
        const loudEvents = new HwEmitter();
        loudEvents.on("warning", () => {}); // a listener: every word goes through writeRegister
        const loud = new MpuV8(16, noMemory, loudEvents, { pxn: true });
        quiet.loadRegions(first, words);
        loud.loadRegions(first, words);
        for (let n = 0; n < 16; n++) expect(quiet.rawRegion(n)).toEqual(loud.rawRegion(n));
        expect(quiet.readRegister(R.RNR)).toBe(loud.readRegister(R.RNR));
      }),
      { seed: 21, numRuns: 60 },
    );
  });

  it("loadRegions refuses a first region that is not a multiple of 4 (typed error, nothing written)", () => {
    const m = createMachine(STM32U585);
    expect(() => m.mpu.loadRegions(2, [1, 1])).toThrow(HwError);
    expect(m.mpu.rawRegion(2)).toEqual({ rbar: 0, rlar: 0 });
  });

  it("loadRegions refuses regions past DREGION and a negative first (MPU_REGION_NUMBER, nothing written)", () => {
    const m = createMachine(STM32U585); // DREGION = 8
    m.mpu.setRegion(4, { base: 0x20000000, size: 0x100, access: "rw" });
    const region4 = { rbar: 0x20000003, rlar: 0x200000e1 };
    expect(m.mpu.rawRegion(4)).toEqual(region4);
    const pair = [0x20001003, 0x20001fe1];
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof HwError ? e.code : String(e);
      }
      return null;
    };
    // RNR = 8 would be ignored and RBAR/RLAR would land in region 4 (the group RNR = 4 selects).
    expect(code(() => m.mpu.loadRegions(8, pair))).toBe("MPU_REGION_NUMBER");
    // Regions 4..8: the fifth pair would go to region 4 again.
    expect(code(() => m.mpu.loadRegions(4, [...pair, ...pair, ...pair, ...pair, ...pair]))).toBe("MPU_REGION_NUMBER");
    // RNR = 0xFFFFFFFC, and 2^32 written to RNR as REGION = 0.
    expect(code(() => m.mpu.loadRegions(-4, pair))).toBe("MPU_REGION_NUMBER");
    expect(code(() => m.mpu.loadRegions(2 ** 32, pair))).toBe("MPU_REGION_NUMBER");
    for (let n = 0; n < 8; n++) expect(m.mpu.rawRegion(n)).toEqual(n === 4 ? region4 : { rbar: 0, rlar: 0 });
    expect(m.core.read32(R.RNR)).toBe(4);
    // The last group of the MPU is loadable.
    m.mpu.loadRegions(4, [...pair, ...pair, ...pair, ...pair]);
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20001003, rlar: 0x20001fe1 });
  });
});

describe("PMSAv8 MPU_MAIR0/1", () => {
  it("hold Attr0..3 and Attr4..7, a byte each; sub-word stores merge", () => {
    const m = createMachine(STM32U585);
    m.core.write32(R.MAIR0, 0x04ff44ee);
    m.core.write8(R.MAIR1 + 2, 0xaa);
    expect(m.core.read32(R.MAIR0)).toBe(0x04ff44ee);
    expect(m.core.read32(R.MAIR1)).toBe(0x00aa0000);
    expect([0, 1, 2, 3, 6].map((i) => m.mpu.attr(i))).toEqual([0xee, 0x44, 0xff, 0x04, 0xaa]);
    m.mpu.setMair(5, 0x0c);
    expect(m.core.read32(R.MAIR1)).toBe(0x00aa0c00);
  });

  it("are privileged only: an unprivileged access is a precise BusFault", () => {
    const m = createMachine(STM32U585);
    m.core.controlNPriv = true;
    const f = trap(() => m.core.read32(R.MAIR0));
    expect([f.cause, f.cfsr, f.faultAddress]).toEqual([5, 0x8200, R.MAIR0]);
  });
});

describe("PMSAv8 typed API", () => {
  it("setRegion writes RNR, RBAR and RLAR; region() decodes them", () => {
    const m = createMachine(MPS3_AN547);
    m.mpu.setMair(3, 0x04);
    m.mpu.setRegion(9, {
      base: 0x40000100,
      size: 0x60,
      access: "priv-ro",
      executable: false,
      privilegedExecuteNever: true,
      attrIndex: 3,
      shareability: "inner",
    });
    expect(m.core.read32(R.RNR)).toBe(9);
    expect(m.mpu.rawRegion(9)).toEqual({
      rbar: 0x40000100 | (3 << 3) | (2 << 1) | 1,
      rlar: 0x40000140 | 0x10 | (3 << 1) | 1,
    });
    expect(m.mpu.region(9)).toMatchObject({
      architecture: "pmsav8",
      base: 0x40000100,
      limit: 0x4000015f,
      size: 0x60,
      access: "priv-ro",
      xn: true,
      pxn: true,
      attrIndex: 3,
      attr: 0x04,
      device: "nGnRE",
      shareability: "inner",
      subregions: null,
    });
  });

  it("refuses what PMSAv8 cannot encode, naming the field, writing nothing", () => {
    const m = createMachine(STM32U585);
    const before = m.mpu.regions();
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return [(e as HwError).code, (e as HwError).context.field];
      }
      return null;
    };
    expect(code(() => m.mpu.setRegion(8, { base: 0, size: 32, access: "rw" }))).toEqual([
      "MPU_REGION_NUMBER",
      "region",
    ]);
    expect(code(() => m.mpu.setRegion(0, { base: 0x10, size: 32, access: "rw" }))).toEqual([
      "MPU_ALIGNMENT",
      "RBAR.BASE",
    ]);
    // The message names the base in hex, as the PMSAv7 one does.
    expect(() => m.mpu.setRegion(0, { base: 0x20000010, size: 32, access: "rw" })).toThrow(
      "RBAR.BASE: base 0x20000010 must be a 32-bit multiple of 32",
    );
    expect(code(() => m.mpu.setRegion(0, { base: 0, size: 48, access: "rw" }))).toEqual(["MPU_SIZE", "RLAR.LIMIT"]);
    expect(code(() => m.mpu.setRegion(0, { base: 0, size: 32, access: "none" as never }))).toEqual([
      "MPU_FIELD_RESERVED",
      "RBAR.AP",
    ]);
    expect(code(() => m.mpu.setRegion(0, { base: 0, size: 32, access: "rw", attrIndex: 8 }))).toEqual([
      "MPU_FIELD_RESERVED",
      "RLAR.AttrIndx",
    ]);
    expect(code(() => m.mpu.setRegion(0, { base: 0, size: 32, access: "rw", privilegedExecuteNever: true }))).toEqual([
      "MPU_FIELD_RESERVED",
      "RLAR.PXN",
    ]);
    expect(code(() => m.mpu.setMair(8, 0))).toEqual(["MPU_FIELD_RESERVED", "MAIR"]);
    expect(m.mpu.regions()).toEqual(before);
  });

  it("clearRegion clears RLAR.EN only", () => {
    const m = createMachine(STM32U585);
    m.mpu.setRegion(1, { base: 0x20000000, size: 64, access: "rw" });
    m.mpu.clearRegion(1);
    expect(m.mpu.rawRegion(1)).toEqual({ rbar: 0x20000003, rlar: 0x20000020 });
  });
});
