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
 * Mainline (S, DCRS, ES: the Security Extension's bits; reserved bits 23:7 ones, bit 1 zero).
 * A value whose top byte is not 0xFF is an ordinary return address.
 */
export function decodeExcReturn(value: number): Decoded {
  const v = value >>> 0;
  if (v >>> 24 !== 0xff) {
    return {
      register: "EXC_RETURN",
      value: v,
      text: [`${hex32(v)} is not an EXC_RETURN (bits 31:24 are not 0xFF): a BX to it is an ordinary branch`],
      json: { excReturn: false },
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
  if (v8Reserved) {
    text.push(
      `  ARMv8-M: S ${(v >>> 6) & 1} (${(v & 0x40) !== 0 ? "Secure" : "Non-secure"} stack), DCRS ${(v >>> 5) & 1} (${(v & 0x20) !== 0 ? "callee registers not stacked" : "callee registers stacked too"}), ES ${v & 1} (the exception was ${(v & 1) !== 0 ? "Secure" : "Non-secure"})`,
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
        ? { secureStack: (v & 0x40) !== 0, dcrs: (v & 0x20) !== 0, secureException: (v & 1) !== 0 }
        : null,
    },
  };
}
