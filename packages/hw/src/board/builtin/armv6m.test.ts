import { describe, expect, it } from "vitest";
import { AccessKind } from "../../access.js";
import type { ConfigWarning } from "../../events.js";
import { Cfsr, ExceptionNumber } from "../../fault.js";
import { createMachine, type Machine } from "../../machine.js";
import { MpuReg } from "../../mpu/fields.js";
import { ScbReg } from "../../scs/scb.js";
import { trap } from "../../test-util.js";
import { EXCEPTION_LATENCY, exceptionEntryCycles, exceptionReturnCycles } from "../../timing/exception-timing.js";
import { CORE_PROFILES } from "../cores.js";
import type { Board } from "../types.js";
import { RP2040 } from "./rp2040.js";
import { findBoard } from "./table.js";

/**
 * The ARMv6-M core (Cortex-M0+) on the RP2040: registers as the silicon has them, every fault a
 * HardFault with no fault status register, the PMSAv6 MPU (docs/mpu-model.md and
 * docs/fault-reports.md, "ARMv6-M").
 */

const K = 1024;
const M = 1024 * K;

function map(b: Board): [string, number, number, string, boolean][] {
  return b.memory.map((r) => [r.name, r.start, r.size, r.kind, r.readOnly]);
}

/** RP2040 with region 0 over the striped SRAM privileged-only and the background map for privileged code. */
function protectedMachine(): Machine<"pmsav7"> {
  const m = createMachine(RP2040);
  m.mpu.setRegion(0, { base: 0x20000000, size: 0x40000, access: "priv-rw", executable: false });
  m.mpu.setRegion(1, { base: 0x20001000, size: 0x100, access: "rw", executable: false });
  m.mpu.setControl({ enable: true, privdefena: true });
  return m;
}

describe("RP2040 board", () => {
  it("is a Cortex-M0+ at 125 MHz with a PMSAv6 MPU of 8 regions; the datasheet's memory map", () => {
    expect([RP2040.core, RP2040.mpuArchitecture, RP2040.mpuRegions, RP2040.clockHz]).toEqual([
      "cortex-m0plus",
      "pmsav7",
      8,
      125_000_000,
    ]);
    expect(map(RP2040)).toEqual([
      ["ROM", 0x00000000, 16 * K, "rom", true],
      ["XIP", 0x10000000, 2 * M, "flash", true],
      ["SRAM", 0x20000000, 256 * K, "ram", false],
      ["SRAM4", 0x20040000, 4 * K, "ram", false],
      ["SRAM5", 0x20041000, 4 * K, "ram", false],
    ]);
    expect(RP2040.memory.map((r) => r.waitStates)).toEqual([1, 2, 0, 0, 0]);
    expect(RP2040.memory.reduce((n, r) => n + (r.kind === "ram" ? r.size : 0), 0)).toBe(264 * K);
    expect(RP2040.peripherals).toEqual([
      { name: "APB", start: 0x40000000, size: 0x70000 },
      { name: "AHB", start: 0x50000000, size: 0x500000 },
      { name: "SIO", start: 0xd0000000, size: 0x1000, dmaReachable: false },
    ]);
    expect(RP2040.devices).toMatchObject({ UART0: 0x40034000, SPI0: 0x4003c000, PWM: 0x40050000, TIMER: 0x40054000 });
    expect(RP2040.roles).toEqual({
      uart: "UART0",
      gpio: "SIO",
      timer: "TIMER",
      sensor: "SPI0",
      actuator: "PWM",
      dma: "DMA",
    });
    expect(findBoard("pico")).toBe(RP2040);
    expect(findBoard("RP2040-Pico")).toBe(RP2040);
  });

  it("the bus: SRAM4/SRAM5 follow the striped SRAM; an unmapped address, a store to XIP and the unstriped alias are HardFaults", () => {
    const m = createMachine(RP2040);
    // One span across the striped SRAM, SRAM4 and SRAM5.
    m.core.write32(0x2003fffc, 0x11223344);
    m.core.write32(0x20041ffc, 0x55667788);
    expect([m.core.read32(0x2003fffc), m.core.read32(0x20041ffc)]).toEqual([0x11223344, 0x55667788]);
    for (const [address, kind] of [
      [0x20042000, AccessKind.Read],
      [0x21000000, AccessKind.Read],
      [0x10000000, AccessKind.Write],
      [0x30000000, AccessKind.Write],
    ] as const) {
      const f = trap(() => (kind === AccessKind.Read ? m.core.read32(address) : m.core.write32(address, 1)));
      expect([f.exception, f.cause, f.cfsr, f.hfsr, f.faultAddress, f.faultStatusRegisters]).toEqual([
        ExceptionNumber.HardFault,
        ExceptionNumber.BusFault,
        Cfsr.PRECISERR | Cfsr.BFARVALID,
        0,
        address,
        false,
      ]);
      m.core.clearFault();
    }
    expect([m.scb.cfsr, m.scb.hfsr, m.scb.bfar]).toEqual([0, 0, 0]);
  });
});

