import { STM32F407 } from "@rtos-sim/hw";
import { TIMEOUT } from "@rtos-sim/sched";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { KernelOptions, TaskSpec } from "../config.js";
import type { Kernel } from "../kernel.js";
import { Errno } from "../syscalls.js";
import { MUTEX_BYTES, MutexField, MutexFlag } from "./mutex.js";

const u32s = (b: Uint8Array) => Array.from(new Uint32Array(b.slice().buffer));
const boot = (options: Partial<KernelOptions> = {}) =>
  bootKernel({ board: STM32F407, mutexes: [{ name: "m" }, { name: "n" }], ...options });
/** The current tick, as task code sees it (for logs). */
const tick = (k: Kernel) => k.scheduler.now().ticks;
const prio = (k: Kernel, name: string) => k.schedTask(k.task(name)!).priority;

describe("mutex control blocks in kernel memory", () => {
  it("owner, count and flags are words of a kernel-heap block; lock and unlock write them there", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    const { base, size } = k.kernelBlock;
    expect(m.block >= base && m.block + MUTEX_BYTES <= base + size).toBe(true);
    expect(u32s(k.machine.bus.peek(m.block, MUTEX_BYTES))).toEqual([0, 0, 0]);
    const seen: number[][] = [];
    const got: unknown[] = [];
    const t = k.spawn({
      name: "t",
      mutexes: ["m"],
      *main(t) {
        got.push(yield* t.mutexLock("m"));
        seen.push(u32s(k.machine.bus.peek(m.block, MUTEX_BYTES)));
        got.push(yield* t.mutexLock("m")); // not recursive
        got.push(yield* t.mutexUnlock("m"));
      },
    });
    k.run({ ms: 1 });
    expect(got).toEqual([Errno.OK, Errno.EDEADLK, Errno.OK]);
    expect(seen).toEqual([[t.id, 1, 0]]);
    expect([m.owner, m.count, m.flags]).toEqual([0, 0, 0]);
    expect(k.faults).toEqual([]);
  });

  it("privileged only: an unprivileged task reading the owner faults at its address", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    k.spawn({
      name: "snoop",
      mutexes: ["m"],
      *main(t) {
        t.read32(m.block + MutexField.OWNER);
        yield* t.yield();
      },
    });
    k.run({ ms: 1 });
    expect(k.faults.map((f) => [f.kind, f.hw?.cfsr, f.hw?.faultAddress])).toEqual([["memmanage", 0x82, m.block]]);
  });

  it("the memory is the truth: an owner written there is what the next lock sees", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    k.machine.bus.load(m.block + MutexField.OWNER, new Uint8Array([9, 0, 0, 0])); // owned by a task 9
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      mutexes: ["m"],
      *main(t) {
        got.push(yield* t.mutexLock("m", { ticks: 0 }));
      },
    });
    k.run({ ms: 1 });
    expect(got).toEqual([TIMEOUT]);
  });

  it("with the checker on, the kernel's accesses to the block are clean", () => {
    const k = boot({ memcheck: true });
    for (const [name, priority] of [
      ["a", 2],
      ["b", 1],
    ] as const) {
      k.spawn({
        name,
        priority,
        mutexes: ["m"],
        *main(t) {
          yield* t.mutexLock("m");
          yield* t.sleep({ ticks: 1 });
          yield* t.mutexUnlock("m");
        },
      });
    }
    k.run({ ms: 5 });
    expect(k.faults).toEqual([]);
    expect(k.checker!.reports).toEqual([]);
    expect(k.mutexes.get("m")!.owner).toBe(0);
  });
});

