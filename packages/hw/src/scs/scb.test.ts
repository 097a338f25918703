import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { STM32H743XI } from "../board/builtin/stm32h7.js";
import { STM32U585 } from "../board/builtin/stm32u585.js";
import { CORE_PROFILES } from "../board/cores.js";
import type { Board } from "../board/types.js";
import { createMachine, type Machine } from "../machine.js";
import type { MpuV8 } from "../mpu-v8/mpu-v8.js";
import { trap } from "../test-util.js";
import { ScbReg, scbRegisterAbsent } from "./scb.js";

/**
 * The fault registers of the System Control Block at their PPB addresses: CFSR and HFSR
 * (write-1-to-clear, word and sub-word), MMFAR, BFAR, SHCSR, CCR, SHPR1-3, CPUID, VTOR; and the
 * privileged-only rule for the whole SCS (STIR excepted).
 */

const CPUID = 0xe000ed00;
const VTOR = 0xe000ed08;
const CCR = 0xe000ed14;
const SHPR1 = 0xe000ed18;
const SHPR2 = 0xe000ed1c;
const SHPR3 = 0xe000ed20;
const SHCSR = 0xe000ed24;
const CFSR = 0xe000ed28;
const HFSR = 0xe000ed2c;
const MMFAR = 0xe000ed34;
const BFAR = 0xe000ed38;
const STIR = 0xe000ef00;

/**
 * A machine whose CFSR holds a MemManage, a BusFault and a UsageFault status (taken as real
 * faults, in that order). On the STM32F407's Cortex-M4 MMFAR and BFAR are one register: the
 * BusFault's address replaces the MemManage's and clears MMARVALID.
 */
function withStatus(board: Board = STM32F407): Machine {
  const m = createMachine(board);
  m.core.write32(SHCSR, 0x70000);
  if (board.mpuArchitecture === "pmsav7") {
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    m.mpu.setRegion(1, { base: 0x30000000, size: 0x1000, access: "rw" });
    m.mpu.setRegion(2, { base: 0x40024000, size: 0x1000, access: "rw", memory: "device" });
  } else {
    const mpu = m.mpu as MpuV8;
    mpu.setMair(1, 0x04);
    mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    mpu.setRegion(1, { base: 0x30000000, size: 0x1000, access: "rw" });
    mpu.setRegion(2, { base: 0x40024000, size: 0x1000, access: "rw", attrIndex: 1 });
  }
  m.mpu.setControl({ enable: true, privdefena: true });
  m.core.controlNPriv = true;
  trap(() => m.core.read32(0x20000010)); // MemManage DACCVIOL
  m.core.clearFault();
  trap(() => m.core.read32(0x30000020)); // BusFault PRECISERR (nothing at 0x30000000)
  m.core.clearFault();
  trap(() => m.core.read32(0x40024002)); // UsageFault UNALIGNED (Device)
  m.core.clearFault();
  m.core.controlNPriv = false;
  return m;
}

