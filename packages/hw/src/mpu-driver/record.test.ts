import { describe, expect, it } from "vitest";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { HwError } from "../errors.js";
import { createMachine } from "../machine.js";
import { Perm } from "../mpu/perm.js";
import { MpuV8Reg } from "../mpu-v8/fields.js";
import { createMpuDriver } from "./create.js";
import { PMSAV8_MAIR } from "./pmsav8.js";
import type { MpuGrant } from "./types.js";

// A configuration's record is what a kernel stores in memory and loads back at a switch: the
// words laid out load as the configuration; other words (memory overwritten since) load as they are.

const kernelBlock: MpuGrant = { id: "kernel", label: "kernel", base: 0x20004000, size: 0x2000, access: "priv-rw" };
const stack: MpuGrant = { id: "stack", label: "stack", base: 0x20008000, size: 1024, access: "rw", guard: 32 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof HwError) return e.code;
    throw e;
  }
  return "none";
}

describe("PMSAv7 configuration records", () => {
  function setup() {
    const m = createMachine(STM32F407);
    const driver = createMpuDriver(m);
    const flash: MpuGrant = { id: "code", label: "code", base: 0x08000000, size: 0x100000, access: "ro" };
    const c = driver.newConfig({ who: 't "t"', kernel: [flash, kernelBlock], task: [stack] });
    return { m, driver, c };
  }

  it("is the configuration's words: (RBAR | VALID | REGION, RASR) per region", () => {
    const { driver, c } = setup();
    expect(driver.recordWords).toBe(16);
    expect([...c.record]).toEqual([...c.words]);
    expect(c.record[0]).toBe(0x20008010);
    expect(c.record[14]).toBe(0x20004017);
  });

  it("the laid-out words load as the configuration (skipped when loaded)", () => {
    const { driver, c } = setup();
    expect(driver.configureFromRecord(c, Uint32Array.from(c.record))).toBe(true);
    expect(driver.configureFromRecord(c, Uint32Array.from(c.record))).toBe(true);
    expect([driver.loads, driver.skips, driver.loaded]).toEqual([1, 1, c]);
  });

  it("overwritten words load as they are: a forged RBAR's REGION field picks the kernel's region", () => {
    const { m, driver, c } = setup();
    driver.configureMpu(c);
    const forged = Uint32Array.from(c.record);
    // Region 2's pair now names region 7 (the kernel block's) and makes all of SRAM1 full access.
    forged[4] = (0x20000000 | 0x10 | 7) >>> 0;
    forged[5] = ((3 << 24) | (16 << 1) | 1) >>> 0; // AP=full access, SIZE=16 (128 KiB), ENABLE
    expect(driver.configureFromRecord(c, forged)).toBe(false);
    expect([driver.loads, driver.loaded]).toEqual([2, null]);
    m.mpu.setControl({ enable: true, privdefena: true });
    // The pairs after it rewrote region 7 with the kernel block's words (the STM goes on), then region 2
    // was never written: region 7 holds the kernel block again, region 2 keeps its old words.
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20004000, rasr: c.words[15] });
    // Forge the last pair instead: nothing after it restores region 7.
    const last = Uint32Array.from(c.record);
    last[14] = (0x20000000 | 0x10 | 7) >>> 0;
    last[15] = ((3 << 24) | (16 << 1) | 1) >>> 0;
    expect(driver.configureFromRecord(c, last)).toBe(false);
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20000000, rasr: (3 << 24) | (16 << 1) | 1 });
    expect(m.mpu.decide(0x20004000) & (Perm.UR | Perm.UW)).toBe(Perm.UR | Perm.UW);
    // The laid-out record loads the configuration again (nothing cached across the forged load).
    expect(driver.configureFromRecord(c, c.record)).toBe(true);
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20004000, rasr: c.words[15] });
    expect(m.mpu.decide(0x20004000) & (Perm.UR | Perm.UW)).toBe(0);
  });

  it("a record of another length is BAD_ARGUMENT, nothing loaded", () => {
    const { driver, c } = setup();
    expect(code(() => driver.configureFromRecord(c, new Uint32Array(15)))).toBe("BAD_ARGUMENT");
    expect(code(() => driver.configureFromRecord(c, null as never))).toBe("BAD_ARGUMENT");
    expect([driver.loads, driver.loaded]).toEqual([0, null]);
  });
});

describe("PMSAv8 configuration records", () => {
  function setup() {
    const m = createMachine(MPS2_AN505);
    const driver = createMpuDriver(m);
    const rom: MpuGrant = { id: "code", label: "code", base: 0, size: 0x400000, access: "ro", executable: true };
    const guarded: MpuGrant = { ...stack, base: 0x20001000 };
    const c = driver.newConfig({ who: 't "t"', kernel: [rom, kernelBlock], task: [guarded] });
    return { m, driver, c };
  }

  it("is MAIR0, MAIR1, (RBAR, RLAR) per region, then PSPLIM", () => {
    const { driver, c } = setup();
    expect(driver.recordWords).toBe(19);
    expect([c.record[0], c.record[1]]).toEqual([...PMSAV8_MAIR]);
    expect([...c.record.subarray(2, 18)]).toEqual([...c.words]);
    expect(c.record[18]).toBe(0x20001020);
  });

  it("overwritten words load as they are: MAIR, the regions and PSPLIM from the record", () => {
    const { m, driver, c } = setup();
    const forged = Uint32Array.from(c.record);
    forged[1] = 0x44; // MAIR1: Attr4 Normal non-cacheable
    forged[3] = (0x200007e0 & 0xffffffe0) | 1; // region 0's RLAR: the stack region now reaches down to 0x20000000..
    forged[2] = 0x20000000 | (1 << 1); // ..from 0x20000000, RW at any privilege (AP=01), executable
    forged[18] = 0; // no stack limit
    expect(driver.configureFromRecord(c, forged)).toBe(false);
    expect(driver.loaded).toBe(null);
    expect(m.core.read32(MpuV8Reg.MAIR1)).toBe(0x44);
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: forged[2], rlar: forged[3] });
    expect(m.core.psplim).toBe(0);
    expect(driver.configureFromRecord(c, c.record)).toBe(true);
    expect(m.core.psplim).toBe(0x20001020);
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: c.words[0], rlar: c.words[1] });
  });
});