describe("locking, handoff, timeouts", () => {
  it("an unlock hands the mutex to the highest-priority waiter, FIFO among equals", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    const order: string[] = [];
    k.spawn({
      name: "holder",
      priority: 9, // runs first, holds the mutex while the others queue
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 2 });
        yield* t.mutexUnlock("m");
      },
    });
    for (const [name, priority] of [
      ["low", 1],
      ["midA", 3],
      ["high", 5],
      ["midB", 3],
    ] as const) {
      k.spawn({
        name,
        priority,
        mutexes: ["m"],
        *main(t) {
          const r = yield* t.mutexLock("m");
          order.push(`${name}:${String(r)}:owner=${m.owner === k.task(name)!.id}`);
          yield* t.sleep({ ticks: 1 }); // holds it across a switch: the others stay queued
          yield* t.mutexUnlock("m");
        },
      });
    }
    k.run({ ms: 20 });
    // spawn order high(5) > midA(3) = midB(3) > low(1); midA queued before midB
    expect(order).toEqual(["high:0:owner=true", "midA:0:owner=true", "midB:0:owner=true", "low:0:owner=true"]);
    expect([m.owner, m.count, m.waiters.length]).toEqual([0, 0, 0]);
  });

  it("a lock with a timeout returns TIMEOUT at its tick; a zero timeout polls (no block, no switch)", () => {
    const k = boot();
    const got: unknown[] = [];
    const states: string[] = [];
    k.events.on("state", (e) => e.task === "poller" && states.push(e.to));
    k.spawn({
      name: "holder",
      priority: 3,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 10 });
        yield* t.mutexUnlock("m");
      },
    });
    k.spawn({
      name: "poller",
      priority: 2,
      mutexes: ["m"],
      *main(t) {
        got.push(yield* t.mutexLock("m", { ms: 0 }), tick(k));
        got.push(yield* t.mutexLock("m", { ticks: 3 }), tick(k));
        got.push(yield* t.mutexLock("m"), tick(k)); // waits for the unlock at tick 10
        yield* t.mutexUnlock("m");
      },
    });
    k.run({ ms: 20 });
    expect(got).toEqual([TIMEOUT, 0, TIMEOUT, 3, Errno.OK, 10]);
    expect(states).toEqual(["running", "blocked", "ready", "running", "blocked", "ready", "running", "stopped"]);
    expect(k.faults).toEqual([]);
  });
});

describe("priority inheritance", () => {
  it("the owner runs at its highest waiter's priority while it waits, and drops back at the unlock", () => {
    const k = boot();
    const log: string[] = [];
    k.spawn({
      name: "low",
      priority: 1,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        log.push(`low locked p=${prio(k, "low")}`);
        yield* t.sleep({ ticks: 1 }); // high and mid wake meanwhile; high blocks on m
        log.push(`low runs p=${prio(k, "low")}`);
        const i = yield* t.info(); // what the task itself sees: base 1, running at high's 3
        log.push(`low info ${i.priority}/${i.effectivePriority}`);
        yield* t.yield(); // at 3, it runs again before mid
        log.push(`low unlocks p=${prio(k, "low")}`);
        yield* t.mutexUnlock("m");
        log.push(`low unlocked p=${prio(k, "low")}`);
        yield* t.yield(); // now high (3), then mid (2), run before it
        log.push("low done");
      },
    });
    k.spawn({
      name: "mid",
      priority: 2,
      *main(t) {
        yield* t.sleep({ ticks: 1 });
        for (let i = 0; i < 2; i++) {
          log.push(`mid ${i}`);
          yield* t.yield();
        }
      },
    });
    k.spawn({
      name: "high",
      priority: 3,
      mutexes: ["m"],
      *main(t) {
        yield* t.sleep({ ticks: 1 });
        log.push("high locks");
        const r = yield* t.mutexLock("m");
        log.push(`high got ${String(r)}`);
        yield* t.mutexUnlock("m");
      },
    });
    const events: string[] = [];
    k.events.on("priority", (e) =>
      events.push(`${e.ms} ${e.task} base ${e.base}: ${e.from} -> ${e.to} ${e.mutex ?? "-"} ${e.waiter ?? "-"}`),
    );
    k.run({ ms: 5 });
    // The kernel's priority event: raised with the mutex and the waiter it inherits from, then back.
    expect(events.map((e) => e.replace(/^[0-9.]+ /, ""))).toEqual([
      "low base 1: 1 -> 3 m high",
      "low base 1: 3 -> 1 - -",
    ]);
    expect(log).toEqual([
      "low locked p=1",
      "high locks",
      "low runs p=3",
      "low info 1/3",
      "low unlocks p=3",
      "low unlocked p=1",
      "high got 0",
      "mid 0",
      "mid 1",
      "low done",
    ]);
    expect(k.faults).toEqual([]);
  });

  it("is transitive: a boosted owner blocked on another mutex raises that mutex's owner too", () => {
    const k = boot();
    const seen: number[][] = [];
    const p = () => ["a", "b", "c"].map((n) => prio(k, n));
    k.spawn({
      name: "a", // owns n
      priority: 1,
      mutexes: ["n"],
      *main(t) {
        yield* t.mutexLock("n");
        yield* t.sleep({ ticks: 2 }); // b blocks on n (at tick 1), then c on m (at tick 2)
        seen.push(p());
        yield* t.mutexUnlock("n");
        seen.push(p());
      },
    });
    k.spawn({
      name: "b", // owns m, then waits for n
      priority: 2,
      mutexes: ["m", "n"],
      *main(t) {
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 1 });
        yield* t.mutexLock("n");
        seen.push(p());
        yield* t.mutexUnlock("n");
        yield* t.mutexUnlock("m");
        seen.push(p());
      },
    });
    k.spawn({
      name: "c",
      priority: 5,
      mutexes: ["m"],
      *main(t) {
        yield* t.sleep({ ticks: 2 });
        yield* t.mutexLock("m");
        yield* t.mutexUnlock("m");
      },
    });
    k.run({ ms: 10 });
    expect(seen).toEqual([
      [5, 5, 5], // a inherits c's 5 through b
      [1, 5, 5], // a back to 1; b owns n now and still inherits c's 5 through m
      [1, 5, 5], // b, running with n and m
      [1, 2, 5], // b unlocked both
    ]);
    expect(k.faults).toEqual([]);
  });

  it("a waiter that times out takes its priority back from the owner", () => {
    const k = boot();
    const seen: [number, number][] = [];
    k.spawn({
      name: "low",
      priority: 1,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        for (let i = 0; i < 4; i++) {
          seen.push([tick(k), prio(k, "low")]);
          yield* t.sleep({ ticks: 1 });
        }
        yield* t.mutexUnlock("m");
      },
    });
    k.spawn({
      name: "high",
      priority: 4,
      mutexes: ["m"],
      *main(t) {
        yield* t.sleep({ ticks: 1 });
        expect(yield* t.mutexLock("m", { ticks: 2 })).toBe(TIMEOUT);
        yield* t.sleep({ ticks: 10 }); // still alive: its end is not what restores low
      },
    });
    k.run({ ms: 10 });
    expect(seen).toEqual([
      [0, 1],
      [1, 4], // high waits from tick 1
      [2, 4],
      [3, 1], // its wait timed out at tick 3
    ]);
  });
});

