import { ActorMode, actorTask, type Bus, type Core, ceilLog2, isPowerOfTwo, makeActor } from "@rtos-sim/hw";
import { type BlockRecord, blockInfo } from "./blocks.js";
import type { MemoryChecker } from "./checker.js";
import { type FrameHit, modeName, type Problem } from "./classify.js";
import { MemcheckEmitter } from "./emitter.js";
import { CheckerFault } from "./errors.js";
import { placeInFrame } from "./frames.js";
import { frozenCopy } from "./frozen.js";
import type { FreedPagesRecord, Ledger } from "./ledger.js";
import type { ResolvedOptions } from "./options.js";
import type { FrameInfo, MemReport, PageInfo, ReportKind, Site, StateDump } from "./report.js";
import type { Shadow } from "./shadow.js";
import {
  captureStack,
  currentSourceSite,
  type SourceSite,
  type SourceSiteOptions,
  type StackCapture,
  siteOfCapture,
} from "./source-site.js";
import { NO, stateCode } from "./state.js";

/** What a {@link Reporter} reads: the bus (region names), the core (running actor, fault latch), the shadow and ledger (dumps). */
export interface ReporterParts {
  /** The bus: region names for a report, and peeks for the state dump (never checked). */
  readonly bus: Bus;
  /** The core: the running actor (who made the access) and the fault latch (the stop policy). */
  readonly core: Core;
  /** The per-byte state a report's dump shows. */
  readonly shadow: Shadow;
  /** The block records a report describes an address by. */
  readonly ledger: Ledger;
  /** The checker's options, defaults applied (caps, stop policy, time unit, source sites). */
  readonly options: ResolvedOptions;
}

/** A report counted before it is built: its source line and its occurrence under its repeat key. */
interface Tally {
  readonly source: SourceSite | null;
  readonly occurrence: number;
  /** A later piece of a DMA transfer already reported in this block: not a new report. */
  readonly continued: boolean;
}

/** The inputs of the last repeat key and the key (see `Reporter.key`). */
interface KeyMemo {
  readonly kind: ReportKind;
  readonly file: string | null;
  readonly line: number;
  readonly column: number;
  readonly address: number;
  readonly size: number;
  readonly access: MemReport["access"];
  /** The block's address, -1 without a block. */
  readonly block: number;
  readonly task: number;
  /** Whether the access was a DMA's (its key is its block's). */
  readonly dma: boolean;
  readonly key: string;
}

/**
 * The repeat key: the same kind by the same task at the same access site. The site is the source
 * line (with `sourceSites`), else the block of a transition, else the access itself (address,
 * size, read or write); a leak's is its block. A DMA's access (`dma`) has no source line and
 * its address and size are where time cut its transfer: its site is the block it touched.
 */
function repeatKey(
  kind: ReportKind,
  source: SourceSite | null,
  address: number,
  size: number,
  access: MemReport["access"],
  block: BlockRecord | null,
  task: number,
  dma: boolean,
): string {
  if (kind.startsWith("leak-") && block !== null) return `${kind}:b${block.address}:${task}`;
  if (dma && block !== null) return `${kind}:dma:b${block.address}:${task}`;
  if (source !== null) return `${kind}:${source.file}:${source.line}:${source.column}:${task}`;
  if (access === null && block !== null) return `${kind}:b${block.address}:${task}`;
  return `${kind}:${address >>> 0}:${size}:${access}:${task}`;
}

/** A syscall the kernel is carrying out for a task (see {@link Reporter.beginRequest}). */
interface Request {
  readonly task: number;
  readonly op: string;
  readonly stack: StackCapture | null;
}

/**
 * The checker's reporter: it builds every report (site, block description, state dump, source
 * lines, optional JS stack), counts repeats and applies the caps (`maxRepeats` per kind, access
 * site and task; `maxReports` per task), keeps and emits what passes, and applies the stop policy
 * (`onError`): a stopping report is latched on the core as a {@link CheckerFault} and thrown.
 * It also holds the pending call-site label, the syscall being carried out for a task, and the
 * task names.
 */
