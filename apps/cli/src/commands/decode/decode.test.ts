import { Cfsr, encodeRegion, Hfsr, MpuReg } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { decodeExcReturn } from "./exc-return.js";
import { decodeCfsr, decodeHfsr } from "./fault-status.js";
import { decodeRasr, decodeRlar } from "./region.js";
import { decodeCcr, decodeControl, decodeMpuCtrl, decodeShcsr, decodeXpsr } from "./system.js";

describe("decode cfsr / hfsr", () => {
  it("names each set bit with its sub-register and meaning, and says which address register holds the address", () => {
    const d = decodeCfsr(Cfsr.PRECISERR | Cfsr.BFARVALID);
    expect(d.text).toEqual([
      "CFSR = 0x00008200 (0xe000ed28: MMFSR 0x00, BFSR 0x82, UFSR 0x0000)",
      "  bit  9  BFSR   PRECISERR    BusFault: precise data bus error (unmapped address, store to flash, unprivileged SCS access)",
      "  bit 15  BFSR   BFARVALID    BFAR holds the address of the faulting access",
      "BusFault: BFAR (0xe000ed38) holds the address of the access the bus refused.",
      "The stacked PC in the exception frame is the instruction that faulted.",
    ]);
    expect(d.json).toEqual({
      bits: [
        { bit: 9, name: "PRECISERR", register: "BFSR", meaning: expect.stringMatching(/^BusFault: precise/) },
        { bit: 15, name: "BFARVALID", register: "BFSR", meaning: expect.any(String) },
      ],
    });
  });

  it("a MemManage without MMARVALID has no address; a stacking fault says the frame; reserved bits are named so", () => {
    const d = decodeCfsr(Cfsr.MSTKERR | (1 << 2) | (1 << 30));
    expect(d.text.slice(1)).toEqual([
      "  bit  2  MMFSR  (reserved)   reserved: reads as zero on silicon; not a value the core sets",
      "  bit  4  MMFSR  MSTKERR      MemManage: exception entry stacking hit a region it may not write",
      "  bit 30  UFSR   (reserved)   reserved: reads as zero on silicon; not a value the core sets",
      "MemManage: MMFAR holds no address for this fault (MMARVALID clear).",
      "The fault came while (un)stacking an exception frame: the stack pointer was bad, or the stack overflowed.",
    ]);
    expect(decodeCfsr(0).text).toEqual([
      "CFSR = 0x00000000 (0xe000ed28: MMFSR 0x00, BFSR 0x00, UFSR 0x0000)",
      "  no bit set: no configurable fault recorded",
    ]);
  });

  it("HFSR FORCED points at the CFSR", () => {
    expect(decodeHfsr(Hfsr.FORCED).text).toEqual([
      "HFSR = 0x40000000 (0xe000ed2c)",
      "  bit 30  FORCED      HardFault: a configurable fault escalated (disabled in SHCSR, or not allowed at this priority)",
      "FORCED: the CFSR (0xe000ed28) says which configurable fault escalated (rtos-sim decode cfsr <value>).",
    ]);
  });
});