describe("CFSR", () => {
  it("accumulates the status of every fault taken; on the Cortex-M4 the last address replaces the first", () => {
    const m = withStatus();
    expect(m.core.read32(CFSR)).toBe(0x01008202); // MMARVALID cleared by the BusFault
    expect(m.core.read32(MMFAR)).toBe(0x30000020);
    expect(m.core.read32(BFAR)).toBe(0x30000020);
    expect(m.core.read8(CFSR)).toBe(0x02); // MMFSR
    expect(m.core.read8(CFSR + 1)).toBe(0x82); // BFSR
    expect(m.core.read16(CFSR + 2)).toBe(0x0100); // UFSR
  });

  it("on the Cortex-M33 the register holds the first address until its valid bit is cleared", () => {
    const m = withStatus(STM32U585);
    // The BusFault sets PRECISERR but neither BFARVALID nor the address: MMARVALID was set.
    expect(m.core.read32(CFSR)).toBe(0x01000282);
    expect(m.core.read32(MMFAR)).toBe(0x20000010);
    expect(m.core.read32(BFAR)).toBe(0x20000010);
    // So the BusFault itself says so: no BFARVALID, no address.
    const again = createMachine(STM32U585);
    again.scb.recordFault(0x82, 0x20000010);
    again.core.controlNPriv = true;
    const f = trap(() => again.core.read32(0x30000020));
    expect([f.cfsr, f.faultAddress, f.cfsrNames]).toEqual([0x0200, null, ["PRECISERR"]]);
    // Once the handler clears MMARVALID, the next fault records its address.
    m.core.write32(CFSR, 0x80);
    m.core.controlNPriv = true;
    trap(() => m.core.read32(0x30000024));
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect(m.core.read32(CFSR)).toBe(0x01008202);
    expect([m.core.read32(MMFAR), m.core.read32(BFAR)]).toEqual([0x30000024, 0x30000024]);
  });

  it("word write: write-1-to-clear, zeros leave bits alone", () => {
    const m = withStatus();
    m.core.write32(CFSR, 0x00000002);
    expect(m.core.read32(CFSR)).toBe(0x01008200);
    m.core.write32(CFSR, 0);
    expect(m.core.read32(CFSR)).toBe(0x01008200);
    m.core.write32(CFSR, 0xffffffff);
    expect(m.core.read32(CFSR)).toBe(0);
  });

  it("byte write to 0xE000ED28 clears only MMFSR", () => {
    const m = withStatus();
    m.core.write8(CFSR, 0xff);
    expect(m.core.read32(CFSR)).toBe(0x01008200);
  });

  it("byte write to 0xE000ED29 clears only BFSR; halfword write to 0xE000ED2A clears only UFSR", () => {
    const m = withStatus();
    m.core.write8(CFSR + 1, 0xff);
    expect(m.core.read32(CFSR)).toBe(0x01000002);
    m.core.write16(CFSR + 2, 0xffff);
    expect(m.core.read32(CFSR)).toBe(0x00000002);
  });

  it("a clear of MMARVALID/BFARVALID leaves MMFAR/BFAR holding their last values", () => {
    const m = withStatus();
    m.core.write32(CFSR, 0x8080);
    expect(m.core.read32(CFSR)).toBe(0x01000202);
    expect(m.core.read32(MMFAR)).toBe(0x30000020);
    expect(m.core.read32(BFAR)).toBe(0x30000020);
  });
});

describe("HFSR", () => {
  it("FORCED is set on escalation and cleared by writing 1", () => {
    const m = createMachine(STM32F407);
    m.core.controlNPriv = true;
    const f = trap(() => m.core.read32(0xe000ed00)); // BusFault, disabled in SHCSR -> HardFault
    expect([f.exception, f.cause]).toEqual([3, 5]);
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect(m.core.read32(HFSR)).toBe(0x40000000);
    expect(m.core.read32(CFSR)).toBe(0x8200);
    m.core.write32(HFSR, 0);
    expect(m.core.read32(HFSR)).toBe(0x40000000);
    m.core.write8(HFSR + 3, 0x40);
    expect(m.core.read32(HFSR)).toBe(0);
  });

  it("only VECTTBL, FORCED and DEBUGEVT can be set, and only by faults", () => {
    const m = createMachine(STM32F407);
    m.scb.hfsr = 0xc0000002;
    m.core.write32(HFSR, 0x3ffffffd); // ones in no defined bit
    expect(m.core.read32(HFSR)).toBe(0xc0000002);
    m.core.write32(HFSR, 0xffffffff);
    expect(m.core.read32(HFSR)).toBe(0);
  });
});

