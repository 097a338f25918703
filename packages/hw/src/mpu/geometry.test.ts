import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import type { ConfigWarning } from "../events.js";
import { Fault } from "../fault.js";
import { createMachine, type Machine } from "../machine.js";
import { trap } from "../test-util.js";
import { Perm } from "./perm.js";

/**
 * Region geometry: SIZE 4..31, base alignment (rounded down + warning), SIZE < 4, the 4 GiB
 * region, subregions falling through, SRD on small regions, and overlapping regions.
 */

const RNR = 0xe000ed98;
const RBAR = 0xe000ed9c;
const RASR = 0xe000eda0;
const CTRL = 0xe000ed94;
const AP_RW = 0b011 << 24;
const AP_NONE = 0;
const AP_PRIV_RW = 0b001 << 24;
const NORMAL_WB = (1 << 17) | (1 << 16);

function setup(): { m: Machine<"pmsav7">; warnings: ConfigWarning[] } {
  const m = createMachine(STM32F407);
  m.scb.shcsr = 0x70000;
  const warnings: ConfigWarning[] = [];
  m.events.on("warning", (w) => warnings.push(w));
  return { m, warnings };
}

/** Programs region n through RNR/RBAR/RASR at their PPB addresses (privileged writes). */
function region(m: Machine<"pmsav7">, n: number, rbar: number, sizeField: number, ap: number, extra = 0): void {
  m.core.write32(RNR, n);
  m.core.write32(RBAR, rbar >>> 0);
  m.core.write32(RASR, (1 | (sizeField << 1) | ap | NORMAL_WB | extra) >>> 0);
}

/** The exception an unprivileged word read takes at `a` (0 when it succeeds). */
function userRead(m: Machine<"pmsav7">, a: number): number {
  const saved = m.core.controlNPriv;
  m.core.controlNPriv = true;
  try {
    m.core.read32(a);
    return 0;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    m.core.clearFault();
    m.scb.cfsr = 0;
    return e.exception;
  } finally {
    m.core.controlNPriv = saved;
  }
}

const U = Perm.UR | Perm.UW;

describe("SIZE 4..31 with aligned bases", () => {
  for (let s = 4; s <= 31; s++) {
    const size = 2 ** (s + 1);
    it(`SIZE=${s}: ${size} bytes`, () => {
      const { m, warnings } = setup();
      const base = size >= 2 ** 32 ? 0 : 0x20000000 - (0x20000000 % size);
      region(m, 0, base, s, AP_RW);
      m.core.write32(CTRL, 1);
      expect(warnings).toEqual([]);
      const v = m.mpu.region(0);
      expect(v.size).toBe(size);
      expect(v.sizeField).toBe(s);
      expect(v.base).toBe(base);
      // First and last byte of the region are unprivileged RW; the bytes around it are not.
      expect(m.core.permissionAt(base) & U).toBe(U);
      expect(m.core.permissionAt(base + size - 1) & U).toBe(U);
      if (base > 0) expect(m.core.permissionAt(base - 1) & U).toBe(0);
      if (base + size < 2 ** 32) expect(m.core.permissionAt(base + size) & U).toBe(0);
      // Through real accesses: SRAM at 0x20000000 is inside every one of these regions.
      m.bus.load(0x20000000, new Uint8Array([0xef, 0xbe, 0xad, 0xde]));
      m.core.controlNPriv = true;
      expect(m.core.read32(0x20000000)).toBe(0xdeadbeef);
      m.core.controlNPriv = false;
      if (base + size < 2 ** 32) expect(userRead(m, base + size)).toBe(4);
      if (base > 0) expect(userRead(m, base - 4)).toBe(4);
      // The region's last word: memory (allowed) or nothing decodes it (allowed by the MPU, BusFault).
      const last = base + size - 4;
      const inMemory = m.bus.segmentFor(last, 4) !== undefined || m.bus.peripheralAt(last) !== undefined;
      if (last >>> 20 !== 0xe00) expect(userRead(m, last)).toBe(inMemory ? 0 : 5);
    });
  }
});

