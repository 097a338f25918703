import { describe, expect, it } from "vitest";
import { AccessKind } from "../../access.js";
import { ExceptionNumber } from "../../fault.js";
import { createMachine, type Machine } from "../../machine.js";
import { Shcsr } from "../../scs/scb.js";
import { trap as faultOf } from "../../test-util.js";
import type { Board } from "../types.js";
import { MPS2_AN386 } from "./mps2-an386.js";
import { STM32F407 } from "./stm32f407.js";
import { STM32H743XG, STM32H743XI, STM32H750XB } from "./stm32h7.js";
import { BOARDS, findBoard } from "./table.js";

const K = 1024;
const M = 1024 * 1024;

/** [name, start, size, kind, readOnly, executable] in address order. */
type Row = [string, number, number, string, boolean, boolean];

function rows(board: Board): Row[] {
  return board.memory.map((r) => [r.name, r.start, r.size, r.kind, r.readOnly, r.executable]);
}

const H7_SYSTEM: Row[] = [
  ["SystemMemory0", 0x1ff00000, 128 * K, "rom", true, true],
  ["SystemMemory1", 0x1ff40000, 128 * K, "rom", true, true],
];
const H7_RAM_LOW: Row[] = [
  ["DTCM", 0x20000000, 128 * K, "ram", false, true],
  ["AXISRAM", 0x24000000, 512 * K, "ram", false, true],
  ["SRAM1", 0x30000000, 128 * K, "ram", false, true],
  ["SRAM2", 0x30020000, 128 * K, "ram", false, true],
  ["SRAM3", 0x30040000, 32 * K, "ram", false, true],
  ["SRAM4", 0x38000000, 64 * K, "ram", false, true],
  ["BackupSRAM", 0x38800000, 4 * K, "ram", false, true],
];
const ITCM: Row = ["ITCM", 0x00000000, 64 * K, "ram", false, true];
const H7_PERIPHERALS = [
  ["D2-APB1", 0x40000000],
  ["D2-APB2", 0x40010000],
  ["D2-AHB1", 0x40020000],
  ["D2-AHB2", 0x48020000],
  ["D1-APB3", 0x50000000],
  ["D1-AHB3", 0x52000000],
  ["D3-APB4", 0x58000000],
  ["D3-AHB4", 0x58020000],
];

/** A machine with MemManage, BusFault and UsageFault enabled (no escalation to HardFault). */
function machine(board: Board): Machine {
  const m = createMachine(board);
  m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
  return m;
}

