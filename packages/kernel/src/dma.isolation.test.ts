import { defineBoard, Perm, ScbReg, STM32F407 } from "@rtos-sim/hw";
import type { MemReport } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { fn } from "./data/frames.js";
import { array, u8, u32 } from "./data/types.js";
import { DmaCr, DmaFlag, DmaReg } from "./devices/dma.js";
import type { FaultRecord } from "./fault-report.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import { CONTROL_PRIVILEGED, CONTROL_UNPRIVILEGED, TcbField } from "./task-record.js";

/** Memory-to-memory, both addresses incremented, 32-bit items. */
const M2M_WORDS = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT);

/** Programs DMA2 stream 0 from a task, as a driver does: addresses, count, then EN. */
function startCopy(t: TaskContext, k: Kernel, src: number, dst: number, words: number): void {
  const dma = k.device("dma").base;
  t.write32(dma + DmaReg.S0PAR, src);
  t.write32(dma + DmaReg.S0M0AR, dst);
  t.write32(dma + DmaReg.S0NDTR, words);
  t.write32(dma + DmaReg.S0CR, M2M_WORDS | DmaCr.EN);
}

/** Polls LISR (sleeping 1 ms between polls) until TCIF0 or TEIF0; returns the flags and clears them. */
function* waitCopy(t: TaskContext, k: Kernel): Generator<unknown, number, unknown> {
  const dma = k.device("dma").base;
  const done = () => t.read32(dma + DmaReg.LISR) & (DmaFlag.TCIF0 | DmaFlag.TEIF0);
  while (done() === 0) yield* t.sleep({ ms: 1 });
  const flags = done();
  t.write32(dma + DmaReg.LIFCR, flags);
  return flags;
}

/**
 * An STM32F407 kernel with partitions "shared" and "secret" in SRAM1, where DMA2 reaches (the
 * kernel puts tasks and partitions in the CCM by default, which no DMA reaches), the kernel's
 * block beside them; its fault records as they are filed.
 */
function inSram1() {
  const k = bootKernel({
    board: STM32F407,
    partitions: [
      { name: "shared", size: 1024, region: "SRAM1" },
      { name: "secret", size: 1024, region: "SRAM1" },
    ],
  });
  const faults: FaultRecord[] = [];
  k.events.on("fault", (r) => faults.push(r));
  return { k, shared: k.partitions.get("shared")!.base, secret: k.partitions.get("secret")!.base, faults };
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + 7 * i) & 0xff);

describe("the DMA is a bus master the MPU does not see", () => {
  it("a task granted the DMA copies over a partition it was never granted and over the kernel's memory; the MPU stops its own stores", () => {
    const { k, shared, secret, faults } = inSram1();
    const kernel = k.kernelBlock.base;
    const flags: number[] = [];
    let started = -1;
    let completes = -1;
    k.spawn({
      name: "keeper",
      priority: 3,
      partitions: { secret: "rw" },
      *main(t) {
        t.writeBytes(secret, pattern(64, 0x10)); // its secret
        yield* t.yield();
      },
    });
    k.spawn({
      name: "rogue",
      priority: 2,
      partitions: { shared: "rw" },
      devices: ["dma"],
      *main(t) {
        t.writeBytes(shared, pattern(256, 0x80));
        startCopy(t, k, shared, secret, 16); // 64 bytes over another task's partition
        started = k.scheduler.now().cycles;
        completes = k.devices.dma!.completesAt()!;
        flags.push(yield* waitCopy(t, k));
        startCopy(t, k, shared + 64, kernel, 4); // 16 bytes over the kernel's own block
        flags.push(yield* waitCopy(t, k));
      },
    });
    k.spawn({
      name: "direct",
      priority: 1,
      partitions: { shared: "rw" },
      *main(t) {
        yield* t.yield();
        t.write32(secret, 0); // the same store from the core: the MPU stops it
      },
    });
    const kernelBefore = k.machine.bus.peek(kernel + 16, 16);
    k.run({ ms: 10 });
    expect(flags).toEqual([DmaFlag.TCIF0, DmaFlag.TCIF0]);
    expect(k.machine.bus.peek(secret, 64)).toEqual(pattern(256, 0x80).subarray(0, 64));
    expect(k.machine.bus.peek(kernel, 16)).toEqual(pattern(256, 0x80).subarray(64, 80));
    expect(k.machine.bus.peek(kernel + 16, 16)).toEqual(kernelBefore);
    // 16 words SRAM1 to SRAM1: a 1-cycle read and a 1-cycle write each, 32 cycles after its EN write.
    expect(completes - started).toBe(32);
    // Only "direct" faulted: a MemManage data access violation at the secret's address.
    expect(faults.map((f) => [f.task, f.kind, f.hw?.faultAddress])).toEqual([["direct", "memmanage", secret]]);
  });

  it("the DMA cannot reach the CCM, where the STM32F407's tasks live by default: TEIF0, nothing written", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "src", size: 1024, region: "SRAM1" }] });
    const src = k.partitions.get("src")!.base;
    let flags = 0;
    let heap = 0;
    k.spawn({
      name: "t",
      heapSize: 4096,
      partitions: { src: "rw" },
      devices: ["dma"],
      *main(t) {
        heap = yield* t.malloc(64);
        t.fill(heap, 0, 64);
        t.writeBytes(src, pattern(64, 1));
        startCopy(t, k, src, heap, 16);
        flags = yield* waitCopy(t, k);
        yield* t.free(heap);
      },
    });
    k.run({ ms: 5 });
    expect(heap >>> 16).toBe(0x1000); // the task's heap is in the CCM
    expect(flags).toBe(DmaFlag.TEIF0);
    expect(k.devices.dma!.lastError).toEqual({ address: heap, access: "write", reason: "unreachable" });
    expect(k.machine.bus.peek(heap, 64)).toEqual(new Uint8Array(64));
  });
});