describe("misaligned bases: rounded down, MPU_BASE_MISALIGNED warning", () => {
  for (let s = 5; s <= 30; s++) {
    const size = 2 ** (s + 1);
    it(`SIZE=${s}: base + size/2 behaves as the aligned base`, () => {
      const { m, warnings } = setup();
      const aligned = 0x20000000 - (0x20000000 % size);
      const raw = aligned + size / 2;
      region(m, 0, raw, s, AP_RW);
      m.core.write32(CTRL, 1);
      expect(warnings).toEqual([
        {
          code: "MPU_BASE_MISALIGNED",
          message: `region 0: base 0x${raw.toString(16)} is not aligned to size ${size}; the hardware ignores the low bits (base used: 0x${aligned.toString(16)})`,
          region: 0,
          field: "RBAR.ADDR",
          value: raw,
        },
      ]);
      expect(m.mpu.region(0).rawBase).toBe(raw);
      expect(m.mpu.region(0).base).toBe(aligned);
      expect(m.core.read32(RBAR)).toBe(raw); // RBAR keeps what was written (REGION = RNR = 0)
      expect(m.core.permissionAt(aligned) & U).toBe(U);
      expect(m.core.permissionAt(aligned + size - 1) & U).toBe(U);
      if (aligned > 0) expect(m.core.permissionAt(aligned - 1) & U).toBe(0);
      expect(m.core.permissionAt(aligned + size) & U).toBe(0);
      expect(m.mpu.decide(raw + size - 1) & U).toBe(0);
      expect(userRead(m, 0x20000000)).toBe(0);
    });
  }

  it("a misaligned base inside SRAM: the accessible window starts at the rounded-down base", () => {
    const { m } = setup();
    region(m, 0, 0x20000400, 11, AP_RW); // 4 KiB at 0x20000400 -> 0x20000000
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x20000000)).toBe(0);
    expect(userRead(m, 0x20000ffc)).toBe(0);
    expect(userRead(m, 0x20001000)).toBe(4);
    expect(userRead(m, 0x200013fc)).toBe(4);
  });
});

describe("SIZE < 4: never matches, MPU_SIZE_TOO_SMALL warning", () => {
  for (let s = 0; s < 4; s++) {
    it(`SIZE=${s}`, () => {
      const { m, warnings } = setup();
      region(m, 0, 0x20000000, s, AP_RW);
      region(m, 1, 0x20000000, s, AP_NONE);
      m.core.write32(CTRL, 1 | 4);
      expect(warnings.map((w) => [w.code, w.region, w.field, w.value])).toEqual([
        ["MPU_SIZE_TOO_SMALL", 0, "RASR.SIZE", s],
        ["MPU_SIZE_TOO_SMALL", 1, "RASR.SIZE", s],
      ]);
      // Region 0 would grant unprivileged RW; it never matches.
      expect(userRead(m, 0x20000000)).toBe(4);
      expect(m.scb.mmfar).toBe(0x20000000);
      // Region 1 would deny everything; it never matches, so the background region applies.
      m.core.write32(0x20000000, 0x1234);
      expect(m.core.read32(0x20000000)).toBe(0x1234);
      expect(m.core.permissionAt(0x20000000)).toBe(Perm.PR | Perm.PW | Perm.PX);
      expect(m.mpu.decide(0x20000000)).toBe(Perm.PR | Perm.PW | Perm.PX);
    });
  }
});