describe("built-in memory maps (the maps listed in the hw README, from the reference manuals)", () => {
  it("STM32F407: flash, CCM, system memory, OTP, SRAM1/2, backup SRAM", () => {
    expect(rows(STM32F407)).toEqual([
      ["Flash", 0x08000000, 1 * M, "flash", true, true],
      ["CCM", 0x10000000, 64 * K, "ram", false, false],
      ["SystemMemory", 0x1fff0000, 30 * K, "rom", true, true],
      ["OTP", 0x1fff7800, 528, "otp", true, true],
      ["DeviceSignature", 0x1fff7a10, 0x18, "rom", true, true],
      ["SRAM1", 0x20000000, 112 * K, "ram", false, true],
      ["SRAM2", 0x2001c000, 16 * K, "ram", false, true],
      ["BackupSRAM", 0x40024000, 4 * K, "ram", false, true],
    ]);
    expect(STM32F407.core).toBe("cortex-m4");
    expect(STM32F407.mpuRegions).toBe(8);
    expect(STM32F407.clockHz).toBe(168_000_000);
    expect(STM32F407.peripherals.map((p) => [p.name, p.start, p.start + p.size - 1])).toEqual([
      ["APB1", 0x40000000, 0x40007fff],
      ["APB2", 0x40010000, 0x40016bff],
      ["AHB1", 0x40020000, 0x4007ffff],
      ["AHB2", 0x50000000, 0x5006ffff],
    ]);
    expect(STM32F407.devices).toMatchObject({
      USART2: 0x40004400,
      GPIOA: 0x40020000,
      RCC: 0x40023800,
      DMA2: 0x40026400,
    });
    expect(STM32F407.roles).toEqual({
      uart: "USART2",
      gpio: "GPIOD",
      timer: "TIM2",
      sensor: "SPI1",
      actuator: "TIM1",
      dma: "DMA2",
    });
    // SRAM1 + SRAM2 form one 128 KiB span.
    expect(STM32F407.memory[5]!.end).toBe(STM32F407.memory[6]!.start);
    expect(STM32F407.memory[6]!.end).toBe(0x20020000);
  });

  it("STM32H743xI: 2 MiB flash as two 1 MiB banks, system memory, TCMs, AXI and AHB SRAMs", () => {
    expect(rows(STM32H743XI)).toEqual([
      ITCM,
      ["FlashBank1", 0x08000000, 1 * M, "flash", true, true],
      ["FlashBank2", 0x08100000, 1 * M, "flash", true, true],
      ...H7_SYSTEM,
      ...H7_RAM_LOW,
    ]);
    expect(STM32H743XI.aliases).toEqual(["stm32h742xi", "stm32h753xi", "stm32h743"]);
  });

  it("STM32H743xG: two 512 KiB banks 1 MiB apart (RM0433)", () => {
    expect(rows(STM32H743XG)).toEqual([
      ITCM,
      ["FlashBank1", 0x08000000, 512 * K, "flash", true, true],
      ["FlashBank2", 0x08100000, 512 * K, "flash", true, true],
      ...H7_SYSTEM,
      ...H7_RAM_LOW,
    ]);
  });

  it("STM32H750xB: 128 KiB flash and memory-mapped QUADSPI flash at 0x90000000", () => {
    expect(rows(STM32H750XB)).toEqual([
      ITCM,
      ["Flash", 0x08000000, 128 * K, "flash", true, true],
      ...H7_SYSTEM,
      ...H7_RAM_LOW,
      ["QSPI", 0x90000000, 8 * M, "flash", true, true],
    ]);
  });

  it("every H7 part: Cortex-M7, 16 MPU regions, 480 MHz, the D1/D2/D3 peripheral buses", () => {
    for (const b of [STM32H743XI, STM32H743XG, STM32H750XB]) {
      expect(b.core).toBe("cortex-m7");
      expect(b.mpuRegions).toBe(16);
      expect(b.clockHz).toBe(480_000_000);
      expect(b.peripherals.map((p) => [p.name, p.start])).toEqual(H7_PERIPHERALS);
      expect(b.devices).toMatchObject({ GPIOA: 0x58020000, RCC: 0x58024400, DMA2: 0x40020400 });
      expect(b.roles).toEqual({
        uart: "USART3",
        gpio: "GPIOA",
        timer: "TIM2",
        sensor: "SPI1",
        actuator: "TIM1",
        dma: "DMA2",
      });
    }
    const ahb1 = STM32H743XI.peripherals.find((p) => p.name === "D2-AHB1")!;
    expect(ahb1.start + ahb1.size - 1).toBe(0x400bffff); // USB2 OTG_FS ends there
  });

  it("MPS2-AN386: SSRAM1, block RAM, SSRAM2/3, PSRAM; CMSDK APB at 0x40000000", () => {
    expect(rows(MPS2_AN386)).toEqual([
      ["SSRAM1", 0x00000000, 4 * M, "ram", false, true],
      ["BlockRAM", 0x01000000, 16 * K, "ram", false, true],
      ["SSRAM2", 0x20000000, 4 * M, "ram", false, true],
      ["PSRAM", 0x21000000, 16 * M, "ram", false, true],
    ]);
    expect(MPS2_AN386.core).toBe("cortex-m4");
    expect(MPS2_AN386.mpuRegions).toBe(8);
    expect(MPS2_AN386.clockHz).toBe(25_000_000);
    expect(MPS2_AN386.peripherals[0]).toEqual({ name: "CMSDK-APB", start: 0x40000000, size: 0x10000 });
    expect(MPS2_AN386.roles).toEqual({
      uart: "UART0",
      gpio: "GPIO0",
      timer: "TIMER0",
      sensor: "TIMER1",
      actuator: "DUALTIMER",
    });
  });

  it("boards and their regions are frozen", () => {
    for (const b of BOARDS) {
      expect(Object.isFrozen(b)).toBe(true);
      expect(Object.isFrozen(b.memory)).toBe(true);
      for (const r of b.memory) expect(Object.isFrozen(r)).toBe(true);
    }
  });
});

