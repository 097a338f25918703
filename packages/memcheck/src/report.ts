import { valueText } from "@rtos-sim/hw";
import { MemcheckError } from "./errors.js";
import type { FrameObject } from "./frames.js";
import { formatSourceSite, type SourceSite } from "./source-site.js";
import { STATE_LEGEND } from "./state.js";

/**
 * Kinds of error the checker reports (the `kind` of a {@link MemReport}, and the `code` of a
 * {@link CheckerFault}):
 *
 * - `heap-buffer-overflow`: access next to a heap block (its redzone, or allocator memory beside it).
 * - `slab-out-of-bounds`: the same next to a block of a slab or slab-array allocator.
 * - `stack-buffer-overflow`: access to a redzone around a local of a live call frame (a write
 *   past a local array into its neighbour).
 * - `stack-use-after-return`: access to a local of a call frame that has returned (a pointer to
 *   it kept), before the stack reuses its bytes.
 * - `stack-out-of-bounds`: a task touching a stack that is not its own.
 * - `stack-below-sp`: a task touching its own stack below its stack pointer.
 * - `stack-overflow`: a task's stack pointer set below the base of its stack, or a task touching
 *   memory it may not just below its stack (within `reach` bytes).
 * - `use-after-free`: user access to a freed block (quarantined, or back with its allocator), or
 *   an access to pages returned to their region manager and not given out again.
 * - `use-after-alloc`: allocator code touching a block it handed out (the seed's error).
 * - `uninitialized-read`: read of a byte never written since it was handed out.
 * - `write-to-readonly`: write to a byte made read-only (or to flash/ROM).
 * - `invalid-access`: access to memory the running mode does not own (a page not given out,
 *   allocator memory away from any block, memory nobody owns).
 * - `wild-access`: access wholly or partly outside every memory region.
 * - `double-alloc`: a page or block handed out while (part of) it is already handed out.
 * - `double-free`: a block freed twice.
 * - `invalid-free`: free of an address that is not the start of a live block (interior, wild,
 *   never allocated).
 * - `alloc-dealloc-mismatch`: a block freed to an allocator other than the one that allocated it.
 * - `overlapping-copy`: a block copy whose source and destination overlap.
 * - `invalid-transition`: any other transition from the wrong source state (e.g. sharing a block
 *   that is not user-owned, returning pages that still hold live blocks).
 * - `leak-definite`: a live block no root or live block points to.
 * - `leak-indirect`: a live block only lost blocks point to.
 * - `leak-possible`: a live block that roots reach only through interior pointers.
 * - `leak-reachable`: a live block still reachable at a leak check (reported on request only).
 * - `calloc-overflow`: `calloc(n, size)` whose `n * size` does not fit 32 bits (it returns NULL).
 * - `allocation-size-too-big`: an allocation above the largest size the allocator takes (it
 *   returns NULL).
 */
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Every {@link ReportKind}, in the order the docs list them. */
export const REPORT_KINDS = [
  "heap-buffer-overflow",
  "slab-out-of-bounds",
  "stack-buffer-overflow",
  "stack-use-after-return",
  "stack-out-of-bounds",
  "stack-below-sp",
  "stack-overflow",
  "use-after-free",
  "use-after-alloc",
  "uninitialized-read",
  "write-to-readonly",
  "invalid-access",
  "wild-access",
  "double-alloc",
  "double-free",
  "invalid-free",
  "alloc-dealloc-mismatch",
  "overlapping-copy",
  "invalid-transition",
  "leak-definite",
  "leak-indirect",
  "leak-possible",
  "leak-reachable",
  "calloc-overflow",
  "allocation-size-too-big",
] as const;

/**
 * Where and when a block changed hands: the task, the simulated time, an optional label, and the
 * line of the task's code (with the `sourceSites` option).
 */
export interface Site {
  /** Task id (0 = none, e.g. boot code). */
  readonly task: number;
  /** Task name as the checker's `taskName` option gives it. */
  readonly taskName: string;
  /** Simulated time from the checker's clock. */
  readonly time: number;
  /** Call-site label the program passed, or null. */
  readonly label: string | null;
  /** The line of the task's code that made the call (option `sourceSites`), or null. */
  readonly source: SourceSite | null;
}