describe("owner death", () => {
  /** A holder that locks m and then ends as `end` says, and a waiter that records its lock's result. */
  function death(end: "fault" | "exit" | "return", policy?: "restart") {
    const k = boot();
    const got: unknown[] = [];
    const holder = k.spawn({
      name: "holder",
      priority: 1,
      mutexes: ["m"],
      ...(policy ? { faultPolicy: policy } : {}),
      *main(t) {
        if (k.task("holder")!.faults.length > 0) {
          got.push(`restarted p=${prio(k, "holder")}`);
          return;
        }
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 1 });
        if (end === "fault") t.read32(0); // the vector table: no unprivileged access
        if (end === "exit") yield* t.exit(1);
      },
    });
    k.spawn({
      name: "waiter",
      priority: 3,
      mutexes: ["m"],
      *main(t) {
        yield* t.sleep({ ms: 0.5 });
        got.push(yield* t.mutexLock("m"), k.mutexes.get("m")!.owner === k.task("waiter")!.id);
        got.push(yield* t.mutexUnlock("m"));
      },
    });
    k.run({ ms: 5 });
    return { k, got, holder };
  }

  it("a fault hands the mutex to the waiter with EOWNERDEAD", () => {
    const { k, got } = death("fault");
    expect(k.faults.map((f) => [f.task, f.kind, f.action])).toEqual([["holder", "memmanage", "stopped"]]);
    expect(got).toEqual([Errno.EOWNERDEAD, true, Errno.OK]);
  });

  it("an exit and a plain return do too", () => {
    for (const end of ["exit", "return"] as const) {
      const { k, got } = death(end);
      expect(k.faults).toEqual([]);
      expect(got).toEqual([Errno.EOWNERDEAD, true, Errno.OK]);
    }
  });

  it("a restart releases it before the task starts again, at its base priority", () => {
    const { k, got } = death("fault", "restart");
    expect(k.faults.map((f) => [f.task, f.action])).toEqual([["holder", "restarted"]]);
    // the waiter (3) runs first: the holder was boosted to 3 when it faulted, restarted at 1
    expect(got).toEqual([Errno.EOWNERDEAD, true, Errno.OK, "restarted p=1"]);
  });

  /** Locks m and sleeps 100 ticks holding it, at priority 1. */
  const sleepingHolder: TaskSpec = {
    name: "holder",
    priority: 1,
    mutexes: ["m"],
    *main(t) {
      yield* t.mutexLock("m");
      yield* t.sleep({ ticks: 100 });
    },
  };

  it("an owner stopped from outside the kernel (scheduler.stop) hands the mutex on too, unwound or not", () => {
    for (const unwind of [true, false]) {
      const k = boot();
      const holder = k.spawn(sleepingHolder);
      const got: unknown[] = [];
      k.spawn({
        name: "waiter",
        priority: 3,
        mutexes: ["m"],
        *main(t) {
          yield* t.sleep({ ticks: 1 });
          got.push(yield* t.mutexLock("m"), prio(k, "holder"));
        },
      });
      k.run({ ms: 3 }); // the waiter blocks; the holder, asleep, runs at its priority
      expect([prio(k, "holder"), got]).toEqual([3, []]);
      k.scheduler.stop(k.schedTask(holder), { unwind });
      k.run({ ms: 6 });
      // The waiter owns it (EOWNERDEAD), the stopped holder is back at its base priority.
      expect(got).toEqual([Errno.EOWNERDEAD, 1]);
    }
  });

  it("a waiter stopped from outside takes its priority back from the owner", () => {
    for (const unwind of [true, false]) {
      const k = boot();
      const holder = k.spawn(sleepingHolder);
      const waiter = k.spawn({
        name: "waiter",
        priority: 3,
        mutexes: ["m"],
        *main(t) {
          yield* t.sleep({ ticks: 1 });
          yield* t.mutexLock("m");
        },
      });
      k.run({ ms: 3 });
      expect(k.schedTask(holder).priority).toBe(3);
      k.scheduler.stop(k.schedTask(waiter), { unwind });
      k.run({ ms: 6 });
      expect([k.schedTask(waiter).state, k.schedTask(holder).priority]).toEqual(["stopped", 1]);
    }
  });

  it("with nobody waiting the mutex is left free and flagged: the next lock alone gets EOWNERDEAD", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    k.spawn({
      name: "holder",
      priority: 2,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
      },
    });
    const got: unknown[] = [];
    k.spawn({
      name: "later",
      priority: 1,
      mutexes: ["m"],
      *main(t) {
        got.push([m.owner, m.count, m.flags]);
        got.push(yield* t.mutexLock("m", { ticks: 0 }), yield* t.mutexUnlock("m"));
        got.push(yield* t.mutexLock("m"), yield* t.mutexUnlock("m"));
      },
    });
    k.run({ ms: 2 });
    expect(got).toEqual([[0, 0, MutexFlag.OWNER_DIED], Errno.EOWNERDEAD, Errno.OK, Errno.OK, Errno.OK]);
    expect(m.flags).toBe(0);
  });
});

