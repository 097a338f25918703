/**
 * An optional field given as `undefined` is the field left out: the same kernel, the same run,
 * event for event. A consumer under `exactOptionalPropertyTypes` writes `memcheck: cfg.memcheck`
 * (the types take it: `tools/exact-optional` holds them to it); these hold the kernel to it at
 * run time, including the shape checks that refuse unknown fields.
 */
import { describe, expect, it } from "vitest";
import { type AppDescription, type AppRun, defineApp, runApp, startApp } from "./app.js";
import { bootKernel } from "./boot.js";
import type { TaskSpec } from "./config.js";
import { KERNEL_OPTION_FIELDS } from "./options-check.js";
import { hashBytes, victim } from "./test-kit.js";
import { KERNEL_COSTS } from "./timing/kernel-costs.js";

/** Every field of `table` but `keep`, each `undefined`. */
function allUndefined(table: object, keep: readonly string[] = []): Record<string, undefined> {
  return Object.fromEntries(Object.keys(table).flatMap((k) => (keep.includes(k) ? [] : [[k, undefined]])));
}

/** What a run did: its result, the tasks' output and states, the faults, the RAM's bytes. */
function fingerprint(run: AppRun): unknown {
  const k = run.kernel;
  return {
    result: run.result,
    checks: run.checks,
    leaks: run.leaks,
    tasks: k.scheduler.tasks().map((t) => [t.name, t.state, t.stats.slices, k.task(t.name)?.output]),
    faults: k.faults.map((f) => [f.task, f.kind, f.ms, f.message]),
    ram: hashBytes(k.layout.ram.map((r) => k.machine.bus.peek(r.start, r.size))),
  };
}

/** Victims, a semaphore, a partition in a named region and a rogue faulting at 3 ms. */
function app(kernel: AppDescription["kernel"], extra: Partial<TaskSpec> = {}): AppDescription {
  return {
    name: "undefined-fields",
    description: "victims and a rogue",
    durationMs: 20,
    memcheck: true,
    kernel,
    tasks: (env) => [
      { ...victim("va", 1, env, true), ...extra },
      victim("vb", 2, env, false),
      {
        name: "rogue",
        *main(t) {
          yield { op: "sleep", ms: 3 };
          t.read32(env.kernelBlock.base);
        },
      },
    ],
  };
}

const LISTS = {
  partitions: [
    { name: "shared", size: 1024 },
    { name: "ro", size: 1024 },
  ],
  semaphores: [{ name: "s" }],
} as const;

describe("an explicit undefined is an absent field", () => {
  const absent = fingerprint(runApp(app(LISTS)));

  it("in every KernelOptions field (bootKernel and the app's kernel options)", () => {
    const booted = startApp(app(LISTS), {}, (o) => bootKernel({ ...allUndefined(KERNEL_OPTION_FIELDS), ...o }));
    const result = booted.run();
    expect(
      fingerprint({ app: booted.app, kernel: booted.kernel, result, checks: booted.checks(), leaks: null }),
    ).toEqual({ ...(absent as object), leaks: null });
    const inApp = { ...allUndefined(KERNEL_OPTION_FIELDS, ["board", "memcheck", "seed"]), ...LISTS };
    expect(fingerprint(runApp(app(inApp)))).toEqual(absent);
  });

  it("in the fields of the options' objects and list entries", () => {
    const nested: AppDescription["kernel"] = {
      partitions: LISTS.partitions.map((p) => ({ ...p, region: undefined })),
      semaphores: [{ name: "s", initial: undefined, max: undefined }],
      // Was BAD_CONFIG "costs.svcDispatch must be an integer >= 0": the spread over the defaults
      // copied the undefined.
      costs: allUndefined(KERNEL_COSTS),
      faultSites: { root: undefined, map: undefined, skip: undefined, syscalls: undefined },
      frames: { redzone: undefined, observer: undefined },
    };
    expect(fingerprint(runApp(app(nested)))).toEqual(
      fingerprint(runApp(app({ ...LISTS, costs: {}, faultSites: {}, frames: {} }))),
    );
    const memcheck = {
      redzone: undefined,
      quarantineBytes: undefined,
      onError: undefined,
      sourceSites: undefined,
      stackRedzone: undefined,
      stackUseAfterReturn: undefined,
    };
    expect(fingerprint(runApp({ ...app(LISTS), memcheck }))).toEqual(
      fingerprint(runApp({ ...app(LISTS), memcheck: {} })),
    );
  });

  it("in every optional TaskSpec field", () => {
    const spec: Required<{ [K in Exclude<keyof TaskSpec, "name" | "main" | "partitions">]: undefined }> = {
      priority: undefined,
      privileged: undefined,
      stackSize: undefined,
      heapSize: undefined,
      region: undefined,
      heap: undefined,
      slabClasses: undefined,
      code: undefined,
      queues: undefined,
      semaphores: undefined,
      mutexes: undefined,
      devices: undefined,
      faultPolicy: undefined,
      period: undefined,
      deadline: undefined,
      watchdogCycles: undefined,
    };
    expect(fingerprint(runApp(app(LISTS, spec)))).toEqual(absent);
  });

  it("in every RunAppOptions field, every optional AppDescription field and kernel.run's slices", () => {
    const options = {
      board: undefined,
      seed: undefined,
      durationMs: undefined,
      memcheck: undefined,
      faultSites: undefined,
      beforeRun: undefined,
    };
    expect(fingerprint(runApp(app(LISTS), options))).toEqual(absent);
    const bare: AppDescription = {
      name: "bare",
      description: "one sleeper",
      tasks: [
        {
          name: "sleeper",
          *main(t) {
            for (;;) yield* t.sleep({ ms: 100 });
          },
        },
      ],
    };
    const described = defineApp({
      ...bare,
      board: undefined,
      durationMs: undefined,
      memcheck: undefined,
      kernel: undefined,
      observe: undefined,
      check: undefined,
      expectFault: undefined,
      expectReport: undefined,
    });
    expect(fingerprint(runApp(described))).toEqual(fingerprint(runApp(bare)));
    const session = startApp(app(LISTS));
    expect(session.kernel.run({ ms: 20, slices: undefined })).toEqual(startApp(app(LISTS)).run());
  });
});
