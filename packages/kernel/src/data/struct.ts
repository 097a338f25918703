import { KernelError } from "../errors.js";
import type { ViewMemory } from "./memory.js";
import {
  type ArrayType,
  alignUp,
  type FieldType,
  isFieldType,
  type ScalarKind,
  type ScalarType,
  type StructTypeBase,
} from "./types.js";

/** The fields of a struct, in declaration order (C order). */
export type StructFields = Readonly<Record<string, FieldType>>;

/** One field placed: its byte offset from the start of the struct (or frame). */
export interface FieldLayout {
  /** The field's name: letters, digits, `_` (no leading digit), not a reserved name such as `address` or `toString`. */
  readonly name: string;
  /** Byte offset from the start of the struct (or frame's base), a multiple of the type's alignment. */
  readonly offset: number;
  /** The field's type. */
  readonly type: FieldType;
}

/** What every view has: the address it reads and writes. */
export interface ViewBase {
  /** The first byte of the viewed object in simulated memory. */
  readonly address: number;
}

/** A view of an array of scalars: checked element loads and stores, like C unchecked at the bounds. */
export interface ScalarArrayView extends ViewBase {
  /** Element count of the array type (not a bound: `get` and `set` do not check it). */
  readonly length: number;
  /** Element `i` (a load at `address + i * size`: past the end it reads what lies there, as C does). */
  get(i: number): number;
  /** Stores element `i`. */
  set(i: number, value: number): void;
}

/** A view of an array of structs or arrays: `at(i)` is a view of element `i`. */
export interface CompositeArrayView<E> extends ViewBase {
  /** Element count of the array type (not a bound: `at` does not check it). */
  readonly length: number;
  /** A view of element `i` (a new view object: keep it while working on the element). */
  at(i: number): E;
}

/** The view type of an array of `E`. */
export type ArrayView<E extends FieldType> = E extends ScalarType ? ScalarArrayView : CompositeArrayView<FieldValue<E>>;

/** What reading a field of type `T` gives: a number, or a view of the nested array or struct. */
export type FieldValue<T extends FieldType> = T extends ScalarType
  ? number
  : T extends ArrayType<infer E>
    ? ArrayView<E>
    : T extends StructType<infer F>
      ? StructView<F>
      : never;

/** The names of a struct's scalar fields (they read and write like number properties). */
export type ScalarKeys<F extends StructFields> = { [K in keyof F]: F[K] extends ScalarType ? K : never }[keyof F];
/** The names of a struct's array and struct fields (they give views). */
export type CompositeKeys<F extends StructFields> = Exclude<keyof F, ScalarKeys<F>>;

/**
 * A view of a struct in simulated memory: scalar fields read and write like properties (each
 * access one checked load or store), array and struct fields give views.
 */
export type StructView<F extends StructFields> = ViewBase & { [K in ScalarKeys<F>]: number } & {
  readonly [K in CompositeKeys<F>]: FieldValue<F[K]>;
};

/** A struct type: its C layout and a view class generated once from it. */
export interface StructType<F extends StructFields = StructFields> extends StructTypeBase {
  /** The fields with their offsets, in declaration order. */
  readonly fields: readonly FieldLayout[];
  /** Byte offset of a field. */
  offsetOf(field: keyof F & string): number;
  /**
   * A view of the struct at `address`, every access going through `memory` (a task's context:
   * the task's own checked accesses). `BAD_ARGUMENT` for an address that is not a 32-bit integer
   * aligned to the struct's alignment.
   */
  at(memory: ViewMemory, address: number): StructView<F>;
}

/**
 * The view type of a struct type: `ViewOf<typeof Pid>` is what `Pid.at(t, address)` returns.
 *
 * @example
 * ```ts
 * import { f32, struct, type ViewOf } from "@rtos-sim/kernel";
 * const Pid = struct("Pid", { kp: f32, ki: f32 });
 * function step(pid: ViewOf<typeof Pid>, error: number): number {
 *   return pid.kp * error;
 * }
 * ```
 */
export type ViewOf<T> = T extends StructType<infer F> ? StructView<F> : never;

