import { SchedError } from "./errors.js";
import type { SchedEmitter, SchedEvents } from "./events.js";

/** A JSON value (what a trace record holds). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/**
 * One trace record: the event name, the time in cycles, and plain fields (task ids, states,
 * causes, ops). Tasks appear by id; the `spawn` record maps ids to names and priorities.
 */
export interface TraceRecord {
  /** The event name (`spawn`, `switch`, `syscall`, `state`, `watchdog`, `fault`, `idle`). */
  readonly ev: string;
  /** Cycles at the event (an idle record's start). */
  readonly t: number;
  readonly [field: string]: JsonValue;
}

/** Where the canonical writer puts its pieces: a hash ({@link Fnv1a64}) or a list of strings. */
interface Sink {
  update(piece: string): void;
}

/** Collects the pieces of {@link canonicalJson}. */
class Pieces implements Sink {
  readonly list: string[] = [];
  update(piece: string): void {
    this.list.push(piece);
  }
}

/** An object's keys, sorted, with their JSON forms; shared by the objects with that key list. */
interface KeyOrder {
  /** The keys as `Object.keys` lists them (to tell key lists that join alike apart). */
  readonly own: readonly string[];
  readonly sorted: readonly string[];
  /** `"key":` for each sorted key. */
  readonly heads: readonly string[];
}

/**
 * Writes values canonically, piece by piece, to a {@link Sink}: object keys sorted, `undefined`
 * fields dropped, non-finite numbers as null, -0 as 0, symbols by description, errors by name
 * and message; every string value (not a key, not an error's fields) through `mapString` first.
 * A run's result holds hundreds of thousands of objects of a few shapes (slices, events,
 * samples), so each key list is sorted and quoted once.
 */
class CanonicalWriter {
  private readonly orders = new Map<string, KeyOrder>();

  constructor(
    private readonly sink: Sink,
    private readonly mapString: (s: string) => string,
  ) {}