describe("the 4 GiB region (SIZE=31)", () => {
  it("covers every address; PPB stays privileged-only; the system range stays execute-never", () => {
    const { m } = setup();
    region(m, 0, 0, 31, AP_RW); // XN = 0
    m.core.write32(CTRL, 1);
    expect(m.mpu.region(0).size).toBe(2 ** 32);
    for (const a of [0, 0x08000000, 0x20000000, 0x40000000, 0x9ffffffc, 0xdffffffc, 0xfffffffc]) {
      expect(m.core.permissionAt(a) & U).toBe(U);
    }
    expect(m.core.permissionAt(0xe0100000) & (Perm.PX | Perm.UX)).toBe(0);
    expect(m.core.permissionAt(0x20000000) & (Perm.PX | Perm.UX)).toBe(Perm.PX | Perm.UX);
    m.core.controlNPriv = true;
    m.core.write32(0x2001fffc, 7);
    expect(m.core.read32(0x2001fffc)).toBe(7);
    // Flash: readable, a store is a precise BusFault (the MPU allows it, the memory is read-only).
    expect(m.core.read32(0x08000000)).toBe(0xffffffff);
    const f = trap(() => m.core.write32(0x08000000, 1));
    expect([f.exception, m.scb.cfsr, m.scb.bfar]).toEqual([5, 0x8200, 0x08000000]);
    m.core.clearFault();
    m.scb.cfsr = 0;
    const g = trap(() => m.core.read32(0xe000ed00));
    expect([g.exception, m.scb.cfsr, m.scb.bfar]).toEqual([5, 0x8200, 0xe000ed00]);
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.core.controlNPriv = false;
    const h = trap(() => m.core.fetch(0xf0000000));
    expect([h.exception, m.scb.cfsr]).toEqual([4, 0x01]);
  });

  it("ADDR other than 0 is a misaligned base: base 0 used, MPU_BASE_MISALIGNED warning", () => {
    const { m, warnings } = setup();
    region(m, 0, 0x20000000, 31, AP_RW);
    m.core.write32(CTRL, 1);
    const misaligned = {
      code: "MPU_BASE_MISALIGNED",
      message:
        "region 0: base 0x20000000 is not aligned to size 4294967296; the hardware ignores the low bits (base used: 0x0)",
      region: 0,
      field: "RBAR.ADDR",
      value: 0x20000000,
    };
    expect(warnings).toEqual([misaligned]);
    expect(m.mpu.warnings()).toEqual([misaligned]);
    expect(m.mpu.region(0).rawBase).toBe(0x20000000);
    expect(m.mpu.region(0).base).toBe(0);
    expect(m.core.read32(RBAR)).toBe(0x20000000);
    expect(userRead(m, 0x08000000)).toBe(0);
    expect(userRead(m, 0x1ffffffc)).toBe(5); // the MPU allows it: nothing is mapped there
  });

  it("its subregions are 512 MiB each", () => {
    const { m } = setup();
    region(m, 0, 0, 31, AP_RW, 0b0000_0010 << 8); // disable 0x20000000-0x3FFFFFFF
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x1ffffffc)).toBe(5); // allowed by the MPU, nothing there
    expect(userRead(m, 0x20000000)).toBe(4);
    expect(userRead(m, 0x3ffffffc)).toBe(4);
    expect(userRead(m, 0x40024000)).toBe(0);
    expect(m.mpu.region(0).subregions).toEqual([true, false, true, true, true, true, true, true]);
  });
});

