import { describe, expect, it } from "vitest";
import { Gpio, GpioReg } from "./gpio.js";

describe("the GPIO port", () => {
  it("sets and resets pins through BSRR, the set bit winning when a pin is in both halves", () => {
    const g = new Gpio();
    g.write(GpioReg.ODR, 4, 0xffff_00f0);
    expect(g.read(GpioReg.ODR)).toBe(0x00f0); // ODR keeps its low 16 bits
    g.write(GpioReg.BSRR, 4, 0x0030_0003); // set pins 0-1, reset pins 4-5
    expect(g.read(GpioReg.ODR)).toBe(0x00c3);
    g.write(GpioReg.BSRR, 4, 0x0081_0081); // pins 0 and 7 in both halves: set (RM0090 8.4.7)
    expect(g.read(GpioReg.ODR)).toBe(0x00c3);
    g.write(GpioReg.BSRR, 4, 0x00c0_0100); // reset 6-7, set 8
    expect([g.read(GpioReg.IDR), g.read(GpioReg.BSRR)]).toEqual([0x0103, 0]); // IDR loops back, BSRR reads 0
    expect(g.toggles).toBe(3); // the second BSRR write changed nothing
  });
});
