import { Cfsr, MPS2_AN505, MPS3_AN547, RP2350, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { fn } from "./data/frames.js";
import { array, u8, u32 } from "./data/types.js";
import { sys } from "./syscalls.js";
import { GUARD_BYTES } from "./task-record.js";
import { bootTest } from "./test-kit.js";

/**
 * The kernel on ARMv8-M boards: the same plans through the PMSAv8 driver (regions without
 * overlap, the stack guard as PSPLIM loaded with the task's plan), and what that changes in the
 * faults a task sees.
 */

describe("the kernel on ARMv8-M (PMSAv8)", () => {
  it.each([STM32U585, RP2350, MPS2_AN505, MPS3_AN547])(
    "boots on $name with the kernel's regions highest-numbered",
    (board) => {
      const k = bootTest({}, board);
      const t = k.spawn({ name: "t", partitions: { shared: "rw" }, devices: ["uart"], *main() {} });
      const labels = t.plan.regions.map((r) => r?.label ?? null);
      expect(labels.slice(0, 5)).toEqual([
        "stack",
        "heap",
        "code",
        "partition shared (rw)",
        expect.stringMatching(/\(uart\)$/),
      ]);
      expect(labels.at(-1)).toBe("kernel");
      expect(t.plan.architecture).toBe("pmsav8");
      expect(t.plan.regions[0]).toMatchObject({
        base: t.stack.base + GUARD_BYTES,
        size: t.stack.top - t.stack.base - GUARD_BYTES,
      });
      expect(t.plan.stackLimit).toBe(t.stack.base + GUARD_BYTES);
      expect(k.machine.mpu.control).toBe(0b101);
    },
  );

  it("writable code memory (MPS2-AN505 SSRAM1) is granted read-only: PMSAv8 has no privileged-RW/user-RO", () => {
    const k = bootTest({ codeIsolation: "shared" }, MPS2_AN505);
    expect(k.kernelGrants[0]).toMatchObject({ base: 0, size: 0x400000, access: "ro", executable: true });
  });

  it("PSPLIM follows the running task (loaded with its plan at every switch)", () => {
    const k = bootTest({}, STM32U585);
    const seen: [string, number][] = [];
    for (const name of ["a", "b"]) {
      k.spawn({
        name,
        *main(t) {
          for (let i = 0; i < 2; i++) {
            seen.push([name, k.machine.core.psplim - t.stackBase]);
            yield sys.yield();
          }
        },
      });
    }
    k.run({ ms: 2 });
    expect(seen).toEqual([
      ["a", GUARD_BYTES],
      ["b", GUARD_BYTES],
      ["a", GUARD_BYTES],
      ["b", GUARD_BYTES],
    ]);
    expect(k.loader.loads).toBeGreaterThanOrEqual(4);
  });

  it("a push below the guard's top is UsageFault STKOF: reported as a stack overflow, SP not moved", () => {
    const k = bootTest({ memcheck: false }, STM32U585);
    const t = k.spawn({
      name: "deep",
      *main(ctx) {
        yield sys.yield();
        for (;;) ctx.write32(ctx.push(64), 1);
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.cause]).toEqual(["deep", "stack-overflow", Cfsr.STKOF, "UsageFault"]);
    expect(f.message).toBe(
      `stack overflow: stack pointer below the stack limit 0x${(t.stack.base + GUARD_BYTES).toString(16).padStart(8, "0")} (UsageFault STKOF)`,
    );
    expect(t.ctx.sp).toBeGreaterThanOrEqual(t.stack.base + GUARD_BYTES);
  });

  it("a call whose frame reaches below PSPLIM is UsageFault STKOF before SP moves or a byte is stored", () => {
    const k = bootTest({ memcheck: false }, STM32U585);
    const BIG = fn("big", { locals: { buf: array(u8, 3000), x: u32 } });
    let sp = 0;
    let bottom: number[] = [];
    const t = k.spawn({
      name: "deep",
      *main(ctx) {
        yield sys.yield();
        sp = ctx.sp;
        bottom = [...ctx.readBytes(t.stack.base + GUARD_BYTES, 64)];
        ctx.enter(BIG).locals.x = 1;
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.cause]).toEqual(["deep", "stack-overflow", Cfsr.STKOF, "UsageFault"]);
    expect(t.ctx.sp).toBe(sp);
    expect(t.ctx.callDepth).toBe(0);
    expect([...k.machine.bus.peek(t.stack.base + GUARD_BYTES, 64)]).toEqual(bottom);
  });

  it("with the memory checker on too, a deep call chain is UsageFault STKOF: PSPLIM refuses the SP move before the checker sees it", () => {
    // docs/writing-an-app.md, "Call frames": on ARMv7-M the checker's stack-overflow report stops
    // the task first; on ARMv8-M the fault keeps its hardware part and no report is filed.
    const k = bootTest({ memcheck: true }, STM32U585);
    const R = fn("recurse", { locals: { buf: array(u32, 12), n: u32 } });
    let deepest = 0;
    k.spawn({
      name: "deep",
      *main(ctx) {
        const call = (n: number): void => {
          const f = ctx.enter(R);
          f.locals.n = n;
          deepest = n;
          call(n + 1);
          ctx.leave(f);
        };
        call(0);
        yield sys.yield();
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.cause, f.checker]).toEqual([
      "deep",
      "stack-overflow",
      Cfsr.STKOF,
      "UsageFault",
      undefined,
    ]);
    expect(deepest).toBeGreaterThan(0);
    expect(k.checker!.reports).toEqual([]);
  });

  it("a store into the guard bytes is MemManage (no region covers them), reported as a stack overflow", () => {
    const k = bootTest({ memcheck: false }, STM32U585);
    const t = k.spawn({
      name: "wild",
      *main(ctx) {
        yield sys.yield();
        ctx.write32(ctx.stackBase + 4, 1);
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.kind, f.hw?.cfsr, f.hw?.faultAddress]).toEqual(["stack-overflow", 0x82, t.stack.base + 4]);
  });

  it("an exception frame that does not fit above PSPLIM: STKOF at stacking, nothing written below the limit, SP = the limit", () => {
    const k = bootTest({ memcheck: false }, STM32U585);
    const t = k.spawn({
      name: "tight",
      *main(ctx) {
        // Leave 16 bytes above the limit: the 32-byte frame of the next switch cannot fit.
        ctx.push(ctx.sp - (ctx.stackBase + GUARD_BYTES + 16));
        yield sys.yield();
      },
    });
    const guard = () => k.machine.bus.peek(t.stack.base, GUARD_BYTES + 16);
    const before = guard();
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr]).toEqual(["tight", "stack-overflow", Cfsr.STKOF]);
    expect(guard()).toEqual(before);
    // Exception entry sets SP to the limit (an instruction's update would leave SP unchanged).
    expect(t.ctx.sp).toBe(t.stack.base + GUARD_BYTES);
  });

  it("syscall pointers are checked against the task's PMSAv8 view (the guard bytes are not the task's)", () => {
    const k = bootTest({ memcheck: false }, STM32U585);
    k.spawn({
      name: "p",
      *main(ctx) {
        yield sys.print(ctx.stackBase, 8);
      },
    });
    k.run({ ms: 1 });
    expect(k.faults[0]?.kind).toBe("bad-pointer");
  });
});