export class Reporter {
  /** Typed events ("report", "suppressed"). */
  readonly events = new MemcheckEmitter();
  /** Every report kept so far (at most `maxReports` per task). */
  readonly reports: MemReport[] = [];
  private readonly bus: Bus;
  private readonly core: Core;
  private readonly shadow: Shadow;
  private readonly ledger: Ledger;
  private readonly opts: ResolvedOptions;
  private label: string | null = null;
  private pendingStack: StackCapture | null = null;
  private request: Request | null = null;
  private dropped = 0;
  private readonly names = new Map<number, string>();
  private readonly seen = new Map<string, number>();
  /** Reports kept so far per task (the `maxReports` cap is per task: no task's reports crowd out another's). */
  private readonly keptBy = new Map<number, number>();
  private lastKey: KeyMemo | null = null;
  /** The transfer each DMA actor is in (numbered from 1 at each `masterStart`). */
  private readonly transferOf = new Map<number, number>();
  private transfers = 0;
  /** The transfer a DMA's repeat key was last counted in (its later pieces there are not new reports). */
  private readonly reportedIn = new Map<string, number>();
  /** The call stack of each site (captured with `sourceSites`), resolved to a line only when a report shows it. */
  private readonly captures = new WeakMap<Site, StackCapture>();
  private readonly resolved = new WeakMap<Site, Site>();

  /** @internal Built by the {@link MemoryChecker}. */
  constructor(parts: ReporterParts) {
    this.bus = parts.bus;
    this.core = parts.core;
    this.shadow = parts.shadow;
    this.ledger = parts.ledger;
    this.opts = parts.options;
  }

  /** Reports dropped by the caps. */
  get suppressed(): number {
    return this.dropped;
  }

  /** Whether source sites are on. */
  get sourceSites(): boolean {
    return this.opts.sourceSites !== null;
  }

  /** Sets the call-site label recorded by the next site or report. */
  at(label: string): void {
    this.label = label;
  }

  /** The call-site label the next site or report will record ({@link Reporter.at}), or null. */
  get pendingLabel(): string | null {
    return this.label;
  }

  /**
   * Sets the call stack of the next site or report: where the task's code made the call the
   * kernel is now carrying out (the task's own frames are no longer on the JS stack then).
   */
  calledFrom(stack: StackCapture): void {
    this.pendingStack = stack;
  }

  /**
   * The kernel carries out syscall `op` for `task` until {@link endRequest}: transition errors
   * (a bad free, a double allocation) are the task's, in user mode, and every site and report
   * takes `stack` (captured when the task made the call) as its source.
   */
  beginRequest(task: number, op: string, stack: StackCapture | null): void {
    this.request = { task, op, stack };
  }

  /** The syscall is over. */
  endRequest(): void {
    this.request = null;
    this.pendingStack = null;
    this.label = null;
  }

  /** The call stack of the current call: pending (consumed), the request's, or (with `sourceSites`) the JS stack now. */
  private callStack(consume = true): StackCapture | null {
    const pending = this.pendingStack;
    if (pending !== null) {
      if (consume) this.pendingStack = null;
      return pending;
    }
    if (this.request !== null) return this.request.stack;
    return this.opts.sourceSites !== null ? captureStack() : null;
  }

  /** The source line of the current call: the stack `callStack` gives (consumed), the JS stack now read by `currentSourceSite`. */
  private callSite(sites: SourceSiteOptions): SourceSite | null {
    const pending = this.pendingStack;
    if (pending !== null) {
      this.pendingStack = null;
      return siteOfCapture(pending, sites);
    }
    if (this.request !== null) return siteOfCapture(this.request.stack, sites);
    return currentSourceSite(sites);
  }

  /**
   * Where and when: the running task, the clock, the pending label and the call stack (with
   * `sourceSites`). A block's site consumes the pending label and stack; a page transition's
   * (`consume` false: pages an allocator takes or gives back while serving a call) leaves them
   * to the block and has no label.
   */
  site(consume = true): Site {
    const task = actorTask(this.core.actor);
    const label = consume ? this.label : null;
    if (consume) this.label = null;
    const s: Site = { task, taskName: this.nameOf(task), time: this.opts.clock(), label, source: null };
    if (this.opts.sourceSites !== null) {
      const stack = this.callStack(consume);
      if (stack !== null) this.captures.set(s, stack);
    }
    return s;
  }

