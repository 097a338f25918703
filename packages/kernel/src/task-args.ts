import { KernelError } from "./errors.js";

/**
 * Arguments task code passes to the functions it calls directly (the C library, the block
 * transfers of `TaskContext`; a syscall's fields are checked by syscall-handlers/args.ts): each is
 * read once, at the entry, and must be a plain number in
 * range, else `BAD_ARGUMENT` before any byte is touched (the task faults unless it catches it).
 * Only a plain number is taken: an object's `valueOf` is never called, so it cannot answer one
 * value to a check and another to the work that follows.
 */

/** How a bad argument is named in an error: a number as itself, anything else by its type (never converted). */
function shown(v: unknown): string {
  return typeof v === "number" ? String(v) : typeof v;
}

function bad(fn: string, field: string, want: string, v: unknown): KernelError {
  return new KernelError("BAD_ARGUMENT", `${fn}: ${field} must be ${want}, got ${shown(v)}`, {
    op: fn,
    field,
    value: typeof v === "number" ? v : typeof v,
  });
}

/** A length argument named `field`: an integer in [0, 2^32). */
export function length(fn: string, field: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw bad(fn, field, "an integer in [0, 2^32 - 1]", n);
  }
  return n;
}

/** An address argument named `field`: an integer in [0, 2^32). */
export function address(fn: string, field: string, a: unknown): number {
  if (typeof a !== "number" || !Number.isInteger(a) || a < 0 || a > 0xffffffff) {
    throw bad(fn, field, "an address, an integer in [0, 2^32 - 1]", a);
  }
  return a;
}

/** A byte value (C's int): a number, taken `& 0xff`. */
export function byte(fn: string, v: unknown): number {
  if (typeof v !== "number") throw bad(fn, "value", "a number", v);
  return v & 0xff;
}

/** A text argument: a primitive string (a String object or anything else is refused). */
export function text(fn: string, v: unknown): string {
  if (typeof v !== "string") throw bad(fn, "text", "a string", v);
  return v;
}

/**
 * A byte array argument: a Uint8Array (or an array of numbers), copied at once; the copy alone is
 * used from then on (an array-like or a Proxy could report one length to a check and another to
 * the copy).
 */
export function bytes(fn: string, v: unknown): Uint8Array {
  if (v === null || typeof v !== "object") throw bad(fn, "data", "a Uint8Array", v);
  // A typed array is copied by its own length (a Proxy is no view: ArrayBuffer.isView runs no trap).
  if (ArrayBuffer.isView(v)) return new Uint8Array(v as unknown as ArrayLike<number>);
  // Any other array-like: its length read once, as a length argument (a negative one was a
  // RangeError of the copy, NaN an empty write), then that many elements.
  const n = length(fn, "data.length", (v as { length?: unknown }).length);
  const out = new Uint8Array(n);
  const src = v as ArrayLike<number>;
  for (let i = 0; i < n; i++) out[i] = src[i]!;
  return out;
}
