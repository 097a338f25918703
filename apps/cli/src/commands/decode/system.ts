import { Ccr, hex32, MpuCtrl, MpuReg, ScbReg, Shcsr } from "@rtos-sim/hw";
import type { Decoded } from "./types.js";

/** A named bit of a register, what it means set, and the architecture that has it when not every one does. */
interface BitMeaning {
  readonly bit: number;
  readonly name: string;
  readonly meaning: string;
  readonly only?: string;
}

/** One line per set bit, named when `bits` knows it, `(reserved)` when not. */
function setBits(value: number, bits: readonly BitMeaning[]) {
  const byBit = new Map(bits.map((b) => [b.bit, b]));
  const out: { bit: number; name: string; meaning: string; only?: string }[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    const b = byBit.get(bit);
    out.push(b ?? { bit, name: "(reserved)", meaning: "reserved: not a bit the core sets" });
  }
  return out;
}

/** The lines of {@link setBits}, `bit  n  NAME  meaning (only)`. */
function bitText(bits: ReturnType<typeof setBits>, width: number): string[] {
  return bits.map(
    (b) =>
      `  bit ${String(b.bit).padStart(2)}  ${b.name.padEnd(width)}  ${b.meaning}${b.only !== undefined ? ` (${b.only})` : ""}`,
  );
}

/** A register decoded as its set bits, with a line when none is set. */
function bitRegister(register: string, address: number, value: number, bits: readonly BitMeaning[], none: string) {
  const set = setBits(value, bits);
  const width = Math.max(10, ...set.map((b) => b.name.length));
  return {
    set,
    text: [
      `${register} = ${hex32(value)} (${hex32(address)})`,
      ...(set.length > 0 ? bitText(set, width) : [`  ${none}`]),
    ],
  };
}

const log2 = (mask: number) => Math.log2(mask >>> 0);

/** MPU_CTRL's bits (ARMv7-M B3.5.6; ARMv8-M the same three). */
const MPU_CTRL_BITS: readonly BitMeaning[] = [
  { bit: log2(MpuCtrl.ENABLE), name: "ENABLE", meaning: "the MPU is on" },
  {
    bit: log2(MpuCtrl.HFNMIENA),
    name: "HFNMIENA",
    meaning: "the MPU stays on in HardFault and NMI handlers and with FAULTMASK set",
  },
  {
    bit: log2(MpuCtrl.PRIVDEFENA),
    name: "PRIVDEFENA",
    meaning: "the default memory map is a background region for privileged accesses",
  },
];

/**
 * MPU_CTRL (0xE000ED94): each bit, then what the combination does to an access no region
 * matches.
 */
export function decodeMpuCtrl(value: number): Decoded {
  const { set, text } = bitRegister("MPU_CTRL", MpuReg.CTRL, value, MPU_CTRL_BITS, "no bit set");
  const on = (value & MpuCtrl.ENABLE) !== 0;
  text.push(
    !on
      ? "The MPU is off: every access follows the default memory map (HFNMIENA and PRIVDEFENA do nothing)."
      : (value & MpuCtrl.PRIVDEFENA) !== 0
        ? "An access no region matches: privileged code gets the default memory map, unprivileged code a MemManage fault."
        : "An access no region matches faults (MemManage), privileged or not: the kernel needs a region for all it touches.",
  );
  if (!on && (value & MpuCtrl.HFNMIENA) !== 0) {
    text.push("HFNMIENA set with ENABLE clear is UNPREDICTABLE (ARMv7-M B3.5.6).");
  }
  return { register: "MPU_CTRL", value: value >>> 0, text, json: { bits: set } };
}

/** CCR's bits (ARMv7-M B3.2.8, ARMv8-M; DC/IC/BP: the Cortex-M7 and ARMv8.1-M cores with caches). */
const CCR_BITS: readonly BitMeaning[] = [
  {
    bit: log2(Ccr.NONBASETHRDENA),
    name: "NONBASETHRDENA",
    meaning: "Thread mode may be entered with exceptions active",
    only: "ARMv7-M; RES1 on ARMv8-M",
  },
  { bit: log2(Ccr.USERSETMPEND), name: "USERSETMPEND", meaning: "unprivileged software may write STIR" },
  {
    bit: log2(Ccr.UNALIGN_TRP),
    name: "UNALIGN_TRP",
    meaning: "unaligned halfword and word accesses fault (UsageFault UNALIGNED)",
  },
  { bit: log2(Ccr.DIV_0_TRP), name: "DIV_0_TRP", meaning: "SDIV/UDIV by zero faults (UsageFault DIVBYZERO)" },
  {
    bit: log2(Ccr.BFHFNMIGN),
    name: "BFHFNMIGN",
    meaning: "handlers at priority -1 or -2 ignore precise BusFaults of their loads and stores",
  },
  {
    bit: log2(Ccr.STKALIGN),
    name: "STKALIGN",
    meaning: "exception entry aligns the stacked frame to 8 bytes",
    only: "RES1 on ARMv8-M",
  },
  {
    bit: log2(Ccr.STKOFHFNMIGN),
    name: "STKOFHFNMIGN",
    meaning: "handlers at priority -1 or -2 ignore stack limit violations",
    only: "ARMv8-M",
  },
  { bit: 16, name: "DC", meaning: "the data cache is on", only: "Cortex-M7, ARMv8.1-M cores with caches" },
  { bit: 17, name: "IC", meaning: "the instruction cache is on", only: "Cortex-M7, ARMv8.1-M cores with caches" },
  { bit: 18, name: "BP", meaning: "branch prediction is on", only: "Cortex-M7 (RAO), ARMv8.1-M" },
];

