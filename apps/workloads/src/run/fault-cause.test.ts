import { describe, expect, it } from "vitest";
import { faultCause } from "./fault-cause.js";
import type { FaultRecord } from "./result.js";

/** The fields `faultCause` reads, of a MemManage fault. */
const fault = (f: Partial<FaultRecord>) =>
  ({
    exceptionName: "MemManage",
    cause: "MemManage",
    escalated: false,
    faultStatusRegisters: true,
    ...f,
  }) as FaultRecord;

describe("faultCause", () => {
  it("names the cause where the CFSR holds it, the HardFault and its source when escalated or on ARMv6-M", () => {
    expect(faultCause(fault({}))).toBe("MemManage");
    expect(faultCause(fault({ exceptionName: "HardFault", escalated: true }))).toBe("HardFault (escalated MemManage)");
    expect(faultCause(fault({ exceptionName: "HardFault", faultStatusRegisters: false }))).toBe(
      "HardFault (simulator: MemManage)",
    );
  });
});
