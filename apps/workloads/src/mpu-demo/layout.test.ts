import { BOARDS, defineBoard, findBoard } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { demoLayout } from "./layout.js";

describe("demoLayout", () => {
  it("places the same regions on the STM32U585 (PMSAv8): the whole flash as code, the ring read-only for both privileges", () => {
    const l = demoLayout(findBoard("stm32u585")!);
    expect(l.code).toEqual({ base: 0x08000000, size: 0x200000, region: "Flash" });
    expect([l.ram.name, l.kernel, l.ring]).toEqual([
      "SRAM1",
      { base: 0x20000000, size: 0x1000 },
      { base: 0x20003000, size: 0x400 },
    ]);
    // USART_TDR at 0x28, as on the STM32H7.
    expect(l.uart).toEqual({ name: "USART2", base: 0x40004400, size: 0x400, dataRegister: 0x28 });
    expect(
      l.logger.regions.map((r) => r && [r.settings.base, r.settings.size, r.settings.access, r.settings.memory]),
    ).toEqual([
      [0x20002000, 0x1000, "rw", "normal-wb"],
      [0x20003000, 0x400, "ro", "normal-wb"],
      [0x40004400, 0x400, "rw", "device"],
    ]);
  });

  it("takes each PMSAv8 board's whole code memory (any multiple of 32 bytes) and its PL011/CMSDK UART data register at 0", () => {
    const rows = ["rp2350", "mps2-an505", "mps3-an547"].map((name) => {
      const l = demoLayout(findBoard(name)!);
      return [
        name,
        l.code.region,
        l.code.base,
        l.code.size,
        l.ram.name,
        l.uart?.name,
        l.uart?.base,
        l.uart?.dataRegister,
      ];
    });
    expect(rows).toEqual([
      ["rp2350", "XIP", 0x10000000, 0x400000, "SRAM", "UART0", 0x40070000, 0],
      ["mps2-an505", "SSRAM1", 0x00000000, 0x400000, "SRAM", "UART0", 0x40200000, 0],
      ["mps3-an547", "QSPI", 0x28000000, 0x800000, "DTCM", "UART0", 0x49303000, 0],
    ]);
  });

  it("no two regions of a task overlap (PMSAv8 faults where two regions match), on every board", () => {
    for (const b of BOARDS) {
      const l = demoLayout(b);
      for (const task of [l.sensor, l.logger]) {
        const spans = [l.code, ...task.regions.flatMap((r) => (r ? [r.settings] : []))];
        for (const [i, a] of spans.entries()) {
          for (const c of spans.slice(i + 1)) {
            expect(a.base + a.size <= c.base || c.base + c.size <= a.base, `${b.name} ${task.name}`).toBe(true);
          }
        }
      }
    }
  });

  it("places code, kernel data, task RAM, ring and UART on the STM32F407", () => {
    const l = demoLayout(findBoard("stm32f407")!);
    expect(l.code).toEqual({ base: 0x08000000, size: 0x100000, region: "Flash" });
    expect(l.ram.name).toBe("SRAM1");
    expect(l.kernel).toEqual({ base: 0x20000000, size: 0x1000 });
    expect(l.secret).toBe(0x20000010);
    expect(l.sensor.ram).toEqual({ base: 0x20001000, size: 0x1000 });
    expect(l.logger.ram).toEqual({ base: 0x20002000, size: 0x1000 });
    expect(l.ring).toEqual({ base: 0x20003000, size: 0x400 });
    expect(l.uart).toEqual({ name: "USART2", base: 0x40004400, size: 0x400, dataRegister: 4 });
    expect(
      l.logger.regions.map((r) => r && [r.settings.base, r.settings.size, r.settings.access, r.settings.memory]),
    ).toEqual([
      [0x20002000, 0x1000, "rw", "normal-wb"],
      [0x20003000, 0x400, "priv-rw-user-ro", "normal-wb"],
      [0x40004400, 0x400, "rw", "device"],
    ]);
    expect(l.sensor.regions[2]).toBeNull();
  });

  it("uses code-range RAM when a board has no flash (MPS2-AN386) and each H7's flash size", () => {
    expect(demoLayout(findBoard("mps2-an386")!).code).toEqual({ base: 0, size: 0x400000, region: "SSRAM1" });
    expect(demoLayout(findBoard("stm32h750xb")!).code).toEqual({ base: 0x08000000, size: 0x20000, region: "Flash" });
    expect(demoLayout(findBoard("stm32h743xg")!).code.size).toBe(0x80000);
    for (const b of BOARDS.filter((x) => x.mpuArchitecture === "pmsav7")) {
      expect(demoLayout(b).ram.start, b.name).toBe(0x20000000);
    }
  });

  it("refuses a board without enough RAM with BOARD_UNSUITABLE", () => {
    const tiny = defineBoard({
      name: "tiny",
      core: "cortex-m4",
      memory: [
        { name: "FLASH", kind: "flash", start: 0x08000000, size: 0x10000 },
        { name: "RAM", start: 0x20000000, size: 0x2000 },
      ],
    });
    expect(() => demoLayout(tiny)).toThrow(AppError);
    expect(() => demoLayout(tiny)).toThrow('board "tiny" has no RAM region of 16 KiB or more for the mpu-demo app');
  });
});
