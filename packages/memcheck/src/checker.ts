import { AccessKind, type Core, Perm } from "@rtos-sim/hw";
import type { BlockRecord } from "./blocks.js";
import type { CheckedMachine, CheckerOptions, MemoryRange } from "./checker-base.js";
import { MemcheckError } from "./errors.js";
import { type LeakOptions, type LeakSummary, scanLeaks } from "./leaks.js";
import { hex, type ReportKind } from "./report.js";
import type { ShadowCost } from "./shadow.js";
import { initStack, moveStackPointer, type StackRecord } from "./stacks.js";
import { ALL, ANY, StateBit } from "./state.js";
import { CheckerTransitions } from "./transitions.js";

/** The answer of {@link MemoryChecker.validateBuffer}. */
export interface BufferCheck {
  /** Whether the task may make the access. */
  readonly ok: boolean;
  /** First offending byte, or null. */
  readonly address: number | null;
  /** "mpu" when the task's MPU view denies it, else the error kind the access would report. */
  readonly reason: "mpu" | ReportKind | null;
  readonly message: string;
}

/**
 * The memory checker: per-byte state for every RAM region, checked page and block transitions,
 * redzone and quarantine primitives (see {@link CheckedAllocator}), stacks, leaks, buffer
 * validation for syscalls, and the access hook.
 *
 * It implements the region manager's `PageObserver` and the allocators' `BlockObserver`
 * structurally: set it as their `observer`.
 *
 * @example
 * ```ts
 * const m = createMachine(STM32F407);
 * const checker = new MemoryChecker(m, { clock: () => m.core.cycles });
 * checker.attach();
 * checker.pagesGiven(0x20000000, 1024, "heap");
 * checker.blockAllocated(0x20000010, 10, "heap");
 * m.core.actor = makeActor(ActorMode.User, 1);
 * m.core.write32(0x20000018, 1); // throws CheckerFault heap-buffer-overflow (bytes 10, 11)
 * ```
 */
export class MemoryChecker extends CheckerTransitions {
  /** Leak roots: image data and bss, plus {@link MemoryChecker.addRoot}. */
  readonly roots: MemoryRange[] = [];

  constructor(machine: CheckedMachine, options: CheckerOptions = {}) {
    super(machine, options);
    const image = [...(options.data ?? []), ...(options.bss ?? [])];
    for (const r of [...image, ...(options.metadata ?? [])]) this.range(r.start, r.size);
    for (const r of image) this.shadow.fill(r.start, r.size, ANY | StateBit.W | StateBit.I);
    for (const r of options.metadata ?? []) this.shadow.fill(r.start, r.size, ALL | StateBit.W | StateBit.I);
    this.roots.push(...image);
  }

  /** Installs the checker as the core's access hook. */
  attach(): this {
    this.machine.core.hook = this;
    return this;
  }

  /** Removes the checker from the core (only if it is the installed hook). */
  detach(): void {
    if (this.machine.core.hook === this) this.machine.core.hook = null;
  }

  /** What the state costs per managed byte, on the host and on the device. */
  cost(): ShadowCost {
    return this.shadow.cost();
  }

  // ---- stacks ----------------------------------------------------------------------------------

  /**
   * Follows a task stack [base, base + size) with stack pointer `sp` (default: the top, empty).
   * The memory must be owned (a block or image memory); bytes below SP become inaccessible.
   */
  registerStack(task: number, base: number, size: number, sp = base + size): void {
    this.range(base, size);
    if (this.stacks.has(task)) throw new MemcheckError("STACK_EXISTS", `task ${task} has a stack`, { task });
    for (const s of this.stacks.values()) {
      if (base < s.top && s.base < base + size) {
        throw new MemcheckError("STACK_OVERLAP", `stack overlaps the stack of task ${s.task}`, { task, other: s.task });
      }
    }
    if (sp < base || sp > base + size) throw new MemcheckError("STACK_SP_RANGE", "SP outside the stack", { task, sp });
    const bad = this.shadow.find(base, size, (s) => (s & StateBit.K) === 0);
    if (bad >= 0) this.transitionError("invalid-transition", "stack in memory nobody owns", bad, size, null);
    const st: StackRecord = { task, base, top: base + size, sp, saved: this.shadow.snapshot(base, size) };
    this.stacks.set(task, st);
    initStack(this.shadow, st);
  }

  /**
   * The task's stack pointer is now `sp` (call before exception stacking and after unstacking).
   * Below the base: a `stack-overflow` report (SP is then held at the base).
   */
  stackPointer(task: number, sp: number): void {
    const st = this.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    if (sp > st.top) throw new MemcheckError("STACK_SP_RANGE", "SP above the top of the stack", { task, sp });
    if (sp < st.base) {
      this.transitionError("stack-overflow", `stack pointer ${hex(sp)} below the stack base`, sp, st.base - sp, null, [
        `stack of task ${task}: [${hex(st.base)}, ${hex(st.top)}), ${st.base - sp} bytes overflow`,
      ]);
      sp = st.base;
    }
    moveStackPointer(this.shadow, st, sp);
  }

