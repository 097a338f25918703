import type { Core } from "@rtos-sim/hw";
import type { AccessCheck } from "./access.js";
import { MemcheckError } from "./errors.js";
import { hex } from "./report.js";
import type { Reporter } from "./reporter.js";
import type { Shadow } from "./shadow.js";
import { StateBit } from "./state.js";

/** What {@link Copies} works with. */
export interface CopiesParts {
  readonly core: Core;
  readonly shadow: Shadow;
  readonly reporter: Reporter;
  readonly access: AccessCheck;
}

/**
 * Checked block copies made through the core as the running actor: an overlap is reported, the
 * source is read without requiring INI and the destination written, and each byte's INI state
 * travels with it, as Memcheck copies V bits.
 */
export class Copies {
  private readonly core: Core;
  private readonly shadow: Shadow;
  private readonly reporter: Reporter;
  private readonly access: AccessCheck;

  constructor(parts: CopiesParts) {
    this.core = parts.core;
    this.shadow = parts.shadow;
    this.reporter = parts.reporter;
    this.access = parts.access;
  }

  /** See {@link MemoryChecker.checkCopy}. */
  checkCopy(dst: number, src: number, length: number): boolean {
    const [d, s, n] = operands(dst, src, length);
    return this.disjoint(d, s, n);
  }

  /** See {@link MemoryChecker.memcpy}. */
  memcpy(dst: number, src: number, length: number, core: Core = this.core): void {
    const [d, s, n] = operands(dst, src, length);
    if (n <= 0 || !this.disjoint(d, s, n)) return;
    this.copy(d, s, n, core);
  }

  /** See {@link MemoryChecker.memmove}. */
  memmove(dst: number, src: number, length: number, core: Core = this.core): void {
    const [d, s, n] = operands(dst, src, length);
    if (n > 0) this.copy(d, s, n, core);
  }

  /** Reports an overlapping copy of checked operands; whether the ranges are disjoint. */
  private disjoint(dst: number, src: number, length: number): boolean {
    if (length <= 0 || dst + length <= src || src + length <= dst) return true;
    this.reporter.transitionError("overlapping-copy", "source and destination of a copy overlap", dst, length, null, [
      `source [${hex(src)}, ${hex(src + length)}), destination [${hex(dst)}, ${hex(dst + length)})`,
    ]);
    return false;
  }

  /**
   * Reads the whole source (checked, INI not required), then takes each source byte's INI,
   * writes the destination (checked), and carries each INI to its destination byte: right for
   * overlapping ranges too. Nothing is done per byte before the core has checked the source
   * (its MPU view granule by granule, the bus, then the checker: a fault at the first denied
   * byte, at once, however large `length`), nor to the destination before it checked that.
   */
  private copy(dst: number, src: number, length: number, core: Core): void {
    const bytes = this.access.readForCopy(core, src, length);
    const init = new Uint8Array(length);
    for (let i = 0; i < length; i++) init[i] = this.shadow.get(src + i) & StateBit.I;
    core.writeBytes(dst, bytes);
    for (let i = 0; i < length; i++) {
      const r = this.shadow.regionAt(dst + i);
      if (!r) continue;
      const d = r.bytes[dst + i - r.start]!;
      if ((d & StateBit.K) !== 0) r.bytes[dst + i - r.start] = (d & ~StateBit.I) | init[i]!;
    }
  }
}

/**
 * A copy's operands, each read once: addresses integers in [0, 2^32), the length an integer
 * below 2^32 (<= 0 copies nothing), all plain numbers (a task hands over anything: an object
 * whose `valueOf` answers differently at each use is `COPY_RANGE`, and is never called).
 */
function operands(dst: unknown, src: unknown, length: unknown): [number, number, number] {
  if (!isAddress(dst)) throw copyError("dst", dst);
  if (!isAddress(src)) throw copyError("src", src);
  if (typeof length !== "number" || !Number.isInteger(length) || length > 0xffffffff) throw copyError("length", length);
  return [dst, src, length];
}

function isAddress(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function copyError(field: string, value: unknown): MemcheckError {
  const shown = typeof value === "number" ? String(value) : typeof value;
  return new MemcheckError(
    "COPY_RANGE",
    `copy: ${field} must be ${field === "length" ? "an integer below 2^32" : "a 32-bit address"}, got ${shown}`,
    {
      field,
      value: typeof value === "number" ? value : typeof value,
    },
  );
}
