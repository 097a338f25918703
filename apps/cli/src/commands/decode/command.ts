import type { CommandSpec } from "../../cli/command.js";
import { CliError } from "../../cli/errors.js";
import { ExitCode } from "../../cli/exit-codes.js";
import { parseInteger } from "../../cli/values.js";
import { JSON_OPTION, jsonText } from "../shared.js";
import { decodeExcReturn } from "./exc-return.js";
import { decodeCfsr, decodeHfsr } from "./fault-status.js";
import { decodeRasr, decodeRlar } from "./region.js";
import { decodeCcr, decodeControl, decodeMpuCtrl, decodeShcsr, decodeXpsr } from "./system.js";
import type { Decoded } from "./types.js";

/** The options a decoder may read (register values given with the one decoded). */
interface DecodeOptions {
  readonly rbar: number | null;
  readonly mair: readonly [number | null, number | null];
}

/** The options that give other registers' values (each decoder says which it reads). */
type RegisterOption = "rbar" | "mair0" | "mair1";

/** One register the command decodes: its name on the command line and its decoder. */
interface RegisterDecoder {
  /** What it is, for the help text. */
  readonly summary: string;
  /** The options it reads; another one given with it is a usage error, not silently ignored. */
  readonly options: readonly RegisterOption[];
  decode(value: number, options: DecodeOptions): Decoded;
}

/** The registers `rtos-sim decode` knows, by the name typed (one entry per register). */
export const DECODERS: Readonly<Record<string, RegisterDecoder>> = {
  cfsr: {
    summary: "Configurable Fault Status Register (MMFSR, BFSR, UFSR)",
    options: [],
    decode: (v) => decodeCfsr(v),
  },
  hfsr: { summary: "HardFault Status Register", options: [], decode: (v) => decodeHfsr(v) },
  "exc-return": { summary: "an EXC_RETURN value (a handler's LR)", options: [], decode: (v) => decodeExcReturn(v) },
  shcsr: { summary: "System Handler Control and State Register", options: [], decode: (v) => decodeShcsr(v) },
  ccr: { summary: "Configuration and Control Register", options: [], decode: (v) => decodeCcr(v) },
  xpsr: { summary: "xPSR, or a stacked xPSR (frame word 7)", options: [], decode: (v) => decodeXpsr(v) },
  control: { summary: "the CONTROL register (nPRIV, SPSEL, FPCA)", options: [], decode: (v) => decodeControl(v) },
  "mpu-ctrl": { summary: "MPU_CTRL (ENABLE, HFNMIENA, PRIVDEFENA)", options: [], decode: (v) => decodeMpuCtrl(v) },
  rasr: {
    summary: "a PMSAv7 region's RASR (with --rbar: its base)",
    options: ["rbar"],
    decode: (v, o) => decodeRasr(v, o.rbar),
  },
  rlar: {
    summary: "a PMSAv8 region's RLAR (needs --rbar; --mair0/--mair1: its memory type)",
    options: ["rbar", "mair0", "mair1"],
    decode: (v, o) => {
      if (o.rbar === null) {
        throw new CliError(
          "USAGE_MISSING_ARGUMENT",
          "rlar: --rbar is needed (the region's base and AP are in RBAR)",
          {
            option: "--rbar",
          },
          "decode",
        );
      }
      return decodeRlar(v, o.rbar, o.mair);
    },
  },
};

const WORD = (option: string, text: string) => parseInteger(text, option, 0, 0xffffffff, "decode");

/**
 * `rtos-sim decode <register> <value>`: a register value read from a board (a fault handler's
 * printout, a debugger) decoded as the simulator's fault reports decode it: the CFSR's and HFSR's
 * bits with their meanings and where to look next, an EXC_RETURN, a PMSAv7 or PMSAv8 region.
 */
export const decodeCommand: CommandSpec = {
  name: "decode",
  summary: "decode a register value from a real board: CFSR, HFSR, EXC_RETURN, xPSR, an MPU region...",
  usage: "decode <register> <value> [--rbar V] [--mair0 V --mair1 V] [--json]",
  description: [
    "Decodes a value read on a Cortex-M (a HardFault handler's printout, a debugger) the way the",
    "simulator's fault reports do. Registers:",
    ...Object.entries(DECODERS).map(([name, d]) => `  ${name.padEnd(11)} ${d.summary}`),
    "Values are decimal or 0x hex, 32-bit.",
  ],
  minPositionals: 2,
  maxPositionals: 2,
  options: {
    rbar: { type: "string", value: "V", description: "the region's RBAR (rasr: its base and number; rlar: needed)" },
    mair0: { type: "string", value: "V", description: "MPU_MAIR0 (rlar: the memory type of AttrIndx 0-3)" },
    mair1: { type: "string", value: "V", description: "MPU_MAIR1 (rlar: the memory type of AttrIndx 4-7)" },
    json: JSON_OPTION,
  },
  examples: [
    "rtos-sim decode cfsr 0x00008200",
    "rtos-sim decode hfsr 0x40000000",
    "rtos-sim decode exc-return 0xFFFFFFED",
    "rtos-sim decode xpsr 0x21000003",
    "rtos-sim decode rasr 0x13030013 --rbar 0x10000400",
    "rtos-sim decode rlar 0x2001FFE3 --rbar 0x20010003 --mair0 0x00FF4404",
  ],
  run({ io, values, positionals }) {
    const name = positionals[0]!.toLowerCase();
    const decoder = DECODERS[name];
    if (!decoder) {
      // MMFAR and BFAR hold an address, not fields: the board's memory map says what is there.
      const address =
        name === "mmfar" || name === "bfar"
          ? `; ${name.toUpperCase()} holds an address: rtos-sim map <board> --address <value> says what lies there`
          : "";
      throw new CliError(
        "USAGE_BAD_VALUE",
        `unknown register "${positionals[0]}" (registers: ${Object.keys(DECODERS).join(", ")}${address})`,
        { register: positionals[0] },
        "decode",
      );
    }
    for (const option of ["rbar", "mair0", "mair1"] as const) {
      if (values[option] === undefined || decoder.options.includes(option)) continue;
      throw new CliError(
        "USAGE_BAD_VALUE",
        `${name} does not use --${option}${decoder.options.length > 0 ? ` (it reads ${decoder.options.map((o) => `--${o}`).join(", ")})` : ""}`,
        { register: name, option: `--${option}` },
        "decode",
      );
    }
    const value = WORD("<value>", positionals[1]!);
    const rbar = typeof values.rbar === "string" ? WORD("--rbar", values.rbar) : null;
    const m0 = typeof values.mair0 === "string" ? WORD("--mair0", values.mair0) : null;
    const m1 = typeof values.mair1 === "string" ? WORD("--mair1", values.mair1) : null;
    const d = decoder.decode(value, { rbar, mair: [m0, m1] });
    if (values.json) io.out(jsonText({ register: d.register, value: d.value, ...d.json }));
    else io.out(`${d.text.join("\n")}\n`);
    return ExitCode.Ok;
  },
};
