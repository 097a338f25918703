import { describe, expect, it } from "vitest";
import type { HwError } from "../errors.js";
import { Fault } from "../fault.js";
import { createMachine } from "../machine.js";
import { Shcsr } from "../scs/scb.js";
import { MPS2_AN386 } from "./builtin/mps2-an386.js";
import { STM32F407 } from "./builtin/stm32f407.js";
import { STM32H743XI } from "./builtin/stm32h7.js";
import { boardFromLinkerScript } from "./linker-board.js";

function errOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error("expected an error");
}

const CUBE = `MEMORY
{
  CCMRAM (xrw) : ORIGIN = 0x10000000, LENGTH = 64K
  RAM    (xrw) : ORIGIN = 0x20000000, LENGTH = 128K
  FLASH  (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
}`;

function rows(b: {
  memory: readonly {
    name: string;
    start: number;
    size: number;
    kind: string;
    readOnly: boolean;
    executable: boolean;
    waitStates: number;
  }[];
}) {
  return b.memory.map((r) => [r.name, r.start, r.size, r.kind, r.readOnly, r.executable, r.waitStates]);
}

describe("boardFromLinkerScript", () => {
  it("standalone: rx -> read-only flash, xrw -> executable RAM, no peripherals", () => {
    const b = boardFromLinkerScript(CUBE, { name: "cube", core: "cortex-m4" });
    expect(rows(b)).toEqual([
      ["FLASH", 0x08000000, 0x100000, "flash", true, true, 0],
      ["CCMRAM", 0x10000000, 0x10000, "ram", false, true, 0],
      ["RAM", 0x20000000, 0x20000, "ram", false, true, 0],
    ]);
    expect(b.core).toBe("cortex-m4");
    expect(b.mpuRegions).toBe(8);
    expect(b.clockHz).toBe(16_000_000);
    expect(b.peripherals).toEqual([]);
    expect(b.devices).toEqual({});
    expect(b.roles).toEqual({});
  });

  it("standalone: an rw region is not executable; a fetch there is IBUSERR", () => {
    const b = boardFromLinkerScript("MEMORY { DATA (rw) : ORIGIN = 0x20000000, LENGTH = 4K }", {
      name: "data",
      core: "cortex-m7",
    });
    expect(b.mpuRegions).toBe(16);
    const m = createMachine(b);
    m.scb.shcsr = Shcsr.BUSFAULTENA;
    m.core.write32(0x20000000, 1);
    const f = errOf(() => m.core.fetch(0x20000000)) as Fault;
    expect(f).toBeInstanceOf(Fault);
    expect(f.cfsr).toBe(0x100);
  });

  it("over STM32F407: keeps peripherals, devices, roles, core, clock and the memory the script does not mention", () => {
    const b = boardFromLinkerScript(CUBE, { name: "my-f407", base: STM32F407 });
    expect(rows(b)).toEqual([
      ["FLASH", 0x08000000, 0x100000, "flash", true, true, 5],
      // The silicon wins: CCM is on the D-bus only, whatever the script's (xrw) says.
      ["CCMRAM", 0x10000000, 0x10000, "ram", false, false, 0],
      ["SystemMemory", 0x1fff0000, 30 * 1024, "rom", true, true, 5],
      ["OTP", 0x1fff7800, 528, "otp", true, true, 5],
      ["DeviceSignature", 0x1fff7a10, 0x18, "rom", true, true, 5],
      ["RAM", 0x20000000, 0x20000, "ram", false, true, 0],
      ["BackupSRAM", 0x40024000, 4096, "ram", false, true, 0],
    ]);
    expect(b.peripherals).toEqual(STM32F407.peripherals);
    expect(b.devices).toEqual(STM32F407.devices);
    expect(b.roles).toEqual(STM32F407.roles);
    expect([b.core, b.mpuRegions, b.clockHz]).toEqual(["cortex-m4", 8, 168_000_000]);
    // The kept device signature keeps its factory-programmed bytes.
    expect(b.contents).toEqual(STM32F407.contents);
    const m = createMachine(b);
    expect(m.core.read16(0x1fff7a22)).toBe(1024);
    m.scb.shcsr = Shcsr.BUSFAULTENA;
    expect((errOf(() => m.core.fetch(0x10000000)) as Fault).cfsr).toBe(0x100);
    m.core.clearFault();
    expect((errOf(() => m.core.write32(0x08000000, 0)) as Fault).cfsr).toBe(0x8200);
  });

  it("over STM32F407: a smaller layout leaves the rest unmapped", () => {
    const b = boardFromLinkerScript(
      "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K\n RAM (xrw) : ORIGIN = 0x20000000, LENGTH = 96K }",
      { name: "f407-512", base: STM32F407, keepBaseMemory: false },
    );
    expect(b.memory.map((r) => r.name)).toEqual(["FLASH", "RAM"]);
    const m = createMachine(b);
    m.scb.shcsr = Shcsr.BUSFAULTENA;
    const f = errOf(() => m.core.read32(0x20018000)) as Fault;
    expect([f.exception, f.faultAddress]).toEqual([5, 0x20018000]);
    m.core.clearFault();
    expect((errOf(() => m.core.read8(0x08080000)) as Fault).faultAddress).toBe(0x08080000);
  });

  it("over a base: a writable script region on base flash stays read-only flash", () => {
    const b = boardFromLinkerScript("MEMORY { FAKE (rwx) : ORIGIN = 0x08000000, LENGTH = 64K }", {
      name: "x",
      base: STM32H743XI,
    });
    expect(b.memory.find((r) => r.name === "FAKE")).toMatchObject({ kind: "flash", readOnly: true, waitStates: 9 });
    // FlashBank1 was overlapped and replaced; FlashBank2 untouched and kept.
    expect(b.memory.some((r) => r.name === "FlashBank1")).toBe(false);
    expect(b.memory.some((r) => r.name === "FlashBank2")).toBe(true);
    expect(b.mpuRegions).toBe(16);
  });

  it("over MPS2-AN386 with overrides of clock and description", () => {
    const b = boardFromLinkerScript("MEMORY { RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 1M }", {
      name: "mps2-small",
      base: MPS2_AN386,
      clockHz: 50_000_000,
      description: "test",
    });
    expect([b.clockHz, b.description]).toEqual([50_000_000, "test"]);
    expect(b.memory.map((r) => r.name)).toEqual(["SSRAM1", "BlockRAM", "RAM", "PSRAM"]);
  });

  it("errors: core missing without a base, region in the system range, script errors pass through", () => {
    const noCore = errOf(() => boardFromLinkerScript(CUBE, { name: "x" })) as HwError;
    expect([noCore.code, noCore.context.field]).toEqual(["BOARD_FIELD", "core"]);
    const system = errOf(() =>
      boardFromLinkerScript("MEMORY {\n  PPB (rw) : ORIGIN = 0xE0000000, LENGTH = 1M\n}", {
        name: "x",
        core: "cortex-m4",
      }),
    ) as HwError;
    expect(system.code).toBe("LINKER_SCRIPT");
    expect(system.context).toEqual({ line: 2, column: 3, region: "PPB" });
    const bad = errOf(() =>
      boardFromLinkerScript("MEMORY { RAM (rw) : ORIGIN = 0 }", { name: "x", core: "cortex-m4" }),
    );
    expect((bad as HwError).code).toBe("LINKER_SCRIPT");
    const core = errOf(() =>
      boardFromLinkerScript(CUBE, { name: "x", core: "cortex-m0" as unknown as "cortex-m4" }),
    ) as HwError;
    expect(core.code).toBe("BOARD_UNKNOWN_CORE");
    const name = errOf(() => boardFromLinkerScript(CUBE, { name: "", core: "cortex-m4" })) as HwError;
    expect([name.code, name.context.field]).toEqual(["BOARD_FIELD", "name"]);
  });

  it("a base that is not a board defineBoard made: its malformed contents a typed error, not a TypeError", () => {
    const forged = (contents: unknown) => ({ ...STM32F407, contents }) as unknown as typeof STM32F407;
    const nul = errOf(() => boardFromLinkerScript(CUBE, { name: "x", base: forged([null]) })) as HwError;
    expect([nul.code, nul.context.field]).toEqual(["BOARD_FIELD", "base.contents[0]"]);
    const num = errOf(() => boardFromLinkerScript(CUBE, { name: "x", base: forged(5) })) as HwError;
    expect([num.code, num.context.field]).toEqual(["BOARD_FIELD", "base.contents"]);
    // The base is checked as defineBoard checks a board: contents in its RAM are refused there.
    const inRam = forged([{ name: "R", address: 0x2000_0000, end: 0x2000_0001, bytes: [1] }]);
    const ram = errOf(() => boardFromLinkerScript(CUBE, { name: "x", base: inRam })) as HwError;
    expect([ram.code, ram.context.field]).toEqual(["BOARD_FIELD", "base.contents[0].address"]);
  });

  it("over STM32H743xI: the STM32CubeIDE H7 script (RAM_D2 spans SRAM1-3, FLASH spans both banks)", () => {
    const script = `/* Memories definition */
MEMORY
{
  FLASH (rx)     : ORIGIN = 0x08000000, LENGTH = 2048K
  DTCMRAM (xrw)  : ORIGIN = 0x20000000, LENGTH = 128K
  RAM_D1 (xrw)   : ORIGIN = 0x24000000, LENGTH = 512K
  RAM_D2 (xrw)   : ORIGIN = 0x30000000, LENGTH = 288K
  RAM_D3 (xrw)   : ORIGIN = 0x38000000, LENGTH = 64K
  ITCMRAM (xrw)  : ORIGIN = 0x00000000, LENGTH = 64K
}
_estack = ORIGIN(DTCMRAM) + LENGTH(DTCMRAM);
SECTIONS { .isr_vector : { KEEP(*(.isr_vector)) } >FLASH }`;
    const b = boardFromLinkerScript(script, { name: "h743-cube", base: STM32H743XI });
    expect(rows(b)).toEqual([
      ["ITCMRAM", 0x00000000, 0x10000, "ram", false, true, 0],
      ["FLASH", 0x08000000, 0x200000, "flash", true, true, 9],
      ["SystemMemory0", 0x1ff00000, 0x20000, "rom", true, true, 9],
      ["SystemMemory1", 0x1ff40000, 0x20000, "rom", true, true, 9],
      ["DTCMRAM", 0x20000000, 0x20000, "ram", false, true, 0],
      ["RAM_D1", 0x24000000, 0x80000, "ram", false, true, 0],
      ["RAM_D2", 0x30000000, 0x48000, "ram", false, true, 0],
      ["RAM_D3", 0x38000000, 0x10000, "ram", false, true, 0],
      ["BackupSRAM", 0x38800000, 0x1000, "ram", false, true, 0],
    ]);
    const m = createMachine(b);
    m.core.write32(0x3001fffe, 0x01020304); // across the old SRAM1/SRAM2 boundary
    expect(m.core.read32(0x3001fffe)).toBe(0x01020304);
  });
});
