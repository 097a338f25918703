import { SimError, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineApp } from "./app.js";
import { bootKernel } from "./boot.js";
import type { KernelOptions, TaskSpec } from "./config.js";
import { KernelError } from "./errors.js";
import type { Kernel } from "./kernel.js";
import { bootTest } from "./test-kit.js";

// Untrusted structured data: whatever value each field of the kernel options or of a task
// spec holds, bootKernel and kernel.spawn either accept it or throw a typed error (KernelError,
// or the SimError of the package that checks it) naming the field; a refused spawn allocates
// nothing (the region manager's and the kernel heap's statistics are unchanged) and the kernel
// goes on running its other tasks. The only other exception is the caller's own: the error a
// getter or a proxy trap of the value throws.

/** What the hostile getters throw: it may pass through, nothing else may. */
class CallerError extends Error {}

const EDGE_NUMBERS = fc.constantFrom(
  Number.NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  -1,
  0.5,
  1,
  7,
  0xffffffff,
  0x1_0000_0000,
  2 ** 53,
  Number.MAX_VALUE,
);
const throwing = (): unknown =>
  Object.defineProperty({}, "valueOf", {
    enumerable: true,
    get() {
      throw new CallerError("valueOf getter");
    },
  });
/** A wrong value of any type, weighted to the edges. */
const WRONG = fc.oneof(
  EDGE_NUMBERS,
  fc.constantFrom(null, undefined, true, false, "", "x", "rw", "stop", [], {}, [undefined], 10n, Symbol("s")),
  fc.constant(null).map(throwing),
  fc.constant(null).map(() => new Proxy({}, {})),
  fc.constant(null).map(() => Object.freeze({ ms: 1 })),
  fc.constant(null).map(() => {
    const sparse: unknown[] = [];
    sparse[2] = "shared";
    return sparse;
  }),
  fc.anything(),
);

/** A valid task spec (the fields' valid values) with some fields replaced by wrong ones. */
const VALID_SPEC: Record<string, unknown> = {
  name: "fuzzed",
  priority: 2,
  privileged: false,
  stackSize: 1024,
  heapSize: 4096,
  heap: "tlsf",
  partitions: { shared: "rw" },
  queues: { q: "send" },
  semaphores: { s: "take" },
  devices: ["uart"],
  faultPolicy: "stop",
  period: { ms: 10 },
  deadline: { ms: 5 },
  watchdogCycles: 100_000,
  *main() {},
};
/** The fields of TaskSpec. */
const TASK_FIELDS = [...Object.keys(VALID_SPEC), "region", "slabClasses", "code", "mutexes"];
const SPEC_FIELDS = [...Object.keys(VALID_SPEC), "region", "slabClasses", "code", "mutexes", "__proto__", "nmae"];

const SPEC = fc
  .tuple(
    fc.subarray(Object.keys(VALID_SPEC)),
    fc.array(fc.tuple(fc.constantFrom(...SPEC_FIELDS), WRONG), { minLength: 1, maxLength: 3 }),
  )
  .map(([kept, wrong]) => {
    const spec: Record<string, unknown> = { name: VALID_SPEC.name, main: VALID_SPEC.main };
    for (const k of kept) spec[k] = VALID_SPEC[k];
    for (const [k, v] of wrong)
      Object.defineProperty(spec, k, { value: v, enumerable: true, writable: true, configurable: true });
    return spec;
  });

/** What a failed call may have changed: the region manager's and the kernel heap's figures, the tasks. */
function footprint(k: Kernel): unknown {
  return { regions: k.regions.stats(), kernelHeap: k.kernelHeap.allocator.stats(), tasks: k.tasks().length };
}

/** A typed error naming the field, or the caller's own error; anything else fails the property. */
function expectTyped(e: unknown, what: string): void {
  if (e instanceof CallerError) return;
  if (!(e instanceof SimError)) throw e;
  const field = (e.context as { field?: unknown }).field;
  if (e.code === "BAD_CONFIG" || e.code === "BAD_TASK") expect(typeof field, `${what}: ${e.message}`).toBe("string");
}

