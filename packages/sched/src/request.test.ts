import { describe, expect, it } from "vitest";
import { copyRequest, plainRequest } from "./request.js";
import { setup } from "./test-setup.js";

describe("requests as plain data", () => {
  it("copies a request into a fresh frozen object at every yield", () => {
    const req = Object.freeze({ op: "sleep", timeout: Object.freeze({ ms: 5 }) });
    const a = copyRequest(req) as { op: string; timeout: { ms: number } };
    const b = copyRequest(req);
    expect(a).toEqual({ op: "sleep", timeout: { ms: 5 } });
    expect(a).not.toBe(req); // frozen is not enough: only the module's own copies are taken as they are
    expect(a).not.toBe(b);
    expect(Object.isFrozen(a) && Object.isFrozen(a.timeout)).toBe(true);
  });

  it('an own "__proto__" field is a field of the copy, not its prototype (a field the prototype also held threw)', () => {
    const req = JSON.parse('{"op": "yield", "__proto__": {"ms": 1}, "ms": {}}') as object;
    const copy = copyRequest(req) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(["op", "__proto__", "ms"]);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(copy))).toBe(Object.prototype); // RequestCopy's, unchanged
    expect(copy.ms).toEqual({});
    expect(Object.isFrozen(copy)).toBe(true);
  });

  it("plainRequest makes the copy once; the dispatcher's copy then takes it as it is", () => {
    const source = { op: "info", timeout: { ticks: 2 } };
    const req = plainRequest(source);
    expect(req).not.toBe(source);
    expect(req).toEqual(source);
    expect(Object.isFrozen(req) && Object.isFrozen(req.timeout)).toBe(true);
    expect(copyRequest(req)).toBe(req);
    source.op = "exit"; // the source stays the caller's: the request does not follow it
    expect(copyRequest(req)).toEqual({ op: "info", timeout: { ticks: 2 } });
  });

  it("plainRequest refuses what copyRequest refuses, without calling a getter", () => {
    let called = false;
    const withGetter = {
      get op() {
        called = true;
        return "yield";
      },
    };
    expect(() => plainRequest(withGetter)).toThrow(TypeError);
    expect(called).toBe(false);
    expect(() => plainRequest({ op: "x", f: () => 0 })).toThrow(TypeError);
    expect(() => plainRequest({ op: "x", a: { b: { c: 1 } } })).toThrow(TypeError);
    expect(() => plainRequest(null as never)).toThrow(TypeError);
  });

  it("a Proxy of a plain request is copied through its traps, as the task, every time", () => {
    const req = plainRequest({ op: "yield" });
    let traps = 0;
    const other: string[] = [];
    const proxy = new Proxy(req, {
      ownKeys(t) {
        traps++;
        return Reflect.ownKeys(t);
      },
      // Whether it is already a copy is decided without a trap (no prototype walk, no `in`).
      getPrototypeOf(t) {
        other.push("getPrototypeOf");
        return Reflect.getPrototypeOf(t);
      },
      has(t, k) {
        other.push(`has ${String(k)}`);
        return Reflect.has(t, k);
      },
    });
    const a = copyRequest(proxy);
    const b = copyRequest(proxy);
    expect(traps).toBe(2);
    expect(other).toEqual([]);
    expect(a).not.toBe(proxy);
    expect(a).not.toBe(req);
    expect(b).toEqual({ op: "yield" });
  });

  it("a task yielding a plain request is scheduled as with a literal one", () => {
    const { sched } = setup();
    const YIELD = plainRequest({ op: "yield" });
    const log: string[] = [];
    const body = (name: string) =>
      function* () {
        for (let i = 0; i < 2; i++) {
          log.push(name);
          yield YIELD;
        }
      };
    sched.spawn({ name: "A", priority: 1, entry: body("A") });
    sched.spawn({ name: "B", priority: 1, entry: body("B") });
    sched.run();
    expect(log).toEqual(["A", "B", "A", "B"]);
    expect(sched.tasks().every((t) => t.state === "stopped")).toBe(true);
  });
});
