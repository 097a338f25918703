import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STM32F407 } from "../board/builtin/stm32f407.js";
import { createMachine } from "../machine.js";

/** SysTick at its PPB addresses: CSR, RVR, CVR, CALIB, and the counter against simulated cycles. */

const CSR = 0xe000e010;
const RVR = 0xe000e014;
const CVR = 0xe000e018;
const CALIB = 0xe000e01c;

function machine(rvr: number) {
  const m = createMachine(STM32F407);
  m.core.write32(RVR, rvr);
  m.core.write32(CSR, 0b111);
  return m;
}

describe("SysTick registers", () => {
  it("reset values and writable fields", () => {
    const m = createMachine(STM32F407);
    expect([CSR, RVR, CVR, CALIB].map((a) => m.core.read32(a))).toEqual([0x4, 0, 0, 0]);
    m.core.write32(RVR, 0xffffffff);
    expect(m.core.read32(RVR)).toBe(0x00ffffff);
    m.core.write32(CSR, 0xffffffff);
    expect(m.core.read32(CSR)).toBe(0x7); // COUNTFLAG is read-only
    expect(m.systick.enabled).toBe(true);
  });

  it("sub-word stores merge with the other bytes of RVR", () => {
    const m = createMachine(STM32F407);
    m.core.write32(RVR, 0x3456);
    m.core.write16(RVR + 2, 0x12);
    expect(m.core.read32(RVR)).toBe(0x123456);
    m.core.write8(RVR, 0x99);
    expect(m.core.read32(RVR)).toBe(0x123499);
    expect(m.core.read8(RVR + 1)).toBe(0x34);
    m.core.write8(CSR, 0x3);
    expect(m.core.read32(CSR)).toBe(0x3);
    m.core.write8(CSR + 2, 0xff); // COUNTFLAG byte: read-only
    expect(m.core.read32(CSR)).toBe(0x3);
  });

  it("COUNTFLAG is set when the counter reaches 0 and cleared by reading CSR or writing CVR", () => {
    const m = machine(9);
    expect(m.systick.advance(9)).toBe(0);
    expect(m.core.read32(CVR)).toBe(1);
    expect(m.systick.advance(1)).toBe(1);
    expect(m.core.read32(CVR)).toBe(0);
    expect(m.core.read32(CSR)).toBe(0x10007);
    expect(m.core.read32(CSR)).toBe(0x7);
    m.systick.advance(10);
    m.core.write32(CVR, 1234);
    expect(m.core.read32(CVR)).toBe(0);
    expect(m.core.read32(CSR)).toBe(0x7);
  });
});

describe("SysTick counting", () => {
  it("ticks every RVR + 1 cycles (the clock at 0 reloads)", () => {
    const m = machine(9);
    expect(m.systick.advance(25)).toBe(2); // ticks at cycles 10 and 20
    expect(m.core.read32(CVR)).toBe(5); // 21: reload 9, 22..25: 8, 7, 6, 5
    expect(m.systick.advance(5)).toBe(1);
    expect(m.systick.advance(10)).toBe(1);
    expect(m.systick.advance(9)).toBe(0);
    expect(m.systick.advance(1)).toBe(1);
  });

  it("168 MHz with RVR = 167999 gives 1 kHz", () => {
    const m = machine(167_999);
    expect(m.systick.advance(168_000 * 1000)).toBe(1000);
    expect(m.core.read32(CVR)).toBe(0);
  });

  it("stopped: disabled, or RVR = 0", () => {
    const m = machine(0);
    expect(m.systick.advance(1000)).toBe(0);
    m.core.write32(RVR, 10);
    m.core.write32(CSR, 0);
    expect(m.systick.advance(1000)).toBe(0);
    expect(m.core.read32(CVR)).toBe(0);
  });

  it("the result does not depend on how the cycles are split between calls", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }),
        (rvr, chunks) => {
          const split = machine(rvr);
          const whole = machine(rvr);
          let ticks = 0;
          for (const c of chunks) ticks += split.systick.advance(c);
          const total = chunks.reduce((x, y) => x + y, 0);
          expect(whole.systick.advance(total)).toBe(ticks);
          expect(split.core.read32(CVR)).toBe(whole.core.read32(CVR));
          // Reference: cycle by cycle.
          let cvr = 0;
          let ref = 0;
          for (let i = 0; i < total; i++) {
            if (cvr === 0) cvr = rvr;
            else if (--cvr === 0) ref++;
          }
          expect(ticks).toBe(ref);
          expect(split.core.read32(CVR)).toBe(cvr);
        },
      ),
      { seed: 0x5157, numRuns: 200 },
    );
  });
});
