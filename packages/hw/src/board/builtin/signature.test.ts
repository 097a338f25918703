import { describe, expect, it } from "vitest";
import { AccessKind } from "../../access.js";
import { Cfsr, ExceptionNumber } from "../../fault.js";
import { createMachine, type Machine } from "../../machine.js";
import { Shcsr } from "../../scs/scb.js";
import { trap as faultOf } from "../../test-util.js";
import type { Board } from "../types.js";
import { STM32F407 } from "./stm32f407.js";
import { STM32H743XG, STM32H743XI, STM32H750XB } from "./stm32h7.js";
import { STM32U585 } from "./stm32u585.js";

/** The simulated UID words of a board whose wafer number is `wafer` (lot "RTOSSIM", X/Y 0x0041/0x0020). */
const uid = (wafer: number) => [0x00200041, 0x53494d00 + wafer, 0x52544f53];

/** A machine with MemManage, BusFault and UsageFault enabled (no escalation to HardFault). */
function machine(board: Board): Machine {
  const m = createMachine(board);
  m.scb.shcsr = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
  return m;
}

/** The three UID words and the flash size halfword as the core reads them. */
function signature(m: Machine, uidBase: number, flashSizeBase: number): number[] {
  return [m.core.read32(uidBase), m.core.read32(uidBase + 4), m.core.read32(uidBase + 8), m.core.read16(flashSizeBase)];
}

describe("STM32 device electronic signature: factory-programmed read-only memory", () => {
  it("F407 (RM0090 39): UID at 0x1FFF7A10, flash size 1024 KiB at 0x1FFF7A22, privileged and unprivileged, MPU off", () => {
    const m = machine(STM32F407);
    expect(signature(m, 0x1fff7a10, 0x1fff7a22)).toEqual([...uid(1), 1024]);
    // Bytes and halfwords in any order of reads; LL_GetFlashSize's 32-bit load at 0x1FFF7A22.
    expect([m.core.read8(0x1fff7a10), m.core.read8(0x1fff7a1b), m.core.read16(0x1fff7a18)]).toEqual([
      0x41, 0x52, 0x4f53,
    ]);
    expect(m.core.read32(0x1fff7a22)).toBe(0x00000400);
    expect(Array.from(m.core.readBytes(0x1fff7a10, 12))).toEqual([
      0x41, 0x00, 0x20, 0x00, 0x01, 0x4d, 0x49, 0x53, 0x53, 0x4f, 0x54, 0x52,
    ]);
    // MPU disabled: the default map for unprivileged code too.
    m.core.controlNPriv = true;
    expect(signature(m, 0x1fff7a10, 0x1fff7a22)).toEqual([...uid(1), 1024]);
    expect(m.scb.cfsr).toBe(0);
  });

  it("F407 with the MPU on: privileged through the default map (PRIVDEFENA), unprivileged through a read-only region", () => {
    const m = machine(STM32F407);
    m.mpu.setControl({ enable: true, privdefena: true });
    expect(signature(m, 0x1fff7a10, 0x1fff7a22)).toEqual([...uid(1), 1024]);
    // Unprivileged with no region over it: the MPU refuses before the bus, as for any memory.
    m.core.controlNPriv = true;
    const denied = faultOf(() => m.core.read32(0x1fff7a10));
    expect([denied.exception, denied.cfsr, m.scb.mmfar]).toEqual([
      ExceptionNumber.MemManage,
      Cfsr.DACCVIOL | Cfsr.MMARVALID,
      0x1fff7a10,
    ]);
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.core.controlNPriv = false;
    m.mpu.setRegion(0, { base: 0x1fff7a00, size: 64, access: "ro" });
    m.core.controlNPriv = true;
    expect(signature(m, 0x1fff7a10, 0x1fff7a22)).toEqual([...uid(1), 1024]);
    expect(m.scb.cfsr).toBe(0);
  });

  it("F407: a store is a precise BusFault (BFAR = the address), even where an MPU region grants writes; the bytes stay", () => {
    const m = machine(STM32F407);
    const store = faultOf(() => m.core.write32(0x1fff7a10, 0xdeadbeef));
    expect([store.exception, store.cfsr, store.faultAddress, m.scb.cfsr, m.scb.bfar]).toEqual([
      ExceptionNumber.BusFault,
      Cfsr.PRECISERR | Cfsr.BFARVALID,
      0x1fff7a10,
      Cfsr.PRECISERR | Cfsr.BFARVALID,
      0x1fff7a10,
    ]);
    expect(store.access).toMatchObject({ address: 0x1fff7a10, size: 4, kind: AccessKind.Write });
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.mpu.setRegion(0, { base: 0x1fff7a00, size: 64, access: "rw" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    const half = faultOf(() => m.core.write16(0x1fff7a22, 2048));
    expect([half.exception, m.scb.cfsr, m.scb.bfar]).toEqual([
      ExceptionNumber.BusFault,
      Cfsr.PRECISERR | Cfsr.BFARVALID,
      0x1fff7a22,
    ]);
    m.core.clearFault();
    expect(signature(m, 0x1fff7a10, 0x1fff7a22)).toEqual([...uid(1), 1024]);
  });

  it("H7 (RM0433): UID at 0x1FF1E800 and flash size at 0x1FF1E880, inside SystemMemory0, per part", () => {
    const read = (b: Board) => signature(machine(b), 0x1ff1e800, 0x1ff1e880);
    expect(read(STM32H743XI)).toEqual([...uid(2), 2048]);
    expect(read(STM32H743XG)).toEqual([...uid(3), 1024]);
    expect(read(STM32H750XB)).toEqual([...uid(4), 128]);
    expect(STM32H743XI.contents.map((c) => [c.name, c.address, c.end, c.region])).toEqual([
      ["UID", 0x1ff1e800, 0x1ff1e80c, "SystemMemory0"],
      ["FLASH_SIZE", 0x1ff1e880, 0x1ff1e882, "SystemMemory0"],
    ]);
    // The rest of system memory still reads as zeros.
    expect(machine(STM32H743XI).core.read32(0x1ff1e7fc)).toBe(0);
  });

  it("U585 (RM0456 76): UID at 0x0BFA0700 and flash size 2048 KiB at 0x0BFA07A0, through a PMSAv8 region", () => {
    const m = machine(STM32U585);
    expect(signature(m, 0x0bfa0700, 0x0bfa07a0)).toEqual([...uid(5), 2048]);
    const store = faultOf(() => m.core.write8(0x0bfa0704, 0));
    expect([store.exception, m.scb.cfsr, m.scb.bfar]).toEqual([
      ExceptionNumber.BusFault,
      Cfsr.PRECISERR | Cfsr.BFARVALID,
      0x0bfa0704,
    ]);
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.mpu.setRegion(0, { base: 0x0bfa0700, size: 0xc0, access: "ro" });
    m.mpu.setControl({ enable: true, privdefena: true });
    m.core.controlNPriv = true;
    expect(signature(m, 0x0bfa0700, 0x0bfa07a0)).toEqual([...uid(5), 2048]);
    // Past the signature (0x0BFA07A4) nothing is mapped: the region lets the load through to the bus.
    const past = faultOf(() => m.core.read32(0x0bfa07a4));
    expect([past.exception, m.scb.bfar]).toEqual([ExceptionNumber.BusFault, 0x0bfa07a4]);
  });
});