describe("a task granted the DMA can rewrite its own MPU plan in its TCB", () => {
  /** Region 6, the one the rogue's plan leaves free (the kernel's block is region 7). */
  const FREE = 6;
  /** Region 6 over all of SRAM1 and SRAM2 (128 KiB), full access, XN. */
  const FORGED_RBAR = (0x20000000 | 0x10 | FREE) >>> 0;
  const FORGED_RASR = ((1 << 28) | (3 << 24) | (16 << 1) | 1) >>> 0;

  function forgeryRun(policy: "stop" | "restart") {
    const { k, shared, secret, faults } = inSram1();
    const seen: number[] = [];
    const during: (number | null)[] = [];
    const held: unknown[] = [];
    k.spawn({
      name: "keeper",
      priority: 3,
      partitions: { secret: "rw" },
      *main(t) {
        t.write32(secret, 0x5ec12e75);
        for (;;) yield* t.sleep({ ms: 1 }); // its plan loads between the rogue's runs
      },
    });
    const rogue = k.spawn({
      name: "rogue",
      priority: 2,
      faultPolicy: policy,
      partitions: { shared: "rw" },
      devices: ["dma"],
      *main(t) {
        if (k.task("rogue")!.id !== 2 || seen.length > 0) {
          // after a restart: the record is the plan again, and the secret is out of reach
          during.push(k.loader.current === k.task("rogue")!.plan ? 0 : null);
          seen.push(k.machine.mpu.decide(secret) & Perm.UR);
          return;
        }
        // The attacker knows the kernel's layout: its TCB's address and its own plan's words.
        const record = Uint32Array.from(k.task("rogue")!.plan.record);
        record[2 * FREE] = FORGED_RBAR;
        record[2 * FREE + 1] = FORGED_RASR;
        for (let i = 0; i < record.length; i++) t.write32(shared + 4 * i, record[i]!);
        startCopy(t, k, shared, k.task("rogue")!.tcb + TcbField.MPU, record.length);
        // It sleeps; the keeper runs; the switch back to the rogue loads the record the DMA wrote
        // (the loader skips reloading the task whose record the MPU holds already, as Tock does).
        yield* waitCopy(t, k);
        during.push(k.loader.current === null ? null : k.loader.current.id);
        held.push(k.machine.mpu.rawRegion(FREE));
        seen.push(t.read32(secret)); // no fault: region 6 now covers it
        t.read32(k.kernelBlock.base); // the kernel's region (7) still wins there: MemManage
      },
    });
    k.run({ ms: 10 });
    return { k, rogue, faults, seen, during, held };
  }

  it("the forged words reach the MPU at the next switch-in: another task's partition is readable, no fault", () => {
    const { k, rogue, faults, seen, during, held } = forgeryRun("stop");
    expect(rogue.plan.regions.map((r) => r?.label ?? null)).toEqual([
      "stack",
      "stack guard",
      "heap",
      "code",
      "partition shared (rw)",
      "DMA2 (dma)",
      null,
      "kernel",
    ]);
    expect(seen[0]).toBe(0x5ec12e75);
    expect(during).toEqual([null]); // the MPU holds no plan the kernel laid out
    expect(held).toEqual([{ rbar: 0x20000000, rasr: FORGED_RASR }]);
    // Its one fault is at the kernel's block, and its dump shows the regions the MPU held.
    expect(faults.map((f) => [f.task, f.kind, f.hw?.faultAddress])).toEqual([
      ["rogue", "memmanage", k.kernelBlock.base],
    ]);
    expect(faults[0]!.dump).toContain(
      "MPU regions (not the task's plan: its TCB's MPU record was overwritten, and loaded as found):",
    );
    expect(faults[0]!.dump).toMatch(/\n {2}# 6 0x20000000 128 KiB rw {14}XN strongly-ordered/);
  });

  it("a restart stores the task's record again: the secret is out of reach once more", () => {
    const { k, rogue, faults, seen, during } = forgeryRun("restart");
    expect(seen).toEqual([0x5ec12e75, 0]); // after the restart: no unprivileged read of the secret
    expect(during).toEqual([null, 0]); // the plan laid out is loaded again
    const bytes = k.machine.bus.peek(rogue.tcb + TcbField.MPU, 64);
    expect(new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 64))).toEqual(rogue.plan.record);
    expect(faults.map((f) => [f.kind, f.action, f.hw?.faultAddress])).toEqual([
      ["memmanage", "restarted", k.kernelBlock.base],
    ]);
  });
});