describe("decode exc-return", () => {
  it.each([
    [0xfffffff1, "handler", "msp", "basic", true],
    [0xfffffff9, "thread", "msp", "basic", true],
    [0xfffffffd, "thread", "psp", "basic", true],
    [0xffffffe1, "handler", "msp", "extended", true],
    [0xffffffe9, "thread", "msp", "extended", true],
    [0xffffffed, "thread", "psp", "extended", true],
    [0xffffffbc, "thread", "psp", "basic", false], // ARMv8-M Non-secure, FreeRTOS's ARMv8-M port
  ])("%s: %s mode, %s, %s frame (valid on ARMv7-M: %s)", (v, mode, stack, frame, valid) => {
    expect(decodeExcReturn(v).json).toMatchObject({ excReturn: true, mode, stack, frame, validArmv7m: valid });
  });

  it("ARMv8-M: DCRS 1 is the default rules, which stack the callee registers of a Secure context under a Non-secure exception", () => {
    // S 1, DCRS 1, ES 0: a Non-secure interrupt taken from Secure Thread mode (PSP).
    expect(decodeExcReturn(0xfffffffc).text.slice(3)).toEqual([
      "  ARMv8-M: S 1 (Secure stack), DCRS 1 (default callee stacking rules), ES 0 (the exception was Non-secure)",
      "  ARMv8-M with the Security Extension: the frame has the callee registers below it (integrity signature, reserved word, R4-R11: 10 words more)",
    ]);
    // S 1, DCRS 0, ES 1: a Secure exception tail-chained after one that stacked them.
    expect(decodeExcReturn(0xffffffdd).json.armv8m).toMatchObject({ dcrs: false, calleeRegistersStacked: true });
    expect(decodeExcReturn(0xffffff9d).json.armv8m).toMatchObject({ dcrs: false, calleeRegistersStacked: false });
    expect(decodeExcReturn(0xfffffffd).text.at(-1)).toBe("  ARMv8-M: no callee registers in the frame");
  });

  it("ARMv7-M takes a value with bits 31:28 all ones as an exception return in Handler mode", () => {
    expect(decodeExcReturn(0xf0000000).text).toEqual([
      "0xf0000000 is not an EXC_RETURN on ARMv8-M (bits 31:24 are not 0xFF): a BX to it is an ordinary branch",
      "  ARMv7-M: loaded into the PC in Handler mode it is an exception return (bits 31:28 are 0xF), not one of the six valid values: the return faults (UsageFault INVPC)",
    ]);
    expect(decodeExcReturn(0xf0000000).json).toEqual({ excReturn: false, armv7mExceptionReturn: true });
    expect(decodeExcReturn(0x08001235).json).toEqual({ excReturn: false, armv7mExceptionReturn: false });
  });

  it("ARMv8-M's S, DCRS and ES; a return address is not an EXC_RETURN", () => {
    expect(decodeExcReturn(0xffffffbc).json.armv8m).toEqual({
      secureStack: false,
      dcrs: true,
      secureException: false,
      calleeRegistersStacked: false,
    });
    expect(decodeExcReturn(0xfffffffd).json.armv8m).toEqual({
      secureStack: true,
      dcrs: true,
      secureException: true,
      calleeRegistersStacked: false,
    });
    expect(decodeExcReturn(0xfffffffe).text).toContain(
      "  ARMv8-M: reserved bits are wrong (bits 23:7 must be ones, bit 1 zero): the return faults",
    );
    expect(decodeExcReturn(0x08001235).text).toEqual([
      "0x08001235 is not an EXC_RETURN (bits 31:24 are not 0xFF): a BX to it is an ordinary branch",
    ]);
  });
});

