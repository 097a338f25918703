import { describe, expect, it } from "vitest";
import { STACK_FILL } from "./stack-usage.js";
import { GUARD_BYTES } from "./task-record.js";
import { bootTest } from "./test-kit.js";

describe("stack usage (painted stack, high-water mark)", () => {
  it("paints a new task's stack above its guard and below its first frame, which is all it has used", () => {
    const kernel = bootTest();
    const k = kernel.spawn({ name: "idle", stackSize: 1024, *main() {} });
    const base = k.stack.base + GUARD_BYTES;
    expect(k.stack.top - k.stack.base).toBe(1024);
    // At the top: the first exception frame (R0-R3, R12, LR, PC, xPSR: 32 bytes) and below it
    // the context PendSV restores (R4-R11 and EXC_RETURN: 36 bytes), as a FreeRTOS port lays out a new task.
    const bytes = kernel.machine.bus.peek(base, 1024 - GUARD_BYTES);
    expect(bytes.subarray(0, 992 - 68).every((b) => b === STACK_FILL)).toBe(true);
    expect(bytes.subarray(992 - 68).some((b) => b !== STACK_FILL)).toBe(true);
    expect(kernel.stackUsage(k)).toEqual({ size: 992, peak: 68 });
  });

  it("measures the deepest byte a task wrote, from the top of its stack", () => {
    const kernel = bootTest();
    let deepest = 0;
    const k = kernel.spawn({
      name: "deep",
      stackSize: 1024,
      *main(t) {
        const s = t.push(400);
        t.write8(s + 3, 1); // the frame's lowest three bytes are never written
        deepest = s + 3;
        t.pop(400);
        yield* t.yield();
      },
    });
    kernel.run({ ms: 5 });
    expect(deepest).toBeGreaterThan(0);
    expect(kernel.stackUsage(k)).toEqual({ size: 992, peak: k.stack.top - deepest });
  });

  it("cannot tell a byte written with the fill value from one never written (as FreeRTOS)", () => {
    const kernel = bootTest();
    let at = 0;
    const k = kernel.spawn({
      name: "a5",
      *main(t) {
        const s = t.push(600);
        t.write8(s, STACK_FILL);
        t.write8(s + 100, 0);
        at = s + 100;
        t.pop(600);
        yield* t.yield();
      },
    });
    kernel.run({ ms: 5 });
    expect(kernel.stackUsage(k).peak).toBe(k.stack.top - at);
  });

  it("keeps the peak of a run that ended in a fault when the policy restarts the task on a freshly painted stack", () => {
    const kernel = bootTest();
    let runs = 0;
    let deep = 0;
    const k = kernel.spawn({
      name: "restarted",
      stackSize: 1024,
      faultPolicy: { restart: 1 },
      *main(t) {
        runs++;
        const s = t.push(runs === 1 ? 700 : 100);
        t.write32(s, 7);
        if (runs === 1) {
          deep = s;
          t.read32(0); // MemManage: address 0 is not granted
        }
        t.pop(runs === 1 ? 700 : 100);
        yield* t.sleep({ ms: 1 });
      },
    });
    kernel.run({ ms: 5 });
    expect(runs).toBe(2);
    expect(k.faults.map((f) => f.action)).toEqual(["restarted"]);
    // The first run's frame was painted over: its word is gone, the bytes read STACK_FILL again.
    expect(Array.from(kernel.machine.bus.peek(deep, 4))).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
    // The peak kept is the first run's: its deepest frame and, below it, the 8-word frame the
    // MemManage exception stacked at its SP (docs/timing.md, "Faults").
    expect(kernel.stackUsage(k)).toEqual({ size: 992, peak: k.stack.top - deep + 32 });
  });
});
