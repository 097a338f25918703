import { describe, expect, it } from "vitest";
import { AccessKind } from "./access.js";
import { STM32F407 } from "./board/builtin/stm32f407.js";
import { Cfsr, decodeCfsr, decodeHfsr, ExceptionNumber, exceptionName, type Fault, Hfsr } from "./fault.js";
import { createMachine, type Machine } from "./machine.js";
import { Ccr } from "./scs/scb.js";
import { trap } from "./test-util.js";

/**
 * The fault model: escalation to HardFault (SHCSR enables, execution priority against SHPR),
 * lockup at negative priority, the Fault object and the `fault` event.
 */

const SHPR1 = 0xe000ed18;
const SHCSR = 0xe000ed24;
const CFSR = 0xe000ed28;
const HFSR = 0xe000ed2c;

/** F407 with SRAM privileged-only (region 0) so an unprivileged read is a MemManage. */
function machine(shcsr: number): Machine {
  const m = createMachine(STM32F407);
  m.core.write32(SHCSR, shcsr);
  m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
  m.mpu.setControl({ enable: true, privdefena: true });
  return m;
}

/** The three configurable faults, raised unprivileged. */
const FAULTS = [
  { cause: 4, cfsr: 0x82, raise: (m: Machine) => m.core.read32(0x20000000, true) },
  { cause: 5, cfsr: 0x8200, raise: (m: Machine) => m.core.read32(0x30000000) },
  { cause: 6, cfsr: 0x01000000, raise: (m: Machine) => m.core.read32(0x40024001) },
] as const;