describe("findBoard", () => {
  it("finds boards by name and alias, case-insensitively", () => {
    expect(findBoard("stm32f407")).toBe(STM32F407);
    expect(findBoard("STM32F407VG")).toBe(STM32F407);
    expect(findBoard("stm32f4")).toBe(STM32F407);
    expect(findBoard("stm32h742xi")).toBe(STM32H743XI);
    expect(findBoard("STM32H753xI")).toBe(STM32H743XI);
    expect(findBoard("stm32h743")).toBe(STM32H743XI);
    expect(findBoard("stm32h742xg")).toBe(STM32H743XG);
    expect(findBoard("stm32h750")).toBe(STM32H750XB);
    expect(findBoard("mps2")).toBe(MPS2_AN386);
    expect(findBoard("MPS2-AN386")).toBe(MPS2_AN386);
  });

  it("returns undefined for unknown names", () => {
    expect(findBoard("stm32f103")).toBeUndefined();
    expect(findBoard("")).toBeUndefined();
  });

  it("lists the ten boards in a stable order (the ARMv6-M RP2040 after the ARMv7-M ones, the ARMv8-M ones last)", () => {
    expect(BOARDS.map((b) => b.name)).toEqual([
      "stm32f407",
      "stm32h743xi",
      "stm32h743xg",
      "stm32h750xb",
      "mps2-an386",
      "rp2040",
      "stm32u585",
      "rp2350",
      "mps2-an505",
      "mps3-an547",
    ]);
  });
});

describe("per-board core registers", () => {
  it("MPU_TYPE.DREGION and CPUID follow the board", () => {
    const f4 = createMachine(STM32F407);
    expect(f4.core.read32(0xe000ed90)).toBe(0x0800);
    expect(f4.core.read32(0xe000ed00)).toBe(0x410fc241);
    const h7 = createMachine(STM32H743XI);
    expect(h7.core.read32(0xe000ed90)).toBe(0x1000);
    expect(h7.core.read32(0xe000ed00)).toBe(0x411fc272);
    expect(h7.mpu.regionCount).toBe(16);
  });
});

