import { describe, expect, it } from "vitest";
import { SchedError } from "./errors.js";
import type { Scheduler } from "./scheduler.js";
import type { SyscallRequest, Task } from "./task.js";
import { CPT, setup } from "./test-setup.js";
import { TIMEOUT, WaitQueue } from "./wait-queue.js";

/** A counting semaphore built the way the kernel will: a count plus a wait queue. */
function semaphore(sched: Scheduler, initial = 0) {
  const q = new WaitQueue(sched, { name: "sem" });
  let count = initial;
  return {
    q,
    get count() {
      return count;
    },
    handle(task: Task, req: SyscallRequest): unknown {
      if (req.op === "take") {
        if (count > 0) {
          count--;
          return "taken";
        }
        q.block(task, req.ticks === undefined ? undefined : { ticks: req.ticks as number });
        return undefined;
      }
      if (req.op === "give") {
        if (q.wakeOne(req.value ?? "taken") === null) count++;
        return undefined;
      }
      throw new Error(`op ${req.op}`);
    },
  };
}

describe("WaitQueue", () => {
  it("times a wait out on its tick, and ends a wait early when woken (removing its timer)", () => {
    let sem!: ReturnType<typeof semaphore>;
    const { sched } = setup({ syscall: (t, r) => sem.handle(t, r) });
    sem = semaphore(sched);
    const seen: [unknown, number, number][] = [];
    sched.spawn({
      name: "waiter",
      priority: 2,
      *entry() {
        const a = yield { op: "take", ticks: 3 };
        seen.push([a, sched.now().cycles, sched.timerCount]);
        const b = yield { op: "take", ticks: 10 };
        seen.push([b, sched.now().cycles, sched.timerCount]);
      },
    });
    sched.spawn({
      name: "giver",
      priority: 1,
      *entry() {
        yield { op: "sleep", ticks: 5 };
        yield { op: "give", value: 42 };
      },
    });
    expect(sched.run().reason).toBe("no-tasks");
    expect(seen).toEqual([
      [TIMEOUT, 3 * CPT, 1], // timed out exactly at tick 3; the giver's sleep timer is still pending
      [42, 5 * CPT, 0], // woken at tick 5 by the give; its 10-tick timeout timer was removed
    ]);
    expect(sem.count).toBe(0);
  });

  it("a blocked task names its wait queue (waitQueue), null once it runs again", () => {
    let sem!: ReturnType<typeof semaphore>;
    const { sched } = setup({ syscall: (t, r) => sem.handle(t, r) });
    sem = semaphore(sched);
    const waiter = sched.spawn({
      name: "waiter",
      priority: 2,
      *entry() {
        yield { op: "take" };
      },
    });
    expect(sched.run().reason).toBe("blocked");
    expect([waiter.state, waiter.waitQueue]).toEqual(["blocked", "sem"]);
    sem.q.wakeOne("taken");
    expect([waiter.state, waiter.waitQueue]).toEqual(["ready", null]);
  });

  it("wakes by priority, FIFO among equals; wakeAll wakes everyone with one value", () => {
    let sem!: ReturnType<typeof semaphore>;
    const { sched } = setup({ syscall: (t, r) => sem.handle(t, r) });
    sem = semaphore(sched);
    const got: string[] = [];
    for (const [name, priority] of [
      ["low", 1],
      ["hi1", 3],
      ["hi2", 3],
      ["mid", 2],
    ] as const) {
      sched.spawn({
        name,
        priority,
        *entry() {
          const v = yield { op: "take" };
          got.push(`${name}=${String(v)}`);
        },
      });
    }
    sched.run();
    expect(sched.run().reason).toBe("blocked");
    expect(sem.q.length).toBe(4);
    expect(sem.q.peek()?.name).toBe("hi1");
    expect(sem.q.wakeOne("one")?.name).toBe("hi1");
    expect(sem.q.wakeAll("all")).toBe(3);
    sched.run();
    expect(got).toEqual(["hi1=one", "hi2=all", "mid=all", "low=all"]);
    expect(sem.q.wakeOne()).toBeNull();
  });

  it("wakes in arrival order with order fifo; a timeout of 0 ticks times out at the next decision", () => {
    const { sched } = setup({
      syscall: (t, r) => {
        q.block(t, r.ticks === undefined ? undefined : { ticks: r.ticks as number });
      },
    });
    const q: WaitQueue = new WaitQueue(sched, { order: "fifo" });
    const got: string[] = [];
    for (const [name, priority] of [
      ["a", 1],
      ["b", 3],
    ] as const) {
      sched.spawn({
        name,
        priority,
        *entry() {
          got.push(`${name}:${String(yield { op: "wait" })}`);
          got.push(`${name}:${String(yield { op: "wait", ticks: 0 })}@${sched.now().cycles}`);
        },
      });
    }
    sched.run();
    expect(q.wakeOne(1)?.name).toBe("b"); // b blocked first (higher priority ran first)
    expect(q.wakeOne(2)?.name).toBe("a");
    sched.run();
    // b (priority 3) runs first, and its 0-tick wait times out at once, before a runs at all
    expect(got).toEqual(["b:1", "b:Symbol(rtos-sim.sched.timeout)@0", "a:2", "a:Symbol(rtos-sim.sched.timeout)@0"]);
  });

  it("a scheduler that is not one, null options, a name that is no string or an unknown order is SCHED_OPTION", () => {
    const { sched } = setup();
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof SchedError ? [e.code, e.context] : String(e);
      }
      return "no error";
    };
    // A missing scheduler and null options were TypeErrors; order "x" was taken as priority order.
    expect(errorOf(() => new WaitQueue(null as never))).toEqual([
      "SCHED_OPTION",
      { option: "scheduler", value: "null" },
    ]);
    expect(errorOf(() => new WaitQueue(sched, null as never))).toEqual([
      "SCHED_OPTION",
      { option: "options", value: "null" },
    ]);
    expect(errorOf(() => new WaitQueue(sched, { name: 5 as never }))).toEqual([
      "SCHED_OPTION",
      { option: "name", value: "number" },
    ]);
    expect(errorOf(() => new WaitQueue(sched, { order: "lifo" as never }))).toEqual([
      "SCHED_OPTION",
      { option: "order", value: "lifo" },
    ]);
    expect(new WaitQueue(sched, { order: "fifo" }).order).toBe("fifo");
  });

  it("only blocks the running task", () => {
    const { sched } = setup();
    const q = new WaitQueue(sched);
    const t = sched.spawn({
      name: "t",
      priority: 0,
      *entry() {
        yield { op: "yield" };
      },
    });
    expect(() => q.block(t)).toThrowError(/TASK_STATE/);
    expect(q.length).toBe(0);
    expect(t.state).toBe("ready");
  });
});