/** Property names a field may not take (the view's own members and Object.prototype's). */
const RESERVED = new Set(["address", "constructor", "__proto__", "prototype", "toString", "valueOf", "hasOwnProperty"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A view constructor: memory and address. */
export type ViewClass<V> = new (m: ViewMemory, a: number) => V;

interface ViewInstance {
  readonly $m: ViewMemory;
  readonly $a: number;
}

/** A struct view: its nested views, made at their first read (see {@link defineViewClass}). */
interface StructInstance extends ViewInstance {
  readonly $n: unknown[];
}

/** The nested views of a layout without array or struct fields: none, shared. */
const NO_NESTED: unknown[] = [];

/** The getter and setter of a scalar at byte `off` of a view (closures made once per layout). */
function scalarProperty(kind: ScalarKind, off: number): PropertyDescriptor {
  switch (kind) {
    case "u8":
      return {
        get(this: ViewInstance) {
          return this.$m.read8(this.$a + off);
        },
        set(this: ViewInstance, v: number) {
          this.$m.write8(this.$a + off, v);
        },
      };
    case "i8":
      return {
        get(this: ViewInstance) {
          return (this.$m.read8(this.$a + off) << 24) >> 24;
        },
        set(this: ViewInstance, v: number) {
          this.$m.write8(this.$a + off, v & 0xff);
        },
      };
    case "u16":
      return {
        get(this: ViewInstance) {
          return this.$m.read16(this.$a + off);
        },
        set(this: ViewInstance, v: number) {
          this.$m.write16(this.$a + off, v);
        },
      };
    case "i16":
      return {
        get(this: ViewInstance) {
          return (this.$m.read16(this.$a + off) << 16) >> 16;
        },
        set(this: ViewInstance, v: number) {
          this.$m.write16(this.$a + off, v & 0xffff);
        },
      };
    case "u32":
      return {
        get(this: ViewInstance) {
          return this.$m.read32(this.$a + off);
        },
        set(this: ViewInstance, v: number) {
          this.$m.write32(this.$a + off, v >>> 0);
        },
      };
    case "i32":
      return {
        get(this: ViewInstance) {
          return this.$m.read32(this.$a + off) | 0;
        },
        set(this: ViewInstance, v: number) {
          this.$m.write32(this.$a + off, v >>> 0);
        },
      };
    case "f32":
      return {
        get(this: ViewInstance) {
          return this.$m.readF32(this.$a + off);
        },
        set(this: ViewInstance, v: number) {
          this.$m.writeF32(this.$a + off, v);
        },
      };
    case "f64":
      return {
        get(this: ViewInstance) {
          return this.$m.readF64(this.$a + off);
        },
        set(this: ViewInstance, v: number) {
          this.$m.writeF64(this.$a + off, v);
        },
      };
  }
}

/** The element accessors of a scalar array (`get`, `set`), by kind: element i at $a + i * size. */
function scalarArrayMethods(kind: ScalarKind): Pick<ScalarArrayView, "get" | "set"> {
  switch (kind) {
    case "u8":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.read8(this.$a + i);
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write8(this.$a + i, v);
        },
      };
    case "i8":
      return {
        get(this: ViewInstance, i: number) {
          return (this.$m.read8(this.$a + i) << 24) >> 24;
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write8(this.$a + i, v & 0xff);
        },
      };
    case "u16":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.read16(this.$a + 2 * i);
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write16(this.$a + 2 * i, v);
        },
      };
    case "i16":
      return {
        get(this: ViewInstance, i: number) {
          return (this.$m.read16(this.$a + 2 * i) << 16) >> 16;
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write16(this.$a + 2 * i, v & 0xffff);
        },
      };
    case "u32":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.read32(this.$a + 4 * i);
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write32(this.$a + 4 * i, v >>> 0);
        },
      };
    case "i32":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.read32(this.$a + 4 * i) | 0;
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.write32(this.$a + 4 * i, v >>> 0);
        },
      };
    case "f32":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.readF32(this.$a + 4 * i);
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.writeF32(this.$a + 4 * i, v);
        },
      };
    case "f64":
      return {
        get(this: ViewInstance, i: number) {
          return this.$m.readF64(this.$a + 8 * i);
        },
        set(this: ViewInstance, i: number, v: number) {
          this.$m.writeF64(this.$a + 8 * i, v);
        },
      };
  }
}