describe("bus behaviour per board", () => {
  it("F407: flash and OTP read erased (0xFF), system memory zeros, the device signature its bytes, RAM zeros", () => {
    const m = machine(STM32F407);
    expect(m.core.read32(0x08000000)).toBe(0xffffffff);
    expect(m.core.read8(0x080fffff)).toBe(0xff);
    expect(m.core.read32(0x1fff7800)).toBe(0xffffffff);
    expect(m.core.read32(0x1fff0000)).toBe(0);
    expect(m.core.read16(0x1fff7a22)).toBe(1024);
    expect(m.core.read32(0x20000000)).toBe(0);
    expect(m.core.read32(0x10000000)).toBe(0);
  });

  it("F407: a store to flash is a precise BusFault with BFAR = address", () => {
    const m = machine(STM32F407);
    const f = faultOf(() => m.core.write32(0x08000100, 1));
    expect(f.exception).toBe(ExceptionNumber.BusFault);
    expect(f.cfsr).toBe(0x8200);
    expect(f.faultAddress).toBe(0x08000100);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0x08000100);
    expect(m.bus.peek(0x08000100, 4)).toEqual(new Uint8Array(4).fill(0xff)); // nothing written: still erased
  });

  it("F407: flash is readable and fetchable", () => {
    const m = machine(STM32F407);
    m.bus.load(0x08000000, new Uint8Array([0x00, 0x20, 0x01, 0x08]));
    expect(m.core.read32(0x08000000)).toBe(0x08012000);
    expect(m.core.fetch(0x08000002)).toBe(0x0801);
  });

  it("F407: with BUSFAULTENA = 0 the store escalates to HardFault (HFSR.FORCED)", () => {
    const m = createMachine(STM32F407);
    const f = faultOf(() => m.core.write8(0x08000000, 1));
    expect(f.exception).toBe(ExceptionNumber.HardFault);
    expect(f.cause).toBe(ExceptionNumber.BusFault);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.hfsr).toBe(0x40000000);
    expect(m.scb.bfar).toBe(0x08000000);
  });

  it("F407: an instruction fetch from CCM is IBUSERR with no BFAR; data accesses work", () => {
    const m = machine(STM32F407);
    m.core.write32(0x10000000, 0x12345678);
    expect(m.core.read32(0x10000000)).toBe(0x12345678);
    const f = faultOf(() => m.core.fetch(0x10000000));
    expect(f.exception).toBe(ExceptionNumber.BusFault);
    expect(f.cfsr).toBe(0x100);
    expect(f.faultAddress).toBeNull();
    expect(m.scb.cfsr).toBe(0x100);
    expect(m.scb.bfar).toBe(0);
    expect(f.access.kind).toBe(AccessKind.Fetch);
  });

  it("F407: SRAM fetch works; a read just past SRAM2 (0x20020000) is a BusFault", () => {
    const m = machine(STM32F407);
    m.core.write16(0x2001fffe, 0xbf00);
    expect(m.core.fetch(0x2001fffe)).toBe(0xbf00);
    expect(m.core.read32(0x2001fffc)).toBe(0xbf000000);
    const f = faultOf(() => m.core.read8(0x20020000));
    expect(f.exception).toBe(ExceptionNumber.BusFault);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0x20020000);
  });

  it("F407: a word straddling the end of SRAM2 is a BusFault at its first byte", () => {
    const m = machine(STM32F407);
    const f = faultOf(() => m.core.read32(0x2001fffe));
    expect(f.exception).toBe(ExceptionNumber.BusFault);
    expect(m.scb.bfar).toBe(0x2001fffe);
  });

  it("F407: word accesses across the SRAM1/SRAM2 boundary work (one contiguous span)", () => {
    const m = machine(STM32F407);
    m.core.write32(0x2001bffc, 0xa1a2a3a4);
    m.core.write32(0x2001c000, 0xb1b2b3b4);
    expect(m.core.read32(0x2001bffc)).toBe(0xa1a2a3a4);
    expect(m.core.read32(0x2001c000)).toBe(0xb1b2b3b4);
    // Unaligned word spanning the boundary (Normal memory, UNALIGN_TRP = 0).
    m.core.write32(0x2001bffe, 0xc1c2c3c4);
    expect(m.core.read32(0x2001bffe)).toBe(0xc1c2c3c4);
    expect(Array.from(m.bus.peek(0x2001bffc, 8))).toEqual([0xa4, 0xa3, 0xc4, 0xc3, 0xc2, 0xc1, 0xb2, 0xb1]);
    expect(m.core.readBytes(0x2001bff0, 0x20)).toHaveLength(0x20);
    expect(m.bus.regionAt(0x2001bfff)!.name).toBe("SRAM1");
    expect(m.bus.regionAt(0x2001c000)!.name).toBe("SRAM2");
  });

  it("F407: OTP edges: last system-memory word, last OTP word, the device signature after OTP, the byte after it", () => {
    const m = machine(STM32F407);
    m.bus.load(0x1fff7a0c, new Uint8Array([1, 2, 3, 4]));
    expect(m.core.read32(0x1fff77fc)).toBe(0);
    expect(m.core.read32(0x1fff7800)).toBe(0xffffffff);
    expect(m.core.read32(0x1fff7a0c)).toBe(0x04030201);
    expect(m.bus.regionAt(0x1fff7a0f)!.name).toBe("OTP");
    // RM0090 39: the unique device ID starts right after the OTP lock bytes; a word may straddle them.
    expect(m.bus.regionAt(0x1fff7a10)!.name).toBe("DeviceSignature");
    expect(m.core.read32(0x1fff7a0e)).toBe(0x00410403);
    // The signature's last word (reserved, 0), then nothing: 0x1FFF7A28 is a BusFault.
    expect(m.core.read32(0x1fff7a24)).toBe(0);
    const past = faultOf(() => m.core.read8(0x1fff7a28));
    expect(past.exception).toBe(ExceptionNumber.BusFault);
    expect(m.scb.bfar).toBe(0x1fff7a28);
    m.core.clearFault();
    m.scb.cfsr = 0;
    const straddle = faultOf(() => m.core.read32(0x1fff7a26));
    expect(straddle.faultAddress).toBe(0x1fff7a26);
    m.core.clearFault();
    const store = faultOf(() => m.core.write32(0x1fff7800, 0));
    expect(store.exception).toBe(ExceptionNumber.BusFault);
    expect(store.cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0x1fff7800);
  });

  it("F407: a read just before the system memory (0x1FFEFFFF) is a BusFault", () => {
    const m = machine(STM32F407);
    expect(faultOf(() => m.core.read8(0x1ffeffff)).faultAddress).toBe(0x1ffeffff);
  });

  it("F407: backup SRAM is memory in the peripheral range (Device: unaligned is UsageFault)", () => {
    const m = machine(STM32F407);
    m.core.write32(0x40024000, 0xcafef00d);
    expect(m.core.read32(0x40024000)).toBe(0xcafef00d);
    expect(m.core.read32(0x40024ffc)).toBe(0);
    const f = faultOf(() => m.core.read32(0x40024002));
    expect(f.exception).toBe(ExceptionNumber.UsageFault);
    expect(m.scb.cfsr).toBe(0x01000000);
  });

  it("F407: unattached peripheral registers read as zero; gaps between buses are BusFaults", () => {
    const m = machine(STM32F407);
    expect(m.core.read32(0x40020000)).toBe(0); // GPIOA, nothing attached: RAZ/WI
    m.core.write32(0x40004400, 0x55);
    const gap = faultOf(() => m.core.read32(0x40008000)); // after APB1
    expect(gap.exception).toBe(ExceptionNumber.BusFault);
    expect(m.scb.bfar).toBe(0x40008000);
    m.core.clearFault();
    expect(faultOf(() => m.core.read32(0x50070000)).faultAddress).toBe(0x50070000); // after AHB2
  });

  it("H743xI: the two banks are one span; a store is a BusFault", () => {
    const m = machine(STM32H743XI);
    m.bus.load(0x080ffffe, new Uint8Array([1, 2, 3, 4]));
    expect(m.core.read32(0x080ffffe)).toBe(0x04030201);
    expect(m.core.read32(0x081ffffc)).toBe(0xffffffff);
    expect(faultOf(() => m.core.write32(0x08100000, 1)).cfsr).toBe(0x8200);
    m.core.clearFault();
    expect(faultOf(() => m.core.read8(0x08200000)).faultAddress).toBe(0x08200000);
  });

  it("H743xG: the 512 KiB hole between the banks is unmapped", () => {
    const m = machine(STM32H743XG);
    expect(m.core.read32(0x0807fffc)).toBe(0xffffffff);
    expect(m.core.read32(0x08100000)).toBe(0xffffffff);
    const f = faultOf(() => m.core.read32(0x08080000));
    expect(f.exception).toBe(ExceptionNumber.BusFault);
    expect(m.scb.bfar).toBe(0x08080000);
  });

  it("H7: TCMs and SRAMs are read/write; the gap after SRAM3 and after backup SRAM fault", () => {
    const m = machine(STM32H750XB);
    for (const a of [0x00000000, 0x0000fffc, 0x20000000, 0x2001fffc, 0x24000000, 0x2407fffc, 0x30047ffc, 0x38000000]) {
      m.core.write32(a, a ^ 0x5a5a5a5a);
      expect(m.core.read32(a)).toBe((a ^ 0x5a5a5a5a) >>> 0);
    }
    m.core.write32(0x38800ffc, 7);
    expect(faultOf(() => m.core.read32(0x30048000)).faultAddress).toBe(0x30048000);
    m.core.clearFault();
    expect(faultOf(() => m.core.read32(0x38801000)).faultAddress).toBe(0x38801000);
  });

  it("H750: QUADSPI flash reads, refuses stores", () => {
    const m = machine(STM32H750XB);
    expect(m.core.read32(0x907ffffc)).toBe(0xffffffff);
    expect(faultOf(() => m.core.write32(0x90000000, 1)).cfsr).toBe(0x8200);
    m.core.clearFault();
    expect(faultOf(() => m.core.read8(0x90800000)).faultAddress).toBe(0x90800000);
  });

  it("MPS2-AN386: unmapped 0x30000000 is exception 5, CFSR = 0x8200, BFAR = address (QEMU)", () => {
    const m = machine(MPS2_AN386);
    const f = faultOf(() => m.core.read32(0x30000000));
    expect(f.exception).toBe(5);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.bfar).toBe(0x30000000);
    expect(m.scb.hfsr).toBe(0);
  });

  it("MPS2-AN386: with SHCSR.BUSFAULTENA = 0 the same read is a forced HardFault", () => {
    const m = createMachine(MPS2_AN386);
    const f = faultOf(() => m.core.read32(0x30000000));
    expect(f.exception).toBe(3);
    expect(f.cause).toBe(5);
    expect(m.scb.cfsr).toBe(0x8200);
    expect(m.scb.hfsr).toBe(0x40000000);
    expect(m.scb.bfar).toBe(0x30000000);
  });

  it("MPS2-AN386: every RAM is writable and executable at both ends", () => {
    const m = machine(MPS2_AN386);
    for (const r of MPS2_AN386.memory) {
      m.core.write16(r.start, 0xbf00);
      m.core.write16(r.end - 2, 0xbf00);
      expect(m.core.fetch(r.start)).toBe(0xbf00);
      expect(m.core.fetch(r.end - 2)).toBe(0xbf00);
    }
    expect(faultOf(() => m.core.read8(0x01004000)).faultAddress).toBe(0x01004000);
  });
});
