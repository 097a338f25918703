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

/**
 * Writes a value canonically, piece by piece, to `emit`: object keys sorted, `undefined` fields
 * dropped, non-finite numbers as null, -0 as 0, symbols by description, errors by name and
 * message; every string value (not a key, not an error's fields) through `mapString` first.
 */
function writeCanonical(value: unknown, emit: (piece: string) => void, mapString: (s: string) => string): void {
  if (value === null || value === undefined) {
    emit("null");
    return;
  }
  switch (typeof value) {
    case "number":
      emit(Number.isFinite(value) ? JSON.stringify(value === 0 ? 0 : value) : "null");
      return;
    case "boolean":
      emit(value ? "true" : "false");
      return;
    case "string":
      emit(JSON.stringify(mapString(value)));
      return;
    case "bigint":
      emit(JSON.stringify(value.toString()));
      return;
    case "symbol":
      emit(JSON.stringify(value.description ?? ""));
      return;
    case "function":
      emit("null");
      return;
  }
  if (Array.isArray(value)) {
    emit("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) emit(",");
      writeCanonical(value[i], emit, mapString);
    }
    emit("]");
    return;
  }
  if (value instanceof Error) {
    writeCanonical({ name: value.name, message: value.message }, emit, keep);
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  emit("{");
  for (let i = 0; i < keys.length; i++) {
    emit(`${i > 0 ? "," : ""}${JSON.stringify(keys[i])}:`);
    writeCanonical(obj[keys[i]!], emit, mapString);
  }
  emit("}");
}

const keep = (s: string): string => s;

/**
 * Serialises a value canonically: object keys sorted, `undefined` fields dropped, non-finite
 * numbers as null, -0 as 0, symbols by description, errors by name and message. Two equal
 * traces give the same string byte for byte.
 */
export function canonicalJson(value: unknown): string {
  const pieces: string[] = [];
  writeCanonical(value, (p) => pieces.push(p), keep);
  return pieces.join("");
}

/**
 * {@link fnv1a64} of {@link canonicalJson}, computed without building the string (a long run's
 * result serialises to hundreds of megabytes); `mapString` rewrites every string value first
 * (not keys), e.g. to mask what depends on the host.
 *
 * @example
 * ```ts
 * canonicalHash({ b: 1, a: "x" }) === fnv1a64(canonicalJson({ a: "x", b: 1 })); // true
 * ```
 */
export function canonicalHash(value: unknown, mapString: (s: string) => string = keep): string {
  const h = new Fnv1a64();
  writeCanonical(value, (p) => h.update(p), mapString);
  return h.digest();
}

/**
 * 64-bit FNV-1a over UTF-8 bytes, fed a string at a time (a surrogate pair must not be split
 * between two updates). {@link fnv1a64} hashes one string.
 *
 * @example
 * ```ts
 * const h = new Fnv1a64();
 * h.update("a");
 * h.digest(); // "af63dc4c8601ec8c", as fnv1a64("a")
 * ```
 */
export class Fnv1a64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;

  /** Adds the UTF-8 bytes of `text`. */
  update(text: string): void {
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c < 0x80) this.byte(c);
      else if (c < 0x800) {
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
    }
  }

  /** The hash of everything added so far, as 16 hex digits. */
  digest(): string {
    return this.hi.toString(16).padStart(8, "0") + this.lo.toString(16).padStart(8, "0");
  }

  private byte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    // (hi:lo) * 0x100000001b3 mod 2^64 = x * 0x1b3 + (x << 40)
    const l = lo * 0x1b3;
    const carry = Math.floor(l / 0x100000000);
    this.hi = (Math.imul(this.hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    this.lo = l >>> 0;
  }
}

/**
 * 64-bit FNV-1a over the UTF-8 bytes of `text`, as 16 hex digits. Deterministic on every
 * platform (no Node built-ins).
 *
 * @example
 * ```ts
 * fnv1a64("");  // "cbf29ce484222325"
 * fnv1a64("a"); // "af63dc4c8601ec8c"
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
 * const rec = new TraceRecorder(sched.events);
 * sched.run({ until: { ms: 100 } });
 * rec.hash(); // same inputs, same hash
 * ```
 */
export class TraceRecorder {
  /** The records so far, in event order. */
  readonly records: TraceRecord[] = [];
  private readonly off: (() => void)[] = [];

  constructor(events: SchedEmitter) {
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