describe("MMFAR, BFAR", () => {
  it("one register on the Cortex-M4: a MemManage after a BusFault takes it over and clears BFARVALID", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHCSR, 0x70000);
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
    m.mpu.setRegion(1, { base: 0x30000000, size: 0x1000, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    trap(() => m.core.read32(0x30000020)); // BusFault PRECISERR, BFAR
    m.core.clearFault();
    expect([m.scb.cfsr, m.scb.bfar, m.scb.mmfar]).toEqual([0x8200, 0x30000020, 0x30000020]);
    trap(() => m.core.write32(0x20000040, 1)); // MemManage DACCVIOL, MMFAR
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect(m.core.read32(CFSR)).toBe(0x0282); // BFARVALID cleared, PRECISERR kept
    expect([m.core.read32(MMFAR), m.core.read32(BFAR)]).toEqual([0x20000040, 0x20000040]);
    // A write to either is a write to both.
    m.core.write32(BFAR, 0x12345678);
    expect(m.core.read32(MMFAR)).toBe(0x12345678);
  });

  it("read and write at 0xE000ED34 / 0xE000ED38 (one register), sub-word writes merge", () => {
    const m = createMachine(STM32U585);
    m.core.write32(MMFAR, 0x12345678);
    expect([m.core.read32(MMFAR), m.core.read32(BFAR)]).toEqual([0x12345678, 0x12345678]);
    m.core.write8(MMFAR + 1, 0xaa);
    expect(m.core.read32(BFAR)).toBe(0x1234aa78);
    m.core.write16(BFAR + 2, 0x1111);
    expect([m.core.read32(MMFAR), m.core.read32(BFAR)]).toEqual([0x1111aa78, 0x1111aa78]);
    expect([m.scb.mmfar, m.scb.bfar]).toEqual([0x1111aa78, 0x1111aa78]);
  });
});

describe("SHCSR", () => {
  it("enables MemManage, BusFault and UsageFault", () => {
    const m = createMachine(STM32F407);
    expect(m.core.read32(SHCSR)).toBe(0);
    m.core.write32(SHCSR, 0x00070000);
    expect(m.core.read32(SHCSR)).toBe(0x00070000);
    expect([m.scb.faultEnabled(4), m.scb.faultEnabled(5), m.scb.faultEnabled(6)]).toEqual([true, true, true]);
    m.core.write8(SHCSR + 2, 0x02);
    expect([m.scb.faultEnabled(4), m.scb.faultEnabled(5), m.scb.faultEnabled(6)]).toEqual([false, true, false]);
    expect(m.core.read32(SHCSR)).toBe(0x00020000);
  });

  it("keeps only the architected bits (ARMv7-M: bits 2, 4-6, 9 and 19-31 are reserved)", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHCSR, 0xffffffff);
    expect(m.core.read32(SHCSR)).toBe(0x0007fd8b);
  });
});

describe("CCR", () => {
  it("resets with STKALIGN set; UNALIGN_TRP makes every unaligned access fault", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHCSR, 0x70000);
    expect(m.core.read32(CCR)).toBe(0x200);
    m.bus.load(0x20000000, new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(m.core.read32(0x20000001)).toBe(0x05040302);
    m.core.write32(CCR, 0x208);
    expect(m.core.read32(CCR)).toBe(0x208);
    const f = trap(() => m.core.read32(0x20000001));
    expect([f.exception, m.scb.cfsr]).toEqual([6, 0x01000000]);
    m.core.clearFault();
    m.core.write32(CCR, 0x200);
    expect(m.core.read32(0x20000001)).toBe(0x05040302);
  });

  it("the Cortex-M4 keeps bits 0, 1, 3, 4, 8, 9 only", () => {
    const m = createMachine(STM32F407);
    m.core.write32(CCR, 0xffffffff);
    expect(m.core.read32(CCR)).toBe(0x0000031b);
  });

  it("the Cortex-M7 keeps its cache enable bits; reserved bits read as zero", () => {
    const h = createMachine(STM32H743XI);
    h.core.write32(CCR, 0xffffffff);
    expect(h.core.read32(CCR)).toBe(0x0007031b);
  });
});

describe("SHPR1-3", () => {
  it("hold 4-bit priorities for MemManage, BusFault, UsageFault, SVCall, PendSV, SysTick", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHPR1, 0xffffffff);
    expect(m.core.read32(SHPR1)).toBe(0x00f0f0f0); // byte 3 (exception 7) reserved
    m.core.write32(SHPR1, 0x00c08040);
    expect([m.scb.priority(4), m.scb.priority(5), m.scb.priority(6)]).toEqual([0x40, 0x80, 0xc0]);
    m.core.write8(SHPR1 + 1, 0x9f);
    expect(m.scb.priority(5)).toBe(0x90);
    expect(m.core.read8(SHPR1 + 1)).toBe(0x90);
    m.core.write32(SHPR2, 0xffffffff);
    expect(m.core.read32(SHPR2)).toBe(0xf0000000); // only SVCall
    m.core.write32(SHPR3, 0xffffffff);
    expect(m.core.read32(SHPR3)).toBe(0xf0f000f0); // DebugMonitor, PendSV, SysTick
  });
});

