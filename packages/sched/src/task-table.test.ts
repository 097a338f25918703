import { describe, expect, it } from "vitest";
import { SimClock } from "./clock.js";
import { SchedError } from "./errors.js";
import { SchedEmitter, type StateEvent } from "./events.js";
import type { FaultReason, Task } from "./task.js";
import { TaskTable } from "./task-table.js";

function make() {
  const faults: [number, string][] = [];
  const events = new SchedEmitter();
  const table = new TaskTable({
    priorities: 4,
    clock: new SimClock(1000, 1000),
    events,
    onFault: (task: Task, reason: FaultReason) => faults.push([task.id, reason.kind]),
  });
  return { table, events, faults };
}

const body = function* () {
  yield { op: "yield" };
};

describe("TaskTable", () => {
  it("files spawned tasks ready by priority and hands the highest to the dispatcher", () => {
    const { table } = make();
    const a = table.spawn({ name: "a", priority: 1, entry: body });
    const b = table.spawn({ name: "b", priority: 3, entry: body });
    expect([table.all.map((t) => t.id), table.ready.bitmap]).toEqual([[1, 2], 0b1010]);
    const t = table.ready.popHighest()!;
    table.dispatch(t);
    expect([t, table.running, b.state, a.state]).toEqual([b, b, "running", "ready"]);
    table.release();
    expect(table.running).toBeNull();
  });

  it("changes state only through its operations, with the state events in order", () => {
    const { table, events } = make();
    const seen: string[] = [];
    events.on("state", (e: StateEvent) => seen.push(`${e.task.name}:${e.from}>${e.to}:${e.cause}`));
    const a = table.spawn({ name: "a", priority: 1, entry: body });
    table.dispatch(table.ready.popHighest()!);
    table.sleepTicks(a, 2);
    expect([a.state, a.wakeAt, table.timers.size]).toEqual(["sleeping", 2, 1]);
    table.wake(a, 42);
    expect([a.state, a.resumeValue, table.timers.size]).toEqual(["ready", 42, 0]);
    expect(seen).toEqual(["a:ready>running:dispatch", "a:running>sleeping:sleep", "a:sleeping>ready:wake"]);
  });

  it("passes faults to its onFault callback and refuses a task of another table", () => {
    const { table, faults } = make();
    const other = make().table.spawn({ name: "x", priority: 0, entry: body });
    const a = table.spawn({ name: "a", priority: 0, entry: body });
    table.fault(a, { kind: "test", message: "m" });
    expect([a.state, faults]).toEqual(["faulted", [[1, "test"]]]);
    let code = "";
    try {
      table.fault(other, { kind: "test", message: "m" });
    } catch (e) {
      code = e instanceof SchedError ? e.code : String(e);
    }
    expect([code, other.state, faults.length]).toEqual(["TASK_UNKNOWN", "ready", 1]);
  });

  it("abandons a task whose hook threw without the fault event or the onFault call", () => {
    const { table, events, faults } = make();
    let faultEvents = 0;
    events.on("fault", () => faultEvents++);
    const a = table.spawn({ name: "a", priority: 0, entry: body });
    table.dispatch(table.ready.popHighest()!);
    table.abandon(a, { kind: "kernel-error", message: "hook threw" });
    expect([a.state, a.fault?.kind, faultEvents, faults.length, table.ready.size]).toEqual([
      "faulted",
      "kernel-error",
      0,
      0,
      0,
    ]);
  });
});
