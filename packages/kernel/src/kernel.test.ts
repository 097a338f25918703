import { BOARDS, defineBoard, STM32F407 } from "@rtos-sim/hw";
import { formatReport } from "@rtos-sim/memcheck";
import { TraceRecorder } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { KernelError } from "./errors.js";
import { SLAB_PAGE_ORDER } from "./heaps/slab-array.js";
import type { Kernel } from "./kernel.js";
import { bootTest, footprint, hashBytes, say, victim } from "./test-kit.js";

/** A small app: two victims, a sensor reader with a heap it reallocs, and a faulting task restarted once. */
function app(seed: number, memcheck = false, windowMs = 0): { k: Kernel; trace: TraceRecorder; events: string[] } {
  const k = bootTest({ seed, memcheck });
  const trace = new TraceRecorder(k.scheduler.events);
  const events: string[] = [];
  k.events.on("switch", (e) => events.push(`switch ${e.cycles} ${e.from}->${e.to}`));
  k.events.on("fault", (r) => events.push(`fault ${r.task} ${r.kind} ${r.action}`));
  k.events.on("uart", (e) => events.push(`uart ${e.task} ${e.line}`));
  k.events.on("alloc", (e) => events.push(`alloc ${e.task} ${e.op} ${e.address} ${e.size}`));
  k.spawn(victim("va", 1, k, true));
  k.spawn(victim("vb", 2, k, false));
  k.spawn({
    name: "sense",
    devices: ["sensor"],
    *main(t) {
      let p = yield* t.malloc(8);
      for (let i = 0; i < 6; i++) {
        const v = t.read32(k.device("sensor").base);
        p = yield* t.realloc(p, 8 + 8 * i);
        t.write32(p, v);
        yield* say(t, p, `s${v & 0xff}`);
        yield* t.sleep({ ms: 2 });
      }
      yield* t.free(p);
    },
  });
  k.spawn({
    name: "flaky",
    faultPolicy: { restart: 1 },
    *main(t) {
      yield* t.sleep({ ms: 3 });
      t.write32(k.kernelBlock.base, 0);
    },
  });
  if (windowMs > 0) for (let ms = windowMs; ms < 40; ms += windowMs) k.run({ ms });
  k.run({ ms: 40 });
  return { k, trace, events };
}

function ramHash(k: Kernel): string {
  const bus = k.machine.bus;
  return hashBytes(k.layout.ram.map((r) => bus.peek(r.start, r.size)));
}

describe("determinism", () => {
  it("two runs of the same tasks and seed: the same trace hash, kernel events and memory bytes", () => {
    const a = app(7);
    const b = app(7);
    expect(a.trace.records.length).toBeGreaterThan(100);
    expect(a.trace.hash()).toBe(b.trace.hash());
    expect(a.events).toEqual(b.events);
    expect(ramHash(a.k)).toBe(ramHash(b.k));
    expect(a.k.faults.map((f) => f.dump)).toEqual(b.k.faults.map((f) => f.dump));
    expect(a.k.faults.map((f) => f.action)).toEqual(["restarted", "stopped"]);
  });

  it("a run made in time windows is the same run: the limit pauses a slice on the CPU, no switch", () => {
    for (const memcheck of [false, true]) {
      const one = app(7, memcheck);
      // 0.37 ms windows end in the middle of slices (108 of them)
      const windowed = app(7, memcheck, 0.37);
      // The recorder joins the two pieces of an idle period a window's end cut.
      expect(windowed.trace.records).toEqual(one.trace.records);
      expect(windowed.trace.hash()).toBe(one.trace.hash());
      expect(windowed.events).toEqual(one.events);
      expect(ramHash(windowed.k)).toBe(ramHash(one.k));
      expect(windowed.k.scheduler.now()).toEqual(one.k.scheduler.now());
      expect(windowed.k.tasks().map((t) => windowed.k.taskTiming(t))).toEqual(
        one.k.tasks().map((t) => one.k.taskTiming(t)),
      );
    }
  });

  it("with the checker on too", () => {
    const a = app(7, true);
    const b = app(7, true);
    expect(a.trace.hash()).toBe(b.trace.hash());
    expect(ramHash(a.k)).toBe(ramHash(b.k));
    expect(a.k.checker!.reports).toEqual([]);
  });
});