describe("a task granted the DMA can make itself privileged in its TCB", () => {
  it("one word copied over its TCB's CONTROL: privileged from its next switch-in (the SCB readable, the kernel's block writable); a restart takes it back", () => {
    const { k, shared, faults } = inSram1();
    const seen: unknown[] = [];
    const rogue = k.spawn({
      name: "rogue",
      faultPolicy: { restart: 1 },
      partitions: { shared: "rw" },
      devices: ["dma"],
      *main(t) {
        if (seen.length > 0) {
          seen.push(["after restart", (yield* t.info()).privileged]);
          return;
        }
        seen.push(["before", (yield* t.info()).privileged]);
        t.write32(shared, CONTROL_PRIVILEGED);
        startCopy(t, k, shared, rogue.tcb + TcbField.CONTROL, 1);
        yield* waitCopy(t, k); // one word: done at the first poll
        yield* t.sleep({ ms: 1 }); // the switch back to it loads the word the DMA wrote
        seen.push(["forged", (yield* t.info()).privileged, t.read32(ScbReg.CPUID) !== 0]);
        t.write32(rogue.tcb + TcbField.ID, 0xbad); // a privileged store into the kernel's block: no fault
        seen.push(["id", k.machine.bus.peek(rogue.tcb + TcbField.ID, 2)[1]]);
        t.write32(0x08000000, 0); // flash: a BusFault, and the restart
      },
    });
    k.run({ ms: 10 });
    expect(seen).toEqual([
      ["before", false],
      ["forged", true, true],
      ["id", 0x0b],
      ["after restart", false],
    ]);
    expect(faults.map((f) => [f.kind, f.action, f.hw?.access.privileged])).toEqual([["busfault", "restarted", true]]);
    expect(k.machine.bus.peek(rogue.tcb + TcbField.CONTROL, 1)[0]).toBe(CONTROL_UNPRIVILEGED);
  });
});

/** An STM32F407 whose CCM the kernel does not manage (kept for other uses): tasks live in SRAM1, in the DMA's reach. */
const F407_NO_CCM = defineBoard({
  name: "stm32f407-no-ccm",
  core: "cortex-m4",
  mpuRegions: 8,
  clockHz: STM32F407.clockHz,
  memory: STM32F407.memory.filter((r) => r.name !== "CCM"),
  peripherals: STM32F407.peripherals,
  devices: STM32F407.devices,
  roles: STM32F407.roles,
});