describe("subregions", () => {
  it("a disabled subregion falls through to a lower-numbered region", () => {
    const { m } = setup();
    region(m, 0, 0x20000000, 10, AP_RW); // 2 KiB user RW
    region(m, 1, 0x20000000, 10, AP_PRIV_RW, 0b0000_0010 << 8); // subregion 1 (0x100-0x1FF) disabled
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x200000fc)).toBe(4); // region 1
    expect(m.scb.mmfar).toBe(0x200000fc);
    expect(userRead(m, 0x20000100)).toBe(0); // region 0 through the hole
    expect(userRead(m, 0x200001fc)).toBe(0);
    expect(userRead(m, 0x20000200)).toBe(4); // region 1 again
    expect(userRead(m, 0x20000800)).toBe(4); // nothing
    expect(m.mpu.region(1).subregions).toEqual([true, false, true, true, true, true, true, true]);
    expect(m.mpu.region(1).srd).toBe(2);
  });

  it("a disabled subregion falls through to the background region (privileged only)", () => {
    const { m } = setup();
    region(m, 3, 0x20000000, 7, AP_NONE, 0b1000_0001 << 8); // 256 B, subregions 0 and 7 disabled
    m.core.write32(CTRL, 1 | 4);
    expect(m.core.read32(0x20000000)).toBe(0); // subregion 0 -> background
    expect(m.core.read32(0x200000e0)).toBe(0); // subregion 7 -> background
    expect(trap(() => m.core.read32(0x20000020)).exception).toBe(4); // subregion 1 -> AP=000
    expect(m.scb.mmfar).toBe(0x20000020);
    m.core.clearFault();
    expect(userRead(m, 0x20000000)).toBe(4); // background is privileged only
    m.core.write32(CTRL, 1); // PRIVDEFENA off: no background either
    expect(trap(() => m.core.read32(0x20000000)).exception).toBe(4);
  });

  it("each of the 8 subregions of a 2 KiB region can be disabled alone", () => {
    for (let i = 0; i < 8; i++) {
      const { m } = setup();
      region(m, 0, 0x20000000, 10, AP_RW, (1 << i) << 8);
      m.core.write32(CTRL, 1);
      for (let j = 0; j < 8; j++) {
        expect(userRead(m, 0x20000000 + 256 * j)).toBe(i === j ? 4 : 0);
        expect(userRead(m, 0x20000000 + 256 * j + 252)).toBe(i === j ? 4 : 0);
      }
    }
  });

  for (const s of [4, 5, 6]) {
    const size = 2 ** (s + 1);
    it(`SRD on a ${size}-byte region is ignored, with MPU_SRD_IGNORED`, () => {
      const { m, warnings } = setup();
      region(m, 0, 0x20000000, s, AP_RW, 0xff << 8);
      m.core.write32(CTRL, 1);
      expect(warnings).toEqual([
        {
          code: "MPU_SRD_IGNORED",
          message: `region 0: RASR.SRD=0xff on a ${size}-byte region is UNPREDICTABLE; SRD ignored (project choice)`,
          region: 0,
          field: "RASR.SRD",
          value: 0xff,
        },
      ]);
      expect(userRead(m, 0x20000000)).toBe(0);
      expect(userRead(m, 0x20000000 + size - 4)).toBe(0);
      expect(userRead(m, 0x20000000 + size)).toBe(4);
      expect(m.mpu.region(0).subregions.every((x) => x)).toBe(true);
    });
  }

  it("SRD on a 256-byte region is honoured, without a warning", () => {
    const { m, warnings } = setup();
    region(m, 0, 0x20000000, 7, AP_RW, 0x01 << 8);
    m.core.write32(CTRL, 1);
    expect(warnings).toEqual([]);
    expect(userRead(m, 0x2000001c)).toBe(4);
    expect(userRead(m, 0x20000020)).toBe(0);
  });
});

describe("overlapping regions: the highest-numbered match wins", () => {
  it("a higher region denying inside a lower one granting", () => {
    const { m } = setup();
    region(m, 2, 0x20000000, 16, AP_RW); // 128 KiB
    region(m, 5, 0x20001000, 9, AP_NONE); // 1 KiB hole
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x20000ffc)).toBe(0);
    expect(userRead(m, 0x20001000)).toBe(4);
    expect(userRead(m, 0x200013fc)).toBe(4);
    expect(userRead(m, 0x20001400)).toBe(0);
    // Privileged: AP=000 denies too (a matching region replaces the background region).
    m.core.write32(CTRL, 1 | 4);
    expect(trap(() => m.core.write32(0x20001000, 5)).exception).toBe(4);
    expect(m.scb.cfsr).toBe(0x82);
  });

  it("the region numbers decide, not the order of programming or the size", () => {
    const { m } = setup();
    region(m, 5, 0x20000000, 16, AP_RW); // big region, higher number
    region(m, 2, 0x20001000, 9, AP_NONE); // small region, lower number
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x20001000)).toBe(0);
    region(m, 7, 0x20001000, 4, AP_PRIV_RW); // 32 B on top of both
    expect(userRead(m, 0x20001000)).toBe(4);
    expect(userRead(m, 0x20001020)).toBe(0);
    expect(m.core.permissionAt(0x20001000)).toBe(Perm.PR | Perm.PW | Perm.PX);
  });

  it("disabling the winning region (RASR.ENABLE = 0) uncovers the one below", () => {
    const { m } = setup();
    region(m, 0, 0x20000000, 16, AP_RW);
    region(m, 1, 0x20000000, 16, AP_NONE);
    m.core.write32(CTRL, 1);
    expect(userRead(m, 0x20000040)).toBe(4);
    m.core.write32(RNR, 1);
    m.core.write32(RASR, m.core.read32(RASR) & ~1);
    expect(userRead(m, 0x20000040)).toBe(0);
  });
});
