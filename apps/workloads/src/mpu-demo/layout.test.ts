import { BOARDS, defineBoard, findBoard } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { demoLayout } from "./layout.js";

describe("demoLayout", () => {
  it("refuses a PMSAv8 board: the demo writes PMSAv7 RBAR/RASR words itself (BOARD_UNSUITABLE)", () => {
    let err: unknown;
    try {
      demoLayout(findBoard("stm32u585")!);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect([(err as AppError).code, (err as AppError).context]).toEqual([
      "BOARD_UNSUITABLE",
      { board: "stm32u585", mpu: "pmsav8" },
    ]);
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
