import { describe, expect, it } from "vitest";
import type { CheckerOptions } from "./options.js";
import { formatReport } from "./report.js";
import { StateBit, Tag } from "./state.js";
import { LOGGER, SENSOR, setup } from "./test-setup.js";

/**
 * The frame the kernel lays out for `fn("f", { locals: { i: u32, acc: f64, buf: array(u8, 5) } })`
 * with 16-byte redzones (packages/kernel/src/data/frames.test.ts): 112 bytes, the saved
 * registers at 92.
 */
const F = {
  function: "f",
  size: 112,
  locals: [
    { name: "i", offset: 16, size: 4 },
    { name: "acc", offset: 40, size: 8 },
    { name: "buf", offset: 64, size: 5 },
  ],
  redzones: [
    { offset: 0, size: 16 },
    { offset: 20, size: 20 },
    { offset: 48, size: 16 },
    { offset: 69, size: 23 },
  ],
};

/** Sensor's 512-byte stack (a heap block) with F entered at its top: the fixture and the frame's base. */
function withFrame(options: CheckerOptions = {}) {
  const f = setup(options);
  f.user(SENSOR);
  const stack = f.heap.allocate(512)!;
  const top = stack + 512;
  f.checker.registerStack(SENSOR, stack, 512);
  f.checker.taskRunning(SENSOR);
  const base = top - F.size;
  f.checker.stackPointer(SENSOR, base); // push {r4-r7, lr}; sub sp, #92
  f.checker.frameEntered(SENSOR, base, F);
  return { f, stack, top, base };
}

