import { AccessKind, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { KernelError } from "../errors.js";
import type { Kernel } from "../kernel.js";
import type { TaskContext } from "../task-context.js";
import { struct } from "./struct.js";
import { array, f32, f64, i8, i16, i32, u8, u16, u32 } from "./types.js";

/**
 * The C declaration these views mirror, and what gcc makes of it (x86-64 System V and the
 * AAPCS of arm-none-eabi-gcc agree for these types: natural alignment, double 8-aligned,
 * little-endian):
 *
 *   struct Vec3 { float x, y, z; };
 *   struct S { uint8_t a; uint32_t b; int16_t c; double d; float e[3]; int8_t f;
 *              struct Vec3 v; uint16_t g; };
 *
 * sizeof 56, alignof 8; offsets a 0, b 4, c 8, d 16, e 24, f 36, v 40, g 52. With the values
 * below (padding zeroed by a memset) its bytes are GCC_BYTES.
 */
const Vec3 = struct("Vec3", { x: f32, y: f32, z: f32 });
const S = struct("S", { a: u8, b: u32, c: i16, d: f64, e: array(f32, 3), f: i8, v: Vec3, g: u16 });
const GCC_BYTES =
  "ab00000078563412feff000000000000000000000000f83f0000803f000080be5ed0324f9c0000000000003f00000040000080bfefbe0000";

/** Runs `body` as a task's code (its own checked accesses) on a fresh STM32F407 kernel. */
function inTask(body: (t: TaskContext, k: Kernel) => Generator<unknown, void, unknown>, memcheck = false): Kernel {
  const k = bootKernel({ board: STM32F407, memcheck, partitions: [{ name: "p", size: 1024 }] });
  k.spawn({ name: "t", partitions: { p: "rw" }, main: (t) => body(t, k) });
  k.run({ ms: 5 });
  return k;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("struct layout (C rules)", () => {
  it("places each field at its natural alignment and rounds the size to the struct's: gcc's offsets", () => {
    expect([S.size, S.align]).toEqual([56, 8]);
    expect(S.fields.map((f) => [f.name, f.offset])).toEqual([
      ["a", 0],
      ["b", 4],
      ["c", 8],
      ["d", 16],
      ["e", 24],
      ["f", 36],
      ["v", 40],
      ["g", 52],
    ]);
    expect([Vec3.size, Vec3.align, S.offsetOf("v")]).toEqual([12, 4, 40]);
    expect(struct("T", { a: u8, b: u16, c: u8 }).size).toBe(6);
    expect(struct("U", { a: array(i16, 3) }).size).toBe(6);
  });

  it("rejects bad declarations with BAD_LAYOUT, and a misaligned address with BAD_ARGUMENT", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof KernelError ? e.code : String(e);
      }
      return "no error";
    };
    expect(code(() => struct("X", {}))).toBe("BAD_LAYOUT");
    // Fields that are no object: null was a TypeError of Object.entries.
    for (const fields of [null, 5, "a", [u32]]) expect(code(() => struct("X", fields as never))).toBe("BAD_LAYOUT");
    expect(code(() => struct("X", { address: u32 }))).toBe("BAD_LAYOUT");
    expect(code(() => struct("X", { $m: u32 }))).toBe("BAD_LAYOUT");
    expect(code(() => struct("X", { "a-b": u32 }))).toBe("BAD_LAYOUT");
    expect(code(() => struct("X", { a: 4 as never }))).toBe("BAD_LAYOUT");
    expect(code(() => array(u8, 0))).toBe("BAD_LAYOUT");
    expect(code(() => array(u8, 1.5))).toBe("BAD_LAYOUT");
    expect(code(() => S.at(null as never, 0x20000004))).toBe("BAD_ARGUMENT");
    expect(code(() => S.at(null as never, -8))).toBe("BAD_ARGUMENT");
    // An address is shown in hex, as every fault report shows one; a non-address as itself.
    expect(() => S.at(null as never, 0x1000101a)).toThrow(
      `${S.name}.at: address must be a 32-bit integer aligned to ${S.align}, got 0x1000101A`,
    );
    expect(() => S.at(null as never, 1.5)).toThrow(`got 1.5`);
    expect(code(() => S.offsetOf("zz" as never))).toBe("BAD_LAYOUT");
  });
});

