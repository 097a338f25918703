import { describe, expect, it } from "vitest";
import { AccessKind } from "./access.js";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { defineBoard } from "./board/define.js";
import type { HwError } from "./errors.js";
import { Cfsr, Fault, Hfsr } from "./fault.js";
import { createMachine } from "./machine.js";
import { Ccr } from "./scs/scb.js";
import { trap } from "./test-util.js";

/**
 * The ARMv8-M stack limit registers (PSPLIM, MSPLIM): an SP update below the limit of the stack
 * in use is UsageFault STKOF (CFSR bit 20), SP not updated, no access made; SP equal to the
 * limit is allowed. Exception entry stacking is checked the same way.
 */

const M33 = defineBoard({
  name: "stkof-m33",
  core: "cortex-m33",
  memory: [{ name: "SRAM", start: 0x20000000, size: 0x10000 }],
});

const FRAME = [1, 2, 3, 4, 5, 6, 7, 0x01000000];

function setup() {
  const m = createMachine(M33);
  m.scb.shcsr = 0x70000;
  const seen: [number, number, AccessKind][] = [];
  m.core.hook = { onAccess: (a, size, kind) => void seen.push([a, size, kind]) };
  return { m, seen };
}

describe("PSPLIM and MSPLIM", () => {
  it("hold the limit with bits [2:0] RES0; Thread mode with CONTROL.SPSEL uses PSPLIM, everything else MSPLIM", () => {
    const { m } = setup();
    m.core.psplim = 0x20001007;
    m.core.msplim = 0x20000104;
    expect([m.core.psplim, m.core.msplim]).toEqual([0x20001000, 0x20000100]);
    expect(m.core.stackLimit).toBe(0x20000100); // Thread, SPSEL = 0: MSP
    m.core.controlSpsel = true;
    expect(m.core.stackLimit).toBe(0x20001000);
    m.core.mode = "handler";
    expect(m.core.stackLimit).toBe(0x20000100); // Handler mode always runs on MSP
  });

  it("do not exist on ARMv7-M: STACK_LIMIT_UNSUPPORTED, nothing set", () => {
    const m = createMachine(STM32F407);
    let err: unknown;
    try {
      m.core.psplim = 0x20001000;
    } catch (e) {
      err = e;
    }
    expect((err as HwError).code).toBe("STACK_LIMIT_UNSUPPORTED");
    expect(m.core.psplim).toBe(0);
    expect(m.core.stackLimit).toBe(0);
  });
});

describe("STKOF on an SP update (push)", () => {
  it("SP equal to the limit is allowed; one byte below is UsageFault STKOF, no address, nothing accessed", () => {
    const { m, seen } = setup();
    m.core.controlSpsel = true;
    m.core.controlNPriv = true;
    m.core.psplim = 0x20001000;
    m.core.checkStackLimit(0x20001000);
    const f = trap(() => m.core.checkStackLimit(0x20000ff8));
    expect([f.exception, f.cause, f.cfsr, f.faultAddress]).toEqual([6, 6, Cfsr.STKOF, null]);
    expect(m.scb.cfsr).toBe(1 << 20);
    expect(f.message).toContain("STKOF");
    expect(seen).toEqual([]);
    expect(m.core.pendingFault).toBe(f);
  });

  it("escalates to HardFault (FORCED) while UsageFault is disabled", () => {
    const { m } = setup();
    m.scb.shcsr = 0;
    m.core.msplim = 0x20000100;
    const f = trap(() => m.core.checkStackLimit(0x200000f8));
    expect([f.exception, f.cause, f.cfsr, f.hfsr & Hfsr.FORCED]).toEqual([3, 6, Cfsr.STKOF, Hfsr.FORCED]);
  });

  it("CCR.STKOFHFNMIGN: ignored in HardFault/NMI (priority < 0)", () => {
    const { m } = setup();
    m.core.mode = "handler";
    m.core.msplim = 0x20000100;
    m.core.executionPriority = -1;
    m.scb.ccr |= Ccr.STKOFHFNMIGN;
    m.core.checkStackLimit(0x20000000);
    m.scb.ccr &= ~Ccr.STKOFHFNMIGN;
    expect(trap(() => m.core.checkStackLimit(0x20000000)).lockup).toBe(true);
  });
});

describe("STKOF on exception entry stacking", () => {
  it("a frame that would go below PSPLIM: STKOF, no access made (memory untouched), SP not returned", () => {
    const { m, seen } = setup();
    m.core.controlSpsel = true;
    m.core.controlNPriv = true;
    m.core.psplim = 0x20001000;
    m.bus.load(0x20000fe0, new Uint8Array(64).fill(0xaa));
    const f = trap(() => m.core.pushFrame(0x20001018, FRAME)); // frame at 0x20000ff8 & ~7 = 0x20000ff8
    expect([f.cause, f.cfsr]).toEqual([6, Cfsr.STKOF]);
    expect(seen).toEqual([]);
    expect([...m.bus.peek(0x20000fe0, 64)].every((b) => b === 0xaa)).toBe(true);
  });

  it("a frame whose lowest word is at the limit fits", () => {
    const { m, seen } = setup();
    m.core.controlSpsel = true;
    m.core.psplim = 0x20001000;
    expect(m.core.pushFrame(0x20001020, FRAME)).toBe(0x20001000);
    expect(seen).toEqual([[0x20001000, 32, AccessKind.Write]]);
    expect(m.core.read32(0x20001000)).toBe(1);
  });

  it("the realignment to 8 bytes counts: SP 0x2000101c stacks at 0x20000ff8, below a limit of 0x20001000", () => {
    const { m } = setup();
    m.core.controlSpsel = true;
    m.core.psplim = 0x20001000;
    expect(trap(() => m.core.pushFrame(0x2000101c, FRAME)).cfsr).toBe(Cfsr.STKOF);
  });

  it("Handler mode stacks on MSP: MSPLIM applies, PSPLIM not", () => {
    const { m } = setup();
    m.core.mode = "handler";
    m.core.psplim = 0x20008000;
    m.core.msplim = 0x20000000;
    expect(m.core.pushFrame(0x20001000, FRAME)).toBe(0x20000fe0);
  });

  it("Thread mode on PSP: PSPLIM applies, MSPLIM not", () => {
    const { m } = setup();
    m.core.controlSpsel = true;
    m.core.psplim = 0x20000000;
    m.core.msplim = 0x20008000;
    expect(m.core.pushFrame(0x20001000, FRAME)).toBe(0x20000fe0);
  });

  it("a fault is raised instead of a stacking error: below the limit the MPU is not consulted", () => {
    const { m } = setup();
    m.mpu.setControl({ enable: true }); // no region: any stacking access would be MSTKERR
    m.core.controlSpsel = true;
    m.core.controlNPriv = true;
    m.core.psplim = 0x20001000;
    const f = trap(() => m.core.pushFrame(0x20001000, FRAME));
    expect(f.cfsr).toBe(Cfsr.STKOF);
    expect(f).toBeInstanceOf(Fault);
  });
});