describe("call frames on a task stack", () => {
  it("invalid-free: free of a local's address names the stack, the frame and the local (ASan's bad-free); fixed: nothing freed", () => {
    const { f, base } = withFrame();
    expect(f.checker.checkFree(base + 64, "heap")).toBe(false);
    const r = f.checker.reports[0]!;
    expect([r.kind, r.address, r.message]).toEqual([
      "invalid-free",
      base + 64,
      "free of an address on the stack of task sensor, not a heap block",
    ]);
    expect(r.frame).toMatchObject({ function: "f", base, offset: 64, local: { name: "buf" }, relation: "inside" });
    expect(formatReport(r)).toContain(`    [64, 69) 'buf' <== Memory access at offset 64 is inside this variable`);
  });

  it("stack-buffer-overflow: a write one past a 5-byte local; fixed: its last byte", () => {
    const { f, base } = withFrame();
    f.m.core.write8(base + 64 + 5, 1);
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["stack-buffer-overflow"]);
    const r = f.checker.reports[0]!;
    expect(r).toMatchObject({ address: base + 69, size: 1, access: "write", task: SENSOR, taskName: "sensor" });
    expect(r.message).toBe("access to a stack redzone, 0 bytes to the right of local 'buf' of frame f");
    expect(r.frame).toMatchObject({
      function: "f",
      base,
      size: 112,
      task: SENSOR,
      state: "live",
      depth: 0,
      offset: 69,
      local: { name: "buf", offset: 64, size: 5 },
      relation: "right",
      distance: 0,
      returnedAt: null,
    });
    expect(r.block).toBeNull();

    const fixed = withFrame();
    fixed.f.m.core.write8(fixed.base + 64 + 4, 1);
    expect(fixed.f.checker.reports).toEqual([]);
  });

  it("uninitialized-read of a local never written names the frame and the local (Memcheck's 'created by a stack allocation'); fixed: written first", () => {
    const { f, base } = withFrame();
    f.m.core.read32(base + 40 + 4); // the high word of `acc`
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["uninitialized-read"]);
    const r = f.checker.reports[0]!;
    expect(r.message).toBe(
      "read of uninitialized memory, 4 bytes inside local 'acc' of frame f (a stack allocation never written)",
    );
    expect(r.frame).toMatchObject({ function: "f", base, offset: 44, local: { name: "acc" }, relation: "inside" });
    expect(r.block).toBeNull(); // not the stack's own block: the frame says where it lies
    expect(formatReport(r)).toContain("    [40, 48) 'acc' <== Memory access at offset 44 is inside this variable");

    const fixed = withFrame();
    fixed.f.m.core.write32(fixed.base + 44, 7);
    expect(fixed.f.m.core.read32(fixed.base + 44)).toBe(7);
    expect(fixed.f.checker.reports).toEqual([]);
  });

  it("uninitialized-read of a live stack byte outside any frame names the task's stack, not the block it was carved from", () => {
    const { f, base, stack, top } = withFrame();
    f.checker.stackPointer(SENSOR, base - 16); // a push below the frame, never written
    f.m.core.read32(base - 16);
    const r = f.checker.reports[0]!;
    expect([r.kind, r.message, r.frame, r.block]).toEqual([
      "uninitialized-read",
      "read of uninitialized memory, in the live stack of task sensor (pushed, never written)",
      null,
      null,
    ]);
    const hex = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
    expect(r.details).toContain(`stack of task sensor: [${hex(stack)}, ${hex(top)}), SP ${hex(base - 16)}`);
    expect(formatReport(r)).not.toContain("inside 512-byte block");
  });

  it("a word store over the end of `i` reports its first redzone byte; an underflow names the local above", () => {
    const { f, base } = withFrame();
    f.m.core.write32(base + 16, 7); // i itself: fine
    f.m.core.write32(base + 18, 7); // unaligned: bytes 18..21, 20 and 21 are the redzone
    f.m.core.read8(base + 63); // one below buf
    expect(f.checker.reports.map((r) => [r.kind, r.address - base, r.frame?.local?.name, r.frame?.relation])).toEqual([
      ["stack-buffer-overflow", 20, "i", "right"],
      ["stack-buffer-overflow", 63, "buf", "left"],
    ]);
  });

  it("redzones are poisoned, the locals and saved registers stay live stack (plain while the task runs)", () => {
    const { f, base, top } = withFrame();
    const states = Array.from({ length: F.size }, (_, i) => f.checker.shadow.get(base + i));
    for (let o = 0; o < F.size; o++) {
      const inRedzone = F.redzones.some((z) => o >= z.offset && o < z.offset + z.size);
      if (inRedzone) expect(states[o], `offset ${o}`).toBe(Tag.StackRedzone);
      else expect(states[o]! & (StateBit.S | StateBit.P), `offset ${o}`).toBe(StateBit.S | StateBit.P);
    }
    // Another task's turn: the live bytes lose P, the redzones stay as they are.
    f.checker.taskRunning(LOGGER);
    expect(f.checker.shadow.get(base + 16) & StateBit.P).toBe(0);
    expect(f.checker.shadow.get(base)).toBe(Tag.StackRedzone);
    expect(f.checker.stacks.get(SENSOR)!.frames.map((r) => [r.base, r.shape.function])).toEqual([[base, "f"]]);
    expect(top - base).toBe(112);
  });

  it("stack-use-after-return: a read through a pointer kept to a returned frame's local; fixed: read before the return", () => {
    const { f, base, top } = withFrame();
    f.m.core.write8(base + 64, 42);
    f.tick(2);
    f.checker.stackPointer(SENSOR, top); // add sp, #92; pop {r4-r7, pc}
    f.checker.frameLeft(SENSOR, base);
    f.tick(1);
    f.m.core.read8(base + 64);
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["stack-use-after-return"]);
    const r = f.checker.reports[0]!;
    expect(r).toMatchObject({ address: base + 64, access: "read", task: SENSOR });
    expect(r.message).toBe("access to a returned frame, 0 bytes inside local 'buf' of frame f");
    expect(r.frame).toMatchObject({ function: "f", base, state: "returned", returnedAt: 2, local: { name: "buf" } });
    expect(r.frame).toMatchObject({ relation: "inside", distance: 0 });
    const text = formatReport(r);
    expect(text).toContain(
      `${`0x${(base + 64).toString(16).padStart(8, "0")}`} is located in the stack of task sensor at offset 64 in frame f`,
    );
    expect(text).toContain("  This frame has 3 object(s):\n    [16, 20) 'i'\n    [40, 48) 'acc'\n");
    expect(text).toContain("    [64, 69) 'buf' <== Memory access at offset 64 is inside this variable");
    expect(text).toContain("returned at t=2 ms");
    expect(text).toContain(" SA ");

    const fixed = withFrame();
    fixed.f.m.core.write8(fixed.base + 64, 42);
    expect(fixed.f.m.core.read8(fixed.base + 64)).toBe(42);
    fixed.f.checker.stackPointer(SENSOR, fixed.top);
    fixed.f.checker.frameLeft(SENSOR, fixed.base);
    expect(fixed.f.checker.reports).toEqual([]);
  });

  it("a new frame over a returned one makes its bytes live again and forgets it; without the option a returned frame is just below SP", () => {
    const { f, base, top } = withFrame();
    const st = f.checker.stacks.get(SENSOR)!;
    f.checker.stackPointer(SENSOR, top);
    f.checker.frameLeft(SENSOR, base);
    expect(st.returned.map((r) => r.base)).toEqual([base]);
    expect(f.checker.shadow.get(base + 100)).toBe(Tag.StackReturned);
    f.checker.stackPointer(SENSOR, top - 16); // a push over the saved registers' bytes
    expect(st.returned.map((r) => r.base)).toEqual([base]); // its lower bytes are still poisoned
    f.m.core.write32(top - 16, 1);
    f.checker.stackPointer(SENSOR, base);
    expect(st.returned).toEqual([]);
    f.m.core.write32(base + 64, 1);
    expect(f.m.core.read32(base + 64)).toBe(1);
    expect(f.checker.reports).toEqual([]);

    const off = withFrame({ stackUseAfterReturn: false });
    off.f.checker.stackPointer(SENSOR, off.top);
    off.f.checker.frameLeft(SENSOR, off.base);
    off.f.m.core.read8(off.base + 64);
    expect(off.f.checker.reports.map((r) => [r.kind, r.frame])).toEqual([["stack-below-sp", null]]);
  });

  it("another task touching a frame's redzone or a returned frame is a stack-out-of-bounds", () => {
    const { f, base } = withFrame();
    f.user(LOGGER);
    f.m.core.read8(base);
    expect(f.checker.reports.map((r) => [r.kind, r.task])).toEqual([["stack-out-of-bounds", LOGGER]]);
  });

  it("bad frames are typed errors and change nothing", () => {
    const { f, base, stack } = withFrame();
    const before = f.checker.shadow.snapshot(stack, 512);
    expect(() => f.checker.frameEntered(SENSOR, base - 200, F)).toThrow(/FRAME_RANGE/); // below SP
    expect(() => f.checker.frameEntered(SENSOR, base, { ...F, redzones: [{ offset: 100, size: 20 }] })).toThrow(
      /FRAME_RANGE/,
    );
    expect(() => f.checker.frameEntered(LOGGER, base, F)).toThrow(/STACK_UNKNOWN/);
    expect(() => f.checker.frameLeft(SENSOR, base + 8)).toThrow(/FRAME_UNKNOWN/);
    expect(f.checker.shadow.snapshot(stack, 512)).toEqual(before);
    expect(f.checker.stacks.get(SENSOR)!.frames).toHaveLength(1);
  });

  it("unregistering the stack (a task restart) forgets its frames", () => {
    const { f, stack } = withFrame();
    f.checker.unregisterStack(SENSOR);
    f.checker.registerStack(SENSOR, stack, 512);
    expect(f.checker.stacks.get(SENSOR)!.frames).toEqual([]);
    expect(f.checker.shadow.find(stack, 512, (s) => s === Tag.StackRedzone)).toBe(-1);
  });
});
