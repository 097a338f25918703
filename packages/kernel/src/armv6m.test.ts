import { Cfsr, RP2040, ScbReg } from "@rtos-sim/hw";
import { describe, expect, it, vi } from "vitest";
import { sys } from "./syscalls.js";
import { GUARD_BYTES } from "./task-record.js";
import { bootTest } from "./test-kit.js";

/**
 * The kernel on ARMv6-M (RP2040, Cortex-M0+): the PMSAv6 MPU through the PMSAv7 driver (the
 * 32-byte stack guard made of a 256-byte region's lowest subregion), and faults as the silicon
 * takes them: every fault a HardFault, no fault status register for the handler to read, the
 * report giving the silicon's view and, apart, the simulator's (docs/fault-reports.md, "ARMv6-M").
 */

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

describe("the kernel on ARMv6-M (RP2040)", () => {
  it("boots with the stack guard as a 256-byte region whose only enabled subregion is the guard's 32 bytes", () => {
    const k = bootTest({}, RP2040);
    const t = k.spawn({ name: "t", partitions: { shared: "rw" }, devices: ["uart"], *main() {} });
    const labels = t.plan.regions.map((r) => r?.label ?? null);
    expect(labels.slice(0, 3)).toEqual(["stack", "stack guard", "heap"]);
    expect(labels.at(-1)).toBe("kernel");
    expect(t.plan.views()[1]).toMatchObject({
      base: t.stack.base,
      size: 256,
      access: "priv-ro",
      subregions: [true, false, false, false, false, false, false, false],
    });
    expect(GUARD_BYTES).toBe(32);
    expect(k.machine.mpu.control).toBe(0b101);
  });

  it("an MPU violation is a HardFault: kind hardfault, no register holds the classification, the dump says both", () => {
    const k = bootTest({ memcheck: false }, RP2040);
    k.spawn({
      name: "rogue",
      *main(ctx) {
        yield sys.yield();
        ctx.read32(k.kernelBlock.base);
      },
    });
    const reads = vi.spyOn(k.machine.scb, "readWord");
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.action]).toEqual(["rogue", "hardfault", "stopped"]);
    expect(f.hw).toEqual({
      exception: "HardFault",
      cause: "MemManage",
      cfsr: Cfsr.DACCVIOL | Cfsr.MMARVALID,
      cfsrNames: ["DACCVIOL", "MMARVALID"],
      hfsr: 0,
      hfsrNames: [],
      faultAddress: k.kernelBlock.base,
      faultStatusRegisters: false,
      access: { address: k.kernelBlock.base, size: 4, kind: "read", privileged: false },
    });
    expect(f.memory).toBe("kernel memory");
    // The HardFault handler reads no fault status register: there is none.
    const scbReads = reads.mock.calls.map(([a]) => a);
    for (const reg of [ScbReg.CFSR, ScbReg.HFSR, ScbReg.MMFAR, ScbReg.BFAR]) expect(scbReads).not.toContain(reg);
    const lines = f.dump.split("\n");
    expect(lines).toContain("  exception 3 (HardFault)");
    expect(lines).toContain(
      "  silicon: HardFault only (ARMv6-M has no CFSR, HFSR, MMFAR or BFAR; the handler sees its stacked frame)",
    );
    expect(lines).toContain(
      `  simulator: MemManage DACCVIOL MMARVALID at ${hex(k.kernelBlock.base)} (what an ARMv7-M core would record)`,
    );
    expect(f.dump).not.toContain("CFSR  =");
    const t = k.task("rogue")!;
    expect(lines).toContain(
      `  stack guard              ${hex(t.stack.base)}-${hex(t.stack.base + 32)}    32 B priv-ro (subregions of a 256 B region)`,
    );
    expect([k.machine.scb.cfsr, k.machine.scb.hfsr, k.machine.scb.mmfar]).toEqual([0, 0, 0]);
  });

  it("the HardFault's entry stacks the basic frame below the task's SP: PC of the faulting step, xPSR Thumb", () => {
    const k = bootTest({ memcheck: false }, RP2040);
    let sp = 0;
    const t = k.spawn({
      name: "rogue",
      *main(ctx) {
        yield sys.yield();
        sp = ctx.sp;
        ctx.read32(k.kernelBlock.base);
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => f.kind)).toEqual(["hardfault"]);
    // CCR.STKALIGN reads as one: the frame is 8-byte aligned, a realignment recorded in xPSR bit 9.
    const fp = (sp - 32) & ~7;
    const words = new Uint32Array(k.machine.bus.peek(fp, 32).slice().buffer);
    expect(Array.from(words.slice(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(words[6]).toBe((t.ctx.pc & ~1) >>> 0);
    expect([words[6]! >= t.code, words[6]! < 0x10200000]).toEqual([true, true]); // in the task's code, in XIP
    expect(words[7]).toBe(0x01000000 | ((sp - 32) & 4 ? 0x200 : 0));
  });

  it("an unaligned word access is a HardFault (CCR.UNALIGN_TRP reads as one): UNALIGNED classification, no address", () => {
    const k = bootTest({ memcheck: false }, RP2040);
    let at = 0;
    k.spawn({
      name: "odd",
      *main(ctx) {
        yield sys.yield();
        const buf = ctx.push(16);
        at = buf + 2;
        ctx.read8(buf + 1); // bytes have no alignment
        ctx.write32(at, 1);
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["odd", "hardfault"]);
    expect(f.hw).toMatchObject({
      exception: "HardFault",
      cause: "UsageFault",
      cfsr: Cfsr.UNALIGNED,
      cfsrNames: ["UNALIGNED"],
      hfsr: 0,
      faultAddress: null,
      faultStatusRegisters: false,
      access: { address: at, size: 4, kind: "write", privileged: false },
    });
    expect(f.dump.split("\n")).toContain("  simulator: UsageFault UNALIGNED (what an ARMv7-M core would record)");
  });

  it("a store into the guard's 32 bytes is still diagnosed as a stack overflow (the simulator's address)", () => {
    const k = bootTest({ memcheck: false }, RP2040);
    const t = k.spawn({
      name: "wild",
      *main(ctx) {
        yield sys.yield();
        ctx.write32(ctx.stackBase + 4, 1);
      },
    });
    k.run({ ms: 1 });
    const f = k.faults[0]!;
    expect([f.kind, f.hw?.exception, f.hw?.cfsr, f.hw?.faultAddress]).toEqual([
      "stack-overflow",
      "HardFault",
      0x82,
      t.stack.base + 4,
    ]);
    expect(f.message).toBe(`stack overflow: access to the stack guard at ${hex(t.stack.base + 4)}`);
  });

  it("the stack just above the guard is the task's own (the guard region's other subregions fall to the stack region)", () => {
    const k = bootTest({ memcheck: false }, RP2040);
    let read = -1;
    k.spawn({
      name: "low",
      *main(ctx) {
        yield sys.yield();
        ctx.write32(ctx.stackBase + GUARD_BYTES, 0x5a5a5a5a);
        read = ctx.read32(ctx.stackBase + 252);
      },
    });
    k.run({ ms: 1 });
    expect(k.faults).toEqual([]);
    expect(read).toBeGreaterThanOrEqual(0);
  });
});