/** CCR (0xE000ED14): each set bit with what it changes. */
export function decodeCcr(value: number): Decoded {
  const { set, text } = bitRegister("CCR", ScbReg.CCR, value, CCR_BITS, "no bit set");
  if ((value & Ccr.STKALIGN) === 0) {
    text.push("STKALIGN clear: frames are aligned to 4 bytes only (ARMv7-M; not AAPCS-conformant in handlers).");
  }
  return { register: "CCR", value: value >>> 0, text, json: { bits: set } };
}

/** SHCSR's bits (ARMv7-M B3.2.13; the ARMv8-M additions marked). */
const SHCSR_BITS: readonly BitMeaning[] = [
  { bit: 0, name: "MEMFAULTACT", meaning: "MemManage is active (its handler is running or preempted)" },
  { bit: 1, name: "BUSFAULTACT", meaning: "BusFault is active" },
  { bit: 2, name: "HARDFAULTACT", meaning: "HardFault is active", only: "ARMv8-M" },
  { bit: 3, name: "USGFAULTACT", meaning: "UsageFault is active" },
  { bit: 4, name: "SECUREFAULTACT", meaning: "SecureFault is active", only: "ARMv8-M Security Extension" },
  { bit: 5, name: "NMIACT", meaning: "NMI is active", only: "ARMv8-M" },
  { bit: 7, name: "SVCALLACT", meaning: "SVCall is active" },
  { bit: 8, name: "MONITORACT", meaning: "DebugMonitor is active" },
  { bit: 10, name: "PENDSVACT", meaning: "PendSV is active" },
  { bit: 11, name: "SYSTICKACT", meaning: "SysTick is active" },
  { bit: 12, name: "USGFAULTPENDED", meaning: "a UsageFault is pending" },
  { bit: 13, name: "MEMFAULTPENDED", meaning: "a MemManage fault is pending" },
  { bit: 14, name: "BUSFAULTPENDED", meaning: "a BusFault is pending" },
  { bit: 15, name: "SVCALLPENDED", meaning: "an SVCall is pending (an SVC waits for its turn)" },
  { bit: log2(Shcsr.MEMFAULTENA), name: "MEMFAULTENA", meaning: "MemManage enabled (else it escalates to HardFault)" },
  { bit: log2(Shcsr.BUSFAULTENA), name: "BUSFAULTENA", meaning: "BusFault enabled (else it escalates to HardFault)" },
  { bit: log2(Shcsr.USGFAULTENA), name: "USGFAULTENA", meaning: "UsageFault enabled (else it escalates to HardFault)" },
  { bit: 19, name: "SECUREFAULTENA", meaning: "SecureFault enabled", only: "ARMv8-M Security Extension" },
  { bit: 20, name: "SECUREFAULTPENDED", meaning: "a SecureFault is pending", only: "ARMv8-M Security Extension" },
  { bit: 21, name: "HARDFAULTPENDED", meaning: "a HardFault is pending", only: "ARMv8-M" },
];

/** SHCSR (0xE000ED24): the handlers active, pending and enabled; the faults that escalate. */
export function decodeShcsr(value: number): Decoded {
  const { set, text } = bitRegister("SHCSR", ScbReg.SHCSR, value, SHCSR_BITS, "no bit set");
  const disabled = (
    [
      ["MemManage", Shcsr.MEMFAULTENA],
      ["BusFault", Shcsr.BUSFAULTENA],
      ["UsageFault", Shcsr.USGFAULTENA],
    ] as const
  )
    .filter(([, bit]) => (value & bit) === 0)
    .map(([name]) => name);
  if (disabled.length > 0) {
    text.push(`${disabled.join(", ")} disabled: such a fault is taken as a HardFault (HFSR.FORCED).`);
  }
  return { register: "SHCSR", value: value >>> 0, text, json: { bits: set, escalates: disabled } };
}