  /** Stops following a task's stack; its bytes get back the state they had at registration. */
  unregisterStack(task: number): void {
    const st = this.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    this.shadow.restore(st.base, st.saved);
    this.stacks.delete(task);
  }

  // ---- leaks -------------------------------------------------------------------------------------

  /** Adds a leak root (memory whose words may hold pointers to blocks). */
  addRoot(start: number, size: number, name = "root"): void {
    this.range(start, size);
    this.roots.push({ start, size, name });
  }

  /** Removes the roots starting at `start`. */
  removeRoot(start: number): void {
    for (let i = this.roots.length - 1; i >= 0; i--) if (this.roots[i]!.start === start) this.roots.splice(i, 1);
  }

  /**
   * Scans roots (image data/bss, added roots, live stack parts) and live blocks for pointers,
   * reports lost blocks (`leak-definite`, `leak-indirect`; `leak-reachable` on request) and
   * returns the summary. `task` restricts reports to blocks that task allocated.
   */
  checkLeaks(options: LeakOptions = {}): LeakSummary {
    const stackRoots = [...this.stacks.values()].map((s) => ({ start: s.sp, size: s.top - s.sp }));
    const peek = (a: number, n: number) => this.machine.bus.peek(a, n);
    const summary = scanLeaks([...this.blocks.live.values()], [...this.roots, ...stackRoots], peek, options.task);
    const emit = (kind: ReportKind, list: readonly BlockRecord[], what: string) => {
      for (const b of list) {
        const actor = ((b.allocated.task << 2) | 2) >>> 0;
        this.file(this.makeReport(kind, `${b.size} bytes ${what}`, b.address, b.size, null, actor, b, []), false);
      }
    };
    emit("leak-definite", summary.definite, "definitely lost");
    emit("leak-indirect", summary.indirect, "indirectly lost");
    if (options.reportReachable) emit("leak-reachable", summary.reachable, "still reachable");
    return summary;
  }

  /** A task ended: its stack is dropped and its lost blocks reported. */
  taskEnded(task: number): LeakSummary {
    if (this.stacks.has(task)) this.unregisterStack(task);
    return this.checkLeaks({ task });
  }

  // ---- syscalls and copies ----------------------------------------------------------------------

  /**
   * May `actor` read/write [address, address + length)? Combines the MPU view (`permission`,
   * default: `core.permissionAt` under the configuration loaded now, unprivileged for user mode)
   * with the checker's state. Reports nothing and changes nothing.
   */
  validateBuffer(
    actor: number,
    address: number,
    length: number,
    access: "read" | "write",
    permission: (address: number) => number = (a) => this.machine.core.permissionAt(a),
  ): BufferCheck {
    const a = address >>> 0;
    if (length <= 0) return { ok: true, address: null, reason: null, message: "empty buffer" };
    if (a + length > 0x100000000) return { ok: false, address: a, reason: "wild-access", message: "buffer wraps" };
    const user = (actor & 3) === 2;
    const need = access === "read" ? (user ? Perm.UR : Perm.PR) : user ? Perm.UW : Perm.PW;
    for (let g = a; g < a + length; g = (g & ~31) + 32) {
      if ((permission(g >>> 0) & need) === 0) {
        return { ok: false, address: g >>> 0, reason: "mpu", message: `MPU denies ${access} at ${hex(g)}` };
      }
    }
    const kind = access === "read" ? AccessKind.Read : AccessKind.Write;
    const p = this.examineOnly(a, length, kind, actor);
    if (p) return { ok: false, address: p.address, reason: p.kind, message: p.message };
    return { ok: true, address: null, reason: null, message: "ok" };
  }

  /** Reports an overlapping copy; returns whether [dst, +len) and [src, +len) are disjoint. */
  checkCopy(dst: number, src: number, length: number): boolean {
    if (length <= 0 || dst + length <= src || src + length <= dst) return true;
    this.transitionError("overlapping-copy", "source and destination of a copy overlap", dst, length, null, [
      `source [${hex(src)}, ${hex(src + length)}), destination [${hex(dst)}, ${hex(dst + length)})`,
    ]);
    return false;
  }

  /**
   * A checked memcpy through the core (as the running actor): overlap check, source readable
   * (initialized or not: copying is not a use), destination writable; the initialized state of
   * each byte is copied with it, as Memcheck copies V bits. An overlapping copy is reported and
   * (when the policy lets it return) not performed.
   */
  memcpy(dst: number, src: number, length: number, core: Core = this.machine.core): void {
    if (length <= 0 || !this.checkCopy(dst, src, length)) return;
    let bytes: Uint8Array;
    this.copying = true;
    try {
      bytes = core.readBytes(src, length);
    } finally {
      this.copying = false;
    }
    core.writeBytes(dst, bytes);
    for (let i = 0; i < length; i++) {
      const r = this.shadow.regionAt(dst + i);
      if (!r) continue;
      const d = r.bytes[dst + i - r.start]!;
      const init = this.shadow.get(src + i) & StateBit.I;
      if ((d & StateBit.K) !== 0) r.bytes[dst + i - r.start] = (d & ~StateBit.I) | init;
    }
  }
}