/** The block a report is about and where the address lies relative to it. */
export interface BlockInfo {
  /** First user byte. */
  readonly address: number;
  /** Requested size. */
  readonly size: number;
  /** Allocator instance name. */
  readonly allocator: string;
  /** Allocator kind ("heap", "slab", ...). */
  readonly allocatorKind: string;
  /** Live, freed (back with its allocator), or quarantined (freed, held by the checker). */
  readonly state: "live" | "freed" | "quarantined";
  /** Where the address is: inside, left of (before) or right of (after) the block. */
  readonly relation: "inside" | "left" | "right";
  /** Bytes from the block's start (inside), before its start (left), or after its end (right). */
  readonly distance: number;
  /** When and by whom the block was allocated. */
  readonly allocated: Site;
  /** When and by whom it was freed, or null while live. */
  readonly freed: Site | null;
}

/** Pages returned to their region manager that an access hit (a use after free of pages, as KASAN reports it). */
export interface PageInfo {
  /** First byte of the block of pages. */
  readonly address: number;
  /** Bytes of the block. */
  readonly size: number;
  /** Bytes per page of the region manager that gave them, or null when the checker was not told. */
  readonly pageSize: number | null;
  /** The block's order (2^order pages), or null when the page size is unknown or the block is not 2^order pages. */
  readonly order: number | null;
  /** Who held them (the owner the region manager named). */
  readonly owner: string;
  /** Bytes from the block's start to the address. */
  readonly offset: number;
  /** When and by whom they were given out. */
  readonly given: Site;
  /** When and by whom they were returned. */
  readonly freed: Site;
}

/** The call frame a stack report is about and where the address lies in it (ASan's "This frame has N object(s)"). */
export interface FrameInfo {
  /** The function whose frame it is. */
  readonly function: string;
  /** The frame's lowest address. */
  readonly base: number;
  /** Its bytes (the SP move of the call). */
  readonly size: number;
  /** The task whose stack holds it. */
  readonly task: number;
  /** That task's name (option `taskName`). */
  readonly taskName: string;
  /** Calls below it on the stack when it was entered (0: outermost). */
  readonly depth: number;
  /** Live (entered, not left) or returned. */
  readonly state: "live" | "returned";
  /** When it returned (checker clock), or null while live. */
  readonly returnedAt: number | null;
  /** Offset of the address from the frame's base. */
  readonly offset: number;
  /** Its locals, from the base up. */
  readonly locals: readonly FrameObject[];
  /** The local nearest the address (null in a frame without locals). */
  readonly local: FrameObject | null;
  /** Where the address is: inside, left of (below) or right of (past the end of) that local. */
  readonly relation: "inside" | "left" | "right";
  /** Bytes from the local's start (inside), to its start (left), or past its end (right). */
  readonly distance: number;
}

/** One row of a state dump: 16 bytes from `address`; `..` codes are outside every managed region. */
export interface DumpRow {
  /** Address of the row's first byte (a multiple of 16). */
  readonly address: number;
  /** 16 two-character state codes, one per byte (see the legend of {@link formatDump}). */
  readonly codes: readonly string[];
}

/** The checker state around an address. */
export interface StateDump {
  /** The address the dump is centred on (marked in the text). */
  readonly marker: number;
  /** The rows around the marker, lowest address first. */
  readonly rows: readonly DumpRow[];
}

/** Time unit of the checker's clock. */
export type TimeUnit = "ms" | "us" | "cycles";

/** One error found by the checker. */
export interface MemReport {
  /** What went wrong (see {@link ReportKind}); also the `code` of the {@link CheckerFault} when it stops the task. */
  readonly kind: ReportKind;
  /** One-line summary. */
  readonly message: string;
  /** The first offending byte (or the block, for transitions and leaks). */
  readonly address: number;
  /** Bytes of the access or transition. */
  readonly size: number;
  /** The access kind, or null for transitions and leaks. */
  readonly access: "read" | "write" | "fetch" | null;
  /**
   * Who made it: kernel, allocator or user code, or `dma`: a DMA controller's transfer, not the
   * core's access at all (`task` is then the task that programmed it, 0 when unknown).
   */
  readonly mode: "kernel" | "allocator" | "user" | "dma";
  /** Id of the task that made the access or call (0: none, e.g. boot code). */
  readonly task: number;
  /** That task's name (option `taskName`; default `T<id>`, `boot` for 0). */
  readonly taskName: string;
  /** When it was found, on the checker's clock (option `clock`), in `timeUnit`. */
  readonly time: number;
  /** Unit of `time` (option `timeUnit`, default "cycles"). */
  readonly timeUnit: TimeUnit;
  /** Clock rate when `timeUnit` is cycles (the text then also shows milliseconds), or null. */
  readonly clockHz: number | null;
  /** Board memory region of the address, or null outside every region. */
  readonly region: string | null;
  /** The block involved, or null. */
  readonly block: BlockInfo | null;
  /** Returned pages the address lies in (a use after free of pages), or null. */
  readonly pages: PageInfo | null;
  /** The call frame a stack redzone or a returned frame's byte belongs to, or null. */
  readonly frame: FrameInfo | null;
  /** The line of the task's code that made the access or call (option `sourceSites`), or null. */
  readonly source: SourceSite | null;
  /** The syscall the kernel was carrying out for the task when the error was found, or null. */
  readonly syscall: string | null;
  /** Further explanation lines (state found, expected state, stack bounds...). */
  readonly details: readonly string[];
  /** State around the address, or null when the address is outside every region. */
  readonly dump: StateDump | null;
  /** JS stack captured when the report was made (option `captureStack`), or null. */
  readonly stack: string | null;
  /**
   * How many times this same error was seen, this one included: the same kind by the same task
   * at the same access site (the source line with `sourceSites`, else the same address, size and
   * access; a transition's or leak's block).
   */
  readonly occurrence: number;
}

