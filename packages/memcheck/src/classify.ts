import { AccessKind } from "@rtos-sim/hw";
import type { BlockRecord, BlockTable } from "./blocks.js";
import { describePlace, type FrameRecord, frameContaining, placeInFrame } from "./frames.js";
import type { FreedPagesRecord } from "./ledger.js";
import type { ReportKind } from "./report.js";
import { hex } from "./report.js";
import type { Shadow } from "./shadow.js";
import type { StackRecord } from "./stacks.js";
import { isStackLive, MODE_BIT, ownerOf, StateBit, Tag, tagOf } from "./state.js";

/** The first problem found in an access: which byte, what kind, which block, why. */
export interface Problem {
  /** The first offending byte. */
  readonly address: number;
  /** The report kind the problem would be reported as. */
  readonly kind: ReportKind;
  /** One-line summary, as the report's `message`. */
  readonly message: string;
  /** The block the byte is attributed to (the one holding it, or the nearest within `reach` bytes), or null. */
  readonly block: BlockRecord | null;
  /** Further explanation lines (state found, expected state, stack bounds...). */
  readonly details: string[];
  /** Returned pages the address lies in (a use after free of pages). */
  readonly pages?: FreedPagesRecord | null;
  /** The call frame the address lies in (a stack redzone, a returned frame), with its task. */
  readonly frame?: FrameHit | null;
}

/** A call frame a problem is about: its record and the task whose stack holds it. */
export interface FrameHit {
  /** The frame (live or returned). */
  readonly record: FrameRecord;
  /** Id of the task whose stack holds it. */
  readonly task: number;
}

/** What the classifier needs to know besides the state bytes. */
export interface ClassifyContext {
  readonly shadow: Shadow;
  readonly blocks: BlockTable;
  readonly stacks: ReadonlyMap<number, StackRecord>;
  /** How far outside a block an access is still attributed to it. */
  readonly reach: number;
  /** Bytes outside RAM and ROM that are fine to touch (peripherals, PPB). */
  readonly isDevice: (address: number) => boolean;
  /** Reads need not be initialized (a checked copy is running). */
  readonly copying: boolean;
  /** Pages returned to their region manager (and not given out again) holding `address`. */
  readonly freedPages: (address: number) => FreedPagesRecord | undefined;
  /** A task's name as reports give it (the checker's `taskName` option). */
  readonly taskName: (task: number) => string;
}

const MODE_NAMES = ["kernel", "allocator", "user", "dma"] as const;

/** Mode name of an actor mode number (3, `ActorMode.Dma`: a DMA's transfer, not the core's access). */
export function modeName(mode: number): "kernel" | "allocator" | "user" | "dma" {
  return MODE_NAMES[mode & 3]!;
}

function stackOf(ctx: ClassifyContext, address: number): StackRecord | undefined {
  for (const s of ctx.stacks.values()) if (address >= s.base && address < s.top) return s;
  return undefined;
}

function oobKind(b: BlockRecord): ReportKind {
  return b.allocatorKind === "slab" || b.allocatorKind === "slab-array" ? "slab-out-of-bounds" : "heap-buffer-overflow";
}

function stateLine(s: number): string {
  const tag = tagOf(s);
  if (tag === Tag.Redzone) return "state found: redzone (owner NO)";
  if (tag === Tag.Freed) return "state found: freed, in quarantine (owner NO)";
  if (tag === Tag.StackFree) return "state found: stack below SP (owner NO)";
  if (tag === Tag.StackRedzone) return "state found: stack redzone of a call frame (owner NO)";
  if (tag === Tag.StackReturned) return "state found: a returned call frame, below SP (owner NO)";
  return `state found: owner ${ownerOf(s)}, ${s & StateBit.W ? "writable" : "read-only"}, ${
    s & StateBit.I ? "initialized" : "uninitialized"
  }`;
}