describe("decode rasr / rlar", () => {
  it("a PMSAv7 region from the words the simulator's own encoder makes (round trip)", () => {
    const { rbar: base, rasr } = encodeRegion(3, 8, {
      base: 0x20000400,
      size: 1024,
      access: "priv-rw-user-ro",
      subregionDisable: 0x81,
    });
    const rbar = (base | 0x10 | 3) >>> 0; // VALID | REGION 3, as an STM to the alias registers writes it
    const d = decodeRasr(rasr, rbar);
    expect(d.text).toEqual([
      `RASR = 0x${rasr.toString(16).padStart(8, "0")}, RBAR = 0x${rbar.toString(16).padStart(8, "0")} (PMSAv7)`,
      "  RBAR.VALID 1: the write selects region 3 (RBAR.REGION)",
      "  enabled",
      "  base 0x20000400, size 1 KiB (SIZE 9: 2^10 bytes), end 0x200007ff",
      "  AP 010 (priv-rw-user-ro): privileged read/write, unprivileged read-only",
      "  XN 1: instruction fetches fault (MemManage IACCVIOL)",
      "  TEX 000 C 1 B 1 S 0: normal memory, write-back, no write-allocate, not shareable",
      "  SRD 0x81: subregions 0, 7 disabled (they fall through to lower regions or the background) (128 B each)",
    ]);
    expect(d.json).toMatchObject({ rbar, region: { number: 3, base: 0x20000400, size: 1024, srd: 0x81 } });
  });

  it("an unaligned RBAR base is UNPREDICTABLE; without RBAR the base is unknown", () => {
    expect(decodeRasr(0x13030013, 0x10000500).text).toContain(
      "  RBAR.ADDR 0x10000500 is not aligned to the size: UNPREDICTABLE on silicon (the model aligns it down)",
    );
    expect(decodeRasr(0x13030013, null).text[2]).toBe("  size 1 KiB (SIZE 9: 2^10 bytes); the base is RBAR's (--rbar)");
  });

  it("SRD bits set on a region below 256 bytes are UNPREDICTABLE, not ignored", () => {
    // SIZE 6 (128 B), enabled, SRD 0x01
    expect(decodeRasr(0x0000010d, null).text.at(-1)).toBe(
      "  SRD 0x01: a region below 256 bytes has no subregions, and SRD bits set on it are UNPREDICTABLE on silicon",
    );
    expect(decodeRasr(0x0000000d, null).text.at(-1)).toBe("  SRD 0x00: a region below 256 bytes has no subregions");
  });

  it("an UNPREDICTABLE MAIR attribute is named so, not as the Device-nGnRnE the model treats it as", () => {
    const rbar = 0x20010000; // SH 00, AP 00, XN 0
    const rlar = 0x2001ffe1; // AttrIndx 0, EN
    expect(decodeRlar(rlar, rbar, [0x40, null]).text.at(-1)).toBe(
      "  AttrIndx 0: MAIR attribute 0x40, UNPREDICTABLE on silicon (Normal outer with inner 0000; the model treats it as Device-nGnRnE)",
    );
    expect(decodeRlar(rlar, rbar, [0x01, null]).text.at(-1)).toBe(
      "  AttrIndx 0: MAIR attribute 0x01, UNPREDICTABLE on silicon (Device with bits 1:0 not zero; the model treats it as Device-nGnRnE)",
    );
    expect(decodeRlar(rlar, rbar, [0x04, null]).text.at(-1)).toBe("  AttrIndx 0: MAIR attribute 0x04, Device-nGnRE");
  });

  it("a PMSAv8 region with and without the MAIR word its AttrIndx reads", () => {
    const rbar = 0x20010003; // base 0x20010000, SH 00, AP 01 (rw), XN
    const rlar = 0x2001ffe3; // limit 0x2001FFFF, AttrIndx 1, EN
    expect(decodeRlar(rlar, rbar, [0x00ff4404, null]).text.slice(1)).toEqual([
      "  enabled",
      "  base 0x20010000, limit 0x2001ffff (64 KiB)",
      "  AP 01 (rw): privileged and unprivileged read/write",
      "  XN 1, PXN 0: instruction fetches fault",
      "  SH non-shareable",
      "  AttrIndx 1: MAIR attribute 0x44, normal memory, non-cacheable, not shareable",
    ]);
    expect(decodeRlar(rlar, rbar, [null, 0x44]).text.at(-1)).toBe(
      "  AttrIndx 1: the memory type is byte 1 of MAIR0 (--mair0)",
    );
    expect(MpuReg.RASR).toBe(0xe000eda0); // the register a RASR value comes from
  });

  it("PXN set names the architecture that has it (ARMv8.1-M)", () => {
    const rbar = 0x20010002; // AP 01 (rw), executable
    expect(decodeRlar(0x2001fff1, rbar, [0xff, null]).text[4]).toBe(
      "  XN 0, PXN 1: executable unprivileged only (PXN is ARMv8.1-M's: RES0 on ARMv8.0-M, such as the Cortex-M33)",
    );
  });
});

