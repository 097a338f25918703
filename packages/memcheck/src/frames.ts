import { MemcheckError } from "./errors.js";
import type { Ledger } from "./ledger.js";
import { hex } from "./report.js";
import type { Shadow } from "./shadow.js";
import type { StackRecord } from "./stacks.js";
import { Tag } from "./state.js";

/** A local of a call frame: its name and place (offset from the frame's base, its lowest address). */
export interface FrameObject {
  /** The local's name as the shape gives it (shown in reports). */
  readonly name: string;
  /** Bytes from the frame's base to the local's first byte (a non-negative integer). */
  readonly offset: number;
  /** Bytes of the local (a non-negative integer). */
  readonly size: number;
}

/** A byte range of a call frame (offset from its base). */
export interface FrameRange {
  /** Bytes from the frame's base to the range's first byte. */
  readonly offset: number;
  /** Bytes of the range (a redzone must be non-empty and lie inside the frame, else `FRAME_RANGE`). */
  readonly size: number;
}

/**
 * What the checker is told of a call frame, as a compiler tells ASan (the kernel's `FrameLayout`
 * is one): the function, the bytes the call moves SP down, its locals and the redzones around
 * them (none in a plain layout).
 */
export interface FrameShape {
  /** The function's name (a string, else `FRAME_SHAPE`). */
  readonly function: string;
  /** Bytes of the frame: how far the call moves SP down (a positive integer, else `FRAME_SHAPE`). */
  readonly size: number;
  /** The locals, each placed by its offset from the frame's base. */
  readonly locals: readonly FrameObject[];
  /** Poisoned ranges between and around the locals; empty in a plain layout. */
  readonly redzones: readonly FrameRange[];
}

/** A call frame the checker follows: live (entered, not left) or returned (left, its bytes poisoned). */
export interface FrameRecord {
  /** The checker's frozen copy of the shape given at entry. */
  readonly shape: FrameShape;
  /** Lowest address (the SP after the prologue). */
  readonly base: number;
  /** Calls below it on its task's stack when it was entered (0: outermost). */
  readonly depth: number;
  /** Checker clock when it returned, or null while live. */
  returnedAt: number | null;
}

/** Where an address lies in a frame: the nearest local and how far from it. */
export interface FramePlace {
  /** The nearest local (null in a frame without locals). */
  readonly local: FrameObject | null;
  /** Inside the local, left of (below) it, or right of (above, past its end) it. */
  readonly relation: "inside" | "left" | "right";
  /** Bytes from the local's start (inside), to its start (left) or past its end (right). */
  readonly distance: number;
}

/**
 * The local of `frame` nearest to `address`: the one holding it, else the closest by distance
 * (a tie goes to the local below, whose overflow it is, as ASan's "overflows this variable").
 */
export function placeInFrame(frame: FrameRecord, address: number): FramePlace {
  const o = address - frame.base;
  let best: FramePlace = { local: null, relation: "inside", distance: 0 };
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const l of frame.shape.locals) {
    let p: FramePlace;
    if (o >= l.offset && o < l.offset + l.size) return { local: l, relation: "inside", distance: o - l.offset };
    if (o >= l.offset + l.size) p = { local: l, relation: "right", distance: o - (l.offset + l.size) };
    else p = { local: l, relation: "left", distance: l.offset - o };
    if (p.distance < bestDistance || (p.distance === bestDistance && p.relation === "right")) {
      best = p;
      bestDistance = p.distance;
    }
  }
  return best;
}

/** One line naming a place: "0 bytes to the right of local 'buf'" (or "in frame f" without locals). */
export function describePlace(p: FramePlace, fn: string): string {
  if (p.local === null) return `in frame ${fn}`;
  const where =
    p.relation === "inside"
      ? `${p.distance} bytes inside`
      : `${p.distance} bytes to the ${p.relation === "left" ? "left" : "right"} of`;
  return `${where} local '${p.local.name}' of frame ${fn}`;
}