describe("kernel options and task specs under fuzzing", () => {
  it("spawn: a task or a typed error naming the field, and nothing allocated on error", () => {
    fc.assert(
      fc.property(SPEC, (spec) => {
        const k = bootTest();
        const before = footprint(k);
        let spawned = false;
        try {
          const task = k.spawn(spec as unknown as TaskSpec);
          spawned = true;
          // Accepted: only TaskSpec's own fields, and the privilege asked for as an own field.
          for (const key of Object.keys(spec)) expect(TASK_FIELDS).toContain(key);
          expect(task.privileged).toBe(Object.hasOwn(spec, "privileged") && spec.privileged === true);
        } catch (e) {
          expectTyped(e, "spawn");
          expect(footprint(k)).toEqual(before);
        }
        // The kernel goes on: another task spawns and runs to its end.
        let ran = false;
        k.spawn({
          name: "after",
          *main(t) {
            ran = true;
            yield* t.sleep({ ms: 1 });
          },
        });
        k.run({ ms: spawned ? 30 : 2 });
        expect(ran).toBe(true);
      }),
      { numRuns: 100, seed: 0xf022002 },
    );
  });

  it("bootKernel: a kernel or a typed error naming the field", () => {
    const OPTION_FIELDS = [
      "board",
      "pageOrder",
      "tickHz",
      "memcheck",
      "allocationTooBig",
      "faultSites",
      "seed",
      "partitions",
      "semaphores",
      "mutexes",
      "queues",
      "watchdogCycles",
      "watchdogInterrupt",
      "codeIsolation",
      "imageSize",
      "kernelHeapSize",
      "costs",
      "frames",
      "__proto__",
    ];
    const nested = fc.oneof(
      fc.tuple(fc.constantFrom(...OPTION_FIELDS), WRONG).map(([f, v]) => ({ [f]: v })),
      fc
        .tuple(fc.constantFrom("name", "size", "region", "initial", "max", "messageSize", "capacity"), WRONG)
        .map(([f, v]) => ({
          partitions: [{ name: "p", size: 1024, ...Object.defineProperty({}, f, { value: v, enumerable: true }) }],
          semaphores: [
            { name: "s", initial: 0, max: 2, ...Object.defineProperty({}, f, { value: v, enumerable: true }) },
          ],
          queues: [
            { name: "q", messageSize: 4, capacity: 2, ...Object.defineProperty({}, f, { value: v, enumerable: true }) },
          ],
        })),
      fc
        .tuple(fc.constantFrom("redzone", "quarantineBytes", "onError", "sourceSites", "stackRedzone"), WRONG)
        .map(([f, v]) => ({ memcheck: Object.defineProperty({}, f, { value: v, enumerable: true }) })),
      fc
        .tuple(fc.constantFrom("svcEntry", "contextSwitch", "tick", "nope"), WRONG)
        .map(([f, v]) => ({ costs: Object.defineProperty({}, f, { value: v, enumerable: true }) })),
    );
    fc.assert(
      fc.property(fc.array(nested, { minLength: 1, maxLength: 2 }), (patches) => {
        const options: Record<string, unknown> = {};
        for (const p of patches) {
          for (const [k, v] of Object.entries(p)) {
            Object.defineProperty(options, k, { value: v, enumerable: true, writable: true, configurable: true });
          }
        }
        let k: Kernel;
        try {
          k = bootTest(options as Partial<KernelOptions>);
        } catch (e) {
          expectTyped(e, "boot");
          return;
        }
        expect(k.regions.stats().length).toBeGreaterThan(0);
      }),
      { numRuns: 200, seed: 0xf022003 },
    );
  });
});

