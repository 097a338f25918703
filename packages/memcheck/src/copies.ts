import type { Core } from "@rtos-sim/hw";
import type { AccessCheck } from "./access.js";
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
    if (length <= 0 || dst + length <= src || src + length <= dst) return true;
    this.reporter.transitionError("overlapping-copy", "source and destination of a copy overlap", dst, length, null, [
      `source [${hex(src)}, ${hex(src + length)}), destination [${hex(dst)}, ${hex(dst + length)})`,
    ]);
    return false;
  }

  /** See {@link MemoryChecker.memcpy}. */
  memcpy(dst: number, src: number, length: number, core: Core = this.core): void {
    if (length <= 0 || !this.checkCopy(dst, src, length)) return;
    this.copy(dst, src, length, core);
  }

  /** See {@link MemoryChecker.memmove}. */
  memmove(dst: number, src: number, length: number, core: Core = this.core): void {
    if (length > 0) this.copy(dst, src, length, core);
  }

  /**
   * Reads the whole source (checked, INI not required), writes the destination (checked), then
   * carries each source byte's INI to its destination byte: right for overlapping ranges too.
   */
  private copy(dst: number, src: number, length: number, core: Core): void {
    const init = new Uint8Array(length);
    for (let i = 0; i < length; i++) init[i] = this.shadow.get(src + i) & StateBit.I;
    const bytes = this.access.readForCopy(core, src, length);
    core.writeBytes(dst, bytes);
    for (let i = 0; i < length; i++) {
      const r = this.shadow.regionAt(dst + i);
      if (!r) continue;
      const d = r.bytes[dst + i - r.start]!;
      if ((d & StateBit.K) !== 0) r.bytes[dst + i - r.start] = (d & ~StateBit.I) | init[i]!;
    }
  }
}