describe("escalation to HardFault", () => {
  for (const f of FAULTS) {
    it(`${exceptionName(f.cause)} with its SHCSR enable bit clear: exception 3, HFSR.FORCED, CFSR keeps its bits`, () => {
      const others = 0x70000 & ~(1 << (16 + f.cause - 4));
      const m = machine(others);
      const fault = trap(() => f.raise(m));
      expect(fault.exception).toBe(3);
      expect(fault.cause).toBe(f.cause);
      expect(fault.cfsr).toBe(f.cfsr);
      expect(fault.hfsr).toBe(0x40000000);
      expect(fault.lockup).toBe(false);
      m.core.clearFault();
      expect(m.core.read32(HFSR)).toBe(0x40000000);
      expect(m.core.read32(CFSR)).toBe(f.cfsr);
    });

    it(`${exceptionName(f.cause)} enabled in SHCSR is taken as exception ${f.cause}, HFSR untouched`, () => {
      const m = machine(0x70000);
      const fault = trap(() => f.raise(m));
      expect([fault.exception, fault.cause, fault.hfsr, m.scb.hfsr, m.scb.cfsr]).toEqual([
        f.cause,
        f.cause,
        0,
        0,
        f.cfsr,
      ]);
    });
  }

  it("a fault at a handler priority that does not allow preemption escalates", () => {
    const m = machine(0x70000);
    m.core.write32(SHPR1, 0x00c08040); // MemManage 0x40, BusFault 0x80, UsageFault 0xC0
    m.core.mode = "handler";
    // Executing at 0x40 (e.g. the MemManage handler): MemManage (0x40) cannot preempt itself.
    m.core.executionPriority = 0x40;
    let f = trap(() => m.core.read32(0x20000000, true));
    expect([f.exception, f.cause, m.scb.hfsr]).toEqual([3, 4, 0x40000000]);
    m.core.clearFault();
    m.scb.hfsr = 0;
    // At 0x50 MemManage preempts; BusFault (0x80) and UsageFault (0xC0) do not.
    m.core.executionPriority = 0x50;
    f = trap(() => m.core.read32(0x20000000, true));
    expect([f.exception, m.scb.hfsr]).toEqual([4, 0]);
    m.core.clearFault();
    f = trap(() => m.core.read32(0x30000000));
    expect([f.exception, f.cause, m.scb.hfsr]).toEqual([3, 5, 0x40000000]);
    m.core.clearFault();
    m.scb.hfsr = 0;
    f = trap(() => m.core.read32(0x40024001));
    expect([f.exception, f.cause]).toEqual([3, 6]);
    m.core.clearFault();
    // At 0xC0 all but UsageFault preempt.
    m.core.executionPriority = 0xc0;
    expect(trap(() => m.core.read32(0x30000000)).exception).toBe(5);
    m.core.clearFault();
    expect(trap(() => m.core.read32(0x40024001)).exception).toBe(3);
    m.core.clearFault();
    // Thread mode with nothing active (256): everything preempts.
    m.core.mode = "thread";
    m.core.executionPriority = 256;
    expect(trap(() => m.core.read32(0x40024001)).exception).toBe(6);
  });

  it("fault at priority < 0 is a lockup (HardFault handler or NMI)", () => {
    const m = machine(0x70000);
    m.core.mode = "handler";
    m.core.executionPriority = -1;
    const f = trap(() => m.core.read32(0x30000000));
    expect([f.exception, f.cause, f.lockup, f.cfsr, f.faultAddress]).toEqual([3, 5, true, 0x8200, 0x30000000]);
    expect(m.scb.bfar).toBe(0x30000000);
    expect(m.scb.hfsr).toBe(0);
    expect(f.message).toBe("Lockup: BusFault PRECISERR|BFARVALID at 0x30000000 on read of 4 byte(s) at 0x30000000");
    m.core.clearFault();
    m.core.executionPriority = -2;
    expect(trap(() => m.core.read32(0x40024001)).lockup).toBe(true);
  });

  it("with CCR.BFHFNMIGN, code at priority < 0 ignores the BusFaults of its loads and stores", () => {
    const m = machine(0x70000);
    m.core.mode = "handler";
    m.scb.ccr |= Ccr.BFHFNMIGN;
    m.core.executionPriority = -1;
    const flash = m.core.read32(0x08000000);
    expect(m.core.read32(0x30000000)).toBe(0); // unmapped: the load reads 0
    m.core.write32(0x08000000, 0x12345678); // flash: the store is dropped
    m.core.write16(0x2001ffff, 0xbeef); // across the end of SRAM2 into nothing: no byte moves
    expect([m.core.read32(0x08000000), m.bus.peek(0x2001ffff, 1)[0]]).toEqual([flash, 0]);
    expect([m.scb.cfsr, m.scb.bfar, m.core.pendingFault]).toEqual([0, 0, null]); // nothing recorded
    // A fetch still faults (only data accesses are ignored), and so does code at priority >= 0.
    expect(trap(() => m.core.fetch(0x30000000)).lockup).toBe(true);
    m.core.clearFault();
    m.scb.cfsr = 0;
    m.core.executionPriority = 0;
    expect(trap(() => m.core.read32(0x30000000)).cfsr).toBe(Cfsr.PRECISERR | Cfsr.BFARVALID);
  });
});