/** The innermost frame of `frames` (newest last) holding `address`, if any. */
export function frameContaining(frames: readonly FrameRecord[], address: number): FrameRecord | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (address >= f.base && address < f.base + f.shape.size) return f;
  }
  return undefined;
}

/** What {@link FrameTransitions} works with. */
export interface FrameTransitionsParts {
  readonly shadow: Shadow;
  readonly ledger: Ledger;
  readonly clock: () => number;
  /** Whether a returned frame's bytes are poisoned as stack-after-return (else they are just below SP). */
  readonly useAfterReturn: boolean;
}

/**
 * The checker's call frames on task stacks, ASan's stack instrumentation without a compiler: a
 * frame entered has its redzones poisoned (`stack-buffer-overflow` for an access to them), a
 * frame left has its bytes poisoned as stack-after-return (`stack-use-after-return`) until SP
 * comes down over them again (a new frame, a push, an exception frame: the stack pointer's
 * move makes them live). The records live on the stack records of the ledger: the checker's
 * own bookkeeping, which no task can write (the frame's bytes are in simulated memory).
 */
export class FrameTransitions {
  private readonly shadow: Shadow;
  private readonly ledger: Ledger;
  private readonly clock: () => number;
  private readonly useAfterReturn: boolean;
  /**
   * The checker's own validated copies of shapes it was given frozen (the kernel's layouts: the
   * same object at every call of a function), by the shape given. Only the copy is ever used:
   * what the caller's objects say after the copy was made (a getter, a Proxy, an element of a
   * list left unfrozen) reaches nothing.
   */
  private readonly copies = new WeakMap<object, FrameShape>();

  constructor(parts: FrameTransitionsParts) {
    this.shadow = parts.shadow;
    this.ledger = parts.ledger;
    this.clock = parts.clock;
    this.useAfterReturn = parts.useAfterReturn;
  }

  /** See {@link MemoryChecker.frameEntered}. */
  entered(task: number, base: number, given: FrameShape): void {
    const st = this.stackOf(task);
    const shape = this.shapeOf(task, given);
    const top = base + shape.size;
    // A frame reaching below the stack's base (SP held at the base after a stack-overflow
    // report) is followed; only its bytes inside the stack are poisoned.
    const overflowed = st.sp === st.base && base < st.base;
    if (!Number.isInteger(base) || (base < st.sp && !overflowed) || top > st.top) {
      throw new MemcheckError(
        "FRAME_RANGE",
        `frame ${shape.function} [${hex(base)}, +${shape.size}) is not in the live part of task ${task}'s stack`,
        { task, function: shape.function, base, size: shape.size, sp: st.sp },
      );
    }
    const zones = shape.redzones;
    if (zones.length > 0) {
      const r = this.shadow.regionAt(st.base)!; // the stack lies in one region (checked at registration)
      const bytes = r.bytes;
      const floor = overflowed ? st.base : base;
      for (let i = 0; i < zones.length; i++) {
        const z = zones[i]!;
        // Inside the frame (checked when the copy was made), the frame inside the stack (above).
        const from = Math.max(base + z.offset, floor);
        const to = base + z.offset + z.size;
        if (to > from) bytes.fill(Tag.StackRedzone, from - r.start, to - r.start);
      }
    }
    st.frames.push({ shape, base, depth: st.frames.length, returnedAt: null });
  }

