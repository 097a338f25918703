import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SyscallIterator } from "./syscall-call.js";
import { type SyscallOf, sys, syscall } from "./syscalls.js";

type Op =
  | { readonly kind: "next"; readonly v: number }
  | { readonly kind: "return"; readonly v: number }
  | { readonly kind: "throw"; readonly v: number };

/** What one operation gives: its result, or what it threw. */
function apply(it: Iterator<unknown, unknown, unknown>, op: Op): unknown {
  try {
    if (op.kind === "next") return { result: it.next(op.v) };
    if (op.kind === "return") return { result: it.return!(op.v) };
    return { result: it.throw!(new Error(`e${op.v}`)) };
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

describe("SyscallIterator", () => {
  it("answers every sequence of next, return and throw as the generator syscall(req) does", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("next" as const), v: fc.integer() }),
      fc.record({ kind: fc.constant("return" as const), v: fc.integer() }),
      fc.record({ kind: fc.constant("throw" as const), v: fc.integer() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), (ops) => {
        const req = sys.malloc(16);
        const call = new SyscallIterator<"malloc">(req, () => {});
        const gen = syscall(req);
        for (const o of ops) expect(apply(call, o)).toEqual(apply(gen, o));
      }),
      { seed: 0x5eee0 },
    );
  });

  it("yields its request object itself, then returns the answer given to the second next()", () => {
    const req = sys.free(0x20001000);
    const call = new SyscallIterator<"free">(req, () => {});
    expect(call[Symbol.iterator]()).toBe(call);
    const first = call.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe(req);
    expect(call.next(0)).toEqual({ value: 0, done: true });
    expect(call.next(7)).toEqual({ value: undefined, done: true });
  });

  it("tells its task the call started at the first next(), not when it is built", () => {
    const starts: string[] = [];
    const call = new SyscallIterator<"yield">(sys.yield(), () => starts.push("started"));
    expect(starts).toEqual([]);
    call.next();
    call.next();
    expect(starts).toEqual(["started"]);
  });

  it("is what yield* takes: the task's generator yields the request and gets the answer", () => {
    function* task(): Generator<SyscallOf<"malloc">, number, unknown> {
      const p = yield* new SyscallIterator<"malloc">(sys.malloc(8), () => {});
      return p + 1;
    }
    const g = task();
    expect(g.next().value).toEqual({ op: "malloc", size: 8, align: undefined, label: undefined });
    expect(g.next(0x20000010)).toEqual({ value: 0x20000011, done: true });
    const h = task();
    h.next();
    expect(() => h.throw(new Error("fault"))).toThrow("fault");
    expect(h.next()).toEqual({ value: undefined, done: true });
  });
});

describe("SyscallIterator's ended", () => {
  it("runs once when a started call is answered, returned or thrown through; never for a call not started", () => {
    const log: string[] = [];
    const make = () =>
      new SyscallIterator<"yield">(
        sys.yield(),
        () => log.push("started"),
        () => log.push("ended"),
      );
    const answered = make();
    answered.next();
    answered.next();
    answered.next();
    const returned = make();
    returned.next();
    returned.return(undefined);
    const thrown = make();
    thrown.next();
    expect(() => thrown.throw(new Error("fault"))).toThrow("fault");
    make().return(undefined); // never started: no ended
    expect(log).toEqual(["started", "ended", "started", "ended", "started", "ended"]);
  });
});