describe("system registers", () => {
  it("SHCSR: active, pending and enabled bits; the disabled faults escalate", () => {
    expect(decodeShcsr(0x00010081).text).toEqual([
      "SHCSR = 0x00010081 (0xe000ed24)",
      "  bit  0  MEMFAULTACT  MemManage is active (its handler is running or preempted)",
      "  bit  7  SVCALLACT    SVCall is active",
      "  bit 16  MEMFAULTENA  MemManage enabled (else it escalates to HardFault)",
      "BusFault, UsageFault disabled: such a fault is taken as a HardFault (HFSR.FORCED).",
    ]);
    expect(decodeShcsr(0x00200000).text[1]).toBe("  bit 21  HARDFAULTPENDED  a HardFault is pending (ARMv8-M)");
    expect(decodeShcsr(0x00070000).json).toMatchObject({ escalates: [] });
    expect(decodeShcsr(0x40).text[1]).toBe("  bit  6  (reserved)  reserved: not a bit the core sets");
  });

  it("CCR: each bit, STKALIGN clear named", () => {
    expect(decodeCcr(0x00070218).text.slice(1, 3)).toEqual([
      "  bit  3  UNALIGN_TRP  unaligned halfword and word accesses fault (UsageFault UNALIGNED)",
      "  bit  4  DIV_0_TRP    SDIV/UDIV by zero faults (UsageFault DIVBYZERO)",
    ]);
    expect(decodeCcr(0).text).toEqual([
      "CCR = 0x00000000 (0xe000ed14)",
      "  no bit set",
      "STKALIGN clear: frames are aligned to 4 bytes only (ARMv7-M; not AAPCS-conformant in handlers).",
    ]);
  });

  it("xPSR: IPSR's exception, the flags, the T bit; a stacked xPSR's alignment bit", () => {
    expect(decodeXpsr(0x21000003).text).toEqual([
      "xPSR = 0x21000003",
      "  IPSR   exception 3: HardFault",
      "  APSR   C",
      "  EPSR   T 1 (Thumb: as it must be)",
    ]);
    const stacked = decodeXpsr(0x80000200 | 0x10);
    expect(stacked.text[1]).toBe("  IPSR   exception 16: IRQ 0");
    expect(stacked.text[2]).toBe("  APSR   N");
    expect(stacked.text[3]).toBe(
      "  EPSR   T 0: in a stacked xPSR, returning to it faults (UsageFault INVSTATE): a corrupt frame or a branch to an even address (read with MRS, T and ICI/IT always read as 0)",
    );
    expect(stacked.text[4]).toContain("bit 9  set");
    expect(stacked.json).toMatchObject({ exception: 16, thumb: false, stackAligned: true });
  });

  it("xPSR read with MRS: T reads as 0 there (EPSR reads as zero), so a clear T is not said to fault", () => {
    // ARMv7-M B5.2.2 MRS: the EPSR bits read as zero; only a stacked xPSR carries T and ICI/IT.
    const mrs = decodeXpsr(0x20000000);
    expect(mrs.text[3]).not.toContain("the next instruction faults");
    expect(mrs.text[3]).toContain("read with MRS, T and ICI/IT always read as 0");
  });

  it("CONTROL: privilege and stack of Thread mode", () => {
    expect(decodeControl(3).text.at(-1)).toBe(
      "Thread mode: unprivileged, on PSP (FreeRTOS-MPU's unprivileged task: 0x3).",
    );
    expect(decodeControl(2).text.at(-1)).toBe("Thread mode: privileged, on PSP (a privileged task: 0x2).");
    expect(decodeControl(4).text[1]).toBe(
      "  bit  2  FPCA        the current context has used the FPU: exception entry stacks an extended frame",
    );
  });

  it("MPU_CTRL: what an access no region matches gets; HFNMIENA without ENABLE is UNPREDICTABLE", () => {
    expect(decodeMpuCtrl(5).text.at(-1)).toBe(
      "An access no region matches: privileged code gets the default memory map, unprivileged code a MemManage fault.",
    );
    expect(decodeMpuCtrl(1).text.at(-1)).toBe(
      "An access no region matches faults (MemManage), privileged or not: the kernel needs a region for all it touches.",
    );
    expect(decodeMpuCtrl(2).text.slice(-2)).toEqual([
      "The MPU is off: every access follows the default memory map (HFNMIENA and PRIVDEFENA do nothing).",
      "HFNMIENA set with ENABLE clear is UNPREDICTABLE (ARMv7-M B3.5.6).",
    ]);
  });
});
