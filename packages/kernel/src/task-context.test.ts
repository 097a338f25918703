import { Cfsr, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { fn } from "./data/frames.js";
import { u32 } from "./data/types.js";
import { KernelError } from "./errors.js";
import * as api from "./index.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import { GUARD_BYTES } from "./task-record.js";
import { bootTest } from "./test-kit.js";

/** Names of privileged handles the public surface of a task's context must not have (kernel README, "Trust model"). */
const PRIVILEGED = ["core", "onStackPointer", "libc", "callSites", "lastCall", "resetFpu", "call", "control", "calls"];

/** Every property name reachable on `o`: own and inherited, enumerable or not, up to Object.prototype. */
function allNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) names.add(String(k));
  }
  return [...names];
}

/** Runs `act` in task "t" (then a yield) for 3 ms, with the checker, and returns the kernel. */
function runTask(act: (t: TaskContext) => void): Kernel {
  const k = bootTest({ memcheck: true });
  k.spawn({
    name: "t",
    *main(t) {
      act(t);
      yield* t.yield();
    },
  });
  k.run({ ms: 3 });
  return k;
}

describe("the surface of TaskContext handed to task code", () => {
  it("own enumerable properties are the task's identity and stack bounds only", () => {
    let keys: string[] = [];
    runTask((t) => {
      keys = Object.keys(t);
    });
    expect(keys).toEqual(["id", "name", "stackBase", "stackTop"]);
  });

  it("no property by any privileged name, own or inherited, enumerable or not", () => {
    let names: string[] = [];
    let found: string[] = [];
    runTask((t) => {
      names = allNames(t);
      found = PRIVILEGED.filter((n) => n in t);
    });
    expect(found).toEqual([]);
    expect(names.filter((n) => PRIVILEGED.includes(n))).toEqual([]);
    // The public API is all there.
    for (const n of ["read32", "write32", "push", "pop", "setSp", "enter", "leave", "memcpy", "malloc", "sp", "pc"]) {
      expect(names).toContain(n);
    }
  });

  it("sp is read-only: assigning it throws a TypeError and leaves SP where it was", () => {
    const seen: unknown[] = [];
    runTask((t) => {
      const before = t.sp;
      try {
        (t as { sp: number }).sp = 0x20000000;
      } catch (e) {
        seen.push((e as Error).constructor.name);
      }
      seen.push(t.sp === before, before === t.stackTop);
    });
    expect(seen).toEqual(["TypeError", true, true]);
  });

  it("a task that overwrites onStackPointer and libc blinds nothing: the checker still tracks SP and checks copies", () => {
    const reports = (tamper: boolean, act: (t: TaskContext) => void) => {
      const k = runTask((t) => {
        if (tamper) {
          const loose = t as unknown as Record<string, unknown>;
          // The context is frozen: no own property can stand in for what the kernel reads.
          expect(() => {
            loose.onStackPointer = null;
          }).toThrow(TypeError);
          expect(() => {
            loose.libc = { memcpy: (d: number) => d };
          }).toThrow(TypeError);
          expect(() => Object.defineProperty(t, "sp", { get: () => 0 })).toThrow(TypeError);
        }
        act(t);
      });
      return k.checker!.reports.map((r) => `${r.kind} 0x${r.address.toString(16)}`);
    };
    const belowSp = (t: TaskContext) => {
      const p = t.push(64);
      t.write32(p, 1);
      t.pop(64);
      t.read32(p); // below SP: only the stack pointer hook tells the checker
    };
    const overlap = (t: TaskContext) => {
      const p = t.push(64);
      t.fill(p, 0, 64);
      t.memcpy(p + 8, p, 32); // only the checker's libc reports it
    };
    const sp = reports(false, belowSp);
    expect(sp).toHaveLength(1);
    expect(sp[0]).toMatch(/^stack-below-sp 0x/);
    expect(reports(true, belowSp)).toEqual(sp);
    const copy = reports(false, overlap);
    expect(copy).toHaveLength(1);
    expect(copy[0]).toMatch(/^overlapping-copy 0x/);
    expect(reports(true, overlap)).toEqual(copy);
  });

  it("a frame's locals view reads and writes through the task's context, not through a host that sets SP", () => {
    const STEP = fn("step", { locals: { i: u32 } });
    const seen: unknown[] = [];
    runTask((t) => {
      const f = t.enter(STEP);
      const memory = (f.locals as unknown as { $m: unknown }).$m;
      seen.push(memory === t, Object.keys(f.locals as object).includes("sp"));
      t.leave(f);
    });
    expect(seen).toEqual([true, false]);
  });

  it("the kernel's accessor is not exported from the package index", () => {
    // Only the CONTROL register's values a TCB holds (TcbField.CONTROL), no accessor.
    expect(Object.keys(api).filter((n) => /control/i.test(n))).toEqual(["CONTROL_PRIVILEGED", "CONTROL_UNPRIVILEGED"]);
  });
});