const scalarArrayClasses = new Map<ScalarKind, ViewClass<ScalarArrayView & ViewInstance>>();

/** The view class of arrays of one scalar kind (shared by every length: `length` is per view). */
function scalarArrayClass(t: ScalarType): ViewClass<ScalarArrayView & ViewInstance> {
  let C = scalarArrayClasses.get(t.scalar);
  if (C === undefined) {
    const methods = scalarArrayMethods(t.scalar);
    class ScalarArray {
      readonly $m: ViewMemory;
      readonly $a: number;
      length = 0;
      constructor(m: ViewMemory, a: number) {
        this.$m = m;
        this.$a = a;
      }
      get address(): number {
        return this.$a;
      }
    }
    Object.defineProperty(ScalarArray.prototype, "get", { value: methods.get });
    Object.defineProperty(ScalarArray.prototype, "set", { value: methods.set });
    C = ScalarArray as unknown as ViewClass<ScalarArrayView & ViewInstance>;
    scalarArrayClasses.set(t.scalar, C);
  }
  return C;
}

/** A constructor of views of `t` (a struct, an array, or for a scalar array its element class). */
function viewFactory(t: FieldType): (m: ViewMemory, a: number) => unknown {
  if (t.kind === "struct") {
    const C = (t as StructTypeImpl<StructFields>).viewClass as ViewClass<unknown>;
    return (m, a) => new C(m, a);
  }
  if (t.kind === "array") {
    const a = t as ArrayType;
    if (a.element.kind === "scalar") {
      const C = scalarArrayClass(a.element as ScalarType);
      const length = a.length;
      return (m, at) => {
        const v = new C(m, at);
        (v as { length: number }).length = length;
        return v;
      };
    }
    const make = viewFactory(a.element);
    const stride = a.element.size;
    const length = a.length;
    return (m, at) => ({
      address: at,
      length,
      at: (i: number) => make(m, at + stride * i),
    });
  }
  throw new KernelError("BAD_LAYOUT", "a scalar has no view of its own", {});
}

/**
 * Generates the view class of a layout, once: a getter and setter per scalar field (one checked
 * access each), a getter per array or struct field giving a view of it. A nested view is made at
 * the field's first read and kept in the struct view (`s.samples === s.samples`): a view holds
 * only its memory and address, both fixed, so the same object serves every later read, and a
 * loop over `s.samples.get(i)` makes no garbage.
 */
export function defineViewClass<V>(name: string, fields: readonly FieldLayout[]): ViewClass<V> {
  const nested = fields.filter((f) => f.type.kind !== "scalar").length;
  const C = class {
    readonly $m: ViewMemory;
    readonly $a: number;
    readonly $n: unknown[];
    constructor(m: ViewMemory, a: number) {
      this.$m = m;
      this.$a = a;
      this.$n = nested === 0 ? NO_NESTED : new Array<unknown>(nested).fill(undefined);
    }
    get address(): number {
      return this.$a;
    }
  };
  Object.defineProperty(C, "name", { value: `${name}View` });
  let slot = 0;
  for (const f of fields) {
    const off = f.offset;
    if (f.type.kind === "scalar") {
      Object.defineProperty(C.prototype, f.name, scalarProperty((f.type as ScalarType).scalar, off));
    } else {
      const make = viewFactory(f.type);
      const k = slot++;
      Object.defineProperty(C.prototype, f.name, {
        get(this: StructInstance) {
          let v = this.$n[k];
          if (v === undefined) {
            v = make(this.$m, this.$a + off);
            this.$n[k] = v;
          }
          return v;
        },
      });
    }
  }
  return C as unknown as ViewClass<V>;
}

