import { KernelError } from "../errors.js";
import { type FieldTable, fieldList, unknownField } from "../field-table.js";
import {
  defineViewClass,
  type FieldLayout,
  layoutFields,
  type StructFields,
  type StructView,
  type ViewClass,
} from "./struct.js";
import { alignUp } from "./types.js";

/** Most registers a prologue pushes: R4-R11 and LR. */
export const MAX_SAVED_REGISTERS = 9;
/** Largest redzone a frame layout takes around each local. */
export const MAX_REDZONE = 256;

/** How a function's frame is declared. */
export interface FunctionOptions<L extends StructFields> {
  /** Its locals that live in memory (laid out in C order, each at its natural alignment). Default none. */
  readonly locals?: L | undefined;
  /**
   * Registers its prologue pushes, LR included: `push {r4-r7, lr}` is 5 (the default), a leaf
   * that saves nothing but LR 1, `push {r4-r11, lr}` 9.
   */
  readonly saves?: number | undefined;
}

/** One local placed in a frame. */
export interface FrameSlot {
  /** The local's name (a key of `FunctionOptions.locals`). */
  readonly name: string;
  /** Offset from the frame's base (its lowest address, the SP after the prologue). */
  readonly offset: number;
  /** Bytes of the local (its type's size). */
  readonly size: number;
}

/** A byte range of a frame (offset from its base) that holds nothing: where a checker poisons. */
export interface FrameGap {
  /** Offset of its first byte from the frame's base. */
  readonly offset: number;
  /** Bytes. */
  readonly size: number;
}

/**
 * A frame's layout for one redzone size, as the code generator of a compiler would make it
 * (AAPCS: the stack pointer 8-byte aligned at calls). From the top (the caller's SP) down: the
 * saved registers (`push {..., lr}`: LR at the highest address), padding, then the locals from
 * the base. With a redzone (the memory checker's), each local is 8-byte aligned and fenced by a
 * redzone below and above it, ASan-style (a frame without locals has none): the checker poisons {@link FrameLayout.redzones}
 * when the frame is entered and the whole frame when it is left.
 */
export interface FrameLayout {
  /** The function. */
  readonly function: string;
  /** Bytes the call moves SP down: a multiple of 8. */
  readonly size: number;
  /** Offset of the saved registers from the base (`size - 4 * savedWords`). */
  readonly savedOffset: number;
  /** Registers saved, LR (the return address) last, at `size - 4`. */
  readonly savedWords: number;
  /** The locals. */
  readonly locals: readonly FrameSlot[];
  /** The redzones (none without a redzone): below, between and above the locals. */
  readonly redzones: readonly FrameGap[];
  /** The redzone size the layout was made for (0: plain C layout). */
  readonly redzone: number;
}

/** A function as the simulator calls it: its name, its frame's layouts and locals views. */
export interface FunctionType<L extends StructFields = StructFields> {
  /** The function's name (as given to {@link fn}): frame layouts, errors and checker reports name it. */
  readonly name: string;
  /** Deterministic small id (its return addresses are `code + 4 * (1 + id)`). */
  readonly id: number;
  /** Registers its prologue pushes, LR included: 1..9 (`FunctionOptions.saves`, default 5). */
  readonly saves: number;
  /** The frame layout for a redzone size (computed once per size). */
  layout(redzone: number): FrameLayout;
  /** @internal The locals view class for a redzone size. */
  localsClass(redzone: number): ViewClass<StructView<L>>;
}

/** The locals view of a function type: `LocalsOf<typeof STEP>` is the type of `t.enter(STEP).locals`. */
export type LocalsOf<T> = T extends FunctionType<infer L> ? StructView<L> : never;

let nextFunctionId = 0;

/**
 * The function types {@link fn} made, and only those: `t.enter` takes no other (a task could
 * hand over any object shaped like one, with a layout of its choosing, getters or a Proxy). A
 * genuine one is frozen, its closures build its layouts, and every layout is frozen deeply.
 */
const genuine = new WeakSet<object>();

/**
 * Whether `value` is a function type made by {@link fn} (its identity is checked: no property
 * of it is read, so a getter or a Proxy trap of a forged one never runs).
 */
export function isFunctionType(value: unknown): value is FunctionType {
  return typeof value === "object" && value !== null && genuine.has(value);
}

/** Every field of {@link FunctionOptions} (the compiler holds this table to the interface). */
const FUNCTION_OPTION_FIELDS: FieldTable<FunctionOptions<StructFields>> = { locals: true, saves: true };

/**
 * Declares a function whose calls push real frames on the calling task's stack: its
 * saved-registers area (real stores of the prologue's `push`) and its locals (a struct view over
 * the frame). `t.enter(fn)` calls it, `t.leave(frame)` returns. `BAD_LAYOUT` for a bad local or
 * a `saves` outside 1..9, options or locals that are not objects, or an option `FunctionOptions`
 * lacks (a misspelt `save` was dropped and the default applied).
 *
 * @example
 * ```ts
 * import { array, f32, fn, TaskContext, u32 } from "@rtos-sim/kernel";
 * const PREDICT = fn("ekf_predict", { locals: { i: u32, j: u32, acc: f32, tmp: array(f32, 12) } });
 * function predict(t: TaskContext) {
 *   const f = t.enter(PREDICT); // push {r4-r7, lr}; sub sp, #60
 *   f.locals.acc = 0;
 *   t.leave(f); // add sp, #60; pop {r4-r7, pc}
 * }
 * ```
 */
