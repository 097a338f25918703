import { hex32 } from "@rtos-sim/hw";
import type { Decoded } from "./types.js";

/** The six EXC_RETURN values ARMv7-M accepts (ARMv7-M ARM B1.5.8, table B1-8 and B1-9). */
const ARMV7M_VALID: ReadonlySet<number> = new Set([
  0xfffffff1, 0xfffffff9, 0xfffffffd, 0xffffffe1, 0xffffffe9, 0xffffffed,
]);

/**
 * EXC_RETURN, the LR value an exception handler returns through: where the return goes (Handler
 * or Thread mode), which stack it unstacks from (MSP or PSP), and the frame it expects (basic,
 * or extended with the FP registers), as ARMv7-M reads it and, where it differs, ARMv8-M
 * Mainline (S, DCRS, ES: the Security Extension's bits, and whether the callee registers are
 * stacked, S 1 and DCRS or ES 0; reserved bits 23:7 ones, bit 1 zero). A value whose top byte is
 * not 0xFF is an ordinary return address on ARMv8-M; ARMv7-M takes one whose top nibble is 0xF
 * as an (invalid) exception return in Handler mode.
 */
export function decodeExcReturn(value: number): Decoded {
  const v = value >>> 0;
  if (v >>> 24 !== 0xff) {
    // ARMv7-M (B1.5.8) takes any value with bits 31:28 all ones, loaded into the PC in Handler
    // mode, as an exception return; ARMv8-M only one with bits 31:24 all ones (0xFEFFFFFx is its
    // FNC_RETURN, not an exception return).
    const v7Return = v >>> 28 === 0xf;
    return {
      register: "EXC_RETURN",
      value: v,
      text: v7Return
        ? [
            `${hex32(v)} is not an EXC_RETURN on ARMv8-M (bits 31:24 are not 0xFF): a BX to it is an ordinary branch`,
            "  ARMv7-M: loaded into the PC in Handler mode it is an exception return (bits 31:28 are 0xF), not one of the six valid values: the return faults (UsageFault INVPC)",
          ]
        : [`${hex32(v)} is not an EXC_RETURN (bits 31:24 are not 0xFF): a BX to it is an ordinary branch`],
      json: { excReturn: false, armv7mExceptionReturn: v7Return },
    };
  }
  const thread = (v & 0x8) !== 0;
  const psp = (v & 0x4) !== 0;
  const basic = (v & 0x10) !== 0;
  const v7 = ARMV7M_VALID.has(v);
  const v8Reserved = ((v >>> 7) & 0x1ffff) === 0x1ffff && (v & 0x2) === 0;
  const mode = thread ? "Thread mode" : "Handler mode";
  const stack = psp ? "the process stack (PSP)" : "the main stack (MSP)";
  const frame = basic
    ? "a basic frame (8 words: R0-R3, R12, LR, PC, xPSR)"
    : "an extended frame (26 words: the basic 8, S0-S15, FPSCR and a reserved word)";
  const text = [
    `EXC_RETURN = ${hex32(v)}: return to ${mode}, unstacking ${frame} from ${stack}`,
    `  bit 4 FType ${basic ? 1 : 0}, bit 3 Mode ${thread ? 1 : 0}, bit 2 SPSEL ${psp ? 1 : 0}`,
    v7
      ? "  ARMv7-M: valid"
      : "  ARMv7-M: not one of the six valid values (0xFFFFFFF1, F9, FD, E1, E9, ED): the return faults (UsageFault INVPC)",
  ];
  // The additional state context (integrity signature, a reserved word, R4-R11: 10 words) is
  // below the frame when a Secure context was stacked (S 1) and either the exception was
  // Non-secure (ES 0: the default rules stack it) or an earlier exception had stacked it (DCRS 0).
  const callee = (v & 0x40) !== 0 && ((v & 0x20) === 0 || (v & 1) === 0);
  if (v8Reserved) {
    text.push(
      `  ARMv8-M: S ${(v >>> 6) & 1} (${(v & 0x40) !== 0 ? "Secure" : "Non-secure"} stack), DCRS ${(v >>> 5) & 1} (${(v & 0x20) !== 0 ? "default callee stacking rules" : "callee registers already stacked"}), ES ${v & 1} (the exception was ${(v & 1) !== 0 ? "Secure" : "Non-secure"})`,
      callee
        ? "  ARMv8-M with the Security Extension: the frame has the callee registers below it (integrity signature, reserved word, R4-R11: 10 words more)"
        : "  ARMv8-M: no callee registers in the frame",
    );
  } else {
    text.push("  ARMv8-M: reserved bits are wrong (bits 23:7 must be ones, bit 1 zero): the return faults");
  }
  if (thread && !psp && v7)
    text.push("  (Thread mode on the main stack: an RTOS's tasks return with PSP, 0xFFFFFFFD or 0xFFFFFFED)");
  return {
    register: "EXC_RETURN",
    value: v,
    text,
    json: {
      excReturn: true,
      mode: thread ? "thread" : "handler",
      stack: psp ? "psp" : "msp",
      frame: basic ? "basic" : "extended",
      validArmv7m: v7,
      armv8m: v8Reserved
        ? {
            secureStack: (v & 0x40) !== 0,
            dcrs: (v & 0x20) !== 0,
            secureException: (v & 1) !== 0,
            calleeRegistersStacked: callee,
          }
        : null,
    },
  };
}
