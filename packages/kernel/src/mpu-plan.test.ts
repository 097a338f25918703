import { createMachine, createMpuDriver, HwError, type MpuGrant, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KernelError } from "./errors.js";
import { MpuLoader, planMpu, replanGrant } from "./mpu-plan.js";
import { Errno } from "./syscalls.js";
import { bootTest } from "./test-kit.js";

const kernelGrants: MpuGrant[] = [
  { id: "code", label: "code", base: 0x08000000, size: 0x100000, access: "ro", executable: true },
  { id: "kernel", label: "kernel", base: 0x20004000, size: 0x2000, access: "priv-rw" },
];

/** An F407's MPU driver (8 regions). */
function f407Driver() {
  return createMpuDriver(createMachine(STM32F407));
}

describe("planMpu", () => {
  it("puts the task's grants lowest, in order, and the kernel's highest-numbered", () => {
    const p = planMpu(f407Driver(), kernelGrants, [
      { id: "stack", label: "stack", base: 0x10001000, size: 1024, access: "rw" },
    ]);
    expect(p.regions.map((g) => g?.label ?? null)).toEqual(["stack", null, null, null, null, null, "code", "kernel"]);
    expect(p.words[0]).toBe((0x10001000 | 0x10 | 0) >>> 0); // RBAR: ADDR | VALID | REGION 0
    expect(p.words[2]).toBe(0x10 | 1); // disabled region 1: VALID | REGION, RASR 0
    expect(p.words[3]).toBe(0);
    expect(p.words[14]).toBe((0x20004000 | 0x10 | 7) >>> 0);
    expect(p.words[15]! & 1).toBe(1); // enabled
  });

  it("MPU_REGIONS_EXHAUSTED names the grants that do not fit", () => {
    const task = Array.from({ length: 7 }, (_, i) => ({
      id: `g${i}`,
      label: `g${i}`,
      base: 0x10000000 + i * 1024,
      size: 1024,
      access: "rw" as const,
    }));
    let err: unknown;
    try {
      planMpu(f407Driver(), kernelGrants, task, 'task "x"');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe("MPU_REGIONS_EXHAUSTED");
    expect((err as KernelError).context).toEqual({
      who: 'task "x"',
      needed: 7,
      available: 6,
      regionCount: 8,
      dropped: ["g6"],
    });
  });

  it("a grant the architecture cannot express keeps the driver's typed error, naming the grant", () => {
    let err: unknown;
    try {
      planMpu(f407Driver(), kernelGrants, [{ id: "odd", label: "odd", base: 0x20000000, size: 1000, access: "rw" }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HwError);
    expect((err as HwError).code).toBe("MPU_GRANT_SIZE");
    expect((err as HwError).context).toMatchObject({ grant: "odd", id: "odd", size: 1000 });
  });

  it("replanGrant replaces the grant of the same id, last; exhaustion is the kernel's error, plan unchanged", () => {
    const driver = f407Driver();
    const ring = (access: "ro" | "rw", size = 1024): MpuGrant => ({
      id: "partition:ring",
      label: `partition ring (${access})`,
      base: 0x20010000,
      size,
      access,
    });
    const heap: MpuGrant = { id: "heap", label: "heap", base: 0x20008000, size: 4096, access: "rw" };
    const p0 = planMpu(driver, kernelGrants, [ring("ro"), heap]);
    const p1 = replanGrant(driver, p0, ring("rw"));
    expect(p1.regions.slice(0, 2).map((r) => r?.label)).toEqual(["heap", "partition ring (rw)"]);
    const full = planMpu(
      driver,
      kernelGrants,
      [0, 1, 2, 3, 4, 5].map((i) => ({
        id: `g${i}`,
        label: `g${i}`,
        base: 0x20000000 + 1024 * i,
        size: 1024,
        access: "rw",
      })),
    );
    let err: unknown;
    try {
      replanGrant(driver, full, ring("ro"));
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).code).toBe("MPU_REGIONS_EXHAUSTED");
    expect(err).toBeInstanceOf(KernelError);
    expect(full.grants).toHaveLength(6);
  });

  it("the loader writes a plan once and skips it while loaded", () => {
    const m = createMachine(STM32F407);
    const driver = createMpuDriver(m);
    const l = new MpuLoader(driver, m.core, m.bus);
    const a = planMpu(driver, kernelGrants, []);
    const b = planMpu(driver, kernelGrants, [{ id: "s", label: "s", base: 0x20000000, size: 1024, access: "rw" }]);
    l.loadPlan(a);
    l.loadPlan(a);
    l.loadPlan(b);
    l.loadPlan(b);
    l.loadPlan(a);
    expect([l.loads, l.skips]).toEqual([3, 2]);
    expect(m.mpu.rawRegion(7)).toEqual({ rbar: 0x20004000, rasr: b.words[15] });
    expect(m.mpu.region(0).enabled).toBe(false);
    l.invalidate();
    l.loadPlan(a);
    expect(l.loads).toBe(4);
  });
});

describe("per-task MPU configuration in the kernel", () => {
  it("kernel regions are the highest-numbered on 8- and 16-region MPUs", () => {
    for (const [board, n] of [
      [STM32F407, 8],
      [STM32H743XI, 16],
    ] as const) {
      const k = bootTest({}, board);
      const t = k.spawn({ name: "t", partitions: { shared: "rw" }, devices: ["uart"], *main() {} });
      const labels = t.plan.regions.map((g) => g?.label ?? null);
      expect(labels.length).toBe(n);
      expect(labels.slice(0, 6)).toEqual([
        "stack",
        "stack guard",
        "heap",
        "code",
        "partition shared (rw)",
        expect.stringMatching(/\(uart\)$/),
      ]);
      expect(labels.at(-1)).toBe("kernel");
      expect(labels.slice(6, -1).every((l) => l === null)).toBe(true);
    }
  });

  it("switching between tasks of different plans reloads; a task switched back to itself skips", () => {
    const k = bootTest();
    k.spawn({
      name: "solo",
      *main(t) {
        for (let i = 0; i < 5; i++) yield* t.yield();
      },
    });
    const l0 = k.loader.loads;
    k.run({ ms: 1 });
    expect(k.loader.loads - l0).toBe(1);
    expect(k.loader.skips).toBe(5); // 6 slices, one load
    const k2 = bootTest();
    for (const n of ["a", "b"])
      k2.spawn({
        name: n,
        *main(t) {
          for (let i = 0; i < 5; i++) yield* t.yield();
        },
      });
    const base = k2.loader.loads;
    k2.run({ ms: 1 });
    expect(k2.loader.loads - base).toBe(12);
    expect(k2.loader.skips).toBe(0);
    expect(k2.scheduler.switches).toBe(12);
  });

  it("a task asking for more partitions and devices than regions left: MPU_REGIONS_EXHAUSTED at spawn, nothing allocated", () => {
    const k = bootTest();
    const free = k.regions.stats().map((r) => r.freePages);
    const kernelBlocks = k.kernelHeap.allocator.stats().liveBlocks; // the queue's and the semaphore's
    let err: unknown;
    try {
      k.spawn({ name: "greedy", partitions: { shared: "rw", ro: "ro", secret: "rw" }, devices: ["uart"], *main() {} });
    } catch (e) {
      err = e;
    }
    expect((err as KernelError).code).toBe("MPU_REGIONS_EXHAUSTED");
    expect((err as KernelError).message).toBe(
      'MPU_REGIONS_EXHAUSTED: task "greedy" needs 8 MPU regions but only 7 of 8 are left after the kernel\'s 1: USART2 (uart) do not fit',
    );
    expect(k.regions.stats().map((r) => r.freePages)).toEqual(free);
    expect(k.tasks()).toEqual([]);
    expect(k.kernelHeap.allocator.stats().liveBlocks).toBe(kernelBlocks); // no TCB left behind
  });

  it("grant at run time: read-only really is read-only (DACCVIOL), and ENOSPC when no region is left", () => {
    const k = bootTest();
    const log: unknown[] = [];
    const p = k.partitions.get("shared")!.base;
    const reader = k.spawn({
      name: "reader",
      partitions: { ro: "ro", secret: "rw" },
      devices: ["gpio"], // 6 regions used: no room for a seventh
      *main(t) {
        yield* t.sleep({ ms: 2 });
        log.push(t.read32(p)); // granted ro by the owner meanwhile
        t.write32(p, 1);
      },
    });
    k.spawn({
      name: "owner",
      partitions: { shared: "rw" },
      *main(t) {
        t.write32(p, 0x1234);
        log.push(yield* t.grant("shared", "reader", "ro")); // ENOSPC: reader has no region left
        log.push(yield* t.grant("ro", "reader", "rw")); // EPERM: owner does not hold "ro" rw
        log.push(yield* t.grant("shared", "nobody", "ro"));
        log.push(yield* t.grant("shared", "writer", "ro")); // EPERM: writer holds it rw, owner may not take that
        log.push(yield* t.grant("shared", "owner", "ro")); // its own rights: OK
      },
    });
    k.spawn({ name: "writer", partitions: { shared: "rw" }, *main() {} });
    const before = reader.plan;
    k.run({ ms: 1 });
    expect(log).toEqual([Errno.ENOSPC, Errno.EPERM, Errno.ENOENT, Errno.EPERM, Errno.OK]);
    expect(k.task("writer")!.grants.find((g) => g.access === "rw")).toBeDefined();
    expect(reader.plan).toBe(before); // unchanged
    // a grant that fits
    const k2 = bootTest();
    const p2 = k2.partitions.get("shared")!.base;
    const log2: unknown[] = [];
    k2.spawn({
      name: "reader",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        log2.push(t.read32(p2));
        t.write32(p2, 1);
      },
    });
    k2.spawn({
      name: "owner",
      partitions: { shared: "rw" },
      *main(t) {
        t.write32(p2, 0x1234);
        log2.push(yield* t.grant("shared", "reader", "ro"));
      },
    });
    k2.run({ ms: 5 });
    expect(log2).toEqual([Errno.OK, 0x1234]);
    const f = k2.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress]).toEqual(["reader", "memmanage", 0x82, p2]);
    expect(k2.task("reader")!.plan.regions[4]?.label).toBe("partition shared (ro)"); // after stack, guard, heap, code
  });
});