export function fn<const L extends StructFields = Record<never, never>>(
  name: string,
  options: FunctionOptions<L> = {},
): FunctionType<L> {
  if (typeof name !== "string" || name === "") throw new KernelError("BAD_LAYOUT", "a function needs a name", { name });
  // null was a TypeError; a misspelt option (`{ save: 9 }`) was dropped and its default applied.
  if (typeof options !== "object" || options === null) {
    throw new KernelError("BAD_LAYOUT", `${name}: the options must be an object`, { function: name });
  }
  const unknown = unknownField(options, FUNCTION_OPTION_FIELDS);
  if (unknown !== null) {
    const meant = unknown.meant === null ? "" : ` (did you mean ${unknown.meant}?)`;
    throw new KernelError(
      "BAD_LAYOUT",
      `${name}: ${unknown.field} is not a function option${meant}: FunctionOptions has ${fieldList(FUNCTION_OPTION_FIELDS)}`,
      { function: name, field: unknown.field },
    );
  }
  const saves = options.saves ?? 5;
  if (!Number.isInteger(saves) || saves < 1 || saves > MAX_SAVED_REGISTERS) {
    throw new KernelError("BAD_LAYOUT", `${name}: saves must be an integer 1..${MAX_SAVED_REGISTERS}`, {
      function: name,
      saves,
    });
  }
  const locals = options.locals ?? ({} as L);
  if (typeof locals !== "object" || locals === null || Array.isArray(locals)) {
    // A number or a string had no keys: the function had no locals, in silence.
    throw new KernelError("BAD_LAYOUT", `${name}: locals must be an object { name: type }`, {
      function: name,
      field: "locals",
    });
  }
  // Validates the locals once (names, types) and gives their C order.
  const plain = Object.keys(locals).length > 0 ? layoutFields(name, locals).fields : [];
  const layouts = new Map<number, { layout: FrameLayout; view: ViewClass<StructView<L>> }>();
  const id = nextFunctionId++ % 1000;
  const get = (redzone: number) => {
    let e = layouts.get(redzone);
    if (e === undefined) {
      if (!Number.isInteger(redzone) || redzone < 0 || redzone > MAX_REDZONE || redzone % 8 !== 0) {
        throw new KernelError("BAD_LAYOUT", `redzone must be a multiple of 8 in 0..${MAX_REDZONE}`, { redzone });
      }
      const { layout, fields } = layoutFrame(name, plain, saves, redzone);
      e = { layout, view: defineViewClass<StructView<L>>(`${name}Locals`, fields) };
      layouts.set(redzone, e);
    }
    return e;
  };
  const type: FunctionType<L> = Object.freeze({
    name,
    id,
    saves,
    layout: (redzone: number) => get(redzone).layout,
    localsClass: (redzone: number) => get(redzone).view,
  });
  genuine.add(type);
  return type;
}

/** Lays out a frame: locals from the base (fenced by redzones when `redzone` > 0 and there are locals), saved registers at the top. */
function layoutFrame(
  name: string,
  plain: readonly FieldLayout[],
  saves: number,
  redzone: number,
): { layout: FrameLayout; fields: FieldLayout[] } {
  const fields: FieldLayout[] = [];
  const redzones: FrameGap[] = [];
  let offset = 0;
  // A frame without locals has nothing to fence: its layout is the plain one at any redzone.
  if (redzone === 0 || plain.length === 0) {
    for (const f of plain) fields.push(f);
    const last = plain[plain.length - 1];
    offset = last ? last.offset + last.type.size : 0;
  } else {
    offset = redzone;
    redzones.push({ offset: 0, size: redzone });
    for (const f of plain) {
      const at = offset; // 8-aligned, and no type needs more
      fields.push({ name: f.name, offset: at, type: f.type });
      const end = at + f.type.size;
      const next = alignUp(end, 8) + redzone;
      redzones.push({ offset: end, size: next - end });
      offset = next;
    }
  }
  const size = alignUp(offset + 4 * saves, 8);
  const savedOffset = size - 4 * saves;
  if (redzones.length > 0 && savedOffset > offset) {
    const last = redzones[redzones.length - 1]!;
    redzones[redzones.length - 1] = { offset: last.offset, size: savedOffset - last.offset };
  }
  return {
    fields,
    layout: Object.freeze({
      function: name,
      size,
      savedOffset,
      savedWords: saves,
      locals: Object.freeze(fields.map((f) => Object.freeze({ name: f.name, offset: f.offset, size: f.type.size }))),
      redzones: Object.freeze(redzones.map((g) => Object.freeze(g))),
      redzone,
    }),
  };
}
