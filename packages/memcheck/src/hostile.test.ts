import { Fault } from "@rtos-sim/hw";
import { describe, expect, it, vi } from "vitest";
import type { FrameShape } from "./frames.js";
import { StateBit, Tag } from "./state.js";
import { SENSOR, setup } from "./test-setup.js";

/**
 * Input a task could shape reaching the checker's frame and copy primitives: each value is read
 * once, checked, and only the checked copy is used; bad input is a typed error that changes
 * nothing.
 */

/** Sensor's 512-byte stack (a heap block), SP at its top, and a 64-byte block `other` above it. */
function withStack() {
  const f = setup();
  f.user(SENSOR);
  const stack = f.heap.allocate(512)!;
  const other = f.heap.allocate(64)!;
  const top = stack + 512;
  f.checker.registerStack(SENSOR, stack, 512);
  f.checker.taskRunning(SENSOR);
  const snap = () => [f.checker.shadow.snapshot(stack, 512), f.checker.shadow.snapshot(other, 64)];
  return { f, stack, other, top, snap };
}

/** A 16-byte frame of function "g" whose only redzone is `zone`, frozen down to the list (the zone as given). */
function shapeWith(zone: object): FrameShape {
  return Object.freeze({
    function: "g",
    size: 16,
    locals: Object.freeze([]),
    redzones: Object.freeze([zone]) as FrameShape["redzones"],
  });
}

describe("frameEntered works from its own checked copy of the shape", () => {
  it("a frozen redzone list whose zone is changed after a first call: the change is checked, FRAME_RANGE, nothing poisoned", () => {
    const { f, other, top, snap } = withStack();
    const zone = { offset: 0, size: 8 };
    const shape = shapeWith(zone);
    const base = top - 16;
    f.checker.stackPointer(SENSOR, base);
    f.checker.frameEntered(SENSOR, base, shape);
    expect(f.checker.shadow.get(base)).toBe(Tag.StackRedzone);
    f.checker.stackPointer(SENSOR, top);
    f.checker.frameLeft(SENSOR, base);
    // The zone moved onto another block (the audit's E7): the list is frozen, the zone is not.
    zone.offset = other - base;
    zone.size = 64;
    f.checker.stackPointer(SENSOR, base);
    const before = snap();
    expect(() => f.checker.frameEntered(SENSOR, base, shape)).toThrow(expect.objectContaining({ code: "FRAME_RANGE" }));
    expect(snap()).toEqual(before);
    expect(f.checker.stacks.get(SENSOR)!.frames).toEqual([]);
  });

  it("a getter answering differently at each read is read once per call: the value checked is the value used", () => {
    const { f, other, top, snap } = withStack();
    const base = top - 16;
    let reads = 0;
    // Inside the frame at odd reads, on `other` at even ones.
    const zone = {
      get offset() {
        reads++;
        return reads % 2 === 1 ? 0 : other - base;
      },
      size: 8,
    };
    const shape = shapeWith(zone);
    const otherBefore = f.checker.shadow.snapshot(other, 64);
    f.checker.stackPointer(SENSOR, base);
    f.checker.frameEntered(SENSOR, base, shape); // read 1: offset 0
    expect(reads).toBe(1);
    expect([f.checker.shadow.get(base + 7), f.checker.shadow.get(base + 8) === Tag.StackRedzone]).toEqual([
      Tag.StackRedzone,
      false,
    ]);
    expect(f.checker.shadow.snapshot(other, 64)).toEqual(otherBefore);
    f.checker.stackPointer(SENSOR, top);
    f.checker.frameLeft(SENSOR, base);
    f.checker.stackPointer(SENSOR, base);
    const before = snap();
    expect(() => f.checker.frameEntered(SENSOR, base, shape)).toThrow(expect.objectContaining({ code: "FRAME_RANGE" })); // read 2
    expect(reads).toBe(2);
    expect(snap()).toEqual(before);
    expect(f.checker.shadow.snapshot(other, 64)).toEqual(otherBefore);
  });

  it("a shape frozen all through is copied once: later answers of its getters reach nothing", () => {
    const { f, other, top } = withStack();
    const base = top - 16;
    let reads = 0;
    const zone = Object.freeze({
      get offset() {
        reads++;
        return reads === 1 ? 0 : other - base;
      },
      size: 8,
    });
    const shape = shapeWith(zone);
    const otherBefore = f.checker.shadow.snapshot(other, 64);
    for (let i = 0; i < 3; i++) {
      f.checker.stackPointer(SENSOR, base);
      f.checker.frameEntered(SENSOR, base, shape);
      expect(f.checker.shadow.get(base)).toBe(Tag.StackRedzone);
      f.checker.stackPointer(SENSOR, top);
      f.checker.frameLeft(SENSOR, base);
    }
    expect(reads).toBe(1);
    expect(f.checker.shadow.snapshot(other, 64)).toEqual(otherBefore);
  });

  it("the frame record holds the copy, not the shape given", () => {
    const { f, top } = withStack();
    const base = top - 16;
    const zone = { offset: 0, size: 8 };
    const locals = [{ name: "x", offset: 8, size: 4 }];
    const shape = { function: "g", size: 16, locals, redzones: [zone] };
    f.checker.stackPointer(SENSOR, base);
    f.checker.frameEntered(SENSOR, base, shape);
    zone.size = 16;
    locals[0]!.name = "y";
    shape.size = 4096;
    const rec = f.checker.stacks.get(SENSOR)!.frames[0]!;
    expect(rec.shape).not.toBe(shape);
    expect(rec.shape).toEqual({
      function: "g",
      size: 16,
      locals: [{ name: "x", offset: 8, size: 4 }],
      redzones: [{ offset: 0, size: 8 }],
    });
    expect(Object.isFrozen(rec.shape) && Object.isFrozen(rec.shape.redzones[0])).toBe(true);
  });

  it.each<[string, (base: number) => unknown]>([
    ["a size that is a string", () => ({ function: "g", size: "16", locals: [], redzones: [] })],
    ["a fractional size", () => ({ function: "g", size: 15.5, locals: [], redzones: [] })],
    [
      "a function name that is not a string",
      () => ({ function: { toString: () => "g" }, size: 16, locals: [], redzones: [] }),
    ],
    [
      "redzones that are not an array",
      () => ({ function: "g", size: 16, locals: [], redzones: { length: 1, 0: { offset: 0, size: 8 } } }),
    ],
    [
      "a redzone offset that is NaN",
      () => ({ function: "g", size: 16, locals: [], redzones: [{ offset: Number.NaN, size: 8 }] }),
    ],
    [
      "a redzone offset with valueOf",
      () => ({ function: "g", size: 16, locals: [], redzones: [{ offset: { valueOf: () => 0 }, size: 8 }] }),
    ],
    ["a local without a name", () => ({ function: "g", size: 16, locals: [{ offset: 0, size: 4 }], redzones: [] })],
    ["null", () => null],
  ])("%s is FRAME_SHAPE and changes nothing", (_, make) => {
    const { f, top, snap } = withStack();
    const base = top - 16;
    f.checker.stackPointer(SENSOR, base);
    const before = snap();
    expect(() => f.checker.frameEntered(SENSOR, base, make(base) as FrameShape)).toThrow(
      expect.objectContaining({ code: "FRAME_SHAPE" }),
    );
    expect(snap()).toEqual(before);
    expect(f.checker.stacks.get(SENSOR)!.frames).toEqual([]);
  });
});

