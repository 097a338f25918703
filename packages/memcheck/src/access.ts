import { AccessKind, accessKindName, type Bus, type Core, Perm } from "@rtos-sim/hw";
import { type ClassifyContext, examine, type Problem } from "./classify.js";
import type { Ledger } from "./ledger.js";
import { hex, type ReportKind } from "./report.js";
import type { Reporter } from "./reporter.js";
import type { Shadow, ShadowRegion } from "./shadow.js";
import { StateBit } from "./state.js";

/** The answer of {@link MemoryChecker.validateBuffer}. */
export interface BufferCheck {
  /** Whether the task may make the access. */
  readonly ok: boolean;
  /** First offending byte, or null. */
  readonly address: number | null;
  /** "mpu" when the task's MPU view denies it, else the error kind the access would report. */
  readonly reason: "mpu" | ReportKind | null;
  /** Why not, for people ("MPU denies write at 0x...", the would-be report's message), or "ok" / "empty buffer". */
  readonly message: string;
}

/** What an {@link AccessCheck} works with. */
export interface AccessCheckParts {
  readonly bus: Bus;
  readonly core: Core;
  readonly shadow: Shadow;
  readonly ledger: Ledger;
  readonly reporter: Reporter;
  /** How far outside a block an access is still attributed to it. */
  readonly reach: number;
}

/**
 * The exact path of the checker's access hook, and the questions asked about accesses without
 * making them. An access the hook's one-word test cannot pass comes here: every byte is
 * classified against the shadow and the ledger (`examine`, classify.ts), a problem goes to the
 * reporter, and a write sets INI on the bytes it may touch. It also answers buffer checks for
 * syscalls (MPU view and state, nothing reported) and reads a copy's source without requiring
 * INI (copying is not a use).
 */
export class AccessCheck {
  private readonly core: Core;
  private readonly shadow: Shadow;
  private readonly reporter: Reporter;
  private readonly ctx: ClassifyContext;
  private copying = false;
  private readonly bus: Bus;
  /**
   * The span of the device the last device register access hit: no memory lies there (the bus
   * attaches no device over memory), so an access inside it has nothing to check (a driver
   * polling a register comes back here on every access).
   */
  private deviceStart = 0;
  private deviceEnd = 0;

  constructor(parts: AccessCheckParts) {
    this.core = parts.core;
    this.bus = parts.bus;
    this.shadow = parts.shadow;
    this.reporter = parts.reporter;
    const bus = parts.bus;
    const self = this;
    this.ctx = {
      shadow: parts.shadow,
      blocks: parts.ledger.blocks,
      stacks: parts.ledger.stacks,
      reach: parts.reach,
      isDevice: (a) => a >>> 20 === 0xe00 || bus.isPeripheral(a),
      get copying() {
        return self.copying;
      },
      freedPages: (a) => parts.ledger.freedPagesContaining(a),
      taskName: (task) => parts.reporter.nameOf(task),
    };
  }

  /**
   * Checks an access by `actor` byte by byte: a problem is reported (and throws when the policy
   * stops), a write sets INI on the bytes it may touch. Returns the region to keep hot (the
   * access was fine and lies inside it), else undefined.
   */
  check(address: number, size: number, kind: AccessKind, actor: number): ShadowRegion | undefined {
    if (address >= this.deviceStart && address + size <= this.deviceEnd) return undefined;
    const p = examine(this.ctx, address, size, kind, actor & 3, actor >>> 2);
    if (p === null) {
      if (kind === AccessKind.Write) this.markWritten(address, size);
      const r = this.shadow.regionAt(address);
      if (r === undefined) this.noteDevice(address);
      return r && address + size <= r.end ? r : undefined;
    }
    // A report names the first offending byte; an access that starts before it (a word straddling
    // a block's end) says where it started, as ASan's and Memcheck's "READ of size 4 at" do.
    const q = p.address === address ? p : { ...p, details: [...p.details, startLine(address, size, p.address)] };
    this.reporter.badAccess(q, size, accessKindName(kind), actor); // throws when the policy stops
    if (kind === AccessKind.Write) this.markWritten(address, size);
    return undefined;
  }

  /** Examines an access without reporting or changing anything. */
  examine(address: number, size: number, kind: AccessKind, actor: number): Problem | null {
    return examine(this.ctx, address, size, kind, actor & 3, actor >>> 2);
  }