describe("memory checker integration", () => {
  it("a task that ends holding a block it no longer points to gets a leak-definite report", () => {
    const k = bootTest({ memcheck: true });
    let p = 0;
    k.spawn({
      name: "leaky",
      *main(t) {
        p = yield* t.malloc(24);
        t.write32(p, 1);
      },
    });
    k.run({ ms: 5 });
    expect(k.checker!.reports.map((r) => [r.kind, r.taskName, r.block?.address, r.block?.size])).toEqual([
      ["leak-definite", "leaky", p, 24],
    ]);
  });

  it("a heap overflow is stopped with kind checker and a heap-buffer-overflow report naming the task; no false reports", () => {
    const k = bootTest({ memcheck: true });
    k.spawn(victim("va", 1, k, true));
    k.spawn(victim("vb", 2, k, false));
    let p = 0;
    k.spawn({
      name: "overflow",
      *main(t) {
        yield* t.sleep({ ms: 2 });
        p = yield* t.malloc(16, 8, "overflow.ts:3");
        for (let i = 0; i <= 16; i += 4) t.write32(p + i, i); // one word too far
      },
    });
    const clean = bootTest({ memcheck: true });
    clean.spawn(victim("va", 1, clean, true));
    clean.spawn(victim("vb", 2, clean, false));
    clean.run({ ms: 40 });
    const r = k.run({ ms: 40 });
    expect(r.reason).toBe("no-tasks");
    expect(k.faults).toHaveLength(1);
    const f = k.faults[0]!;
    expect(f.task).toBe("overflow");
    expect(f.kind).toBe("checker");
    expect(f.checker?.kind).toBe("heap-buffer-overflow");
    expect(f.checker?.taskName).toBe("overflow");
    expect(f.checker?.address).toBe(p + 16);
    expect(f.checker?.access).toBe("write");
    expect(f.dump).toContain("Memory checker:");
    expect(k.checker!.reports.map((x) => `${x.kind} ${x.taskName}`)).toEqual(["heap-buffer-overflow overflow"]);
    expect(footprint(k, ["va", "vb"])).toEqual(footprint(clean, ["va", "vb"]));
    expect(clean.checker!.reports).toEqual([]);
  });

  it("a syscall buffer the checker knows is freed is refused (bad-pointer)", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "uaf",
      *main(t) {
        const p = yield* t.malloc(16);
        t.writeString(p, "x\n");
        yield* t.free(p);
        yield* t.print(p, 2);
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("bad-pointer");
    expect(f.message).toMatch(/^BAD_POINTER: print: task uaf passed a buffer it may not read: /);
    expect(k.task("uaf")!.output).toEqual([]);
    // The checker's diagnosis goes with the fault: use after free, the block and its sites.
    expect(f.checker).toMatchObject({
      kind: "use-after-free",
      access: "read",
      size: 2,
      mode: "user",
      syscall: "print",
    });
    expect(f.checker!.block).toMatchObject({ size: 16, state: "quarantined", freed: { taskName: "uaf" } });
    expect(f.dump).toContain("Memory checker:");
    expect(k.checker!.reports.map((r) => r.kind)).toEqual(["use-after-free"]);
  });

  it("a double free in the free syscall is the task's (user mode, in syscall free), with the labels; fixed: one free", () => {
    for (const twice of [true, false]) {
      const k = bootTest({ memcheck: true });
      k.spawn({
        name: "df",
        *main(t) {
          const p = yield* t.malloc(16, 8, "df.ts:1");
          yield* t.free(p, "df.ts:2");
          if (twice) yield* t.free(p, "df.ts:3");
        },
      });
      k.run({ ms: 2 });
      if (!twice) {
        expect([k.faults, k.checker!.reports]).toEqual([[], []]);
        continue;
      }
      const r = k.faults[0]!.checker!;
      expect([r.kind, r.mode, r.taskName, r.syscall, r.message]).toEqual([
        "double-free",
        "user",
        "df",
        "free",
        "block freed twice (at df.ts:3)",
      ]);
      expect([r.block!.allocated.label, r.block!.freed!.label]).toEqual(["df.ts:1", "df.ts:2"]);
      // Simulated time in cycles, exact, with milliseconds beside: allocation and free never print alike.
      expect(r.timeUnit).toBe("cycles");
      expect(r.block!.freed!.time).toBeGreaterThan(r.block!.allocated.time);
      expect(formatReport(r).split("\n")[1]).toBe(
        "block freed twice (at df.ts:3) (task df, user mode, in syscall free)",
      );
      expect(formatReport(r)).toMatch(
        /allocated by task df at t=\d+ cycles \(\d+(\.\d+)? ms\) \(df\.ts:1\), freed by task df at t=\d+ cycles/,
      );
    }
  });
});