describe("checked copies read each operand once and check the source before any work per byte", () => {
  /** Two 16-byte blocks: `src` written (INI), `dst` not. */
  function withBlocks() {
    const f = setup({ onError: "stop" });
    f.user(SENSOR);
    const src = f.heap.allocate(16)!;
    const dst = f.heap.allocate(16)!;
    f.m.core.fill(src, 0x5a, 16);
    const snap = () => [
      f.m.bus.peek(src, 16),
      f.m.bus.peek(dst, 16),
      f.checker.shadow.snapshot(src, 16),
      f.checker.shadow.snapshot(dst, 16),
    ];
    return { f, src, dst, snap };
  }

  it.each(["memmove", "memcpy", "checkCopy"] as const)(
    "%s with an object for dst, src or length is COPY_RANGE, its valueOf never called, nothing changed",
    (op) => {
      const { f, src, dst, snap } = withBlocks();
      let calls = 0;
      const forged = (v: number) =>
        ({
          valueOf: () => {
            calls++;
            return v;
          },
        }) as unknown as number;
      const before = snap();
      for (const args of [
        [forged(dst), src, 4],
        [dst, forged(src), 4],
        [dst, src, forged(4)],
      ] as const) {
        expect(() => f.checker[op](args[0], args[1], args[2])).toThrow(expect.objectContaining({ code: "COPY_RANGE" }));
      }
      expect(calls).toBe(0);
      expect(snap()).toEqual(before);
      expect(f.checker.reports).toEqual([]);
    },
  );

  it.each<[string, number, number, number]>([
    ["a negative address", -16, 0, 4],
    ["an address of 2^32", 2 ** 32, 0, 4],
    ["a fractional address", 0.5, 0, 4],
    ["a length of 2^32", 0, 0, 2 ** 32],
    ["a NaN length", 0, 0, Number.NaN],
    ["an infinite length", 0, 0, Number.POSITIVE_INFINITY],
  ])("%s is COPY_RANGE", (_, d, s, n) => {
    const { f, src, dst, snap } = withBlocks();
    const before = snap();
    expect(() => f.checker.memmove(d === 0 ? dst : d, s === 0 ? src : s, n)).toThrow(
      expect.objectContaining({ code: "COPY_RANGE" }),
    );
    expect(snap()).toEqual(before);
  });

  it("a source the bus does not decode faults at its first byte before any shadow byte is read, however long the copy", () => {
    const { f, dst, snap } = withBlocks();
    const hole = 0x30000000;
    expect(f.m.bus.segmentFor(hole)).toBeUndefined();
    const before = snap();
    const get = vi.spyOn(f.checker.shadow, "get");
    const regionAt = vi.spyOn(f.checker.shadow, "regionAt");
    let thrown: unknown = null;
    try {
      f.checker.memmove(dst, hole, 0x01000000);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Fault);
    expect((thrown as Fault).faultAddress).toBe(hole);
    expect((thrown as Fault).cfsrNames).toEqual(["PRECISERR", "BFARVALID"]);
    expect([get.mock.calls.length, regionAt.mock.calls.length]).toEqual([0, 0]);
    f.m.core.clearFault();
    expect(snap()).toEqual(before);
  });

  it("a copy still carries each byte's INI state (checked operands, the order changed)", () => {
    const { f, src, dst } = withBlocks();
    const fresh = f.heap.allocate(16)!; // never written
    f.checker.memmove(dst, src, 8);
    f.checker.memmove(dst + 8, fresh, 8);
    const ini = Array.from({ length: 16 }, (_, i) => (f.checker.shadow.get(dst + i) & StateBit.I) !== 0);
    expect(ini).toEqual([...Array(8).fill(true), ...Array(8).fill(false)]);
    expect([...f.m.bus.peek(dst, 8)]).toEqual(Array(8).fill(0x5a));
    expect(f.checker.reports).toEqual([]);
  });
});