/** Kinds about a request rather than memory: their reports have no address (it reads 0). */
const ADDRESSLESS: ReadonlySet<ReportKind> = new Set(["calloc-overflow", "allocation-size-too-big"]);

/** Formats an address as 0x%08x. */
export function hex(address: number): string {
  return `0x${(address >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Formats a time of the checker's clock: "t=3.2 ms", or in cycles, exact, with the milliseconds
 * too when the clock rate is known ("t=1680042 cycles (10.00025 ms)"), so two events a few
 * cycles apart never print as the same instant.
 */
export function formatTime(time: number, unit: TimeUnit, clockHz: number | null = null): string {
  if (unit !== "cycles") return `t=${+time.toFixed(6)} ${unit}`;
  const cycles = Math.round(time);
  return clockHz ? `t=${cycles} cycles (${+((cycles * 1000) / clockHz).toFixed(6)} ms)` : `t=${cycles} cycles`;
}

function site(verb: string, s: Site, unit: TimeUnit, hz: number | null): string {
  return `${verb} by task ${s.taskName} at ${formatTime(s.time, unit, hz)}${s.label ? ` (${s.label})` : ""}`;
}

/** "    #0 file:line:column in fn" lines of a site, or nothing. */
function sourceLines(s: SourceSite | null): string[] {
  return s ? [`    #0 ${formatSourceSite(s)}`] : [];
}

/** "located 2 bytes to the right of 10-byte block [start, end) allocated by ..., freed by ...". */
export function describeBlock(address: number, b: BlockInfo, unit: TimeUnit, clockHz: number | null = null): string {
  const where =
    b.relation === "inside"
      ? `${b.distance} bytes inside`
      : `${b.distance} bytes to the ${b.relation === "left" ? "left" : "right"} of`;
  const state = b.state === "live" ? "" : `${b.state} `;
  const parts = [
    `${hex(address)} is located ${where} ${b.size}-byte ${state}block [${hex(b.address)}, ${hex(b.address + b.size)}) of ${b.allocatorKind} "${b.allocator}"`,
    site("allocated", b.allocated, unit, clockHz),
  ];
  if (b.freed) parts.push(site("freed", b.freed, unit, clockHz));
  return parts.join(", ");
}

/** "located 64 bytes inside 2048-byte block of pages [start, end) (order 4 of 128-byte pages) of "owner", given by ..., freed by ...". */
export function describePages(address: number, p: PageInfo, unit: TimeUnit, clockHz: number | null = null): string {
  const order = p.order !== null ? ` (order ${p.order} of ${p.pageSize}-byte pages)` : "";
  return [
    `${hex(address)} is located ${p.offset} bytes inside ${p.size}-byte block of freed pages [${hex(p.address)}, ${hex(p.address + p.size)})${order} of "${p.owner}"`,
    site("given", p.given, unit, clockHz),
    site("returned", p.freed, unit, clockHz),
  ].join(", ");
}

/**
 * The lines placing an address in a call frame, ASan's shape: "0x... is located in the stack of
 * task T at offset 69 in frame f [base, top)", then the frame's locals as [start, end) offsets,
 * the one the access hit marked.
 */
export function describeFrame(address: number, f: FrameInfo, unit: TimeUnit, clockHz: number | null = null): string[] {
  const returned = f.returnedAt !== null ? `, returned at ${formatTime(f.returnedAt, unit, clockHz)}` : "";
  const lines = [
    `${hex(address)} is located in the stack of task ${f.taskName} at offset ${f.offset} in frame ${f.function} [${hex(f.base)}, ${hex(f.base + f.size)}) (depth ${f.depth}${returned})`,
    `  This frame has ${f.locals.length} object(s):`,
  ];
  const what = f.relation === "inside" ? "is inside" : f.relation === "left" ? "underflows" : "overflows";
  for (const l of f.locals) {
    const mark = l.name === f.local?.name ? ` <== Memory access at offset ${f.offset} ${what} this variable` : "";
    lines.push(`    [${l.offset}, ${l.offset + l.size}) '${l.name}'${mark}`);
  }
  return lines;
}