/** Checks a field name (`BAD_LAYOUT` naming it). */
export function checkFieldName(owner: string, name: string): void {
  if (!IDENTIFIER.test(name) || RESERVED.has(name) || name.startsWith("$")) {
    throw new KernelError("BAD_LAYOUT", `${owner}: field name ${JSON.stringify(name)} is not allowed`, {
      owner,
      field: name,
    });
  }
}

/** C layout of `fields`: each at the next multiple of its alignment; the size rounded to the largest. */
export function layoutFields(
  owner: string,
  fields: StructFields,
): {
  fields: FieldLayout[];
  size: number;
  align: number;
} {
  // null was a TypeError of Object.entries; a number or a string had no fields and made none.
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new KernelError("BAD_LAYOUT", `${owner}: the fields must be an object { name: type }`, {
      owner,
      fields: fields === null ? "null" : Array.isArray(fields) ? "array" : typeof fields,
    });
  }
  const out: FieldLayout[] = [];
  let offset = 0;
  let align = 1;
  for (const [name, type] of Object.entries(fields)) {
    checkFieldName(owner, name);
    if (!isFieldType(type)) {
      throw new KernelError("BAD_LAYOUT", `${owner}: field ${name} has no type`, { owner, field: name });
    }
    offset = alignUp(offset, type.align);
    out.push({ name, offset, type });
    offset += type.size;
    align = Math.max(align, type.align);
  }
  if (out.length === 0) throw new KernelError("BAD_LAYOUT", `${owner}: a struct needs a field`, { owner });
  return { fields: out, size: alignUp(offset, align), align };
}

/** A struct type as `struct` builds it (the view class is internal). */
interface StructTypeImpl<F extends StructFields> extends StructType<F> {
  readonly viewClass: ViewClass<StructView<F>>;
}

/**
 * Declares a C struct: fields in order, each at its natural alignment (u16 2, u32/i32/f32 4,
 * f64 8, arrays and nested structs as their element or largest field), little-endian, the size
 * rounded up to the struct's alignment: the layout arm-none-eabi-gcc gives the same declaration.
 * The view class (a getter and setter per field) is generated here, once; `T.at(t, address)`
 * views the struct in a task's heap, a partition or a call frame, every field access a checked
 * access by the task. `BAD_LAYOUT` for a bad field name or type.
 *
 * @example
 * ```ts
 * import { f32, struct, type TaskContext, u8 } from "@rtos-sim/kernel";
 * const Pid = struct("Pid", { kp: f32, ki: f32, integral: f32, last: f32, clamped: u8 });
 * function* controller(t: TaskContext) {
 *   const p = yield* t.malloc(Pid.size, Pid.align);
 *   const pid = Pid.at(t, p);
 *   pid.kp = 0.8; // one checked 32-bit store (VSTR)
 * }
 * ```
 */
export function struct<const F extends StructFields>(name: string, fields: F): StructType<F> {
  if (typeof name !== "string" || name === "") throw new KernelError("BAD_LAYOUT", "a struct needs a name", { name });
  const layout = layoutFields(name, fields);
  const viewClass = defineViewClass<StructView<F>>(name, layout.fields);
  const offsets = new Map(layout.fields.map((f) => [f.name, f.offset]));
  const type: StructTypeImpl<F> = {
    kind: "struct",
    name,
    size: layout.size,
    align: layout.align,
    fields: Object.freeze(layout.fields.map((f) => Object.freeze(f))),
    viewClass,
    offsetOf(field) {
      const o = offsets.get(field);
      if (o === undefined)
        throw new KernelError("BAD_LAYOUT", `${name} has no field ${field}`, { struct: name, field });
      return o;
    },
    at(memory, address) {
      if (!Number.isInteger(address) || address < 0 || address > 0xffffffff || address % layout.align !== 0) {
        throw new KernelError(
          "BAD_ARGUMENT",
          `${name}.at: address must be a 32-bit integer aligned to ${layout.align}, got ${
            Number.isInteger(address) && address >= 0 && address <= 0xffffffff
              ? `0x${address.toString(16).toUpperCase().padStart(8, "0")}`
              : String(address)
          }`,
          { struct: name, address },
        );
      }
      return new viewClass(memory, address);
    },
  };
  return Object.freeze(type);
}