/** Why a byte with state `s` is not accessible to `mode`: the error kind and the block involved. */
function ownerProblem(ctx: ClassifyContext, a: number, s: number, mode: number, task: number): Problem {
  const tag = tagOf(s);
  const details = [stateLine(s)];
  if (tag === Tag.Redzone) {
    const b = ctx.blocks.nearest(a, ctx.reach) ?? ctx.blocks.nearest(a, ctx.reach, true) ?? null;
    const kind = b ? oobKind(b) : "heap-buffer-overflow";
    return { address: a, kind, message: "access to a redzone next to a block", block: b, details };
  }
  if (tag === Tag.Freed) {
    const b = ctx.blocks.freedContaining(a) ?? null;
    return {
      address: a,
      kind: "use-after-free",
      message: "access to a freed block (in quarantine)",
      block: b,
      details,
    };
  }
  if (tag === Tag.StackFree) {
    const st = stackOf(ctx, a);
    if (st) details.push(`stack of task ${ctx.taskName(st.task)}: [${hex(st.base)}, ${hex(st.top)}), SP ${hex(st.sp)}`);
    if (st && (st.task === task || mode === 0 || mode === 3)) {
      return { address: a, kind: "stack-below-sp", message: "access below the stack pointer", block: null, details };
    }
    return { address: a, kind: "stack-out-of-bounds", message: "access to another task's stack", block: null, details };
  }
  if (tag === Tag.StackRedzone || tag === Tag.StackReturned) return frameProblem(ctx, a, tag, mode, task, details);
  if (tag === Tag.None && (s & StateBit.K) === 0) {
    const pages = ctx.freedPages(a);
    if (pages) {
      return {
        address: a,
        kind: "use-after-free",
        message: "access to pages returned to the region manager",
        block: null,
        details: ["state found: page returned (owner NO)"],
        pages,
      };
    }
  }
  if ((s & StateBit.U) !== 0 && mode === 1) {
    const b = ctx.blocks.liveContaining(a) ?? null;
    return {
      address: a,
      kind: "use-after-alloc",
      message: "allocator code touched a block it handed out",
      block: b,
      details,
    };
  }
  if ((s & StateBit.A) !== 0) {
    const f = ctx.blocks.freedContaining(a);
    if (f) return { address: a, kind: "use-after-free", message: "access to a freed block", block: f, details };
  }
  const own = ctx.stacks.get(task);
  if (own && a < own.base && own.base - a <= ctx.reach) {
    details.push(`stack of task ${ctx.taskName(task)}: [${hex(own.base)}, ${hex(own.top)}), SP ${hex(own.sp)}`);
    const message = `access ${own.base - a} bytes below the base of the task's stack`;
    return { address: a, kind: "stack-overflow", message, block: null, details };
  }
  const b = ctx.blocks.nearest(a, ctx.reach);
  if (b) return { address: a, kind: oobKind(b), message: "access outside a block", block: b, details };
  const what = (s & StateBit.K) === 0 ? "memory nobody owns (not given out)" : `memory owned by ${ownerOf(s)}`;
  return { address: a, kind: "invalid-access", message: `${modeName(mode)} access to ${what}`, block: null, details };
}

/**
 * An access to a stack redzone (`stack-buffer-overflow`) or to a returned frame's bytes
 * (`stack-use-after-return`), naming the frame and its nearest local; another task's access to
 * them is a `stack-out-of-bounds`, as for any byte of a stack not its own.
 */
function frameProblem(
  ctx: ClassifyContext,
  a: number,
  tag: number,
  mode: number,
  task: number,
  details: string[],
): Problem {
  const st = stackOf(ctx, a);
  if (st) details.push(`stack of task ${ctx.taskName(st.task)}: [${hex(st.base)}, ${hex(st.top)}), SP ${hex(st.sp)}`);
  if (st && st.task !== task && mode !== 0 && mode !== 3) {
    return { address: a, kind: "stack-out-of-bounds", message: "access to another task's stack", block: null, details };
  }
  const live = tag === Tag.StackRedzone;
  const record = st ? frameContaining(live ? st.frames : st.returned, a) : undefined;
  const frame = record && st ? { record, task: st.task } : null;
  const where = record ? `, ${describePlace(placeInFrame(record, a), record.shape.function)}` : "";
  return live
    ? {
        address: a,
        kind: "stack-buffer-overflow",
        message: `access to a stack redzone${where}`,
        block: null,
        details,
        frame,
      }
    : {
        address: a,
        kind: "stack-use-after-return",
        message: `access to a returned frame${where}`,
        block: null,
        details,
        frame,
      };
}

/**
 * A read of a byte never written. In a local of a live call frame, Memcheck's "created by a stack
 * allocation": the frame and the local are named and the report places the address in the frame;
 * elsewhere in a task's live stack, the stack (not the block it was carved from); elsewhere, the
 * block that holds it (a heap allocation's sites).
 */