/** Renders a state dump with the marked byte in brackets, then the legend. */
export function formatDump(dump: StateDump): string[] {
  const out: string[] = [`Checker state around ${hex(dump.marker)}:`];
  for (const row of dump.rows) {
    const cells = row.codes.map((c, i) => {
      const a = row.address + i;
      return a === dump.marker ? `[${c}]` : ` ${c} `;
    });
    const arrow = dump.marker >= row.address && dump.marker < row.address + 16 ? "=>" : "  ";
    out.push(`${arrow}${hex(row.address)}:${cells.join("")}`);
  }
  return [...out, ...STATE_LEGEND];
}

/**
 * ASan-like text of a report, for people.
 *
 * @example
 * ```ts
 * import { formatReport, type MemoryChecker } from "@rtos-sim/memcheck";
 * function printReports(checker: MemoryChecker): void {
 *   checker.events.on("report", (r) => console.log(formatReport(r)));
 * }
 * ```
 */
export function formatReport(r: MemReport): string {
  if (typeof r !== "object" || r === null || !(REPORT_KINDS as readonly unknown[]).includes(r.kind)) {
    throw new MemcheckError("REPORT_INVALID", `formatReport takes a checker report (MemReport), got ${valueText(r)}`, {
      value: valueText(r),
    });
  }
  const lines: string[] = [];
  const hz = r.clockHz;
  const located = !ADDRESSLESS.has(r.kind);
  const on = located ? ` on address ${hex(r.address)}` : "";
  lines.push(`==memcheck== ERROR: ${r.kind}${on} at ${formatTime(r.time, r.timeUnit, hz)}`);
  const mode = r.syscall ? `${r.mode} mode, in syscall ${r.syscall}` : `${r.mode} mode`;
  if (r.access && r.mode === "dma") {
    const by = r.task === 0 ? "" : `, programmed by task ${r.taskName}`;
    lines.push(`${r.access.toUpperCase()} of size ${r.size} at ${hex(r.address)} by the DMA (not the CPU${by})`);
  } else if (r.access) {
    lines.push(`${r.access.toUpperCase()} of size ${r.size} at ${hex(r.address)} by task ${r.taskName} (${mode})`);
  } else {
    lines.push(`${r.message} (task ${r.taskName}, ${mode})`);
  }
  lines.push(...sourceLines(r.source));
  if (r.access) lines.push(r.message);
  if (r.block) {
    lines.push(describeBlock(r.address, r.block, r.timeUnit, hz));
    if (r.block.allocated.source) lines.push("allocated here:", ...sourceLines(r.block.allocated.source));
    if (r.block.freed?.source) lines.push("freed here:", ...sourceLines(r.block.freed.source));
  }
  if (r.pages) {
    lines.push(describePages(r.address, r.pages, r.timeUnit, hz));
    if (r.pages.freed.source) lines.push("returned here:", ...sourceLines(r.pages.freed.source));
  }
  if (r.frame) lines.push(...describeFrame(r.address, r.frame, r.timeUnit, hz));
  if (r.region) lines.push(`Memory region: ${r.region}`);
  else if (located) lines.push("Memory region: none (outside every memory region)");
  for (const d of r.details) lines.push(d);
  if (r.occurrence > 1) lines.push(`(seen ${r.occurrence} times)`);
  if (r.dump) lines.push(...formatDump(r.dump));
  if (r.stack) lines.push("JS stack when reported:", r.stack);
  const at = r.source ? `, ${formatSourceSite(r.source)}` : "";
  lines.push(`SUMMARY: memcheck: ${r.kind}${located ? ` ${hex(r.address)}` : ""} task ${r.taskName}${at}`);
  return lines.join("\n");
}

/** A plain, JSON-safe copy of a report (addresses also as hex strings), for tools. */
export function reportToJSON(r: MemReport): Record<string, unknown> {
  return {
    ...r,
    addressHex: hex(r.address),
    block: r.block ? { ...r.block, addressHex: hex(r.block.address) } : null,
    pages: r.pages ? { ...r.pages, addressHex: hex(r.pages.address) } : null,
    frame: r.frame ? { ...r.frame, baseHex: hex(r.frame.base) } : null,
    dump: r.dump
      ? { marker: r.dump.marker, rows: r.dump.rows.map((x) => ({ ...x, addressHex: hex(x.address) })) }
      : null,
  };
}