describe("app descriptions under fuzzing", () => {
  it("defineApp: the app, or BAD_CONFIG naming the field", () => {
    const APP = fc.record(
      {
        name: fc.oneof(fc.constant("app"), WRONG),
        description: fc.oneof(fc.constant("an app"), WRONG),
        board: fc.oneof(fc.constantFrom("stm32f407", "STM32H743", "nope"), WRONG),
        durationMs: fc.oneof(fc.constant(10), WRONG),
        tasks: fc.oneof(fc.constant([]), WRONG),
        observe: fc.oneof(
          fc.constant(() => {}),
          WRONG,
        ),
        kernel: fc.oneof(fc.constant({ tickHz: 1000 }), fc.constant({ board: STM32F407 }), WRONG),
        nmae: WRONG,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(APP, (app) => {
        try {
          expect(defineApp(app as never)).toBe(app);
        } catch (e) {
          expectTyped(e, "defineApp");
          expect((e as KernelError).code).toBe("BAD_CONFIG");
        }
      }),
      { numRuns: 300, seed: 0xf022004 },
    );
  });
});

describe("kernel options and task specs: what the fuzzing found", () => {
  it('an app board that is not a string is BAD_CONFIG board (was findBoard\'s BAD_ARGUMENT naming "name")', () => {
    const e = kernelErrorOf(() => defineApp({ name: "a", description: "", tasks: [], board: 5 as never }));
    expect([e.message, e.context]).toEqual(['BAD_CONFIG: app "a": board 5 is not a known board', { field: "board" }]);
    const nope = kernelErrorOf(() => defineApp({ name: "a", description: "", tasks: [], board: "nope" }));
    expect(nope.message).toBe('BAD_CONFIG: app "a": board "nope" is not a known board');
  });

  const main = function* () {};

  it("a task spec's own \"__proto__\" key is BAD_TASK (its fields became the copy's prototype: a privileged task)", () => {
    const k = bootTest();
    const before = footprint(k);
    const spec = JSON.parse('{"name": "x", "__proto__": {"privileged": true, "partitions": {"secret": "rw"}}}');
    const e = kernelErrorOf(() => k.spawn({ ...spec, main }));
    expect(e.message).toBe(
      `BAD_TASK: task "x": __proto__ is not a task field: TaskSpec has name, priority, privileged, stackSize, heapSize, region, heap, slabClasses, code, partitions, queues, semaphores, mutexes, devices, faultPolicy, period, deadline, watchdogCycles, main`,
    );
    expect(e.context).toEqual({ task: "x", field: "__proto__" });
    expect(footprint(k)).toEqual(before);
  });

  it("a bigint or an object without a prototype as a name is BAD_TASK / BAD_CONFIG, not a TypeError of the message", () => {
    const k = bootTest();
    const e = kernelErrorOf(() => k.spawn({ name: 10n as unknown as string, main }));
    expect([e.message, e.context]).toEqual([
      "BAD_TASK: task 10n: name must be 1-32 letters, digits, _ . -",
      { task: 10n, field: "name" },
    ]);
    const q = kernelErrorOf(() =>
      bootTest({ queues: [{ name: "q", messageSize: 10n as unknown as number, capacity: 2 }] }),
    );
    expect(q.message).toBe('BAD_CONFIG: queue "q": messageSize 10n is not an integer in 1..256');
    expect(q.context).toMatchObject({ field: "queues[0].messageSize" });
    const s = kernelErrorOf(() => bootTest({ semaphores: [{ name: Object.create(null) as string }] }));
    expect(s.message).toBe("BAD_CONFIG: semaphore an object: the name must be 1-64 characters");
    expect(s.context).toMatchObject({ field: "semaphores[0].name" });
  });

  it("a hole or a non-string in a task's devices or mutexes is BAD_TASK at its index (was UNKNOWN_DEVICE 'no undefined')", () => {
    const k = bootTest({ mutexes: [{ name: "m" }] });
    const before = k.regions.stats();
    const devices: unknown[] = [];
    devices[1] = "uart";
    const d = kernelErrorOf(() => k.spawn({ name: "a", devices: devices as never, main }));
    expect([d.message, d.context]).toEqual([
      'BAD_TASK: task "a": devices[0] must be a device role (a string)',
      { task: "a", field: "devices[0]" },
    ]);
    const m = kernelErrorOf(() => k.spawn({ name: "a", mutexes: ["m", 7 as unknown as string], main }));
    expect([m.message, m.context]).toEqual([
      'BAD_TASK: task "a": mutexes[1] must be a mutex name (a string)',
      { task: "a", field: "mutexes[1]" },
    ]);
    // A string the board or kernel lacks is still the UNKNOWN_ code.
    expect(kernelErrorOf(() => k.spawn({ name: "a", devices: ["uart", "radio" as never], main })).code).toBe(
      "UNKNOWN_DEVICE",
    );
    expect(k.tasks()).toEqual([]);
    expect(k.regions.stats()).toEqual(before);
  });

  it("a tickHz that gives no whole number of cycles in 1..2^24 per tick is BAD_CONFIG tickHz (was the scheduler's SCHED_OPTION)", () => {
    const e = kernelErrorOf(() => bootKernel({ board: STM32F407, tickHz: 7 }));
    expect([e.message, e.context]).toEqual([
      "BAD_CONFIG: tickHz 7 gives 24000000 core cycles per tick at clockHz 168000000: a tick must be a whole number of cycles in 1..2^24 (SysTick's 24-bit reload)",
      { field: "tickHz", value: 7, clockHz: 168_000_000, cyclesPerTick: 24_000_000 },
    ]);
    expect(kernelErrorOf(() => bootKernel({ board: STM32F407, tickHz: 336_000_000 })).context).toMatchObject({
      field: "tickHz",
      cyclesPerTick: 0.5,
    });
    expect(kernelErrorOf(() => bootKernel({ board: STM32F407, tickHz: 11 })).code).toBe("BAD_CONFIG");
    expect(bootKernel({ board: STM32F407, tickHz: 168_000_000 }).kernelBlock.base).toBe(0x20004000);
  });

  it("a hole in a list of kernel objects is BAD_CONFIG at its index (boot skipped it)", () => {
    const partitions: unknown[] = [];
    partitions[1] = { name: "p", size: 64 };
    const e = kernelErrorOf(() => bootKernel({ board: STM32F407, partitions: partitions as never }));
    expect([e.message, e.context]).toEqual([
      "BAD_CONFIG: partitions[0] must be an object",
      { field: "partitions[0]", value: undefined },
    ]);
  });

  it("every BAD_CONFIG of boot names its field: partitions[i].size, .region, watchdogCycles, codeIsolation", () => {
    const size = kernelErrorOf(() => bootKernel({ board: STM32F407, partitions: [{ name: "p", size: -0.5 }] }));
    expect([size.message, size.context]).toEqual([
      "BAD_CONFIG: partition p: size must be a positive integer, got -0.5",
      { name: "p", size: -0.5, field: "partitions[0].size", value: -0.5 },
    ]);
    const region = kernelErrorOf(() =>
      bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 64, region: "DTCM" }] }),
    );
    expect([region.message, region.context]).toEqual([
      'BAD_CONFIG: partition p: region must be one of the board\'s RAM regions: CCM, SRAM1, SRAM2, got "DTCM"',
      { name: "p", field: "partitions[0].region", value: "DTCM" },
    ]);
    const watchdog = kernelErrorOf(() => bootKernel({ board: STM32F407, watchdogCycles: Number.NaN }));
    expect(watchdog.context).toMatchObject({ field: "watchdogCycles" });
    const isolation = kernelErrorOf(() => bootKernel({ board: STM32F407, codeIsolation: "none" as never }));
    expect(isolation.context).toMatchObject({ field: "codeIsolation", value: "none" });
  });
});

/** The KernelError `fn` throws (anything else fails the test). */
function kernelErrorOf(fn: () => unknown): KernelError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  throw new Error("expected a KernelError");
}