describe("struct views in simulated memory", () => {
  it("write the exact bytes gcc's layout holds, and read them back", () => {
    let back: unknown[] = [];
    let at = 0;
    const k = inTask(function* (t) {
      at = yield* t.malloc(S.size, S.align);
      t.fill(at, 0, S.size);
      const s = S.at(t, at);
      s.a = 0xab;
      s.b = 0x12345678;
      s.c = -2;
      s.d = 1.5;
      s.e.set(0, 1);
      s.e.set(1, -0.25);
      s.e.set(2, 3e9);
      s.f = -100;
      const v = s.v;
      v.x = 0.5;
      v.y = 2;
      v.z = -1;
      s.g = 0xbeef;
      back = [s.a, s.b, s.c, s.d, s.e.get(0), s.e.get(1), s.e.get(2), s.f, s.v.x, s.v.y, s.v.z, s.g, s.e.length];
    });
    expect(k.faults).toEqual([]);
    expect(hex(k.machine.bus.peek(at, S.size))).toBe(GCC_BYTES);
    expect(back).toEqual([0xab, 0x12345678, -2, 1.5, 1, -0.25, 3e9, -100, 0.5, 2, -1, 0xbeef, 3]);
  });

  it("signed and unsigned fields wrap as C stores them; f32 rounds to single precision", () => {
    const R = struct("R", { a: u8, b: i8, c: u16, d: i16, e: u32, f: i32, g: f32 });
    let back: number[] = [];
    inTask(function* (t, k) {
      const r = R.at(t, k.partitions.get("p")!.base);
      r.a = 0x1ff;
      r.b = 200;
      r.c = -1;
      r.d = 0x8000;
      r.e = -1;
      r.f = 0xffffffff;
      r.g = 0.1;
      back = [r.a, r.b, r.c, r.d, r.e, r.f, r.g];
      yield* t.yield();
    });
    expect(back).toEqual([0xff, -56, 0xffff, -32768, 0xffffffff, -1, Math.fround(0.1)]);
  });

  it("every field access is one checked access by the task (an f64 two word accesses)", () => {
    const seen: string[] = [];
    const P = struct("P", { kp: f32, n: u16, d: f64 });
    inTask(function* (t, k) {
      const p = P.at(t, k.partitions.get("p")!.base);
      k.machine.core.hook = {
        onAccess(address, size, kind, privileged) {
          seen.push(`${kind === AccessKind.Write ? "W" : "R"}${size}@${address & 0xff}${privileged ? "p" : "u"}`);
        },
      };
      p.kp = 0.5;
      p.n += 1;
      p.d = p.kp;
      k.machine.core.hook = null;
      yield* t.yield();
    });
    expect(seen).toEqual(["W4@0u", "R2@4u", "W2@4u", "R4@0u", "W4@8u", "W4@12u"]);
  });

  it("a view of memory the task was not granted faults like any access of its own (MemManage)", () => {
    const k = inTask(function* (t, k) {
      const s = S.at(t, k.kernelBlock.base);
      s.b = 1;
      yield* t.yield();
    });
    expect(k.faults[0]!.kind).toBe("memmanage");
    expect(k.faults[0]!.hw!.faultAddress).toBe(k.kernelBlock.base + 4);
  });

  it("arrays of structs give element views; scalar arrays of every kind get and set", () => {
    const Biquad = struct("Biquad", { b: array(f32, 3), a: array(f32, 2), z: array(f64, 2) });
    const Bank = struct("Bank", { f: array(Biquad, 4), raw: array(i16, 6), bytes: array(i8, 3), w: array(u32, 2) });
    let back: number[] = [];
    inTask(function* (t, k) {
      const bank = Bank.at(t, k.partitions.get("p")!.base);
      const q = bank.f.at(2);
      q.z.set(1, -3.25);
      bank.raw.set(5, -7);
      bank.bytes.set(2, 255);
      bank.w.set(1, -2);
      back = [
        bank.f.at(2).z.get(1),
        bank.raw.get(5),
        bank.bytes.get(2),
        bank.w.get(1),
        bank.f.length,
        q.address - bank.address,
      ];
      yield* t.yield();
    });
    expect([Biquad.size, Biquad.align, Bank.size, Bank.offsetOf("raw")]).toEqual([40, 8, 184, 160]);
    expect(back).toEqual([-3.25, -7, -1, 0xfffffffe, 4, 80]);
  });

  it("a nested view is made once per struct view: reading a field again gives the same object", () => {
    let same: boolean[] = [];
    let values: number[] = [];
    inTask(function* (t, k) {
      const base = k.partitions.get("p")!.base;
      const s = S.at(t, base);
      const other = S.at(t, base + 64);
      s.e.set(1, 2.5);
      s.v.y = -4;
      other.e.set(1, 7);
      const [e1, e2, v1, v2] = [s.e, s.e, s.v, s.v];
      same = [e1 === e2, v1 === v2, e1 !== other.e];
      // Each view still reads its own bytes: the kept views are per struct view, not per type.
      values = [s.e.get(1), s.v.y, other.e.get(1), s.e.address - base, other.v.address - base];
      yield* t.yield();
    });
    expect(same).toEqual([true, true, true]);
    expect(values).toEqual([2.5, -4, 7, 24, 64 + 40]);
  });

  it("an index past the end reads the bytes after the array, as in C (the checker or the MPU decide)", () => {
    const A = struct("A", { small: array(u32, 2), next: u32 });
    let read = 0;
    inTask(function* (t, k) {
      const a = A.at(t, k.partitions.get("p")!.base);
      a.next = 77;
      read = a.small.get(2);
      yield* t.yield();
    });
    expect(read).toBe(77);
  });
});