describe("the Fault object", () => {
  it("carries exception, cause, CFSR bits with names, HFSR, fault address and the access", () => {
    const m = machine(0);
    m.core.actor = 0x0d;
    const f = trap(() => m.core.write16(0x20000010, 1, true));
    expect(f).toBeInstanceOf(Error);
    expect(f.name).toBe("Fault");
    expect(f.exception).toBe(ExceptionNumber.HardFault);
    expect(f.cause).toBe(ExceptionNumber.MemManage);
    expect(f.cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID);
    expect(f.cfsrNames).toEqual(["DACCVIOL", "MMARVALID"]);
    expect(f.hfsr).toBe(Hfsr.FORCED);
    expect(f.faultAddress).toBe(0x20000010);
    expect(f.access).toEqual({ address: 0x20000010, size: 2, kind: AccessKind.Write, privileged: false, actor: 0x0d });
    expect(f.message).toBe(
      "MemManage DACCVIOL|MMARVALID at 0x20000010 escalated to HardFault (HFSR.FORCED) on write of 2 byte(s) at 0x20000010",
    );
    expect(f.toJSON()).toEqual({
      exception: 3,
      exceptionName: "HardFault",
      cause: "MemManage",
      cfsr: 0x82,
      cfsrNames: ["DACCVIOL", "MMARVALID"],
      hfsr: 0x40000000,
      faultAddress: 0x20000010,
      access: { address: 0x20000010, size: 2, kind: "write", privileged: false, actor: 0x0d },
      lockup: false,
      faultStatusRegisters: true,
      message: f.message,
    });
  });

  it("CFSR on the object is this fault's bits; the register accumulates", () => {
    const m = machine(0x70000);
    trap(() => m.core.read32(0x30000000));
    m.core.clearFault();
    const f = trap(() => m.core.fetch(0x10000000));
    expect(f.cfsr).toBe(0x100);
    expect(m.scb.cfsr).toBe(0x8300);
  });

  it("decodes CFSR and HFSR names", () => {
    expect(decodeCfsr(0)).toEqual([]);
    expect(decodeCfsr(0x8200)).toEqual(["PRECISERR", "BFARVALID"]);
    expect(decodeCfsr(0x030fbfbb)).toEqual([
      "IACCVIOL",
      "DACCVIOL",
      "MUNSTKERR",
      "MSTKERR",
      "MLSPERR",
      "MMARVALID",
      "IBUSERR",
      "PRECISERR",
      "IMPRECISERR",
      "UNSTKERR",
      "STKERR",
      "LSPERR",
      "BFARVALID",
      "UNDEFINSTR",
      "INVSTATE",
      "INVPC",
      "NOCP",
      "UNALIGNED",
      "DIVBYZERO",
    ]);
    expect(decodeHfsr(0x40000000)).toEqual(["FORCED"]);
    expect(decodeHfsr(0xc0000002)).toEqual(["VECTTBL", "FORCED", "DEBUGEVT"]);
    expect([3, 4, 5, 6, 11].map(exceptionName)).toEqual([
      "HardFault",
      "MemManage",
      "BusFault",
      "UsageFault",
      "exception 11",
    ]);
  });

  it("CFSR bit positions are the architecture's", () => {
    expect(Cfsr).toEqual({
      IACCVIOL: 0x1,
      DACCVIOL: 0x2,
      MUNSTKERR: 0x8,
      MSTKERR: 0x10,
      MLSPERR: 0x20,
      MMARVALID: 0x80,
      IBUSERR: 0x100,
      PRECISERR: 0x200,
      IMPRECISERR: 0x400,
      UNSTKERR: 0x800,
      STKERR: 0x1000,
      LSPERR: 0x2000,
      BFARVALID: 0x8000,
      UNDEFINSTR: 0x10000,
      INVSTATE: 0x20000,
      INVPC: 0x40000,
      NOCP: 0x80000,
      STKOF: 0x100000,
      UNALIGNED: 0x1000000,
      DIVBYZERO: 0x2000000,
    });
    expect(Hfsr).toEqual({ VECTTBL: 2, FORCED: 0x40000000, DEBUGEVT: 1 << 31 });
  });
});

describe("the fault event", () => {
  it("emits the thrown Fault once, before the throw reaches the caller", () => {
    const m = machine(0x70000);
    const seen: Fault[] = [];
    m.events.on("fault", (f) => {
      expect(m.core.pendingFault).toBe(f);
      expect(m.scb.cfsr).toBe(0x82);
      seen.push(f);
    });
    const f = trap(() => m.core.read32(0x20000000, true));
    expect(seen).toEqual([f]);
    expect(seen[0]).toBe(f);
    // Rethrows of the latched fault are not new faults.
    expect(trap(() => m.core.read32(0x20000000))).toBe(f);
    expect(seen.length).toBe(1);
  });
});
