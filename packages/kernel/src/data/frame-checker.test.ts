import { STM32F407 } from "@rtos-sim/hw";
import type { MemReport } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelOptions } from "../config.js";
import type { Kernel } from "../kernel.js";
import type { TaskContext } from "../task-context.js";
import { fn } from "./frames.js";
import { array, u8, u32 } from "./types.js";

/** Boots a kernel, runs one task "parser" with `body`, and gives back the kernel and its checker reports. */
function run(
  body: (t: TaskContext) => Generator<unknown, void, unknown>,
  options: Partial<KernelOptions> = { memcheck: true },
): { k: Kernel; reports: MemReport[] } {
  const k = bootKernel({ board: STM32F407, ...options });
  k.spawn({ name: "parser", stackSize: 1024, main: body });
  k.run({ ms: 5 });
  return { k, reports: [...(k.checker?.reports ?? [])] };
}

/** A packet parser's frame: a length, an 8-byte buffer, a checksum (a buffer between two scalars). */
const PARSE = fn("parse_packet", { locals: { len: u32, buf: array(u8, 8), crc: u32 } });

/** The base of the last parse_packet frame entered. */
let parseBase = 0;

/** Copies `n` bytes into the parser's buffer: `n` = 9 is the off-by-one. Returns true once it has returned. */
function parse(t: TaskContext, n: number): boolean {
  const f = t.enter(PARSE);
  parseBase = f.base;
  f.locals.crc = 0x1234;
  for (let i = 0; i < n; i++) f.locals.buf.set(i, 0xa0 + i);
  t.leave(f);
  return true;
}

/** A function returning a pointer to its own local (C's `char *make_name(void) { char name[16]; ...; return name; }`). */
const MAKE_NAME = fn("make_name", { locals: { name: array(u8, 16) } });
/** The fixed twin writes into the caller's buffer instead. */
const FILL_NAME = fn("fill_name", { saves: 1 });
const CALLER = fn("sensor_init", { locals: { name: array(u8, 16) } });