describe("the quiet loadPairs path (hw) agrees with register-by-register writes", () => {
  it("same registers and the same decisions after any sequence of plan loads", () => {
    const grant = fc.record({
      base: fc.integer({ min: 0, max: 127 }).map((i) => 0x20000000 + i * 1024),
      size: fc.constantFrom(1024),
      access: fc.constantFrom("rw" as const, "ro" as const, "priv-rw" as const, "priv-ro" as const, "none" as const),
    });
    const plans = fc.array(
      fc.array(grant, { maxLength: 6 }).map((gs) => gs.map((g, i) => ({ id: `g${i}`, label: `g${i}`, ...g }))),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(plans, fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), (grantSets, picks) => {
        const quiet = createMachine(STM32F407);
        const loud = createMachine(STM32F407);
        loud.events.on("warning", () => {}); // a listener: every word goes through writeRegister
        for (const m of [quiet, loud]) m.mpu.setControl({ enable: true, privdefena: true });
        const dq = createMpuDriver(quiet);
        const dl = createMpuDriver(loud);
        const pq = grantSets.map((gs) => planMpu(dq, kernelGrants, gs));
        const pl = grantSets.map((gs) => planMpu(dl, kernelGrants, gs));
        const lq = new MpuLoader(dq, quiet.core, quiet.bus);
        const ll = new MpuLoader(dl, loud.core, loud.bus);
        for (const i of picks) {
          lq.loadPlan(pq[i % pq.length]!);
          ll.loadPlan(pl[i % pl.length]!);
          for (let n = 0; n < 8; n++) expect(quiet.mpu.rawRegion(n)).toEqual(loud.mpu.rawRegion(n));
          for (let a = 0x20000000; a < 0x20020000; a += 0x1000 - 32) {
            expect(quiet.core.permissionAt(a)).toBe(loud.core.permissionAt(a));
          }
        }
      }),
      { seed: 7, numRuns: 40 },
    );
  });
});
