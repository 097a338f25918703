/**
 * Requests as plain data: what the dispatcher makes of a value a task yields before any handler
 * reads it, so that no task code (a getter, a Proxy trap) can run in Handler mode.
 */

/**
 * The copies this module makes ({@link copyRequest}'s and {@link plainRequest}'s): objects of
 * this class (whose prototype adds no property) created here and frozen, never a Proxy, every
 * field a primitive or another such copy, so nothing about them can change or run code. A request
 * that is one of them needs no second copy. The test is the private brand: `#copy in v` runs no
 * task code, whatever `v` is (a Proxy has no trap for it), and costs less than a WeakSet lookup
 * at every yield.
 */
class RequestCopy {
  readonly #copy = true;
  static is(v: object): boolean {
    return #copy in v;
  }
}

/**
 * A request as plain data the kernel can read without running task code: its own enumerable
 * fields, each a primitive or a plain object of primitives (a timeout), copied into fresh frozen
 * objects. A getter, a function or a deeper object is a TypeError (the task's: call it in the
 * task's step). Anything but an object is returned as it is (the dispatcher reports it as a bad
 * request). A request made by {@link plainRequest} is already such a copy: it is returned as it is.
 */
export function copyRequest(v: unknown): unknown {
  if (v === null || typeof v !== "object") return copyField(v, 0);
  if (RequestCopy.is(v)) return v;
  return copyObject(v, 0);
}

function copyField(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== "object") {
    if (typeof v === "function" || typeof v === "symbol") throw new TypeError(`a request field is a ${typeof v}`);
    return v;
  }
  return copyObject(v, depth);
}

function copyObject(v: object, depth: number): object {
  if (depth > 1) throw new TypeError("a request field nests objects more than one level deep");
  const out = new RequestCopy() as unknown as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key);
    if (d === undefined) continue;
    if (!("value" in d)) throw new TypeError(`request field "${key}" is an accessor, not data`);
    const value = copyField(d.value, depth + 1);
    // An own "__proto__" field assigned would become the copy's prototype (and a field the frozen
    // prototype also held then threw a TypeError, read-only, or was read through it): it is
    // defined. Every other field is assigned, the fast path of every syscall's copy.
    if (key === "__proto__")
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return Object.freeze(out);
}

/**
 * A request built once and yielded many times (a syscall without arguments, like the kernel's
 * `sys.yield()`): the frozen copy of `request` the dispatcher makes of every yielded request (its
 * own enumerable data fields, primitives or a plain object of primitives), which the dispatcher
 * then takes as it is instead of copying it at every yield. A getter (never called), a function
 * or a deeper object is a TypeError, as it is when a task yields it.
 *
 * @example
 * ```ts
 * import { plainRequest } from "@rtos-sim/sched";
 * const YIELD = plainRequest({ op: "yield" });
 * function* task() {
 *   for (;;) yield YIELD;
 * }
 * ```
 */
export function plainRequest<R extends object>(request: R): Readonly<R> {
  if (request === null || typeof request !== "object") throw new TypeError("a request is an object");
  return copyObject(request, 0) as Readonly<R>;
}