describe("slab-array task heaps", () => {
  it("hand out class-size blocks from slabs inside the task's heap block (region manager nested, 128-byte pages)", () => {
    const k = bootTest();
    const got: number[] = [];
    const t = k.spawn({
      name: "logger",
      heap: "slab-array",
      *main(t) {
        for (const size of [20, 20, 64, 200]) got.push(yield* t.malloc(size));
        t.write32(got[0]!, 0xabcd);
        got.push(yield* t.free(got[1]!));
        got.push(yield* t.malloc(24)); // the freed 32-byte block again
        got.push(yield* t.realloc(got[0]!, 100));
        got.push(t.read32(got.at(-1)!));
      },
    });
    k.run({ ms: 2 });
    expect(k.faults).toEqual([]);
    const h = t.heap!;
    expect(h.kind).toBe("slab-array");
    expect(SLAB_PAGE_ORDER).toBe(7);
    const [a, b, c, d, freed, again, moved, value] = got as [number, ...number[]];
    for (const x of [a, b, c, d, again, moved]) expect(x! >= h.base + 2 * 128 && x! < h.base + h.size).toBe(true);
    expect(b! - a!).toBe(32); // same 32-byte class, neighbours
    expect(freed).toBe(0);
    expect(again).toBe(b);
    expect(value).toBe(0xabcd); // realloc copied into the 128-byte class
    expect(h.allocator.blockSize(moved!)).toBe(128);
    expect(h.allocator.stats().liveBlocks).toBe(4);
  });

  it("with the checker, an overflow out of a slab block is a slab-out-of-bounds report", () => {
    const k = bootTest({ memcheck: true });
    k.spawn({
      name: "logger",
      heap: "slab-array",
      *main(t) {
        const p = yield* t.malloc(16);
        t.write32(p + 16, 1);
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("checker");
    expect(f.checker?.kind).toBe("slab-out-of-bounds");
  });
});

describe("boot and spawn errors", () => {
  it.each([
    [{ name: "" }, "BAD_TASK", /name must be/],
    [{ name: "x", priority: 32 }, "BAD_TASK", /priority must be an integer 0\.\.31/],
    [{ name: "x", stackSize: 64 }, "BAD_TASK", /stackSize/],
    [{ name: "x", heapSize: 100 }, "BAD_TASK", /heapSize/],
    [{ name: "x", heap: "buddy" }, "BAD_TASK", /heap must be/],
    [{ name: "x", slabClasses: [12] }, "BAD_TASK", /slabClasses/],
    [{ name: "x", partitions: { nope: "rw" } }, "UNKNOWN_PARTITION", /no partition nope/],
    [{ name: "x", partitions: { shared: "wx" } }, "BAD_TASK", /partitions\.shared must be/],
    [{ name: "x", faultPolicy: { restart: -1 } }, "BAD_TASK", /faultPolicy/],
    [{ name: "x", code: 2 ** 32 }, "BAD_TASK", /code must be a 32-bit address/],
    // A misspelt field is not dropped in silence (its default would apply).
    [
      { name: "x", stacksize: 4096 },
      "BAD_TASK",
      /^BAD_TASK: task "x": stacksize is not a task field \(did you mean stackSize\?\): TaskSpec has name, priority, /,
    ],
    [{ name: "x", timeout: 5 }, "BAD_TASK", /^BAD_TASK: task "x": timeout is not a task field: TaskSpec has /],
    // Larger than any STM32F407 region's largest block (64 KiB): no pages, as for a full region.
    [{ name: "x", heapSize: 16 * 1024 * 1024 }, "OUT_OF_MEMORY", /no room for the heap of x/],
    [{ name: "x", heapSize: 512 * 1024 }, "OUT_OF_MEMORY", /no room for the heap of x/],
    [{ name: "x", stackSize: 512 * 1024 }, "OUT_OF_MEMORY", /no room for the stack of x/],
  ])("spawn(%j): %s, nothing created", (spec, code, message) => {
    const k = bootTest();
    const free = k.regions.stats().map((r) => r.freePages);
    let err: unknown;
    try {
      k.spawn({ *main() {}, ...spec } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).code).toBe(code);
    expect((err as KernelError).message).toMatch(message);
    expect(k.tasks()).toEqual([]);
    expect(k.regions.stats().map((r) => r.freePages)).toEqual(free);
  });

  it("a board too small for the kernel block is OUT_OF_MEMORY saying how much it takes and where", () => {
    // 20 KiB of RAM: the image's 8 KiB at its start, then no free 8 KiB block aligned to 8 KiB.
    const board = defineBoard({
      name: "bluepill",
      core: "cortex-m3",
      memory: [
        { name: "FLASH", kind: "flash", start: 0x08000000, size: 64 * 1024 },
        { name: "RAM", start: 0x20000000, size: 20 * 1024 },
      ],
      peripherals: [{ name: "APB2", start: 0x40010000, size: 0x4000 }],
      devices: { USART1: 0x40013800 },
      roles: { uart: "USART1" },
    });
    expect(() => bootKernel({ board })).toThrow(
      expect.objectContaining({
        code: "OUT_OF_MEMORY",
        message:
          "OUT_OF_MEMORY: no room for the kernel block: it takes 8192 bytes (kernelHeapSize, a block of 2^k pages aligned to its size) and no free block of RAM (20480 bytes, the first 8192 taken by the image: imageSize) is that large",
        context: { order: 3, bytes: 8192, region: "RAM", imageSize: 8192 },
      }),
    );
    expect(bootKernel({ board, imageSize: 4096 }).kernelBlock).toEqual({ base: 0x20002000, size: 8192, order: 3 });
  });

  it("a partition larger than any region is OUT_OF_MEMORY, as one that does not fit now", () => {
    expect(() => bootTest({ partitions: [{ name: "big", size: 1024 * 1024 }] })).toThrow(
      expect.objectContaining({
        code: "OUT_OF_MEMORY",
        message:
          "OUT_OF_MEMORY: no room for partition big: it takes 1048576 bytes (size 1048576 rounded up to 2^k pages of 1024 bytes) and no free block of any RAM region is that large",
        context: { name: "big", size: 1048576, bytes: 1048576, region: null },
      }),
    );
  });

  it("a duplicate name is DUPLICATE_TASK; a board without a device is UNKNOWN_DEVICE", () => {
    const k = bootTest();
    k.spawn({ name: "a", *main() {} });
    expect(() => k.spawn({ name: "a", *main() {} })).toThrow(/^DUPLICATE_TASK: task a exists$/);
    expect(() => bootKernel({ board: STM32F407, watchdogCycles: -1 })).toThrow(/^BAD_CONFIG: watchdogCycles/);
  });

  it("an object name a syscall could not name (empty, over 64 characters; partitions 54) is BAD_CONFIG at boot", () => {
    const long = "p".repeat(65);
    const codes = [
      { partitions: [{ name: "p".repeat(55), size: 256 }] },
      { partitions: [{ name: "", size: 256 }] },
      { semaphores: [{ name: long }] },
      { queues: [{ name: long, messageSize: 4, capacity: 2 }] },
    ].map((o) => {
      try {
        bootKernel({ board: STM32F407, ...o });
        return "booted";
      } catch (e) {
        return (e as KernelError).code;
      }
    });
    expect(codes).toEqual(["BAD_CONFIG", "BAD_CONFIG", "BAD_CONFIG", "BAD_CONFIG"]);
    const k = bootKernel({
      board: STM32F407,
      partitions: [{ name: "p".repeat(54), size: 256 }],
      semaphores: [{ name: "s".repeat(64) }],
    });
    expect(k.partitions.get("p".repeat(54))?.size).toBe(1024); // whole pages
    expect(k.semaphores.has("s".repeat(64))).toBe(true);
  });

  it("a bad semaphore or queue at boot is BAD_CONFIG naming the one field and value at fault", () => {
    const cases: [object, string, string][] = [
      [
        { queues: [{ name: "q", messageSize: 300, capacity: 4 }] },
        "queues[0].messageSize",
        'queue "q": messageSize 300 is not an integer in 1..256',
      ],
      [
        { queues: [{ name: "q", messageSize: 8, capacity: 0 }] },
        "queues[0].capacity",
        'queue "q": capacity 0 is not an integer in 1..64',
      ],
      [
        {
          queues: [
            { name: "q", messageSize: 8, capacity: 2 },
            { name: "q", messageSize: 8, capacity: 2 },
          ],
        },
        "queues[1].name",
        'queue "q": the name is taken',
      ],
      [
        { queues: [{ name: "", messageSize: 8, capacity: 2 }] },
        "queues[0].name",
        'queue "": the name must be 1-64 characters',
      ],
      [
        { semaphores: [{ name: "s", initial: 3, max: 2 }] },
        "semaphores[0].initial",
        'semaphore "s": initial 3 is not an integer in 0..max (2)',
      ],
      [
        { semaphores: [{ name: "s", max: 0 }] },
        "semaphores[0].max",
        'semaphore "s": max 0 is not an integer in 1..2147483647 (a word of the control block)',
      ],
      [{ semaphores: [{ name: "s" }, { name: "s" }] }, "semaphores[1].name", 'semaphore "s": the name is taken'],
    ];
    const seen = cases.map(([o]) => {
      try {
        bootKernel({ board: STM32F407, ...o });
        return "booted";
      } catch (e) {
        return [(e as KernelError).code, (e as KernelError).context.field, (e as Error).message];
      }
    });
    expect(seen).toEqual(cases.map(([, field, message]) => ["BAD_CONFIG", field, `BAD_CONFIG: ${message}`]));
  });

  it("malformed option shapes are BAD_CONFIG naming the field, never a TypeError", () => {
    const cases: [unknown, string][] = [
      [undefined, "options"],
      [{}, "board"],
      [{ board: null }, "board"],
      [{ board: STM32F407, partitions: 0 }, "partitions"],
      [{ board: STM32F407, partitions: {} }, "partitions"],
      [{ board: STM32F407, semaphores: [null] }, "semaphores[0]"],
      [{ board: STM32F407, queues: [{ name: "q", messageSize: 16, capacity: 4 }, 7] }, "queues[1]"],
      // A misspelt field would be dropped and its default would apply (`inital`: a semaphore at 0).
      [{ board: STM32F407, semaphores: [{ name: "s", inital: 1 }] }, "semaphores[0].inital"],
      [{ board: STM32F407, partitions: [{ name: "p", size: 1024, Region: "CCM" }] }, "partitions[0].Region"],
      [{ board: STM32F407, queues: [{ name: "q", messageSize: 16, capacity: 4, depth: 8 }] }, "queues[0].depth"],
      [{ board: STM32F407, memcheck: null }, "memcheck"],
      [{ board: STM32F407, frames: null }, "frames"],
      [{ board: STM32F407, memcheck: { redzone: 2.5 } }, "memcheck.redzone"],
      [{ board: STM32F407, memcheck: { quarantineBytes: -1 } }, "memcheck.quarantineBytes"],
      // A misspelt option, cost or checker option was dropped too: the default applied.
      [{ board: STM32F407, watchdogCycle: 5000 }, "watchdogCycle"],
      [{ board: STM32F407, tickhz: 10_000 }, "tickhz"],
      [{ board: STM32F407, costs: { svcentry: 0 } }, "costs.svcentry"],
      [{ board: STM32F407, memcheck: { quarantine: 0 } }, "memcheck.quarantine"],
    ];
    const seen = cases.map(([options]) => {
      try {
        bootKernel(options as never);
        return "booted";
      } catch (e) {
        return [(e as Error).name, (e as KernelError).code, (e as KernelError).context.field];
      }
    });
    expect(seen).toEqual(cases.map(([, field]) => ["KernelError", "BAD_CONFIG", field]));
    expect(() => bootKernel({ board: STM32F407, semaphores: [{ name: "s", inital: 1 } as never] })).toThrow(
      /^BAD_CONFIG: semaphores\[0\]\.inital is not a SemaphoreSpec field: SemaphoreSpec has name, initial, max$/,
    );
    expect(() =>
      bootKernel({ board: STM32F407, queues: [{ name: "q", MessageSize: 16, capacity: 4 } as never] }),
    ).toThrow(
      /^BAD_CONFIG: queues\[0\]\.MessageSize is not a QueueSpec field \(did you mean messageSize\?\): QueueSpec has name, messageSize, capacity$/,
    );
    expect(() => bootKernel({ board: STM32F407, tickhz: 10_000 } as never)).toThrow(
      /^BAD_CONFIG: tickhz is not a kernel option \(did you mean tickHz\?\): KernelOptions has board, pageOrder, tickHz, /,
    );
  });

  it("option values nothing else checked are BAD_CONFIG naming the field (they were taken as something else)", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tickHz: Number.NaN }, "tickHz"], // it was reported as a bad watchdogCycles
      [{ tickHz: 0 }, "tickHz"],
      [{ seed: Number.NaN }, "seed"], // the sensor's noise was seeded with 1
      [{ seed: "7" }, "seed"],
      [{ seed: 1.5 }, "seed"],
      [{ kernelHeapSize: Number.NaN }, "kernelHeapSize"], // it booted, and no TCB fitted
      [{ kernelHeapSize: -5 }, "kernelHeapSize"],
      [{ watchdogInterrupt: "no" }, "watchdogInterrupt"], // a string: the interrupt was on
      [{ allocationTooBig: "Fault" }, "allocationTooBig"], // the default, "null", applied
    ];
    const seen = cases.map(([options]) => {
      try {
        bootKernel({ board: STM32F407, ...options } as never);
        return "booted";
      } catch (e) {
        return [(e as Error).name, (e as KernelError).code, (e as KernelError).context.field];
      }
    });
    expect(seen).toEqual(cases.map(([, field]) => ["KernelError", "BAD_CONFIG", field]));
    const k = bootKernel({
      board: STM32F407,
      tickHz: 10_000,
      seed: -3,
      kernelHeapSize: 4096,
      watchdogInterrupt: false,
    });
    expect(k.spawn({ name: "a", *main() {} }).name).toBe("a");
  });

  it("spawn: a description that is not an object, or devices that is not an array, is BAD_TASK, nothing created", () => {
    const k = bootTest();
    for (const spec of [undefined, null, 7]) {
      expect(() => k.spawn(spec as never)).toThrow(expect.objectContaining({ name: "KernelError", code: "BAD_TASK" }));
    }
    expect(() => k.spawn({ name: "x", devices: 7 as never, *main() {} })).toThrow(
      /^BAD_TASK: task "x": devices must be an array of device roles$/,
    );
    expect(k.tasks()).toEqual([]);
  });

  it("spawn: a device role named twice is BAD_TASK (it took a second MPU region for the same device), nothing created", () => {
    const k = bootTest();
    expect(() => k.spawn({ name: "x", devices: ["uart", "gpio", "uart"], *main() {} })).toThrow(
      expect.objectContaining({
        name: "KernelError",
        code: "BAD_TASK",
        message: 'BAD_TASK: task "x": devices names "uart" twice',
        context: { task: "x", field: "devices" },
      }),
    );
    expect(k.tasks()).toEqual([]);
    expect(k.spawn({ name: "x", devices: ["uart", "gpio"], *main() {} }).grants.map((g) => g.id)).toEqual([
      "stack",
      "heap",
      "code",
      "device:uart",
      "device:gpio",
    ]);
  });

  it("run: a limit with neither ms nor slices is BAD_ARGUMENT (it was a run that never ended)", () => {
    const k = bootTest();
    k.spawn({
      name: "forever",
      *main(t) {
        for (;;) yield* t.sleep({ ms: 1 });
      },
    });
    for (const limit of [{}, { slices: undefined }, null, "1"]) {
      expect(() => k.run(limit as never)).toThrow(
        expect.objectContaining({
          name: "KernelError",
          code: "BAD_ARGUMENT",
          context: expect.objectContaining({ field: "limit" }),
        }),
      );
    }
    expect(k.nowMs()).toBe(0); // nothing ran
    expect(k.run({ ms: 2 })).toMatchObject({ reason: "until", ms: 2 });
  });

  it("a task of another kernel, or no task, given to stackUsage, taskTiming, grant, schedTask or validateBuffer is UNKNOWN_TASK, nothing changed", () => {
    const k = bootTest();
    const other = bootTest();
    const mine = k.spawn({ name: "a", partitions: { shared: "rw" }, *main() {} });
    const theirs = other.spawn({ name: "a", stackSize: 2048, *main() {} });
    const before = { plan: mine.plan, grants: mine.grants, usage: k.stackUsage(mine), theirs: theirs.plan };
    const calls: [string, (t: never) => unknown][] = [
      ["stackUsage", (t) => k.stackUsage(t)],
      ["taskTiming", (t) => k.taskTiming(t)],
      ["grant", (t) => k.grant(t, "ro", "ro")],
      ["schedTask", (t) => k.schedTask(t)],
      ["validateBuffer", (t) => k.validateBuffer(t, mine.stack.top - 4, 4, "read")],
    ];
    // Another kernel's task (same id, other addresses: stackUsage scanned this kernel's memory
    // at them), a look-alike copy, an unknown id, and no object (TypeErrors before).
    const forged: [string, unknown][] = [
      ["theirs", theirs],
      ["a copy", { ...mine }],
      ["id 99", { id: 99 }],
      ["undefined", undefined],
      ["null", null],
      ["1", 1],
    ];
    for (const [op, call] of calls) {
      for (const [what, t] of forged) {
        let error: unknown;
        try {
          call(t as never);
        } catch (e) {
          error = e;
        }
        expect(error, `${op}(${what})`).toBeInstanceOf(KernelError);
        expect(error).toMatchObject({ code: "UNKNOWN_TASK", context: { op } });
      }
    }
    expect({ plan: mine.plan, grants: mine.grants, usage: k.stackUsage(mine), theirs: theirs.plan }).toEqual(before);
  });

  it("spawn and createPartition from an event listener during a run do the kernel's work as the kernel: the running task is not faulted", () => {
    const k = bootTest();
    const done: string[] = [];
    k.spawn({
      name: "a",
      *main(t) {
        for (let i = 0; i < 3; i++) yield* t.sleep({ ms: 1 });
        done.push("a");
      },
    });
    let added = false;
    k.events.on("switch", (e) => {
      if (added || e.to !== "a") return;
      added = true; // while a holds the CPU: the core is unprivileged, in a's MPU view
      k.createPartition("late", 256);
      k.spawn({
        name: "late",
        partitions: { late: "rw" },
        *main(t) {
          t.write32(k.partitions.get("late")!.base, 7);
          yield* t.yield();
          done.push("late");
        },
      });
    });
    expect(k.run({ ms: 10 }).reason).toBe("no-tasks");
    // Before: the region manager's first metadata read was the task's, a MemManage fault of a's.
    expect(k.faults).toEqual([]);
    expect(done).toEqual(["late", "a"]);
    expect(k.machine.bus.peek(k.partitions.get("late")!.base, 4)).toEqual(new Uint8Array([7, 0, 0, 0]));
  });

  it("run: a bad ms or slices is BAD_ARGUMENT before the run starts anything (it was the scheduler's DURATION after cycle counting was on; slices Infinity never ended)", () => {
    const k = bootTest();
    k.spawn({
      name: "forever",
      *main(t) {
        for (;;) yield* t.sleep({ ms: 1 });
      },
    });
    const cases: [unknown, string, unknown][] = [
      [{ ms: Number.NaN }, "ms", Number.NaN],
      [{ ms: -1 }, "ms", -1],
      [{ ms: Number.POSITIVE_INFINITY }, "ms", Number.POSITIVE_INFINITY],
      [{ ms: "5" }, "ms", "string"],
      [{ ms: 1e300 }, "ms", 1e300], // 1.68e305 cycles: past 2^53 - 1, the clock's last cycle
      [{ ms: 2 ** 53 / 168_000 }, "ms", 2 ** 53 / 168_000],
      [{ slices: Number.POSITIVE_INFINITY }, "slices", Number.POSITIVE_INFINITY],
      [{ slices: -1 }, "slices", -1],
      [{ slices: 1.5 }, "slices", 1.5],
      [{ slices: Number.NaN }, "slices", Number.NaN],
      [{ ms: 5, slices: "2" }, "slices", "string"],
    ];
    for (const [limit, field, value] of cases) {
      let error: unknown;
      try {
        k.run(limit as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(limit)).toBeInstanceOf(KernelError);
      expect(error).toMatchObject({ code: "BAD_ARGUMENT", context: { op: "run", field, value } });
    }
    // Nothing started: cycle counting is still off (a spawn now costs no time) and no time passed.
    expect(k.machine.core.countCycles).toBe(false);
    expect(k.machine.core.cycles).toBe(0);
    expect(k.nowMs()).toBe(0);
    expect(k.schedTask(k.task("forever")!).state).toBe("ready");
    expect(k.run({ ms: 2, slices: 0 })).toMatchObject({ reason: "slices", ms: 0 });
    expect(k.run({ ms: 2 })).toMatchObject({ reason: "until", ms: 2 });
  });

  it("boot: MPU on with PRIVDEFENA, fault exceptions enabled, kernel block privileged only", () => {
    const k = bootTest();
    expect(k.machine.mpu.control).toBe(0b101);
    expect(k.machine.scb.shcsr & 0x70000).toBe(0x70000);
    expect(k.kernelBlock).toEqual({ base: 0x20004000, size: 0x2000, order: 3 });
    expect(k.machine.mpu.region(7)).toMatchObject({ enabled: true, base: 0x20004000, size: 0x2000, access: "priv-rw" });
  });
});

