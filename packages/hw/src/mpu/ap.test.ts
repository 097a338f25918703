import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import type { ConfigWarning } from "../events.js";
import { createMachine, type Machine } from "../machine.js";
import { trap } from "../test-util.js";

/**
 * The AP table (RASR[26:24]) for both privilege levels and read/write/fetch, through real
 * register writes at the PPB addresses and checked accesses of the core.
 */

const RNR = 0xe000ed98;
const RBAR = 0xe000ed9c;
const RASR = 0xe000eda0;
const CTRL = 0xe000ed94;
const SHCSR = 0xe000ed24;
const CFSR = 0xe000ed28;
const MMFAR = 0xe000ed34;

const BASE = 0x20000000;
const ADDR = 0x20000100;
/** ENABLE, SIZE=11 (4 KiB), TEX=000 C=1 B=1 (Normal write-back). */
const RASR_4K_WB = (11 << 1) | 1 | (1 << 17) | (1 << 16);

/** Machine with faults enabled and region 0 = 4 KiB of SRAM1 with the given AP and XN (PRIVDEFENA = 0). */
function machineWith(ap: number, xn: boolean): { m: Machine; warnings: ConfigWarning[] } {
  const m = createMachine(STM32F407);
  const warnings: ConfigWarning[] = [];
  m.events.on("warning", (w) => warnings.push(w));
  const c = m.core;
  c.write32(SHCSR, 0x70000);
  c.write32(RNR, 0);
  c.write32(RBAR, BASE);
  c.write32(RASR, (RASR_4K_WB | (ap << 24) | (xn ? 1 << 28 : 0)) >>> 0);
  c.write32(CTRL, 1);
  m.bus.load(ADDR, new Uint8Array([0x11, 0x22, 0x33, 0x44]));
  return { m, warnings };
}

/** Clears the latched fault and CFSR (privileged, through the bus), restoring the privilege. */
function acknowledge(m: Machine): void {
  const npriv = m.core.controlNPriv;
  m.core.clearFault();
  m.core.controlNPriv = false;
  m.core.write32(CFSR, 0xffffffff);
  m.core.controlNPriv = npriv;
}

type Row = { ap: number; pr: boolean; pw: boolean; ur: boolean; uw: boolean };
const TABLE: Row[] = [
  { ap: 0b000, pr: false, pw: false, ur: false, uw: false },
  { ap: 0b001, pr: true, pw: true, ur: false, uw: false },
  { ap: 0b010, pr: true, pw: true, ur: true, uw: false },
  { ap: 0b011, pr: true, pw: true, ur: true, uw: true },
  { ap: 0b100, pr: false, pw: false, ur: false, uw: false },
  { ap: 0b101, pr: true, pw: false, ur: false, uw: false },
  { ap: 0b110, pr: true, pw: false, ur: true, uw: false },
  { ap: 0b111, pr: true, pw: false, ur: true, uw: false },
];

const apName = (ap: number) => ap.toString(2).padStart(3, "0");

