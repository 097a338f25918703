import { describe, expect, it } from "vitest";
import { createMachine } from "../../machine.js";
import { trap } from "../../test-util.js";
import type { Board } from "../types.js";
import { MPS2_AN505 } from "./mps2-an505.js";
import { MPS3_AN547 } from "./mps3-an547.js";
import { RP2350 } from "./rp2350.js";
import { STM32U585 } from "./stm32u585.js";
import { findBoard } from "./table.js";

/** The ARMv8-M boards: memory maps from their reference manuals, MPU architecture, region count, CPUID. */

const K = 1024;
const M = 1024 * K;

function map(b: Board): [string, number, number, string, boolean][] {
  return b.memory.map((r) => [r.name, r.start, r.size, r.kind, r.readOnly]);
}

describe("ARMv8-M boards", () => {
  it("STM32U585: Cortex-M33, PMSAv8, 8 regions; RM0456 map (TrustZone disabled)", () => {
    expect([STM32U585.core, STM32U585.mpuArchitecture, STM32U585.mpuRegions, STM32U585.clockHz]).toEqual([
      "cortex-m33",
      "pmsav8",
      8,
      160_000_000,
    ]);
    expect(map(STM32U585)).toEqual([
      ["Flash", 0x08000000, 2 * M, "flash", true],
      ["DeviceSignature", 0x0bfa0700, 0xa4, "rom", true],
      ["SRAM1", 0x20000000, 192 * K, "ram", false],
      ["SRAM2", 0x20030000, 64 * K, "ram", false],
      ["SRAM3", 0x20040000, 512 * K, "ram", false],
      ["SRAM4", 0x28000000, 16 * K, "ram", false],
    ]);
    expect(STM32U585.devices).toMatchObject({
      USART2: 0x40004400,
      TIM1: 0x40012c00,
      GPIOA: 0x42020000,
      RCC: 0x46020c00,
    });
  });

  it("RP2350: Cortex-M33, PMSAv8, 8 regions; ROM, XIP flash, 520 KiB SRAM", () => {
    expect([RP2350.core, RP2350.mpuArchitecture, RP2350.mpuRegions]).toEqual(["cortex-m33", "pmsav8", 8]);
    expect(map(RP2350)).toEqual([
      ["ROM", 0x00000000, 32 * K, "rom", true],
      ["XIP", 0x10000000, 4 * M, "flash", true],
      ["SRAM", 0x20000000, 512 * K, "ram", false],
      ["SRAM8", 0x20080000, 4 * K, "ram", false],
      ["SRAM9", 0x20081000, 4 * K, "ram", false],
    ]);
    expect(RP2350.devices).toMatchObject({ UART0: 0x40070000, TIMER0: 0x400b0000, SIO: 0xd0000000 });
  });

  it("MPS2-AN505: Cortex-M33, PMSAv8, 8 regions (the IoT Kit's; QEMU since 8.2); QEMU's map", () => {
    expect([MPS2_AN505.core, MPS2_AN505.mpuArchitecture, MPS2_AN505.mpuRegions]).toEqual(["cortex-m33", "pmsav8", 8]);
    expect(map(MPS2_AN505)).toEqual([
      ["SSRAM1", 0x00000000, 4 * M, "ram", false],
      ["SRAM", 0x20000000, 32 * K, "ram", false],
      ["SSRAM2", 0x28000000, 2 * M, "ram", false],
      ["SSRAM3", 0x28200000, 2 * M, "ram", false],
      ["PSRAM", 0x80000000, 16 * M, "ram", false],
    ]);
    expect(MPS2_AN505.devices).toMatchObject({ UART0: 0x40200000, TIMER0: 0x40000000, DUALTIMER: 0x40002000 });
  });

  it("MPS3-AN547: Cortex-M55 (ARMv8.1-M), PMSAv8, 16 regions; TCMs, SRAMs, QSPI", () => {
    expect([MPS3_AN547.core, MPS3_AN547.mpuArchitecture, MPS3_AN547.mpuRegions]).toEqual(["cortex-m55", "pmsav8", 16]);
    expect(map(MPS3_AN547)).toEqual([
      ["ITCM", 0x00000000, 512 * K, "ram", false],
      ["SRAM", 0x01000000, 2 * M, "ram", false],
      ["DTCM", 0x20000000, 512 * K, "ram", false],
      ["SSE-SRAM", 0x21000000, 4 * M, "ram", false],
      ["QSPI", 0x28000000, 8 * M, "flash", true],
    ]);
    expect(MPS3_AN547.devices).toMatchObject({ UART0: 0x49303000, GPIO0: 0x41100000 });
  });

  it("CPUID, MPU_TYPE and PXN follow the core", () => {
    const u = createMachine(STM32U585);
    expect([u.core.read32(0xe000ed00), u.core.read32(0xe000ed90), u.mpu.pxnImplemented]).toEqual([
      0x410fd214,
      0x800,
      false,
    ]);
    const a = createMachine(MPS3_AN547);
    expect([a.core.read32(0xe000ed00), a.core.read32(0xe000ed90), a.mpu.pxnImplemented]).toEqual([
      0x411fd220,
      0x1000,
      true,
    ]);
  });

  it("CCR bit 0 and STKALIGN are RES1 on ARMv8-M (reset 0x201, as QEMU); STKOFHFNMIGN is writable", () => {
    const m = createMachine(RP2350);
    expect(m.core.read32(0xe000ed14)).toBe(0x201);
    m.core.write32(0xe000ed14, 0);
    expect(m.core.read32(0xe000ed14)).toBe(0x201);
    m.core.write32(0xe000ed14, 0xffffffff);
    expect(m.core.read32(0xe000ed14)).toBe(0x71b);
    const a = createMachine(MPS3_AN547); // Cortex-M55: the M33's bits plus DC, IC, BP
    expect(a.core.read32(0xe000ed14)).toBe(0x201);
    a.core.write32(0xe000ed14, 0xffffffff);
    expect(a.core.read32(0xe000ed14)).toBe(0x7071b);
  });

  it("just past a memory is a BusFault; flash is read-only", () => {
    const m = createMachine(STM32U585);
    m.scb.shcsr = 0x70000;
    expect(trap(() => m.core.read32(0x200c0000)).cfsr).toBe(0x8200); // SRAM3 ends at 0x200BFFFF
    m.core.clearFault();
    // BFARVALID still set: the fault address register holds 0x200c0000 (Cortex-M33).
    expect(trap(() => m.core.write32(0x08000000, 1)).cfsr).toBe(0x0200);
    m.core.clearFault();
    m.core.write32(0xe000ed28, 0x8000); // the handler clears BFARVALID
    expect(trap(() => m.core.write32(0x08000000, 1)).cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0x08000000);
  });

  it("findBoard knows their names and aliases", () => {
    expect(["stm32u5", "pico2", "an505", "AN547"].map((n) => findBoard(n)?.name)).toEqual([
      "stm32u585",
      "rp2350",
      "mps2-an505",
      "mps3-an547",
    ]);
  });
});