describe("bad unlocks, rights and configuration", () => {
  it("unlocking a mutex the caller does not own faults it (bad-syscall) and changes nothing", () => {
    const k = boot();
    const m = k.mutexes.get("m")!;
    const owner = k.spawn({
      name: "owner",
      priority: 2,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        yield* t.sleep({ ticks: 5 });
      },
    });
    k.spawn({
      name: "thief",
      priority: 1,
      mutexes: ["m", "n"],
      *main(t) {
        yield* t.mutexUnlock("m");
      },
    });
    k.spawn({
      name: "early",
      priority: 1,
      mutexes: ["n"],
      *main(t) {
        yield* t.mutexUnlock("n"); // free
      },
    });
    k.run({ ms: 2 });
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      ["thief", "bad-syscall", "NOT_OWNER: mutex-unlock: task thief does not own mutex m: task owner owns it"],
      ["early", "bad-syscall", "NOT_OWNER: mutex-unlock: task early does not own mutex n: it is free"],
    ]);
    expect([m.owner, m.count]).toEqual([owner.id, 1]);
  });

  it("a mutex not in the task's mutexes is EPERM, whether it exists or not; malformed names fault", () => {
    const k = boot();
    const got: unknown[] = [];
    k.spawn({
      name: "t",
      mutexes: ["n"],
      *main(t) {
        got.push(yield* t.mutexLock("m"), yield* t.mutexUnlock("m"), yield* t.mutexLock("nope"));
        yield { op: "mutex-lock", mutex: "" };
      },
    });
    k.run({ ms: 1 });
    expect(got).toEqual([Errno.EPERM, Errno.EPERM, Errno.EPERM]);
    expect(k.mutexes.get("m")!.owner).toBe(0);
    expect(k.faults.map((f) => [f.kind, f.message])).toEqual([
      ["bad-syscall", "BAD_ARGUMENT: mutex-lock: mutex must be a name"],
    ]);
  });

  it("a task naming a mutex the kernel lacks is UNKNOWN_MUTEX; mutexes must be an array (BAD_TASK)", () => {
    const k = boot();
    const main = function* () {};
    expect(() => k.spawn({ name: "t", mutexes: ["m", "x"], main })).toThrow(/^UNKNOWN_MUTEX: task t: no mutex x$/);
    expect(() => k.spawn({ name: "t", mutexes: { m: "lock" } as never, main })).toThrow(
      /^BAD_TASK: task "t": mutexes must be an array of mutex names$/,
    );
    expect(k.tasks()).toEqual([]);
  });

  it("bad mutex lists are BAD_CONFIG: a taken or bad name, an unknown field, not an array or not objects", () => {
    const cases: [unknown, RegExp][] = [
      [[{ name: "a" }, { name: "a" }], /^BAD_CONFIG: mutex "a": the name is taken$/],
      [[{ name: "" }], /^BAD_CONFIG: mutex "": the name must be 1-64 characters$/],
      [[{ name: "x".repeat(65) }], /^BAD_CONFIG: mutex "x{65}": the name must be 1-64 characters$/],
      [
        [{ name: "a", recursive: true }],
        /^BAD_CONFIG: mutexes\[0\]\.recursive is not a MutexSpec field: MutexSpec has name$/,
      ],
      [[{ Name: "a" }], /^BAD_CONFIG: mutexes\[0\]\.Name is not a MutexSpec field \(did you mean name\?\)/],
      [{ name: "a" }, /^BAD_CONFIG: mutexes must be an array$/],
      [[null], /^BAD_CONFIG: mutexes\[0\] must be an object$/],
    ];
    for (const [mutexes, error] of cases) {
      expect(() => bootKernel({ board: STM32F407, mutexes: mutexes as never })).toThrow(error);
    }
  });
});