describe("AP table", () => {
  for (const row of TABLE) {
    for (const privileged of [true, false]) {
      const who = privileged ? "privileged" : "unprivileged";
      const canRead = privileged ? row.pr : row.ur;
      const canWrite = privileged ? row.pw : row.uw;

      it(`AP=${apName(row.ap)} ${who} read ${canRead ? "allowed" : "MemManage DACCVIOL"}`, () => {
        const { m } = machineWith(row.ap, false);
        m.core.controlNPriv = !privileged;
        if (canRead) {
          expect(m.core.read32(ADDR)).toBe(0x44332211);
          expect(m.core.read32(ADDR)).toBe(0x44332211); // second time on the fast path
          expect(m.core.read8(ADDR + 3)).toBe(0x44);
          expect(m.core.read16(ADDR + 2)).toBe(0x4433);
        } else {
          const f = trap(() => m.core.read32(ADDR));
          expect(f.exception).toBe(4);
          expect(f.cfsr).toBe(0x82);
          expect(f.faultAddress).toBe(ADDR);
          expect(m.scb.cfsr).toBe(0x82);
          expect(m.scb.mmfar).toBe(ADDR);
          acknowledge(m);
          expect(trap(() => m.core.read8(ADDR + 5)).faultAddress).toBe(ADDR + 5);
          expect(m.scb.mmfar).toBe(ADDR + 5);
        }
        expect(m.core.permissionAt(ADDR) & (privileged ? 1 : 8)).toBe(canRead ? (privileged ? 1 : 8) : 0);
      });

      it(`AP=${apName(row.ap)} ${who} write ${canWrite ? "allowed" : "MemManage DACCVIOL"}`, () => {
        const { m } = machineWith(row.ap, false);
        m.core.controlNPriv = !privileged;
        if (canWrite) {
          m.core.write32(ADDR, 0xcafef00d);
          m.core.write16(ADDR + 4, 0xbeef);
          m.core.write8(ADDR + 6, 0x5a);
          m.core.write32(ADDR + 8, 0x01020304); // fast path after the first slow access
          expect([...m.bus.peek(ADDR, 12)]).toEqual([
            0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0x5a, 0, 0x04, 0x03, 0x02, 0x01,
          ]);
        } else {
          const f = trap(() => m.core.write32(ADDR, 0xcafef00d));
          expect(f.exception).toBe(4);
          expect(m.scb.cfsr).toBe(0x82);
          expect(m.scb.mmfar).toBe(ADDR);
          expect([...m.bus.peek(ADDR, 4)]).toEqual([0x11, 0x22, 0x33, 0x44]);
          acknowledge(m);
          trap(() => m.core.write8(ADDR + 1, 0));
          expect(m.scb.cfsr).toBe(0x82);
          expect(m.scb.mmfar).toBe(ADDR + 1);
          expect([...m.bus.peek(ADDR, 4)]).toEqual([0x11, 0x22, 0x33, 0x44]);
        }
      });

      for (const xn of [false, true]) {
        const canFetch = canRead && !xn;
        it(`AP=${apName(row.ap)} XN=${+xn} ${who} fetch ${canFetch ? "allowed" : "MemManage IACCVIOL"}`, () => {
          const { m } = machineWith(row.ap, xn);
          m.core.controlNPriv = !privileged;
          if (canFetch) {
            expect(m.core.fetch(ADDR + 2)).toBe(0x4433);
          } else {
            m.scb.mmfar = 0x12345678;
            const f = trap(() => m.core.fetch(ADDR));
            expect(f.exception).toBe(4);
            expect(f.cfsr).toBe(0x01);
            expect(f.faultAddress).toBe(null);
            expect(m.scb.cfsr).toBe(0x01);
            expect(m.scb.mmfar).toBe(0x12345678); // MMARVALID = 0: MMFAR not written
          }
          const x = privileged ? 4 : 0x20;
          expect(m.core.permissionAt(ADDR) & x).toBe(canFetch ? x : 0);
        });
      }
    }
  }

  it("LDRT/STRT-style unprivileged accesses by privileged code follow the unprivileged column", () => {
    for (const row of TABLE) {
      const { m } = machineWith(row.ap, false);
      expect(m.core.privileged).toBe(true);
      if (row.ur) expect(m.core.read32(ADDR, true)).toBe(0x44332211);
      else {
        expect(trap(() => m.core.read32(ADDR, true)).access).toEqual({
          address: ADDR,
          size: 4,
          kind: 0,
          privileged: false,
          actor: 0,
        });
        expect(m.scb.cfsr).toBe(0x82);
        acknowledge(m);
      }
      if (row.uw) m.core.write32(ADDR, 1, true);
      else {
        trap(() => m.core.write32(ADDR, 1, true));
        expect(m.scb.mmfar).toBe(ADDR);
        acknowledge(m);
      }
    }
  });

  it("AP=100 is the project's choice: no access for either level, with an MPU_AP_RESERVED warning", () => {
    const { m, warnings } = machineWith(0b100, false);
    expect(warnings).toEqual([
      {
        code: "MPU_AP_RESERVED",
        message: "region 0: RASR.AP=100 is UNPREDICTABLE; no access for either privilege (project choice)",
        region: 0,
        field: "RASR.AP",
        value: 0b100,
      },
    ]);
    expect(m.mpu.region(0).access).toBe("reserved");
    expect(m.core.permissionAt(ADDR)).toBe(0);
    expect(m.mpu.warnings().map((w) => w.code)).toEqual(["MPU_AP_RESERVED"]);
  });

  it("the typed API writes the same AP encodings as the table", () => {
    const m = createMachine(STM32F407);
    const names = ["none", "priv-rw", "priv-rw-user-ro", "rw", "priv-ro", "ro"] as const;
    const values = [0b000, 0b001, 0b010, 0b011, 0b101, 0b110];
    names.forEach((access, i) => {
      m.mpu.setRegion(i, { base: BASE, size: 0x1000, access, executable: true });
      expect(m.core.read32(RNR)).toBe(i);
      expect((m.core.read32(RASR) >>> 24) & 7).toBe(values[i]);
      expect(m.core.read32(RASR)).toBe((RASR_4K_WB | (values[i]! << 24)) >>> 0);
      expect(m.mpu.region(i).access).toBe(access);
    });
    m.mpu.setRegion(6, { base: BASE, size: 0x1000, access: "ro" });
    expect(m.mpu.region(6).xn).toBe(true);
    expect(m.mpu.rawRegion(6).rasr).toBe((RASR_4K_WB | (0b110 << 24) | (1 << 28)) >>> 0);
  });
});

describe("AP table read back at MMFAR through the bus", () => {
  it("MMFAR holds the faulting address as a privileged read of 0xE000ED34 sees it", () => {
    const { m } = machineWith(0b001, false);
    m.core.controlNPriv = true;
    trap(() => m.core.read16(ADDR + 0x22));
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect(m.core.read32(MMFAR)).toBe(ADDR + 0x22);
    expect(m.core.read32(CFSR)).toBe(0x82);
  });
});