  /** See {@link MemoryChecker.validateBuffer}. */
  validateBuffer(
    actor: number,
    address: number,
    length: number,
    access: "read" | "write",
    permission: (address: number) => number = (a) => this.core.permissionAt(a),
  ): BufferCheck {
    const a = address >>> 0;
    if (length <= 0) return { ok: true, address: null, reason: null, message: "empty buffer" };
    if (a + length > 0x100000000) return { ok: false, address: a, reason: "wild-access", message: "buffer wraps" };
    const user = (actor & 3) === 2;
    const need = access === "read" ? (user ? Perm.UR : Perm.PR) : user ? Perm.UW : Perm.PW;
    // Next granule by its low bits only: `(g & ~31) + 32` is negative from 0x80000000 up, and the
    // loop then never reached the end of a buffer there (a hang when the permission allows all).
    for (let g = a; g < a + length; g += 32 - (g & 31)) {
      if ((permission(g >>> 0) & need) === 0) {
        return { ok: false, address: g >>> 0, reason: "mpu", message: `MPU denies ${access} at ${hex(g)}` };
      }
    }
    // A read is checked as a copy's source: whether the bytes are initialized is a property of
    // the data, not a right to the memory (a syscall's input bytes: `uninitializedIn`, which
    // `MemoryChecker.checkSyscallParam` reports).
    const p = access === "read" ? this.examineCopy(a, length, actor) : this.examine(a, length, AccessKind.Write, actor);
    if (p) return { ok: false, address: p.address, reason: p.kind, message: p.message };
    return { ok: true, address: null, reason: null, message: "ok" };
  }

  /** Examines a read of [address, +length) as a copy's source (INI not required), without reporting. */
  examineCopy(address: number, length: number, actor: number): Problem | null {
    this.copying = true;
    try {
      return this.examine(address, length, AccessKind.Read, actor);
    } finally {
      this.copying = false;
    }
  }

  /**
   * The first uninitialized byte of a buffer whose bytes `actor` may read (see
   * {@link AccessCheck.validateBuffer}) as the problem a read of it would be, or null: all
   * initialized (or another problem comes first, which is the buffer check's to refuse).
   */
  uninitializedIn(address: number, length: number, actor: number): Problem | null {
    if (length <= 0) return null;
    const a = address >>> 0;
    // Nearly every buffer a syscall is given is initialized: one look at INI per byte, and the
    // full classification only when a byte lacks it.
    const r = this.shadow.regionAt(a);
    if (r !== undefined && a + length <= r.end) {
      const bytes = r.bytes;
      const end = a - r.start + length;
      let i = a - r.start;
      while (i < end && (bytes[i]! & StateBit.I) !== 0) i++;
      if (i === end) return null;
    }
    const p = this.examine(a, length, AccessKind.Read, actor);
    return p !== null && p.kind === "uninitialized-read" ? p : null;
  }

  /** Reads [src, src + length) through `core` as a copy's source: checked, but INI not required. */
  readForCopy(core: Core, src: number, length: number, unprivileged = false): Uint8Array {
    this.copying = true;
    try {
      return core.readBytes(src, length, unprivileged);
    } finally {
      this.copying = false;
    }
  }

  /** Remembers the span of the device attached at `address`, if any. */
  private noteDevice(address: number): void {
    const hit = this.bus.peripheralAt(address);
    if (hit === undefined || hit.device === null) return;
    this.deviceStart = address - hit.offset;
    this.deviceEnd = this.deviceStart + hit.device.size;
  }

  /** Sets INI on the bytes a write may touch (owned by someone and writable). */
  private markWritten(address: number, size: number): void {
    for (let a = address; a < address + size; a++) {
      const r = this.shadow.regionAt(a);
      if (!r) continue;
      const s = r.bytes[a - r.start]!;
      if ((s & StateBit.K) !== 0 && (s & StateBit.W) !== 0) r.bytes[a - r.start] = s | StateBit.I;
    }
  }
}

/** The detail line of an access whose first offending byte is not its first byte. */
function startLine(address: number, size: number, bad: number): string {
  return `access [${hex(address)}, ${hex(address + size)}) starts ${bad - address} bytes before the first bad byte ${hex(bad)}`;
}