  write(value: unknown): void {
    if (value === null || value === undefined) {
      this.sink.update("null");
      return;
    }
    switch (typeof value) {
      case "number":
        // A finite number's JSON form is its ToString (ECMA-262 SerializeJSONProperty).
        this.sink.update(Number.isFinite(value) ? (value === 0 ? "0" : String(value)) : "null");
        return;
      case "boolean":
        this.sink.update(value ? "true" : "false");
        return;
      case "string":
        this.sink.update(JSON.stringify(this.mapString === keep ? value : this.mapString(value)));
        return;
      case "bigint":
        this.sink.update(JSON.stringify(value.toString()));
        return;
      case "symbol":
        this.sink.update(JSON.stringify(value.description ?? ""));
        return;
      case "function":
        this.sink.update("null");
        return;
    }
    if (Array.isArray(value)) {
      this.sink.update("[");
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.sink.update(",");
        this.write(value[i]);
      }
      this.sink.update("]");
      return;
    }
    if (value instanceof Error) {
      new CanonicalWriter(this.sink, keep).write({ name: value.name, message: value.message });
      return;
    }
    const obj = value as Record<string, unknown>;
    const order = this.orderOf(Object.keys(obj));
    this.sink.update("{");
    let first = true;
    for (let i = 0; i < order.sorted.length; i++) {
      const v = obj[order.sorted[i]!];
      if (v === undefined) continue;
      this.sink.update(first ? order.heads[i]! : `,${order.heads[i]!}`);
      first = false;
      this.write(v);
    }
    this.sink.update("}");
  }

  /** The order last used: consecutive objects mostly share a shape (an array of slices, of samples). */
  private last: KeyOrder = { own: [], sorted: [], heads: [] };

  /** The sorted, quoted form of a key list (cached by its keys joined, checked key by key). */
  private orderOf(own: string[]): KeyOrder {
    if (sameKeys(this.last.own, own)) return this.last;
    this.last = this.lookUp(own);
    return this.last;
  }

  private lookUp(own: string[]): KeyOrder {
    const id = own.join("\u0000");
    const known = this.orders.get(id);
    if (known !== undefined && sameKeys(known.own, own)) return known;
    const sorted = [...own].sort();
    const order = { own, sorted, heads: sorted.map((k) => `${JSON.stringify(k)}:`) };
    if (known === undefined) this.orders.set(id, order);
    return order;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const keep = (s: string): string => s;

/**
 * Serialises a value canonically: object keys sorted, `undefined` fields dropped, non-finite
 * numbers as null, -0 as 0, symbols by description, errors by name and message. Two equal
 * traces give the same string byte for byte.
 */
export function canonicalJson(value: unknown): string {
  const pieces = new Pieces();
  new CanonicalWriter(pieces, keep).write(value);
  return pieces.list.join("");
}

/**
 * {@link fnv1a64} of {@link canonicalJson}, computed without building the string (a long run's
 * result serialises to hundreds of megabytes); `mapString` rewrites every string value first
 * (not keys), e.g. to mask what depends on the host.
 *
 * @example
 * ```ts
 * import { canonicalHash, canonicalJson, fnv1a64 } from "@rtos-sim/sched";
 * console.log(canonicalHash({ b: 1, a: "x" }) === fnv1a64(canonicalJson({ a: "x", b: 1 }))); // true
 * ```
 */
export function canonicalHash(value: unknown, mapString: (s: string) => string = keep): string {
  const h = new Fnv1a64();
  new CanonicalWriter(h, mapString).write(value);
  return h.digest();
}

/**
 * 64-bit FNV-1a over UTF-8 bytes, fed a string at a time (a surrogate pair must not be split
 * between two updates). {@link fnv1a64} hashes one string.
 *
 * @example
 * ```ts
 * import { Fnv1a64 } from "@rtos-sim/sched";
 * const h = new Fnv1a64();
 * h.update("a");
 * console.log(h.digest()); // af63dc4c8601ec8c
 * // as fnv1a64("a")
 * ```
 */
export class Fnv1a64 {
  // The 64-bit state as four 16-bit limbs, least significant first: a step's products and
  // carries stay small integers (about 2.5 times faster than 32-bit halves with a division).
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  /** Adds the UTF-8 bytes of `text`. */
  update(text: string): void {
    // ASCII (every byte of a canonical trace but the odd name) in locals; the rest by code point.
    let h0 = this.h0;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        // (h ^ c) * 0x100000001b3 mod 2^64: the prime's limbs are 0x1b3, 0, 0x100, 0.
        h0 ^= c;
        const t0 = h0 * 0x1b3;
        const t1 = h1 * 0x1b3 + (t0 >>> 16);
        const t2 = h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
        const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h1 << 8);
        h0 = t0 & 0xffff;
        h1 = t1 & 0xffff;
        h2 = t2 & 0xffff;
        h3 = t3 & 0xffff;
      } else {
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
        this.h3 = h3;
        i = this.wide(text, i, c);
        h0 = this.h0;
        h1 = this.h1;
        h2 = this.h2;
        h3 = this.h3;
      }
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
  }

  /** Adds the UTF-8 bytes of the code point at `i` (`c` its first unit, >= 0x80); returns its last index. */
  private wide(text: string, i: number, c: number): number {
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      this.byte(0xc0 | (c >> 6));
      this.byte(0x80 | (c & 63));
    } else if (c < 0x10000) {
      this.byte(0xe0 | (c >> 12));
      this.byte(0x80 | ((c >> 6) & 63));
      this.byte(0x80 | (c & 63));
    } else {
      this.byte(0xf0 | (c >> 18));
      this.byte(0x80 | ((c >> 12) & 63));
      this.byte(0x80 | ((c >> 6) & 63));
      this.byte(0x80 | (c & 63));
    }
    return i;
  }

  /** The hash of everything added so far, as 16 hex digits. */
  digest(): string {
    const hex = (hi: number, lo: number) => (((hi << 16) | lo) >>> 0).toString(16).padStart(8, "0");
    return hex(this.h3, this.h2) + hex(this.h1, this.h0);
  }

  private byte(b: number): void {
    const h0 = this.h0 ^ b;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (t1 >>> 16) + (h0 << 8);
    const t3 = this.h3 * 0x1b3 + (t2 >>> 16) + (this.h1 << 8);
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }
}

