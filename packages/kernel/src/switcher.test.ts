import { ActorMode, type Board, Cfsr, makeActor, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { taskControl } from "./task-context.js";
import { GUARD_BYTES, TcbField } from "./task-record.js";
import { bootTest, victim } from "./test-kit.js";

const words = (b: Uint8Array) => Array.from(new Uint32Array(b.buffer, b.byteOffset, b.length / 4));

describe("context switch: real exception frames in simulated memory", () => {
  it("a switched-out task: its 8-word frame at its stack top, R4-R11 and EXC_RETURN below it at the SP in its TCB", () => {
    const k = bootTest();
    const a = k.spawn({
      name: "a",
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
    const b = k.spawn({
      name: "b",
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
    k.run({ slices: 3 }); // a, b, a: b is switched out
    const bus = k.machine.bus;
    const sp = new DataView(bus.peek(b.tcb + TcbField.SP, 4).buffer).getUint32(0, true);
    expect(sp).toBe(b.stack.top - 32 - 36);
    expect(words(bus.peek(sp, 36))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0xfffffffd]);
    expect(words(bus.peek(sp + 36, 32))).toEqual([0, 0, 0, 0, 0, 0xfffffffd, b.code, 0x01000000]);
    expect(b.code).toBe(0x08002000); // flash + 0x1000 * id
    expect([b.stacked, b.swSaved, b.frameAt]).toEqual([true, true, b.stack.top - 32]);
    // a's slice ended with its yield: stacked and saved too
    expect([a.stacked, a.swSaved]).toEqual([true, true]);
    expect(k.scheduler.switches).toBe(3);
  });

  it("the frame moves with the task's SP: pushed data stays above it", () => {
    const k = bootTest();
    let seen = 0;
    const a = k.spawn({
      name: "a",
      *main(t) {
        const s = t.push(40); // SP = top - 40 (8-aligned)
        t.write32(s, 0x11223344);
        yield* t.yield();
        seen = t.read32(s);
        t.pop(40);
      },
    });
    k.spawn({
      name: "b",
      *main(t) {
        yield* t.yield();
      },
    });
    k.run({ slices: 2 });
    const bus = k.machine.bus;
    const sp = new DataView(bus.peek(a.tcb, 4).buffer).getUint32(0, true);
    expect(sp).toBe(a.stack.top - 40 - 32 - 36);
    expect(words(bus.peek(sp + 36, 32))[6]).toBe(a.code); // the return address: bit 0 clear
    expect(words(bus.peek(a.stack.top - 40, 4))).toEqual([0x11223344]);
    k.run({ ms: 5 });
    expect(seen).toBe(0x11223344);
    expect(k.faults).toEqual([]);
  });

  it("a task that used the FPU stacks extended frames: S0-S15/FPSCR (lazily) and S16-S31 at its switch-out", () => {
    const k = bootTest();
    const a = k.spawn({
      name: "fp",
      *main(t) {
        const s = t.push(8);
        t.writeF32(s, 1.5); // a VSTR: CONTROL.FPCA from here on
        for (;;) yield* t.yield();
      },
    });
    k.spawn({
      name: "int",
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
    k.run({ slices: 3 }); // fp, int, fp: fp is switched out
    k.run({ slices: 1 });
    const bus = k.machine.bus;
    const sp = new DataView(bus.peek(a.tcb + TcbField.SP, 4).buffer).getUint32(0, true);
    const frame = a.stack.top - 8 - 104; // the extended frame: 26 words below the task's SP
    expect(a.frameAt).toBe(frame);
    expect(sp).toBe(frame - 64 - 36); // S16-S31, then R4-R11 and EXC_RETURN
    expect(words(bus.peek(sp, 36))[8]).toBe(0xffffffed); // EXC_RETURN: extended frame
    expect([a.fpFrame, a.fpStacked, a.ctx.usesFpu]).toEqual([true, true, true]);
    k.run({ ms: 3 });
    expect(k.faults).toEqual([]);
  });
});

describe("stack overflow and corrupt stack pointers", () => {
  it("a task writing down its stack is stopped by the guard: stack-overflow, MMFAR in the guard", () => {
    const k = bootTest();
    k.spawn(victim("va", 1, k, true));
    const t = k.spawn({
      name: "deep",
      *main(t) {
        for (let i = 0; ; i++) {
          const s = t.push(64); // a function frame per call, never popped
          t.write32(s, i);
          if (i === 1000) yield* t.yield(); // never reached
        }
      },
    });
    k.run({ ms: 20 });
    const f = k.faults[0]!;
    expect(f.task).toBe("deep");
    expect(f.kind).toBe("stack-overflow");
    expect(f.hw?.cfsr).toBe(Cfsr.DACCVIOL | Cfsr.MMARVALID);
    expect(f.hw?.faultAddress).toBe(t.stack.base);
    expect(f.hw!.faultAddress! - t.stack.base).toBeLessThan(GUARD_BYTES);
    expect(f.message).toBe(
      `stack overflow: access to the stack guard at 0x${t.stack.base.toString(16).padStart(8, "0")}`,
    );
    expect(f.dump).toContain("stack-overflow: stack overflow");
    expect(k.task("va")!.output).toHaveLength(10);
  });

  it("a frame that does not fit above the guard faults at stacking (MSTKERR): stack-overflow", () => {
    const k = bootTest();
    const t = k.spawn({
      name: "full",
      *main(t) {
        t.push(1024 - GUARD_BYTES - 16); // 16 bytes left above the guard
        yield* t.yield(); // the 32-byte frame goes into the guard
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("stack-overflow");
    expect(f.hw?.cfsr).toBe(Cfsr.MSTKERR);
    expect(f.hw?.faultAddress).toBeNull();
    expect(t.ctx.sp).toBe(t.stack.base + GUARD_BYTES + 16);
  });

  it("SP set to kernel memory: MSTKERR (0x10) at stacking, the kernel block unchanged", () => {
    const k = bootTest();
    const before = k.machine.bus.peek(k.kernelBlock.base + 0x200, 0x40);
    k.spawn({
      name: "bad-sp",
      *main(t) {
        t.setSp(k.kernelBlock.base + 0x240);
        yield* t.yield();
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("memmanage");
    expect(f.hw?.cfsr).toBe(0x10);
    expect(f.hw?.access.address).toBe(k.kernelBlock.base + 0x220);
    expect(f.hw?.access.privileged).toBe(false);
    expect(f.message).toMatch(/^corrupt stack pointer 0x20004240: /);
    expect(k.machine.bus.peek(k.kernelBlock.base + 0x200, 0x40)).toEqual(before);
  });

  it("an FP task whose SP leaves room for the basic frame only: MLSPERR (0x20) at lazy FP preservation, no MMFAR", () => {
    // The extended frame's FP part lies above the basic frame: with SP 72 bytes above its stack's
    // top the basic frame is stacked at the top, and the lazy S0-S15/FPSCR stores land above it.
    const k = bootTest();
    const a = k.spawn({
      name: "fp-sp",
      *main(t) {
        t.writeF32(t.push(8), 1.5); // a VSTR: the task has an FP context from here on
        t.setSp(a.stack.top + 72);
        yield* t.yield();
      },
    });
    k.spawn({
      name: "other",
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.task).toBe("fp-sp");
    expect(f.kind).toBe("memmanage");
    expect(f.hw?.cfsr).toBe(Cfsr.MLSPERR);
    expect(f.hw?.cfsrNames).toEqual(["MLSPERR"]);
    expect(f.hw?.faultAddress).toBeNull();
    expect(f.hw?.access).toEqual({ address: a.stack.top, size: 4, kind: "write", privileged: false });
    expect(a.frameAt).toBe(a.stack.top - 32);
    expect(f.message).toMatch(
      /^corrupt stack pointer 0x[0-9a-f]{8}: .* while preserving the FP state \(lazy stacking\)$/,
    );
  });

  it("a privileged task with SP at an unmapped address: STKERR (0x1000) at stacking", () => {
    const k = bootTest();
    k.spawn({
      name: "priv",
      privileged: true,
      *main(t) {
        t.setSp(0x30000020);
        yield* t.yield();
      },
    });
    k.run({ ms: 5 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("busfault");
    expect(f.hw?.cfsr).toBe(0x1000);
    expect(f.hw?.faultAddress).toBeNull();
    expect(f.hw?.access.address).toBe(0x30000000);
  });

  it("a saved SP corrupted in the TCB (privileged write) faults at unstacking: MUNSTKERR (0x08)", () => {
    // PendSV loads R4-R11 and EXC_RETURN from the bad SP (privileged: kernel memory is readable),
    // then the exception return unstacks the frame 36 bytes above it with the task's privilege.
    const k = bootTest();
    const v = k.spawn({
      name: "sleeper",
      *main(t) {
        yield* t.sleep({ ms: 3 });
        t.write32(t.stackTop - 4, 1);
      },
    });
    k.spawn({
      name: "rogue-driver",
      privileged: true,
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.write32(k.kernelBlock.base + 0x100 + 32, 0xfffffffd); // the EXC_RETURN PendSV loads: a valid one
        t.write32(v.tcb + TcbField.SP, k.kernelBlock.base + 0x100);
      },
    });
    k.run({ ms: 10 });
    expect(k.faults).toHaveLength(1);
    const f = k.faults[0]!;
    expect(f.task).toBe("sleeper");
    expect(f.kind).toBe("memmanage");
    expect(f.hw?.cfsr).toBe(0x08);
    expect(f.hw?.access.address).toBe(k.kernelBlock.base + 0x100 + 36);
    expect(f.message).toMatch(/^corrupt saved stack pointer in the TCB: .* while unstacking$/);
    expect(k.schedTask(v).state).toBe("faulted");
  });

  it("a saved SP pointing at nothing: a precise BusFault (0x8200) at PendSV's first load of the saved registers", () => {
    const k = bootTest();
    const v = k.spawn({
      name: "psleeper",
      privileged: true,
      *main(t) {
        yield* t.sleep({ ms: 3 });
      },
    });
    k.spawn({
      name: "rogue",
      privileged: true,
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.write32(v.tcb + TcbField.SP, 0x30000000);
      },
    });
    k.run({ ms: 10 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("busfault");
    expect(f.hw?.cfsr).toBe(0x8200);
    expect(f.hw?.faultAddress).toBe(0x30000000);
    expect(f.hw?.access.privileged).toBe(true);
    expect(f.message).toMatch(/^corrupt saved stack pointer in the TCB: .* while restoring the context$/);
  });

  it("a context save that would reach the guard is caught before any store: stack-overflow", () => {
    const k = bootTest();
    const t = k.spawn({
      name: "tight",
      *main(t) {
        t.push(1024 - GUARD_BYTES - 48); // the 32-byte frame fits, the 36 bytes saved below it do not
        yield* t.yield();
      },
    });
    const guard = () => k.machine.bus.peek(t.stack.base, GUARD_BYTES);
    const before = guard();
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("stack-overflow");
    expect(f.hw).toBeUndefined();
    expect(f.message).toMatch(
      /saved context \(36 bytes below the frame at 0x[0-9a-f]+\) does not fit above the stack guard/,
    );
    expect(guard()).toEqual(before);
  });

  it("a context save above the stack's top (SP moved into a partition) is refused, saying the SP left the stack", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "far", size: 1024, region: "SRAM1" }] });
    const far = k.partitions.get("far")!.base;
    const t = k.spawn({
      name: "wanderer",
      partitions: { far: "rw" },
      *main(t) {
        taskControl(t).sp = far + 512; // its frames now go to memory it may write, but not its stack
        yield* t.yield();
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(far).toBeGreaterThan(t.stack.top);
    expect([f.task, f.kind]).toEqual(["wanderer", "stack-overflow"]);
    expect(f.message).toBe(
      `STACK_OVERFLOW: the saved context (36 bytes below the frame at 0x${(far + 480).toString(16)}) lies above the stack's top (0x${t.stack.top.toString(16)}): the stack pointer left the stack`,
    );
  });

  it("a branch into data faults at once with IACCVIOL (0x01); code never runs from there", () => {
    const k = bootTest();
    let after = false;
    k.spawn({
      name: "data-code",
      *main(t) {
        t.branch(k.kernelBlock.base);
        after = true;
        yield* t.yield();
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(after).toBe(false);
    expect(f.kind).toBe("memmanage");
    expect(f.hw?.cfsr).toBe(0x01);
    expect(f.hw?.access.kind).toBe("fetch");
    expect(f.hw?.access.address).toBe(k.kernelBlock.base);
  });
});

describe("a saved context the task rewrote: the switch-in checks EXC_RETURN before it reads on", () => {
  /**
   * The receiver names a buffer in its own stack below its SP: [top - 48, top - 32) is where its
   * switch-out stores R9-R11 and EXC_RETURN while it waits (SP = top, frame at top - 32). The
   * sender's message lands there (the hand-off writes with the receiver's privilege, which allows
   * it), so the task chose the EXC_RETURN its switch-in loads.
   */
  function forge(excReturn: number) {
    const k = bootTest();
    let got: unknown = "blocked";
    const r = k.spawn({
      name: "r",
      priority: 2,
      queues: { q: "receive" },
      *main(t) {
        got = yield* t.receive("q", t.stackTop - 48, 16);
      },
    });
    k.spawn({
      name: "s",
      queues: { q: "send" },
      *main(t) {
        const p = yield* t.malloc(16);
        t.write32(p + 12, excReturn);
        yield* t.send("q", p, 16);
      },
    });
    // Every access made as the kernel for r above r's stack (the 32 bytes a VLDMIA of S16-S31
    // would read past a frame at the stack top).
    const above: string[] = [];
    const kernelForR = makeActor(ActorMode.Kernel, r.id);
    k.machine.core.hook = {
      onAccess: (a, size, kind, _priv, actor) => {
        if (actor === kernelForR && a + size > r.stack.top && a < r.stack.top + 64)
          above.push(`${kind}@${a.toString(16)}`);
      },
    };
    const aboveBytes = k.machine.bus.peek(r.stack.top, 64).slice();
    k.run({ ms: 5 });
    return {
      k,
      r,
      got,
      above,
      aboveUnchanged: k.machine.bus.peek(r.stack.top, 64).every((b, i) => b === aboveBytes[i]),
    };
  }

  it("the EXC_RETURN the switch-out stored (0xFFFFFFFD): the receive returns its length, no fault", () => {
    const { k, got, above } = forge(0xfffffffd);
    expect(k.faults).toEqual([]);
    expect(got).toBe(16);
    expect(above).toEqual([]);
  });

  for (const [what, value] of [
    ["an extended frame (0xFFFFFFED) for a task without FP context", 0xffffffed],
    ["a return to Handler mode (0xFFFFFFF1)", 0xfffffff1],
    ["a return on the main stack (0xFFFFFFF9)", 0xfffffff9],
    ["a reserved value (0x00000000)", 0],
  ] as const) {
    it(`${what}: UsageFault INVPC at the switch-in, nothing read above the task's stack`, () => {
      const { k, r, got, above, aboveUnchanged } = forge(value);
      expect(got).toBe("blocked");
      expect(k.faults.length).toBe(1);
      const f = k.faults[0]!;
      expect([f.task, f.kind]).toEqual(["r", "usagefault"]);
      expect(f.hw?.cfsr).toBe(Cfsr.INVPC);
      expect(f.hw?.faultAddress).toBe(null);
      expect(f.message).toBe(
        `corrupt saved context: EXC_RETURN 0x${value.toString(16).padStart(8, "0")} is not the one the switch-out stored (UsageFault INVPC)`,
      );
      expect(above).toEqual([]);
      expect(aboveUnchanged).toBe(true);
      expect(r.frameAt).toBe(r.stack.top - 32); // the frame the SVC stacked: the switch-in stopped before moving it
    });
  }
});

describe("a switch-out with the task's SP moved above its stack", () => {
  /**
   * 32-byte pages: the attacker's stack [B, T), a partition "other" it may not touch at [T, T+32)
   * and its own partition "mine" at [T+32, T+64). With SP = T+64 the SVC stacks its frame in
   * "mine" (its own privilege: allowed); PendSV's save below that frame, privileged, would land
   * at [T-4, T+32), on "other".
   */
  function layout(board: Board = STM32F407) {
    const k = bootKernel({ board, pageOrder: 5 });
    const a = k.spawn({
      name: "a",
      stackSize: 256,
      heapSize: 0,
      *main(t) {
        t.setSp(t.stackTop + 64);
        yield* t.yield();
        yield* t.yield();
      },
    });
    let other = k.createPartition("f0", 32);
    for (let i = 1; other.base !== a.stack.top; i++) other = k.createPartition(`f${i}`, 32);
    const mine = k.createPartition("mine", 32);
    expect(mine.base).toBe(a.stack.top + 32);
    k.spawn({
      name: "b",
      heapSize: 0,
      *main(t) {
        for (;;) yield* t.yield();
      },
    });
    k.grant(a, "mine", "rw");
    k.machine.bus.load(other.base, new Uint8Array(32).fill(0x5a)); // a debugger write: the owner's data
    return { k, a, other };
  }

  for (const board of [STM32F407, STM32U585]) {
    it(`is refused before any store (${board.name}): STACK_OVERFLOW, the partition above the stack unchanged`, () => {
      const { k, a, other } = layout(board);
      k.run({ ms: 2 });
      expect(Array.from(k.machine.bus.peek(other.base, 32))).toEqual(new Array(32).fill(0x5a));
      expect(k.faults.map((f) => [f.task, f.kind])).toEqual([["a", "stack-overflow"]]);
      expect(k.faults[0]!.message).toBe(
        `STACK_OVERFLOW: the exception frame at 0x${(a.stack.top + 32).toString(16)} is not inside the stack [0x${(a.stack.base + GUARD_BYTES).toString(16)}, 0x${a.stack.top.toString(16)}): the context saved below it would not be either`,
      );
    });
  }
});

describe("an exception frame the task rewrote: the return checks it as the core does", () => {
  /**
   * The receiver's buffer is its own SVC frame: SP = top while it waits in `receive`, so the
   * frame is [top - 32, top). The sender's 32-byte message becomes the frame the return unstacks
   * (R0 then takes the receive's result): the task chose its stacked PC and xPSR.
   */
  function forge(pc: (r: { code: number }, s: { code: number }) => number, xpsr: number) {
    const k = bootTest({ queues: [{ name: "f", messageSize: 32, capacity: 1 }] });
    let got: unknown = "blocked";
    let after = false;
    const r = k.spawn({
      name: "r",
      priority: 2,
      queues: { f: "receive" },
      *main(t) {
        got = yield* t.receive("f", t.stackTop - 32, 32);
        after = true;
      },
    });
    const s = k.spawn({
      name: "s",
      queues: { f: "send" },
      *main(t) {
        const p = yield* t.malloc(32);
        t.write32(p + 24, pc(r, s));
        t.write32(p + 28, xpsr);
        yield* t.send("f", p, 32);
      },
    });
    k.run({ ms: 5 });
    return { k, r, s, got, after };
  }

  it("the frame the SVC stacked (PC = its code, T set): the receive returns 32, no fault", () => {
    const { k, r, got, after } = forge((r) => r.code, 0x01000000);
    expect(k.faults).toEqual([]);
    expect([got, after]).toEqual([32, true]);
    expect(r.ctx.pc).toBe(r.code);
  });

  it("a PC with bit 0 set: bit 0 is ignored (ARMv8-M's rule), the task resumes there", () => {
    const { k, r, after } = forge((r) => r.code + 0x41, 0x01000000);
    expect(k.faults).toEqual([]);
    expect(after).toBe(true);
    expect(r.ctx.pc).toBe(r.code + 0x40);
  });

  it("an exception number in the stacked IPSR: UsageFault INVPC at the return, the task not resumed", () => {
    const { k, got, after } = forge((r) => r.code, 0x0100000b);
    expect([got, after]).toEqual(["blocked", false]);
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress]).toEqual(["r", "usagefault", Cfsr.INVPC, null]);
    expect(f.message).toBe(
      "corrupt exception frame: the stacked xPSR 0x0100000b names exception 11 on a return to Thread mode (UsageFault INVPC)",
    );
  });

  it("the T bit clear: UsageFault INVSTATE at the first instruction, a fetch at the stacked PC", () => {
    const { k, r, after } = forge((r) => r.code + 0x10, 0);
    expect(after).toBe(false);
    const f = k.faults[0]!;
    expect([f.kind, f.hw?.cfsr, f.hw?.access]).toEqual([
      "usagefault",
      Cfsr.INVSTATE,
      { address: r.code + 0x10, size: 2, kind: "fetch", privileged: false },
    ]);
    expect(f.message).toBe(
      `corrupt exception frame: the stacked xPSR 0x00000000 has the T bit clear, so the return to 0x${(r.code + 0x10).toString(16).padStart(8, "0")} cannot execute (UsageFault INVSTATE)`,
    );
  });

  it("a PC in another task's code: the fetch there is MemManage IACCVIOL, and the record says whose code", () => {
    const { k, s, after } = forge((_r, s) => s.code, 0x01000000);
    expect(after).toBe(false);
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.access.address, f.hw?.access.kind]).toEqual([
      "r",
      "memmanage",
      Cfsr.IACCVIOL,
      s.code,
      "fetch",
    ]);
    expect(f.memory).toBe('the code of task "s"');
  });
});
