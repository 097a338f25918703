import { Cfsr, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelOptions } from "../config.js";
import { KernelError } from "../errors.js";
import type { Kernel } from "../kernel.js";
import type { TaskContext } from "../task-context.js";
import { GUARD_BYTES } from "../task-record.js";
import type { Frame } from "./call-stack.js";
import { CALL_CYCLES, localAddress, RETURN_CYCLES } from "./call-stack.js";
import { type FunctionType, fn } from "./frames.js";
import { layoutFields } from "./struct.js";
import { array, type FieldType, f32, f64, u8, u16, u32 } from "./types.js";

const words = (b: Uint8Array) => Array.from(new Uint32Array(b.buffer, b.byteOffset, b.length / 4));

function inTask(
  body: (t: TaskContext, k: Kernel) => Generator<unknown, void, unknown>,
  options: Partial<KernelOptions> = {},
): Kernel {
  const k = bootKernel({ board: STM32F407, ...options });
  k.spawn({ name: "t", stackSize: 1024, main: (t) => body(t, k) });
  k.run({ ms: 5 });
  return k;
}

/** A function with a 4-byte, an 8-byte and a 5-byte local and the default `push {r4-r7, lr}`. */
const F = fn("f", { locals: { i: u32, acc: f64, buf: array(u8, 5) } });

describe("frame layouts", () => {
  it("C layout of the locals from the base, the saved registers at the top, the size a multiple of 8", () => {
    // locals: i 0, acc 8, buf 16..21; saves 5 words (20 bytes): size align8(21 + 20) = 48
    expect(F.layout(0)).toEqual({
      function: "f",
      size: 48,
      savedOffset: 28,
      savedWords: 5,
      locals: [
        { name: "i", offset: 0, size: 4 },
        { name: "acc", offset: 8, size: 8 },
        { name: "buf", offset: 16, size: 5 },
      ],
      redzones: [],
      redzone: 0,
    });
    expect(fn("leaf", { saves: 1 }).layout(0)).toMatchObject({ size: 8, savedOffset: 4, locals: [] });
  });

  it("with a redzone each local is 8-aligned and fenced below and above (the checker's layout)", () => {
    const l = F.layout(16);
    expect(l.locals).toEqual([
      { name: "i", offset: 16, size: 4 },
      { name: "acc", offset: 40, size: 8 },
      { name: "buf", offset: 64, size: 5 },
    ]);
    expect(l.redzones).toEqual([
      { offset: 0, size: 16 },
      { offset: 20, size: 20 },
      { offset: 48, size: 16 },
      { offset: 69, size: 23 },
    ]);
    expect([l.size, l.savedOffset]).toEqual([112, 92]);
    expect(() => F.layout(12)).toThrow(/BAD_LAYOUT/);
    expect(() => fn("x", { saves: 10 })).toThrow(/BAD_LAYOUT/);
    expect(() => fn("x", { locals: { address: u32 } })).toThrow(/BAD_LAYOUT/);
  });

  it("options or locals that are not objects, or an option FunctionOptions lacks, are BAD_LAYOUT (a TypeError, or dropped in silence, before)", () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof KernelError ? [e.code, e.context] : String(e);
      }
      return "no error";
    };
    expect(error(() => fn("x", null as never))).toEqual(["BAD_LAYOUT", { function: "x" }]);
    expect(error(() => fn("x", { save: 9 } as never))).toEqual(["BAD_LAYOUT", { function: "x", field: "save" }]);
    expect(error(() => fn("x", { Saves: 9 } as never))).toEqual(["BAD_LAYOUT", { function: "x", field: "Saves" }]);
    expect(() => fn("x", { Saves: 9 } as never)).toThrow(/Saves is not a function option \(did you mean saves\?\)/);
    expect(error(() => fn("x", { redzone: 8 } as never))).toEqual(["BAD_LAYOUT", { function: "x", field: "redzone" }]);
    for (const locals of [5, "i", [u32]]) {
      expect(error(() => fn("x", { locals: locals as never }))).toEqual([
        "BAD_LAYOUT",
        { function: "x", field: "locals" },
      ]);
    }
    expect(fn("x", { locals: undefined, saves: undefined }).saves).toBe(5);
  });
});