function uninitializedRead(ctx: ClassifyContext, a: number, s: number): Problem {
  const st = isStackLive(s) ? stackOf(ctx, a) : undefined;
  const record = st ? frameContaining(st.frames, a) : undefined;
  if (st && record) {
    return {
      address: a,
      kind: "uninitialized-read",
      message: `read of uninitialized memory, ${describePlace(placeInFrame(record, a), record.shape.function)} (a stack allocation never written)`,
      block: null,
      details: [stateLine(s)],
      frame: { record, task: st.task },
    };
  }
  if (st) {
    // In a task's live stack but in no frame (a push never written): the stack names it, not the
    // block the stack was carved from (the kernel's stack pool, "allocated by task kernel").
    return {
      address: a,
      kind: "uninitialized-read",
      message: `read of uninitialized memory, in the live stack of task ${ctx.taskName(st.task)} (pushed, never written)`,
      block: null,
      details: [
        stateLine(s),
        `stack of task ${ctx.taskName(st.task)}: [${hex(st.base)}, ${hex(st.top)}), SP ${hex(st.sp)}`,
      ],
      frame: null,
    };
  }
  return {
    address: a,
    kind: "uninitialized-read",
    message: "read of uninitialized memory",
    block: ctx.blocks.liveContaining(a) ?? null,
    details: [stateLine(s)],
  };
}

/**
 * The first problem of an access [address, address + size) by `mode` (0 kernel, 1 allocator,
 * 2 user, 3 a DMA programmed by `task`) of `task`, or null when every byte is fine. A DMA may
 * touch what user code may (blocks handed out, data, stacks: any task's, as the kernel may,
 * since it answers to no MPU and no task), and its reads need not be initialized (moving bytes
 * is not using them): what it does wrong is to touch freed blocks, memory never given out,
 * redzones, allocator memory, memory below a stack pointer, or read-only memory.
 */
export function examine(
  ctx: ClassifyContext,
  address: number,
  size: number,
  kind: AccessKind,
  mode: number,
  task: number,
): Problem | null {
  const need = MODE_BIT[mode & 3]!;
  const write = kind === AccessKind.Write;
  for (let a = address; a < address + size; a++) {
    const r = ctx.shadow.regionAt(a);
    if (!r) {
      if (ctx.shadow.readOnlyAt(a)) {
        if (write) {
          const region = ctx.shadow.readOnlyAt(a)!.name;
          return {
            address: a,
            kind: "write-to-readonly",
            message: `write to read-only memory (${region})`,
            block: null,
            details: [],
          };
        }
        continue;
      }
      if (ctx.isDevice(a)) continue;
      const partly = a !== address || ctx.shadow.get(address + size - 1) >= 0;
      return {
        address: a,
        kind: "wild-access",
        message: partly ? "access partly outside every memory region" : "access outside every memory region",
        block: null,
        details: partly ? [`access [${hex(address)}, ${hex(address + size)}) crosses the edge of memory`] : [],
      };
    }
    const s = r.bytes[a - r.start]!;
    if ((s & need) === 0) return ownerProblem(ctx, a, s, mode & 3, task);
    if (isStackLive(s) && (s & StateBit.P) === 0 && (mode & 3) !== 0 && (mode & 3) !== 3) {
      const st = stackOf(ctx, a);
      if (st && st.task !== task) {
        return {
          address: a,
          kind: "stack-out-of-bounds",
          message: `access to the stack of task ${ctx.taskName(st.task)}`,
          block: null,
          details: [`stack of task ${ctx.taskName(st.task)}: [${hex(st.base)}, ${hex(st.top)}), SP ${hex(st.sp)}`],
        };
      }
    }
    if (write && (s & StateBit.W) === 0) {
      return {
        address: a,
        kind: "write-to-readonly",
        message: "write to memory made read-only",
        block: ctx.blocks.liveContaining(a) ?? null,
        details: [stateLine(s)],
      };
    }
    // A DMA's read is a copy's (mode 3): moving bytes is not a use of them.
    if (!write && !ctx.copying && (s & StateBit.I) === 0 && (mode & 3) !== 3) {
      return uninitializedRead(ctx, a, s);
    }
  }
  return null;
}