/**
 * 64-bit FNV-1a over the UTF-8 bytes of `text`, as 16 hex digits. Deterministic on every
 * platform (no Node built-ins).
 *
 * @example
 * ```ts
 * import { fnv1a64 } from "@rtos-sim/sched";
 * console.log(fnv1a64("")); // cbf29ce484222325
 * console.log(fnv1a64("a")); // af63dc4c8601ec8c
 * ```
 */
export function fnv1a64(text: string): string {
  const h = new Fnv1a64();
  h.update(text);
  return h.digest();
}

/** The stable hash of a trace: {@link fnv1a64} of its {@link canonicalJson}. */
export function traceHash(records: readonly TraceRecord[]): string {
  return fnv1a64(canonicalJson(records));
}

/**
 * Records every scheduler event as a plain {@link TraceRecord} (for determinism tests and the
 * CLI timeline). Attach before running; {@link TraceRecorder.detach} stops recording. An idle
 * period is one record even when a run's end cut it and the next run went on with it (two
 * `idle` events, the second starting where the first ended), so a run made in windows records
 * the same trace as one run.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { Scheduler, TraceRecorder } from "@rtos-sim/sched";
 * function traceOfRun(): string {
 *   const sched = new Scheduler({ machine: createMachine(STM32F407) });
 *   const rec = new TraceRecorder(sched.events);
 *   sched.spawn({ name: "blink", priority: 1, *entry() { for (;;) yield { op: "sleep", ms: 10 }; } });
 *   sched.run({ until: { ms: 100 } });
 *   return rec.hash();
 * }
 * console.log(traceOfRun() === traceOfRun()); // true
 * // same inputs, same hash
 * ```
 */
export class TraceRecorder {
  /** The records so far, in event order. */
  readonly records: TraceRecord[] = [];
  private readonly off: (() => void)[] = [];

  constructor(events: SchedEmitter) {
    if (events === null || typeof events !== "object" || typeof (events as { on?: unknown }).on !== "function") {
      throw new SchedError("SCHED_OPTION", "TraceRecorder: events must be a scheduler's event emitter (sched.events)", {
        field: "events",
        value: events === null ? "null" : typeof events,
      });
    }
    const r = this.records;
    const on = <K extends keyof SchedEvents>(name: K, fn: (...args: SchedEvents[K]) => void): void => {
      events.on(name, fn as never);
      this.off.push(() => events.off(name, fn as never));
    };
    on("spawn", (e) =>
      r.push({ ev: "spawn", t: e.time, task: e.task.id, name: e.task.name, priority: e.task.priority }),
    );
    on("switch", (e) => r.push({ ev: "switch", t: e.time, from: e.from === null ? null : e.from.id, to: e.to.id }));
    on("syscall", (e) => r.push({ ev: "syscall", t: e.time, task: e.task.id, op: e.request.op }));
    on("state", (e) => {
      const rec: Record<string, JsonValue> = {
        ev: "state",
        t: e.time,
        task: e.task.id,
        from: e.from,
        to: e.to,
        cause: e.cause,
      };
      if (e.wakeTick !== undefined) rec.wakeTick = e.wakeTick;
      r.push(rec as TraceRecord);
    });
    on("watchdog", (e) => r.push({ ev: "watchdog", t: e.time, task: e.task.id, cycles: e.cycles, steps: e.steps }));
    on("fault", (e) =>
      r.push({ ev: "fault", t: e.time, task: e.task.id, kind: e.reason.kind, message: e.reason.message }),
    );
    on("idle", (e) => {
      // An idle period a run's end cut (a window of `run({ until })`) goes on in the next run
      // as another `idle` event from where it stopped, and a run after one that ended with
      // nothing left to wake (`to` null) reports the same endless period again: one record, so
      // a run made in windows records the same trace as one run.
      const last = r[r.length - 1];
      if (last !== undefined && last.ev === "idle" && (last.to === e.from || last.to === null)) {
        r[r.length - 1] = { ev: "idle", t: last.t, to: e.to };
        return;
      }
      r.push({ ev: "idle", t: e.from, to: e.to });
    });
  }

  /** Stops recording. */
  detach(): void {
    for (const f of this.off) f();
    this.off.length = 0;
  }

  /** {@link traceHash} of the records so far. */
  hash(): string {
    return traceHash(this.records);
  }
}