describe("frame layouts with the checker's 32-byte redzones (its default)", () => {
  it("exact offsets: a 32-byte redzone below each local and at least 32 above, then the saved registers", () => {
    const P = fn("parse_packet", { locals: { len: u32, buf: array(u8, 8), crc: u32 } });
    expect(P.layout(32)).toEqual({
      function: "parse_packet",
      size: 176,
      savedOffset: 156,
      savedWords: 5,
      locals: [
        { name: "len", offset: 32, size: 4 },
        { name: "buf", offset: 72, size: 8 },
        { name: "crc", offset: 112, size: 4 },
      ],
      redzones: [
        { offset: 0, size: 32 },
        { offset: 36, size: 36 },
        { offset: 80, size: 32 },
        { offset: 116, size: 40 },
      ],
      redzone: 32,
    });
    // No locals: no redzones, the frame is the saved registers alone, whatever the redzone.
    expect(fn("leaf", { saves: 3 }).layout(32)).toMatchObject({ size: 16, savedOffset: 4, redzones: [] });
  });

  const TYPES: FieldType[] = [u8, u16, u32, f32, f64, array(u8, 3), array(u8, 17), array(f32, 5), array(f64, 2)];
  const localsArb = fc
    .array(fc.constantFrom(...TYPES.keys()), { minLength: 0, maxLength: 6 })
    .map((ts) => Object.fromEntries(ts.map((t, i) => [`v${i}`, TYPES[t]!])));

  it("property: without a redzone the C layout; with one, locals, redzones and saved registers tile the frame, each local fenced", () => {
    fc.assert(
      fc.property(localsArb, fc.integer({ min: 1, max: 9 }), fc.constantFrom(8, 16, 32, 64), (locals, saves, rz) => {
        const F = fn("p", { locals, saves });
        const plain = F.layout(0);
        const c = Object.keys(locals).length > 0 ? layoutFields("p", locals).fields : [];
        expect(plain.locals).toEqual(c.map((f) => ({ name: f.name, offset: f.offset, size: f.type.size })));
        expect(plain.redzones).toEqual([]);
        const l = F.layout(rz);
        if (c.length === 0) {
          expect({ ...l, redzone: 0 }).toEqual(plain); // nothing to fence: the plain frame
          return;
        }
        expect(l.size % 8).toBe(0);
        expect(l.savedOffset).toBe(l.size - 4 * saves);
        expect(l.locals.map((x) => [x.name, x.size])).toEqual(plain.locals.map((x) => [x.name, x.size]));
        const pieces = [
          ...l.locals.map((x) => ({ offset: x.offset, size: x.size, what: "local" })),
          ...l.redzones.map((x) => ({ offset: x.offset, size: x.size, what: "redzone" })),
          { offset: l.savedOffset, size: l.size - l.savedOffset, what: "saved" },
        ].sort((a, b) => a.offset - b.offset);
        let at = 0;
        for (const p of pieces) {
          expect(p.offset).toBe(at); // no gap, no overlap
          expect(p.size).toBeGreaterThan(0);
          at = p.offset + p.size;
        }
        expect(at).toBe(l.size);
        for (let i = 0; i < pieces.length; i++) {
          if (pieces[i]!.what !== "local") continue;
          expect(pieces[i]!.offset % 8).toBe(0);
          expect(pieces[i - 1]!.what).toBe("redzone");
          expect(pieces[i - 1]!.size).toBeGreaterThanOrEqual(rz);
          expect(pieces[i + 1]!.what).toBe("redzone");
          expect(pieces[i + 1]!.size).toBeGreaterThanOrEqual(rz);
        }
      }),
      { seed: 0x5eed9 },
    );
  });
});

describe("localAddress: C's &local", () => {
  it("is the local's address in the frame (plain layout and with the checker's redzones); an unknown name is BAD_ARGUMENT", () => {
    const seen: number[][] = [];
    let error: unknown = null;
    const body = function* (t: TaskContext) {
      const f = t.enter(F);
      seen.push([f.base, localAddress(f, "i"), localAddress(f, "acc"), localAddress(f, "buf"), f.locals.buf.address]);
      try {
        localAddress(f, "nope" as never);
      } catch (e) {
        error = e;
      }
      t.leave(f);
      yield* t.yield();
    };
    inTask(body);
    inTask(body, { memcheck: true });
    const [plain, zoned] = seen as [number[], number[]];
    // plain C order: i at +0, acc at +8, buf at +16 (its view's address too)
    expect(plain.slice(1).map((a) => a - plain[0]!)).toEqual([0, 8, 16, 16]);
    // 32-byte redzones below, between and above the locals
    expect(zoned.slice(1).map((a) => a - zoned[0]!)).toEqual([32, 72, 112, 112]);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).message).toBe('BAD_ARGUMENT: f has no local "nope"');
  });
});