describe("other SCB registers", () => {
  it("CPUID per core, VTOR aligned to 128 bytes", () => {
    expect(createMachine(STM32F407).core.read32(CPUID)).toBe(0x410fc241);
    expect(createMachine(STM32H743XI).core.read32(CPUID)).toBe(0x411fc272);
    const m = createMachine(STM32F407);
    m.core.write32(CPUID, 0);
    expect(m.core.read32(CPUID)).toBe(0x410fc241);
    m.core.write32(VTOR, 0x08004123);
    expect(m.core.read32(VTOR)).toBe(0x08004100);
    expect(m.scb.vtor).toBe(0x08004100);
  });
});

describe("the SCS is privileged-only", () => {
  const registers = [CPUID, VTOR, CCR, SHPR1, SHCSR, CFSR, HFSR, MMFAR, BFAR, 0xe000ed90, 0xe000ed94, 0xe000e010];
  for (const a of registers) {
    it(`unprivileged read and write of 0x${a.toString(16)}: precise BusFault, BFAR = address, register unchanged`, () => {
      const m = createMachine(STM32F407);
      m.core.write32(SHCSR, 0x70000);
      m.core.write32(MMFAR, 0x11111111);
      const before = m.core.read32(a);
      m.core.controlNPriv = true;
      let f = trap(() => m.core.read32(a));
      expect([f.exception, f.cfsr, f.faultAddress, m.scb.cfsr, m.scb.bfar]).toEqual([5, 0x8200, a, 0x8200, a]);
      m.core.clearFault();
      m.scb.cfsr = 0;
      f = trap(() => m.core.write32(a, 0xffffffff));
      expect([f.exception, m.scb.cfsr, m.scb.bfar]).toEqual([5, 0x8200, a]);
      m.core.clearFault();
      m.core.controlNPriv = false;
      // The fault wrote CFSR and BFAR, which on the Cortex-M4 is MMFAR too.
      if (a !== CFSR && a !== BFAR && a !== MMFAR) expect(m.core.read32(a)).toBe(before);
    });
  }

  it("STIR may be written unprivileged when CCR.USERSETMPEND is set", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHCSR, 0x70000);
    m.core.controlNPriv = true;
    expect(trap(() => m.core.write32(STIR, 3)).exception).toBe(5);
    m.core.clearFault();
    m.core.controlNPriv = false;
    m.core.write32(CCR, 0x202);
    m.core.controlNPriv = true;
    m.core.write32(STIR, 3);
    expect(m.scb.cfsr).toBe(0x8200);
  });

  it("unaligned access to the PPB is a UsageFault (Strongly-ordered)", () => {
    const m = createMachine(STM32F407);
    m.core.write32(SHCSR, 0x70000);
    const f = trap(() => m.core.read32(CFSR + 1));
    expect([f.exception, m.scb.cfsr]).toEqual([6, 0x01000000]);
  });
});

describe("scbRegisterAbsent: the SCB words an ARMv6-M core lacks", () => {
  it("names SHPR1, SHCSR, CFSR, HFSR, MMFAR, BFAR, AFSR and STIR on ARMv6-M only", () => {
    const absent = Object.entries(ScbReg)
      .filter(([, at]) => scbRegisterAbsent(CORE_PROFILES["cortex-m0plus"], at))
      .map(([name]) => name);
    expect(absent).toEqual(["SHPR1", "SHCSR", "CFSR", "HFSR", "MMFAR", "BFAR", "AFSR", "STIR"]);
    for (const core of ["cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55"] as const) {
      expect([core, Object.values(ScbReg).some((at) => scbRegisterAbsent(CORE_PROFILES[core], at))]).toEqual([
        core,
        false,
      ]);
    }
  });
});