describe("every built-in board", () => {
  it.each(BOARDS.map((b) => [b.name, b] as const))(
    "%s: boots, isolates, and the checker stays quiet",
    (_name, board) => {
      const k = bootKernel({ board, partitions: [{ name: "p", size: 1024 }], memcheck: true });
      k.spawn({
        name: "a",
        partitions: { p: "rw" },
        devices: ["uart"],
        *main(t) {
          const x = yield* t.malloc(8);
          t.write32(k.partitions.get("p")!.base, 7);
          t.writeString(x, "ok\n");
          yield* t.print(x, 3);
          yield* t.free(x);
        },
      });
      k.spawn({
        name: "b",
        *main(t) {
          yield* t.sleep({ ms: 1 });
          t.read32(k.kernelBlock.base);
        },
      });
      const r = k.run({ ms: 5 });
      expect(r.reason).toBe("no-tasks");
      expect(k.task("a")!.output).toEqual(["ok"]);
      // ARMv6-M (RP2040): the same MPU stop is a HardFault; the classification is the simulator's.
      const kind = board.core === "cortex-m0plus" ? "hardfault" : "memmanage";
      expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress])).toEqual([
        ["b", kind, 0x82, k.kernelBlock.base],
      ]);
      expect(k.checker!.reports).toEqual([]);
      const n = k.machine.mpu.regionCount;
      const labels = k.task("a")!.plan.regions.map((g) => g?.label);
      expect(labels.at(-1)).toBe("kernel"); // the kernel's only region, highest-numbered
      expect(labels).toContain("code"); // the task's own code region
      expect(n === 8 || n === 16).toBe(true);
    },
  );
});