  /** A site with its source line resolved from its captured call stack (the same site when it has none). */
  resolve(s: Site): Site {
    const stack = this.captures.get(s);
    if (stack === undefined || this.opts.sourceSites === null) return s;
    let r = this.resolved.get(s);
    if (r === undefined) {
      r = { ...s, source: siteOfCapture(stack, this.opts.sourceSites) };
      this.resolved.set(s, r);
    }
    return r;
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

  /**
   * Files the report of a bad access by `actor`; throws a CheckerFault when the policy says
   * stop (and `mayStop`). Returns the report.
   */
  accessError(p: Problem, size: number, access: MemReport["access"], actor: number, mayStop = true): MemReport {
    const seen = this.tally(p.kind, p.address, size, access, actor, p.block);
    const filed = this.accessReport(p, size, access, actor, seen);
    this.file(filed, mayStop && this.stops(filed));
    return filed.frame === null ? filed : { ...filed, frame: null }; // as built: the frame is in the filed copy only
  }

  /**
   * Files the report of a bad access by `actor` made through the access hook, as
   * {@link accessError} does, without returning it; throws a CheckerFault when the policy says
   * stop. A report the caps drop that nobody listens for ("suppressed") and that does not stop is
   * only counted: it is never assembled (block description, state dump, frozen copy), which a
   * task repeating a bad read in a loop would otherwise pay on every access.
   */
  badAccess(p: Problem, size: number, access: MemReport["access"], actor: number): void {
    const seen = this.tally(p.kind, p.address, size, access, actor, p.block);
    if (seen.continued) {
      // A later piece of a DMA transfer in a block it was reported in: the same access, landing
      // later (the DMA moves its items when time is observed); counted, not reported again.
      this.dropped++;
      if (this.events.listenerCount("suppressed") > 0)
        this.events.emit("suppressed", frozenCopy(this.accessReport(p, size, access, actor, seen)));
      return;
    }
    // A DMA's transfer is never stopped by the checker: the running code did not make it.
    const stop = (actor & 3) !== 3 && this.stopsAccess(p.kind, access);
    if (!stop && !this.keeps(seen.occurrence, actorTask(actor)) && this.events.listenerCount("suppressed") === 0) {
      this.label = null; // the report would have taken it
      this.dropped++;
      return;
    }
    // `file` is called from here, as from `accessError`: the CheckerFault it throws captures the
    // JS stack (V8 keeps 10 frames by default), where the kernel looks for the task's line of a
    // fault (packages/kernel/src/fault-site.ts), so a frame more in between would lose it.
    this.file(this.accessReport(p, size, access, actor, seen), stop);
  }

  /** The report of a bad access, with the call frame its address lies in. */
  private accessReport(p: Problem, size: number, access: MemReport["access"], actor: number, seen: Tally): MemReport {
    const report = this.build(
      p.kind,
      p.message,
      p.address,
      size,
      access,
      actor,
      p.block,
      p.details,
      p.pages ?? null,
      seen,
    );
    const frame = p.frame ? this.frameInfo(p.frame, p.address >>> 0) : null;
    return frame ? { ...report, frame } : report;
  }

  /**
   * Files a transition or free error made by the running actor (by the task, in user mode,
   * when the kernel is carrying out its syscall), with the call frame `address` lies in when
   * given; throws when the policy says stop.
   */
  transitionError(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    block: BlockRecord | null,
    details: string[] = [],
    frame: FrameHit | null = null,
  ): void {
    const actor = this.request !== null ? makeActor(ActorMode.User, this.request.task) : this.core.actor;
    const seen = this.tally(kind, address, size, null, actor, block);
    const report = this.build(kind, message, address, size, null, actor, block, details, null, seen);
    const framed = frame ? { ...report, frame: this.frameInfo(frame, address >>> 0) } : report;
    this.file(framed, this.stops(framed));
  }

  /**
   * Files an allocation request the allocator refuses (`calloc-overflow`,
   * `allocation-size-too-big`), by the running task; it never stops (the call returns NULL).
   */
  requestError(kind: ReportKind, message: string, size: number, details: string[]): MemReport {
    const actor = this.request !== null ? makeActor(ActorMode.User, this.request.task) : this.core.actor;
    const seen = this.tally(kind, 0, size, null, actor, null);
    const report = this.build(kind, message, 0, size, null, actor, null, details, null, seen, false);
    this.file(report, false);
    return report;
  }

  /** Files a leak report on `block`, made in the name of the task that allocated it; never stops. */
  leak(kind: ReportKind, message: string, block: BlockRecord): void {
    const actor = makeActor(ActorMode.User, block.allocated.task);
    const seen = this.tally(kind, block.address, block.size, null, actor, block);
    const r = this.build(kind, message, block.address, block.size, null, actor, block, [], null, seen);
    this.file({ ...r, source: this.resolve(block.allocated).source }, false);
  }

  /**
   * The state of the 16-byte rows around `address` (`rowsBefore` before, `rowsAfter` after);
   * bytes of returned pages print `PF`.
   */
  dump(address: number, rowsBefore = 2, rowsAfter = 2): StateDump {
    const first = ((address & ~15) >>> 0) - 16 * rowsBefore;
    const rows = [];
    for (let r = 0; r <= rowsBefore + rowsAfter; r++) {
      const row = (first + 16 * r) >>> 0;
      const codes: string[] = [];
      for (let i = 0; i < 16; i++) {
        const s = this.shadow.get(row + i);
        const freedPage = s === NO && this.ledger.freedPagesContaining(row + i) !== undefined;
        codes.push(s < 0 ? ".." : freedPage ? "PF" : stateCode(s));
      }
      rows.push({ address: row, codes });
    }
    return { marker: address >>> 0, rows };
  }

  /** A DMA starts a transfer as `actor` (see `MemoryChecker.onMasterStart`). */
  masterStart(actor: number): void {
    this.transferOf.set(actor, ++this.transfers);
  }

  /** Forgets every report and repeat count. */
  clear(): void {
    this.reports.length = 0;
    this.seen.clear();
    this.reportedIn.clear();
    this.keptBy.clear();
    this.dropped = 0;
  }

  /** The returned pages `address` lies in, described for a report. */
  pageInfo(rec: FreedPagesRecord, address: number): PageInfo {
    // A buddy block is 2^order pages; a list allocator's run of another count has no order.
    const pages = rec.pageSize ? rec.size / rec.pageSize : 0;
    const order = isPowerOfTwo(pages) ? ceilLog2(pages) : null;
    return {
      address: rec.address,
      size: rec.size,
      pageSize: rec.pageSize,
      order,
      owner: rec.owner,
      offset: address - rec.address,
      given: this.resolve(rec.given),
      freed: this.resolve(rec.freed),
    };
  }

  /** The call frame `address` lies in, described for a report. */
  frameInfo(hit: FrameHit, address: number): FrameInfo {
    const f = hit.record;
    const place = placeInFrame(f, address);
    const locals = f.shape.locals.map((l) => ({ name: l.name, offset: l.offset, size: l.size }));
    return {
      function: f.shape.function,
      base: f.base,
      size: f.shape.size,
      task: hit.task,
      taskName: this.nameOf(hit.task),
      depth: f.depth,
      state: f.returnedAt === null ? "live" : "returned",
      returnedAt: f.returnedAt,
      offset: address - f.base,
      locals,
      local: place.local ? (locals[f.shape.locals.indexOf(place.local)] ?? null) : null,
      relation: place.relation,
      distance: place.distance,
    };
  }

  private stops(r: MemReport): boolean {
    return this.stopsAccess(r.kind, r.access);
  }

  /** Whether the policy stops on a report of `kind` made by an access of kind `access`. */
  private stopsAccess(kind: ReportKind, access: MemReport["access"]): boolean {
    if (kind.startsWith("leak-")) return false;
    const policy = this.opts.onError;
    return policy === "stop" || (policy === "stop-writes" && access !== "read" && access !== "fetch");
  }

  /** Whether a report of `task` at `occurrence` passes the caps (what `file` keeps). */
  private keeps(occurrence: number, task: number): boolean {
    return occurrence <= this.opts.maxRepeats && this.keptOf(task) < this.opts.maxReports;
  }

  /** Reports of `task` kept so far. */
  private keptOf(task: number): number {
    return this.keptBy.get(task) ?? 0;
  }

  /**
   * Counts a report: its source line (with `sourceSites`; it consumes the pending call stack) and
   * its occurrence under its repeat key.
   */
  private tally(
    kind: ReportKind,
    address: number,
    size: number,
    access: MemReport["access"],
    actor: number,
    block: BlockRecord | null,
  ): Tally {
    const task = actorTask(actor);
    // A DMA's access: no line of code made it (the running code's call site is not its own).
    const dma = (actor & 3) === ActorMode.Dma && access !== null;
    const sites = this.opts.sourceSites;
    const source = sites !== null && !dma && !kind.startsWith("leak-") ? this.callSite(sites) : null;
    const key = this.key(kind, source, address, size, access, block, task, dma);
    const known = this.seen.get(key);
    const transfer = dma ? this.transferOf.get(actor) : undefined;
    if (known !== undefined && transfer !== undefined && this.reportedIn.get(key) === transfer) {
      return { source, occurrence: known, continued: true };
    }
    const occurrence = (known ?? 0) + 1;
    // Past the task's `maxReports` its every report is suppressed: a key not seen before is not
    // remembered, or a run reporting at ever new addresses (onError "continue") would grow the map
    // without bound.
    if (known !== undefined || this.keptOf(task) < this.opts.maxReports) {
      this.seen.set(key, occurrence);
      if (transfer !== undefined && block !== null) this.reportedIn.set(key, transfer);
    }
    return { source, occurrence, continued: false };
  }

  /** The repeat key (`repeatKey`), the last one reused when asked again with the same inputs. */
  private key(
    kind: ReportKind,
    source: SourceSite | null,
    address: number,
    size: number,
    access: MemReport["access"],
    block: BlockRecord | null,
    task: number,
    dma: boolean,
  ): string {
    // A bad access repeated in a loop asks for the same key each time: the last one is reused
    // (the same string, its hash already computed) rather than built and hashed again.
    const m = this.lastKey;
    const blockAddress = block === null ? -1 : block.address;
    if (
      m !== null &&
      m.kind === kind &&
      m.address === address &&
      m.size === size &&
      m.access === access &&
      m.block === blockAddress &&
      m.task === task &&
      m.dma === dma &&
      (source === null
        ? m.file === null
        : m.file === source.file && m.line === source.line && m.column === source.column)
    )
      return m.key;
    const key = repeatKey(kind, source, address, size, access, block, task, dma);
    this.lastKey = {
      kind,
      file: source?.file ?? null,
      line: source?.line ?? 0,
      column: source?.column ?? 0,
      address,
      size,
      access,
      block: blockAddress,
      task,
      dma,
      key,
    };
    return key;
  }

  /** Assembles a report (site, block description, dump, source line, optional JS stack). */
  private build(
    kind: ReportKind,
    message: string,
    address: number,
    size: number,
    access: MemReport["access"],
    actor: number,
    block: BlockRecord | null,
    details: string[],
    pages: FreedPagesRecord | null,
    { source, occurrence }: Tally,
    located = true,
  ): MemReport {
    const task = actorTask(actor);
    const region = located ? this.bus.regionAt(address >>> 0) : undefined;
    const label = this.label;
    this.label = null;
    const info = block ? blockInfo(block, address) : null;
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
      clockHz: this.opts.clockHz,
      region: region?.name ?? null,
      block: info
        ? { ...info, allocated: this.resolve(info.allocated), freed: info.freed ? this.resolve(info.freed) : null }
        : null,
      pages: pages ? this.pageInfo(pages, address >>> 0) : null,
      frame: null,
      source,
      syscall: this.request?.op ?? null,
      details,
      dump:
        located && (this.shadow.get(address >>> 0) >= 0 || this.shadow.get((address - 1) >>> 0) >= 0)
          ? this.dump(address)
          : null,
      stack: this.opts.captureStack ? (new Error("memcheck report").stack ?? null) : null,
      occurrence,
    };
  }

  /** Keeps and emits a report (within the caps), then stops the task if asked to. */
  private file(built: MemReport, stop: boolean): void {
    const report = frozenCopy(built);
    if (!this.keeps(report.occurrence, report.task)) {
      this.dropped++;
      this.events.emit("suppressed", report);
    } else {
      this.keptBy.set(report.task, this.keptOf(report.task) + 1);
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