describe("TaskContext.push and pop", () => {
  it("a size that is not an integer in [0, 2^32) is BAD_ARGUMENT with SP unchanged (NaN moved SP to 0, -8 up, 2^40 nowhere)", () => {
    const k = bootTest();
    const seen: [string, unknown, number, number][] = [];
    k.spawn({
      name: "t",
      *main(t) {
        for (const op of ["push", "pop"] as const) {
          for (const size of [Number.NaN, -8, 1.5, 2 ** 40, Number.POSITIVE_INFINITY, "8"]) {
            const before = t.sp;
            try {
              t[op](size as never);
              seen.push([op, size, before, t.sp]);
            } catch (e) {
              expect(e).toBeInstanceOf(KernelError);
              expect(e).toMatchObject({ code: "BAD_ARGUMENT", context: { op, field: "size" } });
              seen.push([op, size, before, t.sp]);
            }
          }
        }
        yield* t.yield();
      },
    });
    const task = k.task("t")!;
    k.run({ ms: 2 });
    expect(k.faults).toEqual([]);
    expect(seen).toHaveLength(12);
    for (const [, , before, after] of seen) expect([before, after]).toEqual([task.stack.top, task.stack.top]);
  });
});

describe("TaskContext.setSp (MOV sp, rN)", () => {
  it("tells the checker: memory between the old and the new SP reads as below SP", () => {
    const k = runTask((t) => {
      const p = t.push(64);
      t.write32(p, 7);
      t.setSp(t.sp + 64);
      t.read32(p);
    });
    expect(k.checker!.reports.map((r) => r.kind)).toEqual(["stack-below-sp"]);
  });

  it("ignores SP bits [1:0], which M-profile hardwires to zero", () => {
    const sps: number[] = [];
    runTask((t) => {
      const top = t.sp;
      t.setSp(top - 13);
      sps.push(top - t.sp);
      t.setSp(top + 3);
      sps.push(t.sp - top);
    });
    expect(sps).toEqual([16, 0]);
  });

  it("ARMv8-M: below PSPLIM is UsageFault STKOF with SP unchanged", () => {
    const k = bootTest({}, STM32U585);
    const sps: number[] = [];
    const t = k.spawn({
      name: "low",
      *main(t) {
        sps.push(t.sp);
        try {
          t.setSp(t.stackBase + GUARD_BYTES - 8);
        } finally {
          sps.push(t.sp);
        }
        yield* t.yield();
      },
    });
    k.run({ ms: 2 });
    expect(k.faults.map((f) => [f.task, f.hw?.cfsr])).toEqual([["low", Cfsr.STKOF]]);
    expect(sps).toEqual([t.stack.top, t.stack.top]);
  });
});

describe("TaskProgram: explicit return types for task code", () => {
  function* readWord(t: TaskContext, at: number): api.TaskProgram<number> {
    yield* t.yield();
    return t.read32(at);
  }
  function* program(t: TaskContext, out: number[]): api.TaskProgram {
    const p = yield* t.malloc(4);
    if (p === 0) return;
    t.write32(p, 0x1234_5678);
    out.push(yield* readWord(t, p));
  }
  function* wrong(): api.TaskProgram {
    // @ts-expect-error only syscall requests may be yielded
    yield 5;
  }

  it("annotated helpers and mains, with and without a result, run as tasks", () => {
    const out: number[] = [];
    const k = bootTest();
    const main: api.TaskMain = (t) => program(t, out);
    k.spawn({ name: "t", main });
    k.run({ ms: 3 });
    expect(out).toEqual([0x1234_5678]);
    expect(typeof wrong).toBe("function");
  });
});
