import { describe, expect, expectTypeOf, it } from "vitest";
import readme from "../../README.md?raw";
import {
  type SyscallCall,
  type SyscallOf,
  type SyscallOp,
  type SyscallResults,
  sys,
  type TaskInfo,
} from "../syscalls.js";
import { TaskContext } from "../task-context.js";
import type { KernelSyscallOp, SyscallHandler } from "./context.js";
import { handlerFor, SCHEDULER_OPS, SYSCALL_HANDLERS, SYSCALL_OPS } from "./table.js";

/** The rows of the README's syscall table: op and the call's name (`t.semTake(...)` -> "semTake"). */
function readmeRows(): { op: string; call: string }[] {
  const section = readme.slice(readme.indexOf("## Syscalls"), readme.indexOf("## Faults and policies"));
  const rows: { op: string; call: string }[] = [];
  for (const line of section.split("\n")) {
    const m = /^\| `([a-z-]+)` +\| `t\.(\w+)\(/.exec(line);
    if (m) rows.push({ op: m[1]!, call: m[2]! });
  }
  return rows;
}

describe("the syscall table", () => {
  it("covers the op union: every op is the scheduler's or has a kernel handler, and nothing else", () => {
    expectTypeOf<(typeof SYSCALL_OPS)[number]>().toEqualTypeOf<SyscallOp>();
    expectTypeOf<keyof typeof SYSCALL_HANDLERS>().toEqualTypeOf<KernelSyscallOp>();
    expectTypeOf(SYSCALL_HANDLERS.malloc).toEqualTypeOf<SyscallHandler<"malloc">>();
    expect(new Set(SYSCALL_OPS).size).toBe(SYSCALL_OPS.length);
    for (const op of SYSCALL_OPS) {
      if (Object.hasOwn(SCHEDULER_OPS, op)) expect(handlerFor(op), op).toBeUndefined();
      else expect(typeof handlerFor(op), op).toBe("function");
    }
    for (const bogus of ["format-disk", "toString", "__proto__", "yield", "sleep"]) {
      expect(handlerFor(bogus), bogus).toBeUndefined();
    }
  });

  it("every op has one row in the kernel README's syscall table, naming its builder and helper", () => {
    const rows = readmeRows();
    expect(rows.map((r) => r.op).sort()).toEqual([...SYSCALL_OPS].sort());
    const ctx = new TaskContext(null as never, 1, "t", 0, 0, 0);
    for (const { op, call } of rows) {
      const args = op === "sleep" ? [{ ms: 1 }] : ["x", 0, 0];
      const build = (sys as Record<string, (...a: unknown[]) => { op: string }>)[call];
      expect(typeof build, `sys.${call}`).toBe("function");
      expect(build!(...args).op, `sys.${call}`).toBe(op);
      const helper = (ctx as unknown as Record<string, (...a: unknown[]) => Generator>)[call];
      expect(typeof helper, `t.${call}`).toBe("function");
      expect(helper!.apply(ctx, args).next().value, `t.${call}`).toMatchObject({ op });
    }
  });

  it("the helpers' results are typed per op", () => {
    const t = new TaskContext(null as never, 1, "t", 0, 0, 0);
    expectTypeOf(t.malloc(8)).toEqualTypeOf<SyscallCall<"malloc">>();
    expectTypeOf(t.malloc(8).next).returns.toEqualTypeOf<IteratorResult<SyscallOf<"malloc">, number>>();
    expectTypeOf(t.info().next).returns.toEqualTypeOf<IteratorResult<SyscallOf<"info">, TaskInfo>>();
    expectTypeOf<SyscallResults["sem-take"]>().toEqualTypeOf<0 | -1 | typeof import("@rtos-sim/sched").TIMEOUT>();
    expectTypeOf<SyscallResults["exit"]>().toBeNever();
    // A call driven by hand: the helper yields the request and returns what it is given.
    const g = t.malloc(32, 16, "buf");
    expect(g.next().value).toEqual({ op: "malloc", size: 32, align: 16, label: "buf" });
    expect(g.next(0x20001000)).toEqual({ done: true, value: 0x20001000 });
  });
});
