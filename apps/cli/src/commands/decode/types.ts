/** What a decoder makes of a register value: its lines for people and its fields for `--json`. */
export interface Decoded {
  /** The register's name as the ARM manuals write it (CFSR, HFSR, EXC_RETURN, RASR, RLAR). */
  readonly register: string;
  /** The value decoded (unsigned). */
  readonly value: number;
  /** The human output, one element per line. */
  readonly text: readonly string[];
  /** The decoded fields for `--json` (merged with `register` and `value`). */
  readonly json: Readonly<Record<string, unknown>>;
}

/** A byte as two hex digits after 0x (`0x82`): the CFSR's sub-registers, SRD, a MAIR attribute. */
export function hex8(v: number): string {
  return `0x${(v & 0xff).toString(16).padStart(2, "0")}`;
}
