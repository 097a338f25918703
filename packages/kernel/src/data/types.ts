import { KernelError } from "../errors.js";

/** The C scalar types a view field can have. */
export type ScalarKind = "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "f32" | "f64";

/** A scalar field type: its C size and natural alignment (little-endian, as on Cortex-M). */
export interface ScalarType<K extends ScalarKind = ScalarKind> {
  /** Discriminant: `"scalar"`. */
  readonly kind: "scalar";
  /** Which C scalar: `"u8"`, `"i16"`, `"f32"`... */
  readonly scalar: K;
  /** Bytes: 1, 2, 4 or 8. */
  readonly size: number;
  /** Natural alignment in bytes (equal to `size`). */
  readonly align: number;
}

/** A fixed-length C array of `T`: `length` elements `element.size` bytes apart. */
export interface ArrayType<T extends FieldType = FieldType> {
  /** Discriminant: `"array"`. */
  readonly kind: "array";
  /** The element type. */
  readonly element: T;
  /** Element count: 1..65536. */
  readonly length: number;
  /** Bytes: `element.size * length` (the stride is the element's size, padding included). */
  readonly size: number;
  /** Alignment in bytes: the element's. */
  readonly align: number;
}

/** A struct type (see `struct`): its layout and its view class. */
export interface StructTypeBase {
  /** Discriminant: `"struct"`. */
  readonly kind: "struct";
  /** The struct's name (as given to `struct`; its view class is `<name>View`). */
  readonly name: string;
  /** Bytes, `sizeof` in C: the end of the last field rounded up to `align`. */
  readonly size: number;
  /** Alignment in bytes: the largest of its fields'. */
  readonly align: number;
}

/** Any type a field can have. */
export type FieldType = ScalarType | ArrayType | StructTypeBase;

const scalar = <K extends ScalarKind>(k: K, size: number): ScalarType<K> =>
  Object.freeze({ kind: "scalar", scalar: k, size, align: size });

/** `uint8_t`. */
export const u8: ScalarType<"u8"> = scalar("u8", 1);
/** `uint16_t` (2-byte aligned). */
export const u16: ScalarType<"u16"> = scalar("u16", 2);
/** `uint32_t` (4-byte aligned). */
export const u32: ScalarType<"u32"> = scalar("u32", 4);
/** `int8_t`. */
export const i8: ScalarType<"i8"> = scalar("i8", 1);
/** `int16_t`. */
export const i16: ScalarType<"i16"> = scalar("i16", 2);
/** `int32_t`. */
export const i32: ScalarType<"i32"> = scalar("i32", 4);
/** `float` (IEEE 754 single, 4-byte aligned). */
export const f32: ScalarType<"f32"> = scalar("f32", 4);
/** `double` (IEEE 754 double, 8-byte aligned as the AAPCS wants). */
export const f64: ScalarType<"f64"> = scalar("f64", 8);

/**
 * `T[length]`: a fixed-length array field (C layout: the elements back to back, the array aligned
 * as its element). `BAD_LAYOUT` for a length that is not an integer 1..65536.
 *
 * @example
 * ```ts
 * import { array, f32, i16, struct } from "@rtos-sim/kernel";
 * const Imu = struct("Imu", { gyro: array(f32, 3), raw: array(i16, 6) });
 * ```
 */
export function array<T extends FieldType>(element: T, length: number): ArrayType<T> {
  if (!Number.isInteger(length) || length < 1 || length > 65536) {
    throw new KernelError("BAD_LAYOUT", `array length must be an integer 1..65536, got ${String(length)}`, { length });
  }
  if (!isFieldType(element)) throw new KernelError("BAD_LAYOUT", "array element is not a field type", {});
  return Object.freeze({ kind: "array", element, length, size: element.size * length, align: element.align });
}

/** Whether `t` is a scalar, array or struct type. */
export function isFieldType(t: unknown): t is FieldType {
  if (typeof t !== "object" || t === null) return false;
  const k = (t as { kind?: unknown }).kind;
  return k === "scalar" || k === "array" || k === "struct";
}

/** `n` rounded up to a multiple of `align` (a power of two). */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