/** CONTROL's bits (ARMv7-M B1.4.4; FPCA with the FP extension; SFPA ARMv8-M with Security and FP). */
const CONTROL_BITS: readonly BitMeaning[] = [
  { bit: 0, name: "nPRIV", meaning: "Thread mode is unprivileged (an MPU region's unprivileged rights apply)" },
  { bit: 1, name: "SPSEL", meaning: "Thread mode uses the process stack (PSP); Handler mode always uses MSP" },
  { bit: 2, name: "FPCA", meaning: "the current context has used the FPU: exception entry stacks an extended frame" },
  { bit: 3, name: "SFPA", meaning: "the Secure state's FP context is active", only: "ARMv8-M Security Extension" },
];

/** CONTROL (read with MRS): privilege, stack, floating-point context. */
export function decodeControl(value: number): Decoded {
  const set = setBits(value, CONTROL_BITS);
  const text = [
    `CONTROL = ${hex32(value)} (MRS r0, CONTROL)`,
    ...(set.length > 0 ? bitText(set, 10) : ["  no bit set"]),
  ];
  text.push(
    `Thread mode: ${(value & 1) !== 0 ? "unprivileged" : "privileged"}, on ${(value & 2) !== 0 ? "PSP" : "MSP"}` +
      `${(value & 1) !== 0 ? " (FreeRTOS-MPU's unprivileged task: 0x3)" : (value & 2) !== 0 ? " (a privileged task: 0x2)" : ""}.`,
  );
  return { register: "CONTROL", value: value >>> 0, text, json: { bits: set } };
}

/** The exception numbers below 16 (ARMv7-M B1.5.2; SecureFault: ARMv8-M). */
const EXCEPTIONS: Readonly<Record<number, string>> = {
  0: "Thread mode (no exception)",
  1: "Reset",
  2: "NMI",
  3: "HardFault",
  4: "MemManage",
  5: "BusFault",
  6: "UsageFault",
  7: "SecureFault (ARMv8-M)",
  11: "SVCall",
  12: "DebugMonitor",
  14: "PendSV",
  15: "SysTick",
};

/**
 * xPSR (read with MRS, or a stacked xPSR from an exception frame: the word at SP + 28): the
 * flags, the exception number (IPSR), the T bit and the stacked-frame alignment bit. MRS reads
 * EPSR's bits (T, ICI/IT) as zero (ARMv7-M B5.2.2): only a stacked xPSR carries them, so a clear
 * T is said to fault only there.
 */
export function decodeXpsr(value: number): Decoded {
  const exception = value & 0x1ff;
  const name = exception >= 16 ? `IRQ ${exception - 16}` : (EXCEPTIONS[exception] ?? "reserved");
  const flags = ["N", "Z", "C", "V", "Q"].filter((_, i) => ((value >>> (31 - i)) & 1) !== 0);
  const t = ((value >>> 24) & 1) !== 0;
  const ge = (value >>> 16) & 0xf;
  const ici = ((value >>> 25) & 3) | (((value >>> 10) & 0x3f) << 2);
  const text = [`xPSR = ${hex32(value)}`];
  text.push(`  IPSR   exception ${exception}: ${name}`);
  text.push(
    `  APSR   ${flags.length > 0 ? flags.join(" ") : "no flag set"}${ge !== 0 ? `, GE ${ge.toString(2).padStart(4, "0")} (DSP)` : ""}`,
  );
  text.push(
    `  EPSR   T ${t ? 1 : 0}${t ? " (Thumb: as it must be)" : ": in a stacked xPSR, returning to it faults (UsageFault INVSTATE): a corrupt frame or a branch to an even address (read with MRS, T and ICI/IT always read as 0)"}` +
      `${ici !== 0 ? `; ICI/IT 0x${ici.toString(16)} (inside an IT block or an interrupted LDM/STM)` : ""}`,
  );
  if ((value & (1 << 9)) !== 0) {
    text.push(
      "  bit 9  set: in a stacked xPSR, exception entry padded the stack by 4 bytes to align the frame to 8 (the SP before it was the frame's end + 4)",
    );
  }
  if ((value & (1 << 20)) !== 0) {
    text.push("  bit 20 set: in a stacked xPSR on ARMv8-M (RETPSR), SFPA: the Secure FP context was active.");
  }
  return {
    register: "xPSR",
    value: value >>> 0,
    text,
    json: { exception, exceptionName: name, flags, thumb: t, ge, ici, stackAligned: (value & (1 << 9)) !== 0 },
  };
}
