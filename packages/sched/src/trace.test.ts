import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scheduler } from "./scheduler.js";
import { CPT, setup } from "./test-setup.js";
import { canonicalHash, canonicalJson, Fnv1a64, fnv1a64, TraceRecorder, traceHash } from "./trace.js";
import { WaitQueue } from "./wait-queue.js";

describe("canonical JSON and FNV-1a", () => {
  it("hashes the UTF-8 bytes with 64-bit FNV-1a (published test vectors)", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
    expect(fnv1a64("é€😀")).toBe("0a289ca40199fa06");
  });

  it("sorts keys and normalises values", () => {
    expect(canonicalJson({ b: 1, a: [true, null, undefined, -0], c: undefined, d: Number.NaN })).toBe(
      '{"a":[true,null,null,0],"b":1,"d":null}',
    );
    expect(canonicalJson({ s: Symbol("x"), e: new TypeError("m"), n: 10n })).toBe(
      '{"e":{"message":"m","name":"TypeError"},"n":"10","s":"x"}',
    );
    expect(traceHash([{ ev: "x", t: 1 }])).toBe(fnv1a64('[{"ev":"x","t":1}]'));
  });

  it("writes what the plain recursive definition writes, for any value (property)", () => {
    /** The canonical form as the docs define it, written plainly (no key cache, no fast paths). */
    const reference = (v: unknown): string => {
      if (v === null || v === undefined || typeof v === "function") return "null";
      if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v === 0 ? 0 : v) : "null";
      if (typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
      if (typeof v === "bigint") return JSON.stringify(v.toString());
      if (typeof v === "symbol") return JSON.stringify(v.description ?? "");
      if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
      if (v instanceof Error) return reference({ name: v.name, message: v.message });
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(",")}}`;
    };
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }), (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { seed: 11, numRuns: 1000 },
    );
    // Objects of one key list share its sorted order; a key list that joins alike is not taken for it.
    const alike = [{ "a\u0000b": 1 }, { a: 2, b: 3 }, { b: 4, a: 5 }, { a: 6, b: undefined }];
    expect(canonicalJson(alike)).toBe('[{"a\\u0000b":1},{"a":2,"b":3},{"a":5,"b":4},{"a":6}]');
    // Any well-formed string hashes as its UTF-8 bytes, ASCII or not (canonical JSON escapes lone surrogates).
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const bytes = new TextEncoder().encode(text);
        const h = new Fnv1a64();
        h.update(text);
        expect(h.digest()).toBe(fnv1a64Bytes(bytes));
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  it("hashes piece by piece as in one string (Fnv1a64), the canonical form without building it (canonicalHash)", () => {
    const h = new Fnv1a64();
    for (const piece of ["é", "€", "😀"]) h.update(piece);
    expect(h.digest()).toBe(fnv1a64("é€😀"));
    const upper = (s: string) => s.toUpperCase();
    /** What canonicalHash with a string map hashes: every string value mapped, keys and errors not. */
    const mapped = (v: unknown): unknown =>
      typeof v === "string"
        ? upper(v)
        : Array.isArray(v)
          ? v.map(mapped)
          : v !== null && typeof v === "object" && !(v instanceof Error)
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapped(x)]))
            : v;
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }), (v) => {
        expect(canonicalHash(v)).toBe(fnv1a64(canonicalJson(v)));
        expect(canonicalHash(v, upper)).toBe(fnv1a64(canonicalJson(mapped(v))));
      }),
      { seed: 7, numRuns: 500 },
    );
    expect(canonicalHash({ e: new TypeError("m"), s: "a" }, upper)).toBe(
      fnv1a64('{"e":{"message":"m","name":"TypeError"},"s":"A"}'),
    );
  });
});

/** The WHATWG encoder every runtime the tests run on has (the package's own lib has no DOM types). */
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

/** 64-bit FNV-1a over bytes, with BigInt: the definition the hasher's 32-bit arithmetic must match. */
function fnv1a64Bytes(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, "0");
}

/** A busy little system: accesses to flash and SRAM, sleeps, a semaphore, a watchdog fault, a kill. */
describe("TraceRecorder's argument", () => {
  it("refuses what is not a scheduler's events with SCHED_OPTION", () => {
    for (const bad of [null, undefined, {}, 7]) {
      expect(() => new TraceRecorder(bad as never)).toThrow(
        expect.objectContaining({ code: "SCHED_OPTION", context: expect.objectContaining({ field: "events" }) }),
      );
    }
  });
});

function scenario(producerSleep: number): { sched: Scheduler; rec: TraceRecorder } {
  const { sched, machine } = setup({
    costs: { syscall: 12, contextSwitch: 40 },
    watchdog: { cycles: 5000 },
    syscall: (task, req, s) => {
      if (req.op === "take") {
        if (count > 0) return --count;
        sem.block(task, { ms: req.ms as number });
        return undefined;
      }
      if (req.op === "give") {
        if (sem.wakeOne("given") === null) count++;
        return count;
      }
      if (req.op === "kill") {
        s.stop(s.task(req.id as number)!);
        return 0;
      }
      return 0;
    },
  });
  const sem = new WaitQueue(sched);
  let count = 0;
  const core = machine.core;
  const rec = new TraceRecorder(sched.events);
  sched.spawn({
    name: "producer",
    priority: 2,
    *entry() {
      for (let i = 0; i < 20; i++) {
        core.write32(0x20000000 + 4 * i, i);
        yield { op: "give" };
        yield { op: "sleep", ticks: producerSleep };
      }
    },
  });
  sched.spawn({
    name: "consumer",
    priority: 3,
    *entry() {
      for (;;) {
        const r = yield { op: "take", ms: 4 };
        for (let i = 0; i < 50; i++) core.read32(0x08000000 + 4 * i); // flash: 6 cycles each
        if (typeof r === "symbol") yield { op: "sleep", ms: 1 };
      }
    },
  });
  sched.spawn({
    name: "hog",
    priority: 1,
    *entry() {
      yield { op: "sleep", ticks: 7 };
      for (;;) {
        core.fill(0x20001000, 0xaa, 4096); // 1024 cycles
        yield { op: "poll" };
      }
    },
  });
  sched.spawn({
    name: "killer",
    priority: 1,
    *entry() {
      yield { op: "sleep", ms: 30 };
      yield { op: "kill", id: 2 };
    },
  });
  sched.spawn({
    name: "rr",
    priority: 0,
    *entry() {
      for (let i = 0; i < 50; i++) yield { op: "yield" };
    },
  });
  sched.run({ until: { ms: 60 } });
  return { sched, rec };
}

describe("determinism", () => {
  it("gives the same trace, byte for byte, for the same inputs, and another for other inputs", () => {
    const a = scenario(2);
    const b = scenario(2);
    expect(a.rec.records.length).toBeGreaterThan(200);
    expect(canonicalJson(a.rec.records)).toBe(canonicalJson(b.rec.records));
    expect(a.rec.hash()).toBe(b.rec.hash());
    expect(a.sched.now()).toEqual(b.sched.now());
    expect(scenario(3).rec.hash()).not.toBe(a.rec.hash());
    // the scenario did what it says: a watchdog fault and a kill
    expect(a.sched.tasks().map((t) => [t.name, t.state, t.fault?.kind ?? null])).toEqual([
      ["producer", "stopped", null],
      ["consumer", "stopped", null],
      ["hog", "faulted", "watchdog"],
      ["killer", "stopped", null],
      ["rr", "stopped", null],
    ]);
    expect(a.rec.records.filter((r) => r.ev === "switch").length).toBe(a.sched.switches);
  });

  it("records an idle period a run's window cut as one record, so windows record the same trace as one run", () => {
    const run = (windowMs: number) => {
      const { sched } = setup();
      const rec = new TraceRecorder(sched.events);
      const pieces: [number, number | null][] = [];
      sched.events.on("idle", (e) => pieces.push([e.from, e.to]));
      sched.spawn({
        name: "sleeper",
        priority: 0,
        *entry() {
          yield { op: "sleep", ticks: 10 };
        },
      });
      for (let ms = windowMs; ms < 20; ms += windowMs) sched.run({ until: { ms } });
      sched.run({ until: { ms: 20 } });
      return { rec, pieces };
    };
    const one = run(20);
    const windowed = run(3);
    // the sleep from cycle 0 to its wake at tick 10, then nothing left to wake (`to` null)
    expect(one.pieces).toEqual([
      [0, 10 * CPT],
      [10 * CPT, null],
    ]);
    // windows of 3 ms cut the sleep at 3, 6 and 9 ms; the runs after the end report it again
    expect(windowed.pieces).toEqual([
      [0, 3 * CPT],
      [3 * CPT, 6 * CPT],
      [6 * CPT, 9 * CPT],
      [9 * CPT, 10 * CPT],
      [10 * CPT, null],
      [10 * CPT, null],
      [10 * CPT, null],
      [10 * CPT, null],
    ]);
    expect(windowed.rec.records).toEqual(one.rec.records);
    expect(one.rec.records.filter((r) => r.ev === "idle")).toEqual([
      { ev: "idle", t: 0, to: 10 * CPT },
      { ev: "idle", t: 10 * CPT, to: null },
    ]);
  });

  it("stops recording when detached", () => {
    const { sched } = setup();
    const rec = new TraceRecorder(sched.events);
    sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        yield { op: "yield" };
      },
    });
    rec.detach();
    sched.run();
    expect(rec.records).toEqual([{ ev: "spawn", t: 0, task: 1, name: "t", priority: 0 }]);
  });
});