describe("frames with the checker on: redzones and returned frames", () => {
  it("stack-buffer-overflow: buf[8] of an 8-byte local; fixed: buf[0..7]", () => {
    let returned = false;
    const bug = run(function* (t) {
      returned = parse(t, 9);
      yield* t.yield();
    });
    // The write to buf[8] stopped the task (a write error, default policy) before the return.
    expect(returned).toBe(false);
    expect(bug.reports.map((r) => r.kind)).toEqual(["stack-buffer-overflow"]);
    const r = bug.reports[0]!;
    const layout = PARSE.layout(32);
    const buf = layout.locals.find((l) => l.name === "buf")!;
    const base = parseBase;
    expect(base).toBeGreaterThan(bug.k.task("parser")!.stack.base);
    expect(r).toMatchObject({ address: base + buf.offset + 8, size: 1, access: "write", taskName: "parser" });
    expect(r.frame).toMatchObject({
      function: "parse_packet",
      base,
      size: layout.size,
      taskName: "parser",
      state: "live",
      local: { name: "buf", offset: buf.offset, size: 8 },
      relation: "right",
      distance: 0,
    });
    expect(bug.k.faults.map((x) => [x.task, x.kind])).toEqual([["parser", "checker"]]);

    const fixed = run(function* (t) {
      returned = parse(t, 8);
      yield* t.yield();
    });
    expect(returned).toBe(true);
    expect(fixed.reports).toEqual([]);
    expect(fixed.k.faults).toEqual([]);
  });

  it("without the checker the same off-by-one is silent: buf[8] is the first byte of crc (plain C layout)", () => {
    let crc = 0;
    const r = run(
      function* (t) {
        const f = t.enter(PARSE);
        f.locals.crc = 0x1234;
        for (let i = 0; i < 9; i++) f.locals.buf.set(i, 0xa0 + i);
        crc = f.locals.crc;
        t.leave(f);
        yield* t.yield();
      },
      { memcheck: false },
    );
    expect(r.k.faults).toEqual([]);
    expect(PARSE.layout(0).locals).toEqual([
      { name: "len", offset: 0, size: 4 },
      { name: "buf", offset: 4, size: 8 },
      { name: "crc", offset: 12, size: 4 },
    ]);
    expect(crc).toBe(0x12a8);
  });

  it("stack-use-after-return: a read through the pointer make_name returned; fixed: the caller's buffer", () => {
    let p = 0;
    let base = 0;
    const bug = run(function* (t) {
      const f = t.enter(MAKE_NAME);
      base = f.base;
      t.writeString(f.locals.name.address, "imu0\0");
      p = f.locals.name.address;
      t.leave(f); // return name;
      t.read8(p); // the caller reads the name
      yield* t.yield();
    });
    expect(bug.reports.map((r) => r.kind)).toEqual(["stack-use-after-return"]);
    const r = bug.reports[0]!;
    expect(p).toBe(base + 32); // the first local sits above a 32-byte redzone
    expect(r).toMatchObject({ address: p, size: 1, access: "read", taskName: "parser" });
    expect(r.frame).toMatchObject({
      function: "make_name",
      base,
      state: "returned",
      local: { name: "name", offset: 32, size: 16 },
      relation: "inside",
      distance: 0,
    });
    expect(bug.k.faults).toEqual([]); // a read error is reported; the task goes on

    const fixed = run(function* (t) {
      const caller = t.enter(CALLER);
      const f = t.enter(FILL_NAME);
      t.writeString(caller.locals.name.address, "imu0\0");
      t.leave(f);
      t.read8(caller.locals.name.address);
      t.leave(caller);
      yield* t.yield();
    });
    expect(fixed.reports).toEqual([]);
    expect(fixed.k.faults).toEqual([]);
  });

  it("stackUseAfterReturn: false makes the same read a stack-below-sp; a new call over the frame reuses its bytes", () => {
    const off = run(
      function* (t) {
        const f = t.enter(MAKE_NAME);
        t.leave(f);
        t.read8(f.locals.name.address);
        yield* t.yield();
      },
      { memcheck: { stackUseAfterReturn: false } },
    );
    expect(off.reports.map((r) => [r.kind, r.frame])).toEqual([["stack-below-sp", null]]);

    const reused = run(function* (t) {
      const f = t.enter(MAKE_NAME);
      t.leave(f);
      const g = t.enter(MAKE_NAME); // the same bytes, a new frame
      g.locals.name.set(0, 1);
      t.read8(f.locals.name.address);
      t.leave(g);
      yield* t.yield();
    });
    expect(reused.reports).toEqual([]);
  });

  it("frame layouts: 32-byte redzones with the checker, memcheck.stackRedzone or frames.redzone to change it, none without", () => {
    const sizes: number[] = [];
    const opts: Partial<KernelOptions>[] = [
      { memcheck: false },
      { memcheck: true },
      { memcheck: { stackRedzone: 16 } },
      { memcheck: true, frames: { redzone: 8 } },
      { memcheck: { stackRedzone: 0 } },
    ];
    for (const o of opts) {
      const r = run(function* (t) {
        const f = t.enter(PARSE);
        sizes.push(f.layout.redzone, f.top - f.base);
        t.leave(f);
        yield* t.yield();
      }, o);
      expect(r.reports).toEqual([]);
    }
    expect(sizes).toEqual([0, 40, 32, 176, 16, 112, 8, 80, 0, 40]);
    expect(() => bootKernel({ board: STM32F407, memcheck: { stackRedzone: 12 } })).toThrow(/BAD_CONFIG/);
    expect(() => bootKernel({ board: STM32F407, memcheck: { stackRedzone: 32 }, frames: { redzone: 16 } })).toThrow(
      /BAD_CONFIG.*disagree|disagree/,
    );
    expect(() => bootKernel({ board: STM32F407, frames: { redzone: 4 } })).toThrow(/BAD_CONFIG/);
  });

  it("a frames.observer still sees every call and return, after the checker's hooks", () => {
    const log: string[] = [];
    const r = run(
      function* (t) {
        parse(t, 8);
        yield* t.yield();
      },
      {
        memcheck: true,
        frames: {
          observer: {
            enter: (task, f) => log.push(`enter ${task} ${f.fn.name} ${f.layout.redzone}`),
            leave: (task, f) => log.push(`leave ${task} ${f.fn.name}`),
          },
        },
      },
    );
    expect(r.reports).toEqual([]);
    expect(log).toEqual(["enter 1 parse_packet 32", "leave 1 parse_packet"]);
  });

  it("a call chain past the stack's base is a stack-overflow report, never a checker error about the frame", () => {
    const R = fn("recurse", { locals: { depth: u32, pad: array(u32, 11) } });
    const r = run(
      function* (t) {
        const call = (n: number): void => {
          const f = t.enter(R);
          f.locals.depth = n;
          call(n + 1);
          t.leave(f);
        };
        call(0);
        yield* t.yield();
      },
      { memcheck: { onError: "continue" } },
    );
    expect(r.reports[0]!.kind).toBe("stack-overflow");
    expect(r.k.faults.map((f) => f.kind)).toEqual(["stack-overflow"]); // the MPU guard
  });

  it("a stack overflow the checker stops is diagnosed stack-overflow as without it, its report as the detail", () => {
    const R = fn("recurse", { locals: { depth: u32, pad: array(u32, 11) } });
    const r = run(function* (t) {
      const call = (n: number): void => {
        const f = t.enter(R);
        f.locals.depth = n;
        call(n + 1);
        t.leave(f);
      };
      call(0);
      yield* t.yield();
    });
    const f = r.k.faults[0]!;
    expect(r.k.faults).toHaveLength(1);
    expect([f.kind, f.hw, f.checker?.kind, f.checker]).toEqual([
      "stack-overflow",
      undefined,
      "stack-overflow",
      r.reports[0],
    ]);
    expect(f.message).toMatch(/^stack overflow: stack pointer 0x[0-9a-f]{8} below the stack base \(memory checker\)$/);
    expect(f.dump).toContain("stack-overflow: stack overflow: stack pointer");
    expect(f.dump).toContain("Memory checker:");
  });
});