/**
 * The classic inversion, on a lock of each kind: low (1) takes the lock and works 3 ticks in
 * 1-tick chunks, yielding between them; high (3) and mid (2) wake at tick 1; high asks for the
 * lock; mid works 20 ticks in 1-tick chunks. Returns the ticks high waited for the lock (to
 * 0.001 tick: the chunks' switches and syscalls add a few hundred cycles).
 */
function inversion(lock: "mutex" | "semaphore"): { waited: number; order: string[] } {
  const k = bootKernel({
    board: STM32F407,
    mutexes: [{ name: "m" }],
    semaphores: [{ name: "s", initial: 1, max: 1 }],
  });
  const cpt = k.scheduler.clock.cyclesPerTick;
  const order: string[] = [];
  const take = (t: Parameters<TaskSpec["main"]>[0]) => (lock === "mutex" ? t.mutexLock("m") : t.semTake("s"));
  const give = (t: Parameters<TaskSpec["main"]>[0]) => (lock === "mutex" ? t.mutexUnlock("m") : t.semGive("s"));
  const rights = { mutexes: ["m"], semaphores: { s: "both" as const } };
  let waited = -1;
  k.spawn({
    name: "low",
    priority: 1,
    ...rights,
    *main(t) {
      yield* take(t);
      for (let i = 0; i < 3; i++) {
        t.compute(cpt);
        yield* t.yield();
      }
      order.push(`low unlocks at ${tick(k)}`);
      yield* give(t);
    },
  });
  k.spawn({
    name: "mid",
    priority: 2,
    *main(t) {
      yield* t.sleep({ ticks: 1 });
      for (let i = 0; i < 20; i++) {
        t.compute(cpt);
        yield* t.yield();
      }
      order.push(`mid done at ${tick(k)}`);
    },
  });
  k.spawn({
    name: "high",
    priority: 3,
    ...rights,
    *main(t) {
      yield* t.sleep({ ticks: 1 });
      const from = k.scheduler.now().cycles;
      yield* take(t);
      waited = (k.scheduler.now().cycles - from) / cpt;
      order.push(`high locked at ${tick(k)}`);
      yield* give(t);
    },
  });
  k.run({ ms: 40 });
  expect(k.faults).toEqual([]);
  return { waited: Math.round(waited * 1000) / 1000, order };
}

describe("priority inversion, in simulated ticks", () => {
  it("with a semaphore as the lock, mid's 20 ticks of work delay high (unbounded inversion)", () => {
    expect(inversion("semaphore")).toEqual({
      // mid's 20 ticks, then the rest of low's section: 2 ticks (and mid's exit, and the ticks
      // taken while mid and low run: 82 cycles each on the STM32F407, docs/timing.md)
      waited: 22.044,
      order: ["mid done at 21", "low unlocks at 23", "high locked at 23"],
    });
  });

  it("with a mutex, high waits only for the rest of low's 3-tick critical section", () => {
    expect(inversion("mutex")).toEqual({
      waited: 2.007, // the 2 ticks of low's section left when high asked, the switches and the ticks taken in low
      order: ["low unlocks at 3", "high locked at 3", "mid done at 23"],
    });
  });
});
