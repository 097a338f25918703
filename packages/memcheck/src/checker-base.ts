import {
  type AccessFilter,
  type AccessHook,
  type AccessKind,
  accessKindName,
  type Board,
  type Bus,
  type Core,
} from "@rtos-sim/hw";
import { type BlockRecord, BlockTable, blockInfo } from "./blocks.js";
import { type ClassifyContext, examine, modeName, type Problem } from "./classify.js";
import { MemcheckEmitter } from "./emitter.js";
import { CheckerFault, MemcheckError } from "./errors.js";
import type { MemReport, ReportKind, Site, StateDump, TimeUnit } from "./report.js";
import { Shadow, type ShadowRegion } from "./shadow.js";
import type { StackRecord } from "./stacks.js";
import { FIRST_WRITE, fastTable, StateBit, stateCode } from "./state.js";

/** A range of simulated memory. */
export interface MemoryRange {
  readonly start: number;
  readonly size: number;
  /** Shown in leak reports for roots. */
  readonly name?: string;
}

/** What to do when an error is found. */
export type ErrorPolicy = "stop" | "stop-writes" | "continue";

/** Options of the memory checker; every field has a default. */
export interface CheckerOptions {
  /** Simulated time for reports (e.g. `() => core.cycles`). Default `() => 0`. */
  readonly clock?: () => number;
  /** Unit of `clock`. Default "cycles". */
  readonly timeUnit?: TimeUnit;
  /** Task names for reports. Default `T<id>` (`boot` for 0). */
  readonly taskName?: (task: number) => string;
  /** Image .data ranges: ANY, writable, initialized at boot; leak roots. */
  readonly data?: readonly MemoryRange[];
  /** Image .bss ranges: ANY, writable, initialized at boot; leak roots. */
  readonly bss?: readonly MemoryRange[];
  /** Region-manager metadata ranges: ALL, writable, initialized at boot. */
  readonly metadata?: readonly MemoryRange[];
  /**
   * "stop-writes" (default): access errors of writes and every transition error latch a
   * {@link CheckerFault} on the core and throw it; read errors are reported and the access goes
   * on. "stop": every error stops. "continue": report only. Leaks never stop.
   */
  readonly onError?: ErrorPolicy;
  /** Reports of the same kind, block (or address, outside blocks) and task beyond this many are suppressed. Default 3. */
  readonly maxRepeats?: number;
  /** Reports kept and emitted in total; later ones are suppressed. Default 1000. */
  readonly maxReports?: number;
  /** Capture a JS stack (`new Error().stack`) in each report. Default false. */
  readonly captureStack?: boolean;
  /** Freed blocks remembered for use-after-free and double-free reports. Default 1024. */
  readonly freedHistory?: number;
  /** How far outside a block (bytes) an access is still attributed to it. Default 64. */
  readonly reach?: number;
}

/** The hardware a checker sits on: the board's memory map, the bus (for peeks), the core. */
export interface CheckedMachine {
  readonly board: Board;
  readonly bus: Bus;
  readonly core: Core;
}

/** INI in all four bytes of a word. */
const INI_WORD = StateBit.I * 0x01010101;

function defaultTaskName(task: number): string {
  return task === 0 ? "boot" : `T${task}`;
}

/**
 * The state, reporting and access checking half of {@link MemoryChecker}; see there.
 */
export class CheckerBase implements AccessHook {
  /** Per-byte state of every RAM region. */
  readonly shadow: Shadow;
  /** Live blocks and freed-block history. */
  readonly blocks: BlockTable;
  /** Registered task stacks by task id. */
  readonly stacks = new Map<number, StackRecord>();
  /** Typed events ("report", "suppressed"). */
  readonly events = new MemcheckEmitter();
  /** Every report kept so far (at most `maxReports`). */
  readonly reports: MemReport[] = [];
  /** Reports dropped by the caps. */
  suppressed = 0;
  protected readonly machine: CheckedMachine;
  protected readonly opts: Required<Omit<CheckerOptions, "data" | "bss" | "metadata">>;
  protected copying = false;
  private label: string | null = null;
  private readonly names = new Map<number, string>();
  private readonly seen = new Map<string, number>();
  private readonly ctx: ClassifyContext;
  // Hot region: the last one an access succeeded in.
  private hStart = 0;
  private hWords: Int32Array = new Int32Array(0);
  private readonly fast: Int32Array = fastTable();
  /**
   * The hook's filter: the core tests an aligned access's state word against the actor's mask
   * itself (the same test as the fast path of {@link CheckerBase.onAccess}) and only calls the
   * hook when it fails, so a correct access costs no call.
   */
  readonly filter: AccessFilter = {
    filterRun: (address) => this.shadow.regionAt(address),
    filterMasks: this.fast,
  };