describe("Cortex-M0+ registers", () => {
  it("CPUID 0x410CC601 (r0p1), MPU_TYPE 0x00000800 (8 regions, unified), CCR 0x00000208 read-only", () => {
    const m = createMachine(RP2040);
    expect(m.core.read32(ScbReg.CPUID)).toBe(0x410cc601);
    expect(m.core.read32(MpuReg.TYPE)).toBe(0x00000800);
    expect(m.core.read32(ScbReg.CCR)).toBe(0x00000208);
    m.core.write32(ScbReg.CCR, 0);
    expect(m.core.read32(ScbReg.CCR)).toBe(0x00000208);
    m.core.write32(ScbReg.CCR, 0xffffffff);
    expect(m.core.read32(ScbReg.CCR)).toBe(0x00000208);
    expect(CORE_PROFILES["cortex-m0plus"]).toMatchObject({
      architecture: "ARMv6-M",
      stackLimits: false,
      configurableFaults: false,
      mpuAliases: false,
      mpuMinRegionSize: 256,
    });
  });

  it("SHPR1, SHCSR, CFSR, HFSR, MMFAR, BFAR, AFSR and STIR are absent: they read as zero and ignore writes", () => {
    const m = createMachine(RP2040);
    for (const reg of [
      ScbReg.SHPR1,
      ScbReg.SHCSR,
      ScbReg.CFSR,
      ScbReg.HFSR,
      ScbReg.MMFAR,
      ScbReg.BFAR,
      ScbReg.AFSR,
      ScbReg.STIR,
    ]) {
      m.core.write32(reg, 0xffffffff);
      expect(m.core.read32(reg), `0x${reg.toString(16)}`).toBe(0);
    }
    expect([m.scb.shcsr, m.scb.cfsr, m.scb.hfsr, m.scb.mmfar, m.scb.bfar, m.scb.priority(4)]).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it("priority fields keep two bits: SHPR2 holds SVCall, SHPR3 PendSV and SysTick", () => {
    const m = createMachine(RP2040);
    m.core.write32(ScbReg.SHPR2, 0xffffffff);
    m.core.write32(ScbReg.SHPR3, 0xffffffff);
    expect([m.core.read32(ScbReg.SHPR2), m.core.read32(ScbReg.SHPR3)]).toEqual([0xc0000000, 0xc0c00000]);
    m.core.write8(ScbReg.SHPR3 + 3, 0x70);
    expect(m.core.read32(ScbReg.SHPR3)).toBe(0x40c00000);
  });

  it("no stack limit registers", () => {
    const m = createMachine(RP2040);
    expect(() => {
      m.core.psplim = 0x20000000;
    }).toThrow(expect.objectContaining({ code: "STACK_LIMIT_UNSUPPORTED" }));
  });
});

describe("ARMv6-M faults: every fault is a HardFault, no register records it", () => {
  it("an MPU violation: HardFault, the model's MemManage DACCVIOL classification, nothing in the SCB", () => {
    const m = protectedMachine();
    m.core.controlNPriv = true;
    const f = trap(() => m.core.write16(0x20000010, 0xbeef));
    expect([
      f.exception,
      f.cause,
      f.cfsr,
      f.cfsrNames,
      f.hfsr,
      f.faultAddress,
      f.lockup,
      f.faultStatusRegisters,
    ]).toEqual([
      ExceptionNumber.HardFault,
      ExceptionNumber.MemManage,
      0x82,
      ["DACCVIOL", "MMARVALID"],
      0,
      0x20000010,
      false,
      false,
    ]);
    expect(f.access).toMatchObject({ address: 0x20000010, size: 2, kind: AccessKind.Write, privileged: false });
    expect(f.message).toBe(
      "HardFault on write of 2 byte(s) at 0x20000010 (ARMv6-M: no fault status registers; the model's classification: MemManage DACCVIOL|MMARVALID at 0x20000010)",
    );
    expect(f.toJSON()).toMatchObject({
      exceptionName: "HardFault",
      cause: "MemManage",
      hfsr: 0,
      faultStatusRegisters: false,
    });
    // What a HardFault handler could read: nothing.
    expect([m.scb.cfsr, m.scb.hfsr, m.scb.mmfar, m.scb.bfar]).toEqual([0, 0, 0, 0]);
    m.core.clearFault();
    m.core.controlNPriv = false;
    expect([m.core.read32(ScbReg.CFSR), m.core.read32(ScbReg.HFSR), m.core.read32(ScbReg.MMFAR)]).toEqual([0, 0, 0]);
    // The region the task may use works.
    m.core.controlNPriv = true;
    m.core.write32(0x20001000, 7);
    expect(m.core.read32(0x20001000)).toBe(7);
  });

  it("an instruction fetch from an XN region: HardFault (IACCVIOL classification, no address)", () => {
    const m = protectedMachine();
    const f = trap(() => m.core.fetch(0x20000100));
    expect([f.exception, f.cause, f.cfsrNames, f.faultAddress, f.faultStatusRegisters]).toEqual([
      ExceptionNumber.HardFault,
      ExceptionNumber.MemManage,
      ["IACCVIOL"],
      null,
      false,
    ]);
  });

  it("an unaligned halfword or word access always faults (CCR.UNALIGN_TRP reads as one): HardFault, UNALIGNED classification", () => {
    const m = createMachine(RP2040);
    m.core.write32(0x20000000, 0x44332211);
    // Bytes have no alignment.
    expect(m.core.read8(0x20000001)).toBe(0x22);
    for (const access of [
      () => m.core.read32(0x20000002),
      () => m.core.write32(0x20000001, 0),
      () => m.core.read16(0x20000001),
      () => m.core.readWords(0x20000002, 2),
    ]) {
      const f = trap(access);
      expect([f.exception, f.cause, f.cfsr, f.hfsr, f.faultAddress, f.faultStatusRegisters]).toEqual([
        ExceptionNumber.HardFault,
        ExceptionNumber.UsageFault,
        Cfsr.UNALIGNED,
        0,
        null,
        false,
      ]);
      m.core.clearFault();
    }
    expect(m.scb.cfsr).toBe(0);
  });

  it("SHCSR cannot enable a configurable fault: a fault taken with every enable bit written is still a HardFault", () => {
    const m = protectedMachine();
    m.core.write32(ScbReg.SHCSR, 0x00070000);
    m.scb.shcsr = 0x00070000; // even forced into the field, as a debugger would
    m.core.controlNPriv = true;
    const f = trap(() => m.core.read32(0x20000020));
    expect([f.exception, f.cause, f.hfsr]).toEqual([ExceptionNumber.HardFault, ExceptionNumber.MemManage, 0]);
  });

  it("a fault in the HardFault handler (priority -1) locks up", () => {
    const m = createMachine(RP2040);
    m.core.executionPriority = -1;
    const f = trap(() => m.core.read32(0x30000000));
    expect([f.exception, f.lockup, f.hfsr]).toEqual([ExceptionNumber.HardFault, true, 0]);
    expect(f.message).toMatch(/^Lockup: HardFault on read of 4 byte\(s\) at 0x30000000 \(ARMv6-M/);
  });

  it("exception stacking: the 8-word frame at an 8-byte-aligned SP (STKALIGN reads as one), realignment in xPSR bit 9", () => {
    const m = createMachine(RP2040);
    const frame = [0x10, 0x11, 0x12, 0x13, 0x1c, 0x100003a1, 0x100003a0, 0x01000000];
    const sp = m.core.pushFrame(0x20002004, frame);
    expect(sp).toBe(0x20001fe0);
    expect(Array.from(m.core.readWords(sp, 8))).toEqual([...frame.slice(0, 7), 0x01000200]);
    expect(m.core.popFrame(sp).sp).toBe(0x20002004);
  });
});

describe("the PMSAv6 MPU (ARMv6-M)", () => {
  it("has no alias registers: RBAR_A1..A3 and RASR_A1..A3 read as zero and ignore writes", () => {
    const m = createMachine(RP2040);
    m.core.write32(MpuReg.RNR, 2);
    m.core.write32(MpuReg.RBAR_A1, 0x20000000 | 0x10 | 3);
    m.core.write32(MpuReg.RASR_A1, 0x03000000 | (7 << 1) | 1);
    expect([m.core.read32(MpuReg.RNR), m.core.read32(MpuReg.RBAR_A1), m.core.read32(MpuReg.RASR_A1)]).toEqual([
      2, 0, 0,
    ]);
    expect(m.mpu.rawRegion(3)).toEqual({ rbar: 0, rasr: 0 });
    expect(m.mpu.rawRegion(2)).toEqual({ rbar: 0, rasr: 0 });
  });

  it("loadPairs writes each pair to RBAR and RASR (no alias block)", () => {
    const m = createMachine(RP2040);
    const rasr = 0x03000000 | (7 << 1) | 1; // AP=011, 256 B, enabled
    m.mpu.loadPairs([0x20000000 | 0x10 | 0, rasr, 0x20000100 | 0x10 | 5, rasr]);
    expect(m.mpu.rawRegion(0)).toEqual({ rbar: 0x20000000, rasr });
    expect(m.mpu.rawRegion(5)).toEqual({ rbar: 0x20000100, rasr });
    expect(m.core.read32(MpuReg.RNR)).toBe(5);
  });

  it("regions below 256 bytes: the typed API refuses them; a RASR.SIZE below 7 never matches and warns", () => {
    const m = createMachine(RP2040);
    expect(() => m.mpu.setRegion(0, { base: 0x20000000, size: 128, access: "rw" })).toThrow(
      expect.objectContaining({ code: "MPU_SIZE" }),
    );
    const warnings: ConfigWarning[] = [];
    m.events.on("warning", (w) => warnings.push(w));
    m.core.write32(MpuReg.RNR, 0);
    m.core.write32(MpuReg.RBAR, 0x20000000);
    m.core.write32(MpuReg.RASR, 0x01000000 | (6 << 1) | 1); // 128 B, priv-rw
    m.mpu.setControl({ enable: true, privdefena: false });
    expect(warnings.map((w) => w.code)).toContain("MPU_SIZE_TOO_SMALL");
    // The region never matches: with no background region, even privileged code is denied.
    const f = trap(() => m.core.read32(0x20000000));
    expect([f.exception, f.cause, f.cfsrNames]).toEqual([
      ExceptionNumber.HardFault,
      ExceptionNumber.MemManage,
      ["DACCVIOL", "MMARVALID"],
    ]);
  });

  it("has no TEX field: RASR bits [21:19] read as zero; a TEX memory type is refused by the typed API", () => {
    const m = createMachine(RP2040);
    m.core.write32(MpuReg.RNR, 1);
    m.core.write32(MpuReg.RASR, 0x13000000 | (1 << 19) | 0x00070000 | (7 << 1) | 1);
    expect(m.core.read32(MpuReg.RASR)).toBe(0x13070000 | (7 << 1) | 1);
    expect(() => m.mpu.setRegion(1, { base: 0x20000000, size: 256, access: "rw", memory: "normal-wbwa" })).toThrow(
      expect.objectContaining({ code: "MPU_FIELD_RESERVED" }),
    );
    m.mpu.setRegion(1, { base: 0x20000000, size: 256, access: "rw", memory: "normal-wb" });
    expect(m.mpu.region(1)).toMatchObject({ base: 0x20000000, size: 256, enabled: true });
  });

  it("subregions work on a 256-byte region (32-byte subregions)", () => {
    const m = createMachine(RP2040);
    m.mpu.setRegion(0, { base: 0x20000000, size: 0x40000, access: "priv-rw" });
    m.mpu.setRegion(1, { base: 0x20000100, size: 256, access: "rw", subregionDisable: 0b00000010 });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    m.core.write32(0x20000100, 1);
    const f = trap(() => m.core.write32(0x20000120, 1));
    expect([f.exception, f.faultAddress]).toEqual([ExceptionNumber.HardFault, 0x20000120]);
  });
});

describe("Cortex-M0+ exception timing", () => {
  it("15 cycles on entry with zero wait states (stacking then the vector fetch on the one AHB-Lite interface)", () => {
    expect(EXCEPTION_LATENCY["cortex-m0plus"]).toEqual({ entry: 15, exit: 13, fpContext: 0, tailChain: 6 });
    expect(exceptionEntryCycles(RP2040, { stack: 0x20002000, vectorTable: 0x20000000, handler: 0x20000100 })).toBe(15);
    // Vectors and handler in XIP flash: + 2 + 2 wait states.
    expect(exceptionEntryCycles(RP2040, { stack: 0x20002000, vectorTable: 0x10000100, handler: 0x10000400 })).toBe(19);
    expect(exceptionReturnCycles(RP2040, { stack: 0x20002000, returnTo: 0x10000400 })).toBe(15);
  });
});