  /**
   * The checker's copy of `given`: each field read once, checked (`FRAME_SHAPE` for a field of
   * the wrong type, `FRAME_RANGE` for a redzone outside the frame) and frozen. Kept for the next
   * call when `given`, its lists and their elements are frozen; made anew otherwise, so a caller
   * that edits a shape between calls is followed.
   */
  private shapeOf(task: number, given: FrameShape): FrameShape {
    if (typeof given !== "object" || given === null) throw shapeError(task, "?", "the shape is not an object");
    const kept = this.copies.get(given);
    if (kept !== undefined) return kept;
    let frozen = Object.isFrozen(given);
    const name = given.function;
    if (typeof name !== "string") throw shapeError(task, "?", "its function name is not a string");
    const size = given.size;
    if (!isCount(size) || size === 0) throw shapeError(task, name, "its size is not a positive integer");
    const localList = given.locals;
    const zoneList = given.redzones;
    if (!Array.isArray(localList) || !Array.isArray(zoneList))
      throw shapeError(task, name, "locals or redzones is not an array");
    frozen &&= Object.isFrozen(localList) && Object.isFrozen(zoneList);
    const locals: FrameObject[] = [];
    const nLocals = localList.length;
    for (let i = 0; i < nLocals; i++) {
      const l: FrameObject | undefined = localList[i];
      if (typeof l !== "object" || l === null) throw shapeError(task, name, `local ${i} is not an object`);
      frozen &&= Object.isFrozen(l);
      const local = { name: l.name, offset: l.offset, size: l.size };
      if (typeof local.name !== "string" || !isCount(local.offset) || !isCount(local.size)) {
        throw shapeError(task, name, `local ${i} needs a name and a non-negative integer offset and size`);
      }
      locals.push(Object.freeze(local));
    }
    const redzones: FrameRange[] = [];
    const nZones = zoneList.length;
    for (let i = 0; i < nZones; i++) {
      const z: FrameRange | undefined = zoneList[i];
      if (typeof z !== "object" || z === null) throw shapeError(task, name, `redzone ${i} is not an object`);
      frozen &&= Object.isFrozen(z);
      const offset = z.offset;
      const length = z.size;
      if (!isCount(offset) || !isCount(length)) {
        throw shapeError(task, name, `redzone ${i} needs a non-negative integer offset and size`);
      }
      if (length === 0 || offset + length > size) {
        throw new MemcheckError("FRAME_RANGE", `frame ${name}: a redzone outside the frame`, {
          task,
          function: name,
          offset,
          size: length,
        });
      }
      redzones.push(Object.freeze({ offset, size: length }));
    }
    const copy: FrameShape = Object.freeze({
      function: name,
      size,
      locals: Object.freeze(locals),
      redzones: Object.freeze(redzones),
    });
    if (frozen) this.copies.set(given, copy);
    return copy;
  }

  /** See {@link MemoryChecker.frameLeft}. */
  left(task: number, base: number): void {
    const st = this.stackOf(task);
    const f = st.frames[st.frames.length - 1];
    if (f === undefined || f.base !== base) {
      throw new MemcheckError("FRAME_UNKNOWN", `task ${task}'s innermost frame does not start at ${hex(base)}`, {
        task,
        base,
        innermost: f?.base ?? null,
      });
    }
    st.frames.pop();
    if (!this.useAfterReturn) return;
    // The return moved SP to the frame's top first (moveStackPointer: its bytes are below SP).
    const from = Math.max(base, st.base);
    const end = Math.min(base + f.shape.size, st.sp);
    if (end <= from) return;
    this.shadow.fill(from, end - from, Tag.StackReturned);
    f.returnedAt = this.clock();
    const returned = st.returned;
    // Older returned frames wholly under this one are overwritten: forget them.
    for (let i = returned.length - 1; i >= 0; i--) {
      const r = returned[i]!;
      if (r.base >= from && r.base + r.shape.size <= end) returned.splice(i, 1);
    }
    returned.push(f);
  }

  private stackOf(task: number): StackRecord {
    const st = this.ledger.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    return st;
  }
}

/** A non-negative integer below 2^32 (a size or an offset in a frame). */
function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function shapeError(task: number, fn: string, why: string): MemcheckError {
  return new MemcheckError("FRAME_SHAPE", `frame ${fn}: ${why}`, { task, function: fn });
}