describe("calls on a task's stack", () => {
  it("enter stores the saved registers (LR = a return address in the task's code) and moves SP; leave undoes it", () => {
    const seen: number[] = [];
    let frame: Pick<Frame, "base" | "returnAddress"> | null = null;
    let code = 0;
    let top = 0;
    let memory: number[] = [];
    const k = inTask(function* (t, k) {
      code = k.task("t")!.code;
      top = t.sp;
      const c0 = k.machine.core.cycles;
      const f = t.enter(F);
      frame = f;
      seen.push(t.sp, f.locals.address, t.callDepth);
      f.locals.i = 7;
      f.locals.acc = 2.5;
      f.locals.buf.set(4, 9);
      const c1 = k.machine.core.cycles;
      memory = words(k.machine.bus.peek(f.base, 48)); // as a debugger sees the frame
      t.leave(f);
      const c2 = k.machine.core.cycles;
      seen.push(t.sp, t.callDepth, c1 - c0, c2 - c1);
      yield* t.yield();
    });
    expect(k.faults).toEqual([]);
    const f = frame as unknown as Pick<Frame, "base" | "returnAddress">;
    expect(f.base).toBe(top - 48);
    expect(f.returnAddress).toBe((code + 4 * (1 + F.id)) | 1);
    expect(seen.slice(0, 3)).toEqual([top - 48, top - 48, 1]);
    // i = 7, acc = 2.5 (0x4004000000000000), buf[4] = 9 (byte 20), padding, then r4-r7 and LR
    expect(memory).toEqual([7, 0, 0, 0x40040000, 0, 9, 0, 0, 0, 0, 0, f.returnAddress]);
    // CCM: 1 cycle per access. enter: 5 stores + 5; the 4 local stores (an f64 is 2); leave: 5 loads + 4
    expect(seen.slice(3)).toEqual([top, 0, 5 + CALL_CYCLES + 1 + 4, 5 + RETURN_CYCLES + 1]);
  });

  /** A task that calls `R` from inside `R` until it faults; the depth of the last call that set its local. */
  function recurse(R: FunctionType<{ readonly depth: typeof u32; readonly pad: ReturnType<typeof array> }>) {
    let reached = -1;
    const k = inTask(function* (t) {
      const call = (n: number): void => {
        const f = t.enter(R);
        f.locals.depth = n;
        reached = n;
        call(n + 1);
        t.leave(f);
      };
      call(0);
      yield* t.yield();
    });
    return { k, reached };
  }

  it("a deep call chain reaches the stack guard at the documented frame: the 14th 72-byte frame's first local", () => {
    // 48 bytes of locals + push {r4-r7, lr}: 72-byte frames. Call n (0-based) has its base at
    // top - 72 (n + 1) and stores its locals' first word there: call 13's base is top - 1008 =
    // stack base + 16, inside the 32-byte guard. Its prologue (at base + 52) was still above it.
    const R = fn("recurse", { locals: { depth: u32, pad: array(u32, 11) } });
    const { k, reached } = recurse(R);
    const task = k.task("t")!;
    expect(R.layout(0).size).toBe(72);
    expect(reached).toBe(12);
    const f = k.faults[0]!;
    expect(f.kind).toBe("stack-overflow");
    expect(f.hw!.cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID);
    expect(f.hw!.faultAddress).toBe(task.stack.top - 72 * 14);
    expect(f.hw!.faultAddress).toBe(task.stack.base + 16);
    expect(f.hw!.faultAddress! - task.stack.base).toBeLessThan(GUARD_BYTES);
  });

  it("a frame larger than the guard jumps over it: the first local store below the stack faults, kind stack-overflow", () => {
    // 80-byte frames (60 bytes of locals + push {r4-r7, lr}): call 12's base is top - 1040 =
    // stack base - 16, below the 32-byte guard; its prologue (at base + 60) stored above the guard's
    // top. The first local store lands below the stack block, outside the task's regions.
    const R = fn("big", { locals: { depth: u32, pad: array(u32, 14) } });
    const { k, reached } = recurse(R);
    const task = k.task("t")!;
    expect(R.layout(0).size).toBe(80);
    expect(reached).toBe(11);
    const f = k.faults[0]!;
    expect(f.hw!.cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID);
    expect(f.hw!.faultAddress).toBe(task.stack.top - 80 * 13);
    expect(f.hw!.faultAddress).toBe(task.stack.base - 16);
    expect(f.kind).toBe("stack-overflow"); // was memmanage: the access is not in the guard
    expect(f.message).toBe(
      "stack overflow: SP 0x100003f0 is below the stack guard [0x10000400, 0x10000420) (a frame larger than the guard jumped over it); access at 0x100003f0",
    );
  });

  it("a buffer overflow that smashes the saved return address with a stack address faults at the return (IACCVIOL: XN)", () => {
    const G = fn("g", { locals: { buf: array(u8, 8) } });
    const k = inTask(function* (t) {
      const f = t.enter(G);
      // past buf[7]: the padding word, then r4-r7 and LR (the frame's top word) get an address in the stack
      for (let a = f.locals.address + 8; a < f.top; a += 4) t.write32(a, f.base);
      t.leave(f);
      yield* t.yield();
    });
    const f = k.faults[0]!;
    expect(f.kind).toBe("memmanage");
    expect(f.hw!.cfsrNames).toEqual(["IACCVIOL"]);
    expect(f.hw!.access.kind).toBe("fetch");
  });

  it("a return address changed to other code is CALL_FRAME (the simulation cannot follow it); so is leaving out of order", () => {
    const G = fn("g2", { saves: 1 });
    const k1 = inTask(function* (t, k) {
      const f = t.enter(G);
      t.write32(f.top - 4, (k.task("t")!.code + 0x40) | 1); // LR: the frame's top word
      t.leave(f);
      yield* t.yield();
    });
    expect(k1.faults[0]!.kind).toBe("uncaught");
    expect(k1.faults[0]!.message).toMatch(/CALL_FRAME: return from g2: the saved return address .* was overwritten/);
    const k2 = inTask(function* (t) {
      const outer = t.enter(G);
      t.enter(F);
      t.leave(outer);
      yield* t.yield();
    });
    expect(k2.faults[0]!.message).toMatch(/CALL_FRAME: leave\(g2\): the innermost call is f/);
  });

  it("leave with no call in progress is CALL_FRAME, whatever is passed (undefined too): never a TypeError", () => {
    const sps: number[] = [];
    const k = inTask(function* (t) {
      sps.push(t.sp);
      try {
        t.leave(undefined as never);
      } catch (e) {
        sps.push(t.sp, t.callDepth);
        throw e;
      }
      yield* t.yield();
    });
    const task = k.task("t")!;
    expect(k.faults.map((f) => [f.kind, f.message])).toEqual([
      ["uncaught", "CALL_FRAME: leave(?): the innermost call is none; frames are left innermost first"],
    ]);
    expect(sps).toEqual([task.stack.top, task.stack.top, 0]); // SP not moved, no frame popped
  });

  it("an observer (the memory checker's hook) sees every call and return with the frame's layout", () => {
    const log: string[] = [];
    const k = inTask(
      function* (t) {
        const f = t.enter(F);
        t.leave(f);
        yield* t.yield();
      },
      {
        frames: {
          redzone: 16,
          observer: {
            enter: (task, f) => log.push(`enter ${task} ${f.fn.name} ${f.layout.size} ${f.layout.redzones.length}`),
            leave: (task, f) => log.push(`leave ${task} ${f.fn.name} ${f.top - f.base}`),
          },
        },
      },
    );
    expect(k.faults).toEqual([]);
    expect(log).toEqual(["enter 1 f 112 4", "leave 1 f 112"]);
    expect(() => bootKernel({ board: STM32F407, frames: { redzone: 4 } })).toThrow(/BAD_CONFIG/);
  });
});
