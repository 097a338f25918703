import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import type { Kernel } from "../kernel.js";

/**
 * Priority inheritance pinned where a hand mutation audit found it unheld: a chain of owners
 * three deep (the existing test's chain is two deep, so a walk cut at two owners passed it),
 * and an owner whose priority does not change is left where it is in its ready queue
 * (`Scheduler.setPriority` moves a task to the back of its level, even to the same priority).
 */

const prio = (k: Kernel, name: string) => k.schedTask(k.task(name)!).priority;

describe("priority inheritance along a chain of owners", () => {
  it("three owners deep: the last owner runs at the first waiter's priority, and each unlock hands it back down", () => {
    const k = bootKernel({ board: STM32F407, mutexes: [{ name: "x0" }, { name: "x1" }, { name: "x2" }] });
    const names = ["t0", "t1", "t2", "t3"];
    const seen: number[][] = []; // [who, t0..t3's priorities]
    const p = () => names.map((n) => prio(k, n));
    k.spawn({
      name: "t0", // owns x0
      priority: 1,
      mutexes: ["x0"],
      *main(t) {
        yield* t.mutexLock("x0");
        yield* t.sleep({ ticks: 4 }); // t1 blocks on x0 (tick 1), t2 on x1 (tick 2), t3 on x2 (tick 3)
        seen.push([Number(t.name.slice(1)), ...p()]);
        yield* t.mutexUnlock("x0");
        seen.push([Number(t.name.slice(1)), ...p()]);
      },
    });
    k.spawn({
      name: "t1", // owns x1, waits for x0
      priority: 2,
      mutexes: ["x0", "x1"],
      *main(t) {
        yield* t.mutexLock("x1");
        yield* t.sleep({ ticks: 1 });
        yield* t.mutexLock("x0");
        seen.push([Number(t.name.slice(1)), ...p()]);
        yield* t.mutexUnlock("x0");
        yield* t.mutexUnlock("x1");
      },
    });
    k.spawn({
      name: "t2", // owns x2, waits for x1
      priority: 3,
      mutexes: ["x1", "x2"],
      *main(t) {
        yield* t.mutexLock("x2");
        yield* t.sleep({ ticks: 2 });
        yield* t.mutexLock("x1");
        seen.push([Number(t.name.slice(1)), ...p()]);
        yield* t.mutexUnlock("x1");
        yield* t.mutexUnlock("x2");
        seen.push([Number(t.name.slice(1)), ...p()]);
      },
    });
    k.spawn({
      name: "t3",
      priority: 6,
      mutexes: ["x2"],
      *main(t) {
        yield* t.sleep({ ticks: 3 });
        yield* t.mutexLock("x2");
        yield* t.mutexUnlock("x2");
      },
    });
    k.run({ ms: 10 });
    expect(seen).toEqual([
      [0, 6, 6, 6, 6], // t0 inherits t3's 6 through t2 and t1
      [0, 1, 6, 6, 6], // t0 unlocked x0: back to 1; t1 owns x0 and still inherits 6 through x1
      [1, 1, 6, 6, 6], // t1, running with x0 and x1
      [2, 1, 2, 6, 6], // t2 owns x1 now (t1 back to 2) and still inherits 6 through x2
      [2, 1, 2, 3, 6], // t2 unlocked both
    ]);
    expect(k.faults).toEqual([]);
  });

  it("a waiter of the owner's own priority changes nothing: the owner keeps its place among its equals", () => {
    const k = bootKernel({ board: STM32F407, mutexes: [{ name: "m" }] });
    const log: string[] = [];
    k.spawn({
      name: "owner",
      priority: 3,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m");
        log.push("owner locked");
        yield* t.yield(); // ready: rr, waiter, owner
        log.push("owner resumed");
        yield* t.mutexUnlock("m");
      },
    });
    k.spawn({
      name: "rr",
      priority: 3,
      *main(t) {
        log.push("rr 1");
        yield* t.yield(); // ready: waiter, owner, rr
        log.push("rr 2");
      },
    });
    k.spawn({
      name: "waiter",
      priority: 3,
      mutexes: ["m"],
      *main(t) {
        yield* t.mutexLock("m"); // blocks; the owner stays ahead of rr
        log.push("waiter locked");
        yield* t.mutexUnlock("m");
      },
    });
    k.run({ ms: 2 });
    expect(log).toEqual(["owner locked", "rr 1", "owner resumed", "rr 2", "waiter locked"]);
    expect(k.faults).toEqual([]);
  });
});
