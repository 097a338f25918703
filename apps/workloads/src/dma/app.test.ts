import { MPS2_AN505, RP2040, RP2350, STM32F407, STM32H743XI, STM32U585 } from "@rtos-sim/hw";
import { DmaFlag, runApp, TcbField } from "@rtos-sim/kernel";
import { describe, expect, it } from "vitest";
import { dma, dmaRegion, kernelRegionAccess, SLOPPY_BYTES, secretBytes, sloppyFrame } from "./app.js";

describe("dma", () => {
  it("the DMA's reach: SRAM1 on the STM32F407 (not the CCM), AXI SRAM on the H7; none on a board without a modelled DMA", () => {
    expect(dmaRegion(STM32F407)).toBe("SRAM1");
    expect(dmaRegion(STM32U585)).toBe("SRAM1");
    expect(dmaRegion(RP2040)).toBe("SRAM");
    expect(dmaRegion(MPS2_AN505)).toBeNull();
    expect(dmaRegion(RP2350)).toBe("SRAM");
  });

  it("on the STM32F407 with the checker: the key read and rewritten by DMA without an MPU fault, dma-copy OK / EFAULT / ENXIO, one use-after-free by the DMA", () => {
    const run = runApp(dma);
    const k = run.kernel;
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["intruder, not granted DMA2, programs it", true],
      ["rogue reads the keeper's key by DMA", true],
      ["rogue rewrites the key by DMA", true],
      ["rogue rewrites its own MPU record by DMA", true],
      ["driver copies through the kernel's dma-copy", true],
      ["local asks for a DMA from its stack", true],
      ["sloppy frees a buffer the DMA still writes", true],
    ]);
    // the rogue's TCB keeps the record it wrote: region 7's RASR (the kernel's block) with AP = full access
    const rogue = k.task("rogue")!;
    const record = k.machine.bus.peek(rogue.tcb + TcbField.MPU, 64);
    const rasr7 = new DataView(record.buffer, record.byteOffset).getUint32(60, true);
    expect(rasr7).toBe(((rogue.plan.record[15]! & ~(7 << 24)) | (3 << 24)) >>> 0);
    expect((rogue.plan.record[15]! >>> 24) & 7).toBe(1); // the plan's: privileged read/write only
    // intruder, not granted DMA2: MemManage at its first register write (S0PAR); nothing else faulted
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cfsrNames, f.hw?.faultAddress])).toEqual([
      ["intruder", "memmanage", ["DACCVIOL", "MMARVALID"], 0x40026400 + 0x18],
    ]);
    // the key in the keeper's heap (SRAM1), in quarantine after its free: the rogue's 16 bytes, then the key
    const vault = 0x20003018;
    expect(k.machine.bus.peek(vault, 16)).toEqual(new Uint8Array(16).fill(0xee));
    expect(k.machine.bus.peek(vault + 16, 48)).toEqual(secretBytes().subarray(16));
    // the rogue's copy: the key, its first 16 bytes then its own 0xEE
    expect(k.machine.bus.peek(0x20006018 + 16, 48)).toEqual(secretBytes().subarray(16));
    expect(k.devices.dma!.busy).toBe(false);
    const reports = k.checker!.reports;
    expect(reports.map((r) => [r.kind, r.mode, r.address, r.size, r.access, r.taskName])).toEqual([
      ["use-after-free", "dma", 0x20019440, SLOPPY_BYTES, "write", "sloppy"],
    ]);
    expect(k.machine.bus.peek(0x20019440 + 16, SLOPPY_BYTES - 16)).toEqual(sloppyFrame().subarray(16));
    expect(k.task("local")!.stack.base >>> 16).toBe(0x1000); // the CCM
    expect(run.result.reason).toBe("no-tasks");
  });

  it("without the checker: the DMA's bytes over the freed block's TLSF links, HEAP_CORRUPTION at sloppy's next free (expected)", () => {
    const run = runApp(dma, { memcheck: false });
    expect(run.checks.every((c) => c.ok)).toBe(true);
    expect(run.kernel.faults.map((f) => [f.task, f.kind, f.message, f.action]).slice(1)).toEqual([
      [
        "sloppy",
        "heap",
        "HEAP_CORRUPTION: tlsf:sloppy: heap corruption (free-list link outside the arenas) at 0x20019410",
        "stopped",
      ],
    ]);
    expect(run.kernel.faults.map((f) => [f.task, dma.expectFault?.(f)])).toEqual([
      ["intruder", true],
      ["sloppy", true],
    ]);
  });

  it("the rogue's transfers complete (TCIF0) and the keeper sees its key change at its 2 ms check", () => {
    const run = runApp(dma);
    const lines = [...run.kernel.task("keeper")!.output, ...run.kernel.task("rogue")!.output];
    expect(lines).toEqual([
      "keeper: a 64-byte key in its heap at 0x20003018",
      "keeper: its key changed at byte 0, and no task wrote it",
      "rogue: the keeper's key, read by DMA2: 5a47600d2ecbf491...",
      "rogue: its own TCB's id word, read with its own load: 3 (it is task 3)",
    ]);
    expect(DmaFlag.TCIF0).toBe(0x20);
  });

  it("on the STM32H743 the kernel's block lies in the DTCM, out of DMA2's reach: the rogue's read of its MPU record ends in TEIF0", () => {
    const run = runApp(dma, { board: STM32H743XI });
    const c = run.checks.find((x) => x.name === "rogue rewrites its own MPU record by DMA")!;
    expect([c.ok, c.detail]).toEqual([
      true,
      "the kernel's block (its TCBs) lies in DTCM, which DMA2 does not reach: the rogue's read of its MPU record ended in TEIF0, and the record stayed the kernel's",
    ]);
    const rogue = run.kernel.task("rogue")!;
    expect(run.kernel.kernelBlock.base >>> 16).toBe(0x2000); // DTCM: 0x20000000-0x2001FFFF
    const record = run.kernel.machine.bus.peek(rogue.tcb + TcbField.MPU, 128);
    expect(new Uint32Array(record.buffer.slice(record.byteOffset, record.byteOffset + 128))).toEqual(rogue.plan.record);
  });

  it("a run shorter than a scenario's time skips its check rather than failing it", () => {
    const run = runApp(dma, { durationMs: 3.5 });
    expect(run.checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ["intruder, not granted DMA2, programs it", true, false],
      ["rogue reads the keeper's key by DMA", true, false],
      ["rogue rewrites the key by DMA", true, false],
      ["rogue rewrites its own MPU record by DMA", true, false],
      ["driver copies through the kernel's dma-copy", true, false], // done at 3.008 ms
      ["local asks for a DMA from its stack", false, true],
      ["sloppy frees a buffer the DMA still writes", false, true],
    ]);
  });

  it("where the kernel's region keeps its AP in a task's MPU record: PMSAv7's last RASR, PMSAv8's last RBAR (after MAIR0/1)", () => {
    expect(kernelRegionAccess(STM32F407)).toEqual({ words: 16, at: 15, mask: 7 << 24, full: 3 << 24 });
    expect(kernelRegionAccess(STM32U585)).toEqual({ words: 19, at: 16, mask: 3 << 1, full: 1 << 1 });
  });

  it("on the STM32U585 (PMSAv8) through GPDMA1: the same seven checks pass, the rogue's RBAR.AP rewritten, one use-after-free by the DMA", () => {
    const run = runApp(dma, { board: STM32U585 });
    const k = run.kernel;
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["intruder, not granted GPDMA1, programs it", true],
      ["rogue reads the keeper's key by DMA", true],
      ["rogue rewrites the key by DMA", true],
      ["rogue rewrites its own MPU record by DMA", true],
      ["driver copies through the kernel's dma-copy", true],
      ["local asks for a DMA from its stack", true],
      ["sloppy frees a buffer the DMA still writes", true],
    ]);
    expect(k.devices.dma!.kind).toBe("stm32-gpdma");
    // intruder: MemManage at its first register write, GPDMA1's C0SAR (0x40020000 + 0x9C)
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cfsrNames, f.hw?.faultAddress])).toEqual([
      ["intruder", "memmanage", ["DACCVIOL", "MMARVALID"], 0x4002009c],
    ]);
    // the rogue's TCB keeps the record it wrote: region 7's RBAR (record word 16) with AP = 0b01, read/write at any privilege
    const rogue = k.task("rogue")!;
    const record = k.machine.bus.peek(rogue.tcb + TcbField.MPU, 4 * 19);
    const rbar7 = new DataView(record.buffer, record.byteOffset).getUint32(4 * 16, true);
    expect(rbar7).toBe(((rogue.plan.record[16]! & ~(3 << 1)) | (1 << 1)) >>> 0);
    expect((rogue.plan.record[16]! >>> 1) & 3).toBe(0); // the plan's: privileged read/write only
    expect(run.checks.find((c) => c.name === "local asks for a DMA from its stack")!.detail).toBe(
      "dma-copy from a stack in SRAM1: OK (GPDMA1 reaches every RAM of the stm32u585: no memory is out of its reach here)",
    );
    const reports = k.checker!.reports;
    expect(reports.map((r) => [r.kind, r.mode, r.size, r.access, r.taskName])).toEqual([
      ["use-after-free", "dma", SLOPPY_BYTES, "write", "sloppy"],
    ]);
    expect(k.machine.bus.peek(reports[0]!.address + 16, SLOPPY_BYTES - 16)).toEqual(sloppyFrame().subarray(16));
    expect(run.result.reason).toBe("no-tasks");

    const bare = runApp(dma, { board: STM32U585, memcheck: false });
    expect(bare.checks.every((c) => c.ok)).toBe(true);
    expect(bare.kernel.faults.map((f) => [f.task, f.kind])).toEqual([
      ["intruder", "memmanage"],
      ["sloppy", "heap"],
    ]);
  });
  it("on the RP2040 (ARMv6-M) through its DMA's channel 0: the seven checks pass, the intruder's HardFault, one use-after-free by the DMA", () => {
    const run = runApp(dma, { board: RP2040 });
    const k = run.kernel;
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["intruder, not granted DMA, programs it", true],
      ["rogue reads the keeper's key by DMA", true],
      ["rogue rewrites the key by DMA", true],
      ["rogue rewrites its own MPU record by DMA", true],
      ["driver copies through the kernel's dma-copy", true],
      ["local asks for a DMA from its stack", true],
      ["sloppy frees a buffer the DMA still writes", true],
    ]);
    expect(k.devices.dma!.kind).toBe("rp2040-dma");
    // intruder: a HardFault (no MemManage on ARMv6-M) at its first register write, CH0_READ_ADDR at the block's base
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cause, f.hw?.faultAddress])).toEqual([
      ["intruder", "hardfault", "MemManage", 0x50000000],
    ]);
    // the rogue's TCB keeps the record it wrote: region 7's RASR (the kernel's block) with AP = full access
    const rogue = k.task("rogue")!;
    const record = k.machine.bus.peek(rogue.tcb + TcbField.MPU, 64);
    const rasr7 = new DataView(record.buffer, record.byteOffset).getUint32(60, true);
    expect(rasr7).toBe(((rogue.plan.record[15]! & ~(7 << 24)) | (3 << 24)) >>> 0);
    expect((rogue.plan.record[15]! >>> 24) & 7).toBe(1); // the plan's: privileged read/write only
    expect(k.machine.bus.peek(0x20003018, 16)).toEqual(new Uint8Array(16).fill(0xee));
    expect(k.machine.bus.peek(0x20003018 + 16, 48)).toEqual(secretBytes().subarray(16));
    expect(run.checks.find((c) => c.name === "local asks for a DMA from its stack")!.detail).toBe(
      "dma-copy from a stack in SRAM: OK (DMA reaches every RAM of the rp2040: no memory is out of its reach here)",
    );
    expect(run.checks[0]!.detail).toBe(
      "stopped at its first register write: HardFault (simulator: MemManage) DACCVIOL|MMARVALID at 0x50000000 (DMA's registers are privileged-only unless granted)",
    );
    expect(k.checker!.reports.map((r) => [r.kind, r.mode, r.address, r.size, r.access, r.taskName])).toEqual([
      ["use-after-free", "dma", 0x2000b440, SLOPPY_BYTES, "write", "sloppy"],
    ]);
    expect(k.machine.bus.peek(0x2000b440 + 16, SLOPPY_BYTES - 16)).toEqual(sloppyFrame().subarray(16));
    expect(run.kernel.task("rogue")!.output[0]).toBe("rogue: the keeper's key, read by DMA: 5a47600d2ecbf491...");
    expect(run.result.reason).toBe("no-tasks");

    const bare = runApp(dma, { board: RP2040, memcheck: false });
    expect(bare.checks.every((c) => c.ok)).toBe(true);
    expect(bare.kernel.faults.map((f) => [f.task, f.kind, dma.expectFault?.(f)])).toEqual([
      ["intruder", "hardfault", true],
      ["sloppy", "heap", true],
    ]);
  });

  it("on the RP2350 the DMA's own MPU stops the rogue's rewrite of its MPU record: READ_ERROR, the record intact; the key is still read", () => {
    const run = runApp(dma, { board: RP2350 });
    const k = run.kernel;
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([
      ["intruder, not granted DMA, programs it", true],
      ["rogue reads the keeper's key by DMA", true],
      ["rogue rewrites the key by DMA", true],
      ["rogue rewrites its own MPU record by DMA", true],
      ["driver copies through the kernel's dma-copy", true],
      ["local asks for a DMA from its stack", true],
      ["sloppy frees a buffer the DMA still writes", true],
    ]);
    const dev = k.devices.dma!;
    expect(dev.kind).toBe("rp2350-dma");
    // What the kernel programmed at boot: its block, its image and SRAM's page metadata (after the
    // image) Secure-Privileged, the channel lowered (and locked since)
    const { base, size } = k.kernelBlock;
    const sram = k.regions.regions()[0]!;
    expect(sram.metadataStart).toBe(0x20002000);
    expect([0x480, 0x500, 0x504, 0x508, 0x50c, 0x510, 0x514, 0x518].map((off) => dev.read(off, 4))).toEqual([
      0x6,
      0,
      base,
      (base + size - 32) | 7,
      0x20000000,
      (0x20000000 + 8 * 1024 - 32) | 7,
      0x20002000,
      (0x20002000 + sram.metadataPages * 1024 - 32) | 7,
    ]);
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cause, f.hw?.faultAddress])).toEqual([
      ["intruder", "memmanage", "MemManage", 0x50000000],
    ]);
    // the rogue's record keeps the plan's kernel region: RBAR of the last region, AP privileged-only
    const rogue = k.task("rogue")!;
    const { at } = kernelRegionAccess(RP2350);
    const record = k.machine.bus.peek(rogue.tcb + TcbField.MPU, 4 * (at + 1));
    expect(new DataView(record.buffer, record.byteOffset).getUint32(4 * at, true)).toBe(rogue.plan.record[at]);
    expect(run.checks[3]!.detail).toBe(
      "DMA's MPU holds the kernel's block Secure-Privileged and channel 0 is Secure-Unprivileged (SECCFG_CH0 0x6): the channel's read of the rogue's MPU record ended in READ_ERROR (CTRL 0x40000000), the record's kernel region stayed privileged-only (AP 0), and the rogue never loaded the kernel's memory",
    );
    // the key is task memory, Non-secure-Unprivileged to the DMA: read and rewritten as on the other boards
    expect(k.machine.bus.peek(0x20003018, 16)).toEqual(new Uint8Array(16).fill(0xee));
    expect(k.machine.bus.peek(0x20003018 + 16, 48)).toEqual(secretBytes().subarray(16));
    expect(k.task("rogue")!.output).toEqual(["rogue: the keeper's key, read by DMA: 5a47600d2ecbf491..."]);
    expect(k.checker!.reports.map((r) => [r.kind, r.mode, r.address, r.size, r.access, r.taskName])).toEqual([
      ["use-after-free", "dma", 0x2000c440, SLOPPY_BYTES, "write", "sloppy"],
    ]);
    expect(run.result.reason).toBe("no-tasks");
  });

  it("on a board without a dma role (MPS2-AN505) the app has nothing to run", () => {
    const run = runApp(dma, { board: MPS2_AN505 });
    expect(run.checks.map((c) => [c.name, c.ok])).toEqual([["dma", true]]);
  });
});