describe("setPriority on queued tasks (what priority inheritance uses)", () => {
  it("a waiter raised in a priority-ordered queue is woken first; FIFO queues keep arrival order", () => {
    for (const order of ["priority", "fifo"] as const) {
      let q!: WaitQueue;
      const { sched } = setup({
        syscall: (t) => {
          q.block(t);
          return undefined;
        },
      });
      q = new WaitQueue(sched, { name: "m", order });
      const body = function* () {
        yield { op: "wait" };
      };
      sched.spawn({ name: "a", priority: 3, entry: body });
      sched.spawn({ name: "b", priority: 2, entry: body });
      const c = sched.spawn({ name: "c", priority: 2, entry: body });
      expect(sched.run().reason).toBe("blocked"); // a, b, c block in that order
      sched.setPriority(c, 5); // c now outranks a
      expect([c.priority, c.state, c.waitQueue]).toEqual([5, "blocked", "m"]);
      const woken: string[] = [];
      for (let t = q.wakeOne(); t !== null; t = q.wakeOne()) woken.push(t.name);
      expect([order, woken]).toEqual(order === "priority" ? [order, ["c", "a", "b"]] : [order, ["a", "b", "c"]]);
    }
  });

  it("a ready task moves to the back of its new level, and a lowered one runs after its new peers", () => {
    const { sched } = setup();
    const ran: string[] = [];
    const body = (name: string) =>
      function* () {
        ran.push(name);
        yield { op: "sleep", ticks: 1 };
      };
    const low = sched.spawn({ name: "low", priority: 1, entry: body("low") });
    const mid = sched.spawn({ name: "mid", priority: 2, entry: body("mid") });
    const high = sched.spawn({ name: "high", priority: 3, entry: body("high") });
    sched.setPriority(low, 3); // inherited: behind high at level 3
    expect([sched.readyAt(3), sched.readyAt(1), sched.readyBitmap]).toEqual([[high, low], [], 0b1100]);
    sched.setPriority(high, 2); // dropped: behind mid at level 2
    expect([sched.readyAt(3), sched.readyAt(2)]).toEqual([[low], [mid, high]]);
    sched.step();
    sched.step();
    sched.step();
    expect(ran).toEqual(["low", "mid", "high"]);
  });
});