  constructor(machine: CheckedMachine, options: CheckerOptions = {}) {
    this.machine = machine;
    this.opts = {
      clock: options.clock ?? (() => 0),
      timeUnit: options.timeUnit ?? "cycles",
      taskName: options.taskName ?? defaultTaskName,
      onError: options.onError ?? "stop-writes",
      maxRepeats: options.maxRepeats ?? 3,
      maxReports: options.maxReports ?? 1000,
      captureStack: options.captureStack ?? false,
      freedHistory: options.freedHistory ?? 1024,
      reach: options.reach ?? 64,
    };
    if (this.opts.maxRepeats < 1 || this.opts.reach < 0 || this.opts.freedHistory < 0) {
      throw new MemcheckError("OPTION_INVALID", "maxRepeats >= 1, reach >= 0, freedHistory >= 0", { ...options });
    }
    this.shadow = new Shadow(machine.board);
    this.blocks = new BlockTable(this.opts.freedHistory);
    const bus = machine.bus;
    const self = this;
    this.ctx = {
      shadow: this.shadow,
      blocks: this.blocks,
      stacks: this.stacks,
      reach: this.opts.reach,
      isDevice: (a) => a >>> 20 === 0xe00 || bus.peripheralAt(a) !== undefined,
      get copying() {
        return self.copying;
      },
    };
  }

  // ---- the access hook ----------------------------------------------------------------------

  /**
   * Called by the core for every access the MPU allowed, before the bus performs it.
   *
   * The fast path decides an access inside one aligned word of the hot region with one load of
   * the word's four state bytes, one OR with the actor's mask and one compare; everything else
   * (unaligned, larger, another region, not plainly accessible) goes to the exact slow path.
   * It is kept under V8's inlining budget on purpose (about 80 bytes of bytecode): an index
   * outside the region reads `undefined`, which fails the compare, so no bounds test is needed.
   */
  onAccess(address: number, size: number, kind: AccessKind, _privileged: boolean, actor: number): void {
    if ((this.hWords[(address - this.hStart) >> 2]! | this.fast[actor]!) + 1 || (address & 3) + size > 4)
      this.access(address, size, kind);
  }

