import { describe, expect, it } from "vitest";
import type { FaultRecord } from "../run/result.js";
import { faultHtml } from "./html.js";

/** A MemManage DACCVIOL read of 0x20000010, as the recorder keeps it on ARMv7-M or (registers false) on ARMv6-M. */
function fault(faultStatusRegisters: boolean): FaultRecord {
  return {
    t: 500,
    task: 1,
    taskName: "sensor",
    kind: faultStatusRegisters ? "memmanage" : "hardfault",
    hardware: true,
    exception: faultStatusRegisters ? 4 : 3,
    exceptionName: faultStatusRegisters ? "MemManage" : "HardFault",
    cause: "MemManage",
    escalated: false,
    lockup: false,
    faultStatusRegisters,
    cfsr: 0x82,
    cfsrNames: ["DACCVIOL", "MMARVALID"],
    hfsr: 0,
    hfsrNames: [],
    mmfar: 0x20000010,
    bfar: null,
    access: { address: 0x20000010, size: 4, kind: "read", privileged: false },
    expected: true,
    note: "",
    message: "",
    mpuRegions: [],
    memory: null,
    source: null,
    action: null,
    dump: null,
  };
}

describe("faultHtml", () => {
  it("ARMv7-M: the fault registers' table", () => {
    const html = faultHtml(fault(true));
    expect(html).toContain('class="fault-registers"');
    expect(html).not.toContain("Silicon:");
  });

  it("ARMv6-M: no register table; the silicon's HardFault, then the simulator's classification", () => {
    const html = faultHtml(fault(false));
    expect(html).not.toContain('class="fault-registers"');
    expect(html).toContain("<h3>HardFault (exception 3) in sensor");
    expect(html).toContain(
      "<p>Silicon: HardFault only; ARMv6-M has no CFSR, HFSR, MMFAR or BFAR (the handler sees its stacked frame).</p>",
    );
    expect(html).toMatch(
      /<p>Simulator: MemManage at <code[^>]*>0x20000010<\/code>, what an ARMv7-M core would record:<\/p>/,
    );
    expect(html).toContain("DACCVIOL");
  });

  it("a UsageFault STKOF's access is the SP update the core refused, not a store", () => {
    const html = faultHtml({
      ...fault(true),
      exception: 6,
      exceptionName: "UsageFault",
      cause: "UsageFault",
      cfsr: 0x100000,
      cfsrNames: ["STKOF"],
      mmfar: null,
      access: { address: 0x20002410, size: 4, kind: "write", privileged: false },
    });
    expect(html).toMatch(
      /<p>Access: none: unprivileged SP update to <code[^>]*>0x20002410<\/code>, below the stack limit \(refused before any store\)<\/p>/,
    );
    expect(faultHtml(fault(true))).toMatch(
      /<p>Access: unprivileged read of 4 byte\(s\) at <code[^>]*>0x20000010<\/code><\/p>/,
    );
  });
});