/** A task that frees the destination of its own DMA transfer before the transfer completes. */
function buggy(
  k: Kernel,
  seen: { src: number; dst: number; id: number; freedAt: number; completes: number; before: Uint8Array | null },
) {
  return {
    name: "buggy",
    heapSize: 4096,
    devices: ["dma" as const],
    *main(t: TaskContext) {
      seen.id = t.id;
      seen.src = yield* t.malloc(1024);
      seen.dst = yield* t.malloc(1024);
      t.writeBytes(seen.src, pattern(1024, 0x40));
      t.fill(seen.dst, 0, 1024);
      startCopy(t, k, seen.src, seen.dst, 256); // 256 words: 512 cycles
      seen.completes = k.devices.dma!.completesAt()!;
      yield* t.free(seen.dst); // the bug: the transfer into it is still running
      seen.freedAt = k.scheduler.now().cycles;
      seen.before = k.machine.bus.peek(seen.dst, 1024);
      for (let i = 0; i < 100; i++) t.compute(10); // the completion alarm fires in here: the DMA's bytes land
      yield* t.free(seen.src);
    },
  };
}

describe("a buffer freed while a DMA transfer into it runs", () => {
  it("without the checker: the DMA's bytes land over the free block's TLSF links, and the heap is found corrupt at the next free", () => {
    const k = bootKernel({ board: F407_NO_CCM });
    const seen = { src: 0, dst: 0, id: 0, freedAt: 0, completes: 0, before: null as Uint8Array | null };
    k.spawn(buggy(k, seen));
    k.run({ ms: 2 });
    expect(seen.freedAt).toBeLessThan(seen.completes);
    // Nothing of the DMA's yet; the first 16 bytes hold the free block's TLSF links now.
    expect(seen.before!.subarray(16)).toEqual(new Uint8Array(1024 - 16));
    expect(k.machine.bus.peek(seen.dst, 1024)).toEqual(pattern(1024, 0x40)); // all of it, later
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      [
        "buggy",
        "heap",
        "HEAP_CORRUPTION: tlsf:buggy: heap corruption (free-list link outside the arenas) at 0x20003410",
      ],
    ]);
  });

  it("with the checker: a use after free by the DMA, the whole landing one access at the buffer's first byte", () => {
    const k = bootKernel({ board: F407_NO_CCM, memcheck: true });
    const reports: MemReport[] = [];
    k.events.on("checker", (r) => reports.push(r));
    const seen = { src: 0, dst: 0, id: 0, freedAt: 0, completes: 0, before: null as Uint8Array | null };
    k.spawn(buggy(k, seen));
    k.run({ ms: 2 });
    expect(seen.freedAt).toBeLessThan(seen.completes); // freed 431 cycles before the transfer completed
    expect(seen.before).toEqual(new Uint8Array(1024)); // nothing had landed when it was freed
    expect(k.machine.bus.peek(seen.dst, 1024)).toEqual(pattern(1024, 0x40)); // every byte landed, later
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      kind: "use-after-free",
      address: seen.dst,
      size: 1024,
      access: "write",
      mode: "dma",
      task: seen.id,
      taskName: "buggy",
    });
    expect(reports[0]!.block).toMatchObject({ address: seen.dst, size: 1024, state: "freed", relation: "inside" });
    // Filed when the core's count passed the completion: at the start of the 10-cycle
    // computation during which it fell (the checker's clock reads the core's count).
    expect(seen.completes - reports[0]!.time).toBeGreaterThanOrEqual(0);
    expect(seen.completes - reports[0]!.time).toBeLessThan(10);
    expect(k.devices.dma!.busy).toBe(false);
    expect(k.faults).toEqual([]);
  });
});