  /** The general path: every byte examined, state updated, errors reported. */
  private access(address: number, size: number, kind: AccessKind): void {
    const actor = this.machine.core.actor;
    if (kind === 1 && (address & 3) + size <= 4) {
      // A first write into owned, writable memory of the hot region: set INI on its bytes.
      const i = (address - this.hStart) >> 2;
      const w = this.hWords[i];
      if (w !== undefined && (w | FIRST_WRITE[actor & 3]!) === -1) {
        const bytes = size === 4 ? -1 : ((1 << (size * 8)) - 1) << ((address & 3) * 8);
        this.hWords[i] = w | (bytes & INI_WORD);
        return;
      }
    }
    const p = examine(this.ctx, address, size, kind, actor & 3, actor >>> 2);
    if (p === null) {
      if (kind === 1) this.markWritten(address, size);
      const r = this.shadow.regionAt(address);
      if (r && address + size <= r.end) this.warm(r);
      return;
    }
    this.problem(p, size, accessKindName(kind), actor); // throws when the policy stops
    if (kind === 1) this.markWritten(address, size);
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

  private warm(r: ShadowRegion): void {
    this.hStart = r.start;
    this.hWords = r.words;
  }

  // ---- reports --------------------------------------------------------------------------------

  /**
   * Sets the call-site label recorded by the next transition (allocation, free...) or report.
   *
   * @example
   * ```ts
   * checker.at("sensor.ts:42");
   * const p = heap.allocate(10);
   * ```
   */
  at(label: string): this {
    this.label = label;
    return this;
  }

  /** Where and when: the running task, the clock, and the pending label (consumed). */
  protected site(): Site {
    const task = this.machine.core.actor >>> 2;
    const label = this.label;
    this.label = null;
    return { task, taskName: this.nameOf(task), time: this.opts.clock(), label };
  }

  /** The name of a task (the `taskName` option, asked once per task). */
  protected nameOf(task: number): string {
    let n = this.names.get(task);
    if (n === undefined) {
      n = this.opts.taskName(task);
      this.names.set(task, n);
    }
    return n;
  }

  /** Examines an access without reporting or changing anything. */
  protected examineOnly(address: number, size: number, kind: AccessKind, actor: number): Problem | null {
    return examine(this.ctx, address, size, kind, actor & 3, actor >>> 2);
  }

  /** Builds and files the report of a problem; throws a CheckerFault when the policy says stop. */
  protected problem(p: Problem, size: number, access: MemReport["access"], actor: number): void {
    const report = this.makeReport(p.kind, p.message, p.address, size, access, actor, p.block, p.details);
    this.file(report, this.stops(report));
  }

  /** Reports a transition or free error made by the running actor. */
  protected transitionError(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    block: BlockRecord | null,
    details: string[] = [],
  ): void {
    const report = this.makeReport(kind, message, address, size, null, this.machine.core.actor, block, details);
    this.file(report, this.stops(report));
  }

  private stops(r: MemReport): boolean {
    if (r.kind.startsWith("leak-")) return false;
    const policy = this.opts.onError;
    return policy === "stop" || (policy === "stop-writes" && r.access !== "read" && r.access !== "fetch");
  }

  /** Assembles a report (site, block description, dump, optional JS stack). */
  protected makeReport(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    access: MemReport["access"],
    actor: number,
    block: BlockRecord | null,
    details: string[],
  ): MemReport {
    const task = actor >>> 2;
    // The same error on the same block (or address) by the same task counts as a repeat.
    const key = `${kind}:${block ? `b${block.address}` : address}:${task}`;
    const occurrence = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, occurrence);
    const region = this.machine.bus.regionAt(address >>> 0);
    const label = this.label;
    this.label = null;
    return {
      kind,
      message: label ? `${message} (at ${label})` : message,
      address: address >>> 0,
      size,
      access,
      mode: modeName(actor & 3),
      task,
      taskName: this.nameOf(task),
      time: this.opts.clock(),
      timeUnit: this.opts.timeUnit,
      region: region?.name ?? null,
      block: block ? blockInfo(block, address) : null,
      details,
      dump:
        this.shadow.get(address >>> 0) >= 0 || this.shadow.get((address - 1) >>> 0) >= 0 ? this.dump(address) : null,
      stack: this.opts.captureStack ? (new Error("memcheck report").stack ?? null) : null,
      occurrence,
    };
  }

  /** Keeps and emits a report (within the caps), then stops the task if asked to. */
  protected file(report: MemReport, stop: boolean): void {
    if (report.occurrence > this.opts.maxRepeats || this.reports.length >= this.opts.maxReports) {
      this.suppressed++;
      this.events.emit("suppressed", report);
    } else {
      this.reports.push(report);
      this.events.emit("report", report);
    }
    if (stop) {
      const fault = new CheckerFault(report);
      this.machine.core.latch(fault);
      throw fault;
    }
  }

  /** The state of the 16-byte rows around `address` (two before, two after). */
  dump(address: number, rowsBefore = 2, rowsAfter = 2): StateDump {
    const first = ((address & ~15) >>> 0) - 16 * rowsBefore;
    const rows = [];
    for (let r = 0; r <= rowsBefore + rowsAfter; r++) {
      const row = (first + 16 * r) >>> 0;
      const codes: string[] = [];
      for (let i = 0; i < 16; i++) {
        const s = this.shadow.get(row + i);
        codes.push(s < 0 ? ".." : stateCode(s));
      }
      rows.push({ address: row, codes });
    }
    return { marker: address >>> 0, rows };
  }

  /** Forgets every report and repeat count (state is kept). */
  clearReports(): void {
    this.reports.length = 0;
    this.seen.clear();
    this.suppressed = 0;
  }
}
