import { describe, expect, it } from "vitest";
import { MPS2_AN505 } from "../board/builtin/mps2-an505.js";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { createMachine } from "../machine.js";
import { MpuReg, Rasr, Rbar } from "./fields.js";
import type { PermTable } from "./model.js";
import { Perm } from "./perm.js";

/** The byte of `t` for the granule holding `address` (a board memory address). */
function byteAt(m: ReturnType<typeof createMachine>, t: PermTable, address: number): number {
  const r = m.bus.layout.ranges.find((x) => address >= x.start && address < x.end)!;
  return t.bytes[r.gbase + (address >>> 5) - (r.start >>> 5)]!;
}

/**
 * Index of the first granule whose bytes differ in the two tables, or -1 (a failing `toEqual` of
 * two 790,528-byte tables takes half a minute to print).
 */
function firstDiff(a: PermTable, b: PermTable): number {
  return a.bytes.findIndex((v, i) => v !== b.bytes[i]);
}

const RW = Perm.PR | Perm.PW | Perm.UR | Perm.UW;
/** RASR of an enabled, execute-never, Normal non-cacheable (TEX=1) region of 2^(size+1) bytes. */
const rasr = (size: number, ap: number) =>
  (Rasr.XN | (ap << Rasr.AP_SHIFT) | (1 << Rasr.TEX_SHIFT) | (size << Rasr.SIZE_SHIFT) | Rasr.ENABLE) >>> 0;

describe("PMSAv7 decisions and their tables", () => {
  it("a 4 GiB region covers every address whatever RBAR.ADDR holds (no address bit is compared)", () => {
    const m = createMachine(STM32F407);
    m.mpu.writeRegister(MpuReg.RNR, 0);
    m.mpu.writeRegister(MpuReg.RBAR, 0x20000000);
    m.mpu.writeRegister(MpuReg.RASR, rasr(31, 0b011));
    m.mpu.setControl({ enable: true });
    expect(m.mpu.region(0)).toMatchObject({ base: 0, size: 2 ** 32 });
    for (const a of [0, 0x08000000, 0x1fffffff, 0x20000000, 0xdfffffff]) expect(m.mpu.decide(a)).toBe(RW);
    const t = m.mpu.table();
    for (const r of m.bus.layout.ranges) {
      const granules = t.bytes.subarray(r.gbase, r.gbase + ((r.end - 1) >>> 5) - (r.start >>> 5) + 1);
      expect(new Set(granules)).toEqual(new Set([RW]));
    }
  });

  it("a change of region 1's RASR alone gets its own table (every enabled region's RASR is in the key)", () => {
    const m = createMachine(STM32F407);
    m.mpu.setControl({ enable: true, privdefena: true });
    m.mpu.setRegion(1, { base: 0x20000000, size: 1024, access: "rw" });
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(RW);
    m.mpu.setRegion(1, { base: 0x20000000, size: 1024, access: "ro" });
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(Perm.PR | Perm.UR);
    m.mpu.setRegion(7, { base: 0x20000000, size: 1024, access: "rw" });
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(RW);
    m.mpu.setRegion(7, { base: 0x20000000, size: 1024, access: "priv-rw" });
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(Perm.PR | Perm.PW);
  });

  it("the registers of a disabled region are not part of the configuration: no new table for them", () => {
    const m = createMachine(STM32F407);
    m.mpu.setControl({ enable: true });
    m.mpu.setRegion(0, { base: 0x20000000, size: 1024, access: "rw" });
    const t = m.mpu.table();
    const built = m.mpu.tablesBuilt;
    m.mpu.writeRegister(MpuReg.RNR, 3);
    m.mpu.writeRegister(MpuReg.RBAR, 0x10000000);
    m.mpu.writeRegister(MpuReg.RASR, rasr(9, 0b011) & ~Rasr.ENABLE);
    expect(m.mpu.table()).toBe(t);
    expect(m.mpu.tablesBuilt).toBe(built);
  });

  it("with the MPU off, the table is the default map's, whatever the regions say", () => {
    const m = createMachine(STM32F407);
    m.mpu.setRegion(0, { base: 0x20000000, size: 1024, access: "none" });
    expect(m.mpu.enabled).toBe(false);
    expect(firstDiff(m.mpu.table(), m.mpu.defaultMapTable)).toBe(-1);
  });

  it("so is a PMSAv8 MPU's (MPS2-AN505), whose regions apply once it is enabled", () => {
    const m = createMachine(MPS2_AN505);
    m.mpu.setRegion(0, { base: 0x20000000, size: 1024, access: "priv-ro" });
    m.mpu.setControl({ enable: false, privdefena: true });
    expect(firstDiff(m.mpu.table(), m.mpu.defaultMapTable)).toBe(-1);
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(Perm.PR);
  });

  it("a words array rewritten in place and loaded again gets the new configuration's table", () => {
    const m = createMachine(STM32F407);
    m.mpu.setControl({ enable: true });
    const words = new Uint32Array(16);
    for (let n = 0; n < 8; n++) words[2 * n] = Rbar.VALID | n;
    words[0] = 0x20000000 | Rbar.VALID;
    words[1] = rasr(9, 0b011);
    m.mpu.loadPairs(words);
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(RW);
    words[1] = rasr(9, 0b110); // read-only now
    m.mpu.loadPairs(words);
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(Perm.PR | Perm.UR);
    words[1] = rasr(9, 0b011);
    m.mpu.loadPairs(words);
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(RW);
    words[0] = 0x20000400 | Rbar.VALID; // the region moves up 1 KiB: its old place is no one's
    m.mpu.loadPairs(words);
    expect(byteAt(m, m.mpu.table(), 0x20000000) & RW).toBe(0);
    expect(byteAt(m, m.mpu.table(), 0x20000400) & RW).toBe(RW);
  });
});
