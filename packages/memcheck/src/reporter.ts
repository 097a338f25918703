import type { Bus, Core } from "@rtos-sim/hw";
import { type BlockRecord, blockInfo } from "./blocks.js";
import type { MemoryChecker } from "./checker.js";
import { modeName, type Problem } from "./classify.js";
import { MemcheckEmitter } from "./emitter.js";
import { CheckerFault } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import type { MemReport, ReportKind, Site, StateDump } from "./report.js";
import type { Shadow } from "./shadow.js";
import { stateCode } from "./state.js";

/** What a {@link Reporter} reads: the bus (region names), the core (running actor, fault latch), the shadow (dumps). */
export interface ReporterParts {
  readonly bus: Bus;
  readonly core: Core;
  readonly shadow: Shadow;
  readonly options: ResolvedOptions;
}

/**
 * The checker's reporter: it builds every report (site, block description, state dump, optional
 * JS stack), counts repeats and applies the caps (`maxRepeats` per kind, block or address, and
 * task; `maxReports` in all), keeps and emits what passes, and applies the stop policy
 * (`onError`): a stopping report is latched on the core as a {@link CheckerFault} and thrown.
 * It also holds the pending call-site label and the task names.
 */
export class Reporter {
  /** Typed events ("report", "suppressed"). */
  readonly events = new MemcheckEmitter();
  /** Every report kept so far (at most `maxReports`). */
  readonly reports: MemReport[] = [];
  private readonly bus: Bus;
  private readonly core: Core;
  private readonly shadow: Shadow;
  private readonly opts: ResolvedOptions;
  private label: string | null = null;
  private dropped = 0;
  private readonly names = new Map<number, string>();
  private readonly seen = new Map<string, number>();

  /** @internal Built by the {@link MemoryChecker}. */
  constructor(parts: ReporterParts) {
    this.bus = parts.bus;
    this.core = parts.core;
    this.shadow = parts.shadow;
    this.opts = parts.options;
  }

  /** Reports dropped by the caps. */
  get suppressed(): number {
    return this.dropped;
  }

  /** Sets the call-site label recorded by the next site or report. */
  at(label: string): void {
    this.label = label;
  }

  /** Where and when: the running task, the clock, and the pending label (consumed). */
  site(): Site {
    const task = this.core.actor >>> 2;
    const label = this.label;
    this.label = null;
    return { task, taskName: this.nameOf(task), time: this.opts.clock(), label };
  }

  /** The name of a task (the `taskName` option, asked once per task). */
  nameOf(task: number): string {
    let n = this.names.get(task);
    if (n === undefined) {
      n = this.opts.taskName(task);
      this.names.set(task, n);
    }
    return n;
  }

  /** Files the report of a bad access by `actor`; throws a CheckerFault when the policy says stop. */
  accessError(p: Problem, size: number, access: MemReport["access"], actor: number): void {
    const report = this.build(p.kind, p.message, p.address, size, access, actor, p.block, p.details);
    this.file(report, this.stops(report));
  }

  /** Files a transition or free error made by the running actor; throws when the policy says stop. */
  transitionError(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    block: BlockRecord | null,
    details: string[] = [],
  ): void {
    const report = this.build(kind, message, address, size, null, this.core.actor, block, details);
    this.file(report, this.stops(report));
  }

  /** Files a leak report on `block`, made in the name of the task that allocated it; never stops. */
  leak(kind: ReportKind, message: string, block: BlockRecord): void {
    const actor = ((block.allocated.task << 2) | 2) >>> 0;
    this.file(this.build(kind, message, block.address, block.size, null, actor, block, []), false);
  }

  /** The state of the 16-byte rows around `address` (`rowsBefore` before, `rowsAfter` after). */
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

  /** Forgets every report and repeat count. */
  clear(): void {
    this.reports.length = 0;
    this.seen.clear();
    this.dropped = 0;
  }

  private stops(r: MemReport): boolean {
    if (r.kind.startsWith("leak-")) return false;
    const policy = this.opts.onError;
    return policy === "stop" || (policy === "stop-writes" && r.access !== "read" && r.access !== "fetch");
  }

  /** Assembles a report (site, block description, dump, optional JS stack). */
  private build(
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
    const region = this.bus.regionAt(address >>> 0);
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
  private file(report: MemReport, stop: boolean): void {
    if (report.occurrence > this.opts.maxRepeats || this.reports.length >= this.opts.maxReports) {
      this.dropped++;
      this.events.emit("suppressed", report);
    } else {
      this.reports.push(report);
      this.events.emit("report", report);
    }
    if (stop) {
      const fault = new CheckerFault(report);
      this.core.latch(fault);
      throw fault;
    }
  }
}
