import { describe, expect, it } from "vitest";
import { AccessKind } from "./access.js";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { Cfsr, ExceptionNumber, Hfsr } from "./fault.js";
import { createMachine } from "./machine.js";
import { trap } from "./test-util.js";

/** An exception return the software refuses, or the architecture does: UsageFault INVPC. */
describe("Core.invalidExceptionReturn", () => {
  it("raises UsageFault INVPC (CFSR 0x40000), no fault address, the PC load of EXC_RETURN in the record; latched", () => {
    const m = createMachine(STM32F407);
    m.scb.shcsr = 0x70000; // UsageFault enabled
    m.core.mode = "handler";
    const fault = trap(() => m.core.invalidExceptionReturn(0xfffffff1));
    expect([fault.exception, fault.cause, fault.cfsr, fault.faultAddress]).toEqual([
      ExceptionNumber.UsageFault,
      ExceptionNumber.UsageFault,
      Cfsr.INVPC,
      null,
    ]);
    expect(fault.access).toEqual({ address: 0xfffffff1, size: 4, kind: AccessKind.Fetch, privileged: true, actor: 0 });
    expect(m.scb.cfsr).toBe(0x40000);
    expect(m.core.pendingFault).toBe(fault);
    expect(() => m.core.read32(0x20000000)).toThrow(fault);
  });

  it("escalates to HardFault FORCED with UsageFault disabled in SHCSR", () => {
    const m = createMachine(STM32F407);
    m.core.mode = "handler";
    const fault = trap(() => m.core.invalidExceptionReturn(0xfffffffd));
    expect([fault.exception, fault.cause, m.scb.hfsr & Hfsr.FORCED, m.scb.cfsr]).toEqual([
      ExceptionNumber.HardFault,
      ExceptionNumber.UsageFault,
      Hfsr.FORCED,
      Cfsr.INVPC,
    ]);
  });
});

/** Execution with EPSR.T clear (a stacked xPSR without the T bit): UsageFault INVSTATE. */
describe("Core.invalidState", () => {
  it("raises UsageFault INVSTATE (CFSR 0x20000), no fault address, a fetch at the PC in the record; latched", () => {
    const m = createMachine(STM32F407);
    m.scb.shcsr = 0x70000;
    m.core.controlNPriv = true;
    const fault = trap(() => m.core.invalidState(0x08000100));
    expect([fault.exception, fault.cfsr, fault.faultAddress]).toEqual([
      ExceptionNumber.UsageFault,
      Cfsr.INVSTATE,
      null,
    ]);
    expect(fault.access).toEqual({ address: 0x08000100, size: 2, kind: AccessKind.Fetch, privileged: false, actor: 0 });
    expect(m.scb.cfsr).toBe(0x20000);
    expect(() => m.core.fetch(0x08000100)).toThrow(fault);
  });
});
