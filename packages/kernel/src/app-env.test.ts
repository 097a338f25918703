import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { type AppDescription, defineApp, startApp } from "./app.js";
import type { AppEnv } from "./app-env.js";
import { KernelError } from "./errors.js";
import type { Kernel } from "./kernel.js";

/** A partition, a victim with a heap and a task that reads where the victim lies at run time. */
function app(extra: Partial<AppDescription> = {}): AppDescription {
  return {
    name: "env",
    description: "the environment of a task factory",
    durationMs: 5,
    kernel: { partitions: [{ name: "shared", size: 1024 }] },
    tasks: () => [{ name: "va", heapSize: 4096, *main() {} }],
    ...extra,
  };
}

/** The objects reachable from `o` through its properties (functions are not entered: closures hide what they hold). */
function reachable(o: unknown, seen = new Set<object>()): Set<object> {
  if (typeof o !== "object" || o === null || seen.has(o)) return seen;
  seen.add(o);
  for (const k of Reflect.ownKeys(o)) reachable((o as Record<PropertyKey, unknown>)[k], seen);
  return seen;
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return "none";
  } catch (e) {
    return e instanceof KernelError ? `${e.code} ${JSON.stringify(e.context)}` : String(e);
  }
}

describe("AppEnv: what a task factory gets", () => {
  it("facts only: no kernel, machine or core anywhere in it, and the object is frozen", () => {
    const s = startApp(app());
    const env = s.env;
    expect(Object.keys(env).sort()).toEqual([
      "board",
      "device",
      "durationMs",
      "kernelBlock",
      "partition",
      "seed",
      "task",
    ]);
    expect("kernel" in env).toBe(false);
    expect(Object.isFrozen(env)).toBe(true);
    const privileged = [s.kernel, s.kernel.machine, s.kernel.machine.core, s.kernel.machine.bus, s.kernel.machine.mpu];
    const found = [...reachable(env)].filter((o) => privileged.includes(o as never));
    expect(found).toEqual([]);
  });

  it("the board is a deep frozen copy of the public description: a task factory cannot change the board table", () => {
    const env = startApp(app()).env;
    expect(env.board).toEqual(STM32F407);
    expect(env.board).not.toBe(STM32F407);
    expect(Object.isFrozen(env.board.memory[0])).toBe(true);
    expect(() => {
      (env.board as { clockHz: number }).clockHz = 1;
    }).toThrow(TypeError);
    expect(env.board.clockHz).toBe(168_000_000);
  });

  it("kernelBlock, partition and task give the kernel's own addresses as frozen data", () => {
    const s = startApp(app());
    const { kernel: k, env } = s;
    const va = k.task("va")!;
    expect(env.kernelBlock).toEqual({ base: k.kernelBlock.base, size: k.kernelBlock.size });
    expect(env.partition("shared")).toEqual({ base: k.partitions.get("shared")!.base, size: 1024 });
    const where = env.task("va");
    expect(where).toEqual({
      id: va.id,
      name: "va",
      code: va.code,
      stack: { base: va.stack.base, top: va.stack.top },
      heap: { base: va.heap!.base, size: va.heap!.size },
      tcb: va.tcb,
    });
    expect([Object.isFrozen(where), Object.isFrozen(where.stack), Object.isFrozen(where.heap)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(env.device("uart")).toBe(k.device("uart").base);
  });

  it("unknown names are typed errors", () => {
    const env = startApp(app()).env;
    expect(codeOf(() => env.task("nobody"))).toBe('UNKNOWN_TASK {"task":"nobody"}');
    expect(codeOf(() => env.partition("nowhere"))).toBe('UNKNOWN_PARTITION {"partition":"nowhere"}');
  });

  it("task code reads where another task lies at run time (the factory runs before any task exists)", () => {
    const seen: string[] = [];
    const s = startApp(
      app({
        tasks: (env) => {
          seen.push(codeOf(() => env.task("va")));
          return [
            { name: "va", heapSize: 4096, *main() {} },
            {
              name: "spy",
              *main(t) {
                seen.push(`va stack top 0x${env.task("va").stack.top.toString(16)}`);
                yield* t.yield();
              },
            },
          ];
        },
      }),
    );
    s.run();
    expect(seen).toEqual([
      'UNKNOWN_TASK {"task":"va"}',
      `va stack top 0x${s.kernel.task("va")!.stack.top.toString(16)}`,
    ]);
  });
});

describe("AppDescription.observe: the app's code outside task code", () => {
  it("is called once with the kernel and the same env, after boot and before the task factory", () => {
    const calls: string[] = [];
    let observed: [Kernel, AppEnv] | null = null;
    const s = startApp(
      app({
        observe: (kernel, env) => {
          observed = [kernel, env];
          calls.push(`observe ${kernel.tasks().length} tasks`);
        },
        tasks: () => {
          calls.push("tasks");
          return [];
        },
      }),
    );
    expect(calls).toEqual(["observe 0 tasks", "tasks"]);
    expect(observed![0]).toBe(s.kernel);
    expect(observed![1]).toBe(s.env);
  });

  it("must be a function (BAD_CONFIG naming the field)", () => {
    expect(codeOf(() => defineApp(app({ observe: 1 as never })))).toBe('BAD_CONFIG {"field":"observe"}');
  });
});

describe("defineApp: fields the description lacks", () => {
  it("a kernel option at the top (semaphores) is BAD_CONFIG saying where it goes; it was dropped in silence", () => {
    const bad = { ...app(), semaphores: [{ name: "s" }] } as AppDescription;
    expect(codeOf(() => defineApp(bad))).toBe('BAD_CONFIG {"field":"semaphores"}');
    expect(() => defineApp(bad)).toThrow(
      /^BAD_CONFIG: app "env": semaphores is not an app field \(a kernel option: put it in kernel: \{ semaphores \}\): AppDescription has name, description, /,
    );
  });

  it("an unknown field anywhere else, or in kernel, is BAD_CONFIG naming it", () => {
    expect(codeOf(() => defineApp({ ...app(), duration: 5 } as AppDescription))).toBe(
      'BAD_CONFIG {"field":"duration"}',
    );
    const k = app({ kernel: { tickHZ: 1000 } as never });
    expect(codeOf(() => defineApp(k))).toBe('BAD_CONFIG {"field":"kernel.tickHZ"}');
    expect(() => defineApp(k)).toThrow(
      /^BAD_CONFIG: app "env": kernel\.tickHZ is not a kernel option: pageOrder, tickHz, /,
    );
  });
});