describe("a task polling LISR in a tight loop while its DMA writes a freed buffer", () => {
  it("with the checker: the items land at every poll, in pieces, and the transfer is one use-after-free", () => {
    const k = bootKernel({ board: F407_NO_CCM, memcheck: { onError: "continue" } });
    const reports: MemReport[] = [];
    const suppressed: MemReport[] = [];
    k.events.on("checker", (r) => reports.push(r));
    k.checker!.events.on("suppressed", (r) => suppressed.push(r));
    let dst = 0;
    let polls = 0;
    k.spawn({
      name: "poller",
      heapSize: 4096,
      devices: ["dma"],
      *main(t) {
        const src = yield* t.malloc(256);
        dst = yield* t.malloc(256);
        t.writeBytes(src, pattern(256, 0x21));
        startCopy(t, k, src, dst, 64); // 64 words: 128 cycles
        yield* t.free(dst); // the bug
        const dma = k.device("dma").base;
        while ((t.read32(dma + DmaReg.LISR) & DmaFlag.TCIF0) === 0) polls++;
        t.write32(dma + DmaReg.LIFCR, DmaFlag.TCIF0);
        startCopy(t, k, src, dst, 64); // the same bug again: a second transfer, a second report
        while ((t.read32(dma + DmaReg.LISR) & DmaFlag.TCIF0) === 0) polls++;
        t.write32(dma + DmaReg.LIFCR, DmaFlag.TCIF0);
        yield* t.free(src);
      },
    });
    k.run({ ms: 1 });
    expect(k.machine.bus.peek(dst, 256)).toEqual(pattern(256, 0x21));
    expect(reports.map((r) => [r.kind, r.address - dst, r.mode, r.access, r.occurrence])).toEqual([
      ["use-after-free", 0, "dma", "write", 1],
      ["use-after-free", 0, "dma", "write", 2],
    ]);
    // The later pieces are counted, not reported: each lands where the previous one ended, and
    // each transfer's pieces cover the buffer once.
    // The first transfer: 112 bytes due by the first poll (the free took 56 cycles), then a word
    // at each; the second: a word at each poll. 101 reports before a transfer was one access.
    const words = (from: number) => Array.from({ length: (256 - from) / 4 }, (_, i) => [from + 4 * i, 4]);
    const first = [[0, 112], ...words(112)];
    const second = words(0);
    expect([reports[0]!, ...suppressed.slice(0, first.length - 1)].map((r) => [r.address - dst, r.size])).toEqual(
      first,
    );
    expect([reports[1]!, ...suppressed.slice(first.length - 1)].map((r) => [r.address - dst, r.size])).toEqual(second);
    expect(polls).toBe(99);
    expect(suppressed.every((r) => r.kind === "use-after-free" && r.mode === "dma")).toBe(true);
    expect(k.checker!.suppressed).toBe(suppressed.length);
    expect(k.faults).toEqual([]);
  });
});

describe("a stack buffer a DMA transfer still writes after its function returned", () => {
  const RX = fn("start_rx", { locals: { n: u32, buf: array(u8, 256) } });

  it("with the checker: one stack-use-after-return by the DMA, at the local's first byte, naming the frame", () => {
    const k = bootKernel({ board: STM32F407, memcheck: true });
    let buf = 0;
    k.spawn({
      name: "rx",
      region: "SRAM1", // in the DMA's reach (the CCM is not)
      devices: ["dma"],
      *main(t) {
        const src = yield* t.malloc(256);
        t.fill(src, 0x41, 256);
        const f = t.enter(RX);
        buf = f.locals.buf.address;
        startCopy(t, k, src, buf, 64); // 64 words into the frame's local buffer
        t.leave(f); // the bug: start_rx returns while the DMA still writes its buffer
        t.compute(1000); // the transfer completes (128 cycles) in here
        yield* t.free(src);
      },
    });
    k.run({ ms: 2 });
    expect(buf >>> 16).toBe(0x2000); // SRAM1
    expect(k.checker!.reports.map((r) => [r.kind, r.mode, r.address, r.size, r.access, r.taskName, r.message])).toEqual(
      [
        [
          "stack-use-after-return",
          "dma",
          buf,
          256,
          "write",
          "rx",
          "access to a returned frame, 0 bytes inside local 'buf' of frame start_rx",
        ],
      ],
    );
    expect(k.machine.bus.peek(buf, 256)).toEqual(new Uint8Array(256).fill(0x41)); // it all landed
    expect(k.faults).toEqual([]);
  });
});
