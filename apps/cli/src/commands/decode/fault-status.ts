import { CFSR_MEANING, HFSR_MEANING } from "@rtos-sim/apps";
import { Cfsr, Hfsr, hex32, ScbReg } from "@rtos-sim/hw";
import { type Decoded, hex8 } from "./types.js";

/** The CFSR's sub-registers, by bit range: MMFSR 7:0, BFSR 15:8, UFSR 31:16. */
function part(bit: number): "MMFSR" | "BFSR" | "UFSR" {
  return bit < 8 ? "MMFSR" : bit < 16 ? "BFSR" : "UFSR";
}

/** One line per set bit of `value` that `bits` names, and one per set bit it does not (reserved). */
function bitLines(value: number, bits: Readonly<Record<string, number>>, meaning: Readonly<Record<string, string>>) {
  const named = new Map(Object.entries(bits).map(([name, mask]) => [Math.log2(mask >>> 0), name]));
  const lines: { bit: number; name: string; meaning: string }[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    const name = named.get(bit);
    lines.push(
      name === undefined
        ? { bit, name: "(reserved)", meaning: "reserved: reads as zero on silicon; not a value the core sets" }
        : { bit, name, meaning: meaning[name] ?? "" },
    );
  }
  return lines;
}

/**
 * CFSR (0xE000ED28): each set bit with its sub-register and meaning, and where to look next:
 * MMFAR or BFAR when their VALID bit is set (an address register without it holds nothing of
 * this fault), the frame's stacked PC for the faulting instruction.
 */
export function decodeCfsr(value: number): Decoded {
  const bits = bitLines(value, Cfsr, CFSR_MEANING);
  const lines = bits.map(
    (b) => `  bit ${String(b.bit).padStart(2)}  ${part(b.bit).padEnd(5)}  ${b.name.padEnd(11)}  ${b.meaning}`,
  );
  const next: string[] = [];
  if ((value & 0xff) !== 0) {
    next.push(
      (value & Cfsr.MMARVALID) !== 0
        ? `MemManage: MMFAR (${hex32(ScbReg.MMFAR)}) holds the address of the data access the MPU refused.`
        : "MemManage: MMFAR holds no address for this fault (MMARVALID clear).",
    );
  }
  if ((value & 0xff00) !== 0) {
    next.push(
      (value & Cfsr.BFARVALID) !== 0
        ? `BusFault: BFAR (${hex32(ScbReg.BFAR)}) holds the address of the access the bus refused.`
        : "BusFault: BFAR holds no address for this fault (BFARVALID clear).",
    );
  }
  const stacking = Cfsr.MSTKERR | Cfsr.MUNSTKERR | Cfsr.MLSPERR | Cfsr.STKERR | Cfsr.UNSTKERR | Cfsr.LSPERR;
  if ((value & stacking) !== 0) {
    next.push(
      "The fault came while (un)stacking an exception frame: the stack pointer was bad, or the stack overflowed.",
    );
  } else if ((value & Cfsr.IMPRECISERR) !== 0) {
    next.push("IMPRECISERR: the stacked PC is a later instruction than the store that faulted (the write buffer).");
  } else if (value !== 0) {
    next.push("The stacked PC in the exception frame is the instruction that faulted.");
  }
  return {
    register: "CFSR",
    value: value >>> 0,
    text: [
      `CFSR = ${hex32(value)} (${hex32(ScbReg.CFSR)}: MMFSR ${hex8(value)}, BFSR ${hex8(value >>> 8)}, UFSR 0x${((value >>> 16) & 0xffff).toString(16).padStart(4, "0")})`,
      ...(lines.length > 0 ? lines : ["  no bit set: no configurable fault recorded"]),
      ...next,
    ],
    json: { bits: bits.map((b) => ({ ...b, register: part(b.bit) })) },
  };
}

/** HFSR (0xE000ED2C): each set bit and its meaning; FORCED points at the CFSR. */
export function decodeHfsr(value: number): Decoded {
  const bits = bitLines(value, Hfsr, HFSR_MEANING);
  const lines = bits.map((b) => `  bit ${String(b.bit).padStart(2)}  ${b.name.padEnd(10)}  ${b.meaning}`);
  return {
    register: "HFSR",
    value: value >>> 0,
    text: [
      `HFSR = ${hex32(value)} (${hex32(ScbReg.HFSR)})`,
      ...(lines.length > 0 ? lines : ["  no bit set"]),
      ...((value & Hfsr.FORCED) !== 0
        ? [
            `FORCED: the CFSR (${hex32(ScbReg.CFSR)}) says which configurable fault escalated (rtos-sim decode cfsr <value>).`,
          ]
        : []),
    ],
    json: { bits },
  };
}
