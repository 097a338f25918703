import { ActorMode, createMachine, makeActor, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { BlockRecord } from "./blocks.js";
import { CheckerFault } from "./errors.js";
import { Ledger } from "./ledger.js";
import { type CheckerOptions, resolveOptions } from "./options.js";
import { Reporter } from "./reporter.js";
import { Shadow } from "./shadow.js";
import { StateBit, USR } from "./state.js";

function make(options: CheckerOptions = {}) {
  const m = createMachine(STM32F407);
  const shadow = new Shadow(m.bus, m.core.filterState);
  const ledger = new Ledger(16);
  const reporter = new Reporter({ bus: m.bus, core: m.core, shadow, ledger, options: resolveOptions(options) });
  m.core.actor = makeActor(ActorMode.User, 2);
  return { m, shadow, reporter };
}

const block: BlockRecord = {
  address: 0x20001000,
  size: 8,
  allocator: "heap",
  allocatorKind: "heap",
  state: "live",
  allocated: { task: 3, taskName: "T3", time: 0, label: null, source: null },
  freed: null,
};

describe("Reporter", () => {
  it("builds a report with the running task, the pending label, the region and a state dump", () => {
    const { shadow, reporter } = make({ clock: () => 77, onError: "continue" });
    shadow.fill(0x20001000, 8, USR | StateBit.W);
    reporter.at("x.c:9");
    reporter.transitionError("invalid-transition", "why", 0x20001008, 4, block, ["d"]);
    const r = reporter.reports[0]!;
    expect([r.kind, r.message, r.address, r.task, r.taskName, r.time, r.region, r.block?.relation]).toEqual([
      "invalid-transition",
      "why (at x.c:9)",
      0x20001008,
      2,
      "T2",
      77,
      "SRAM1",
      "right",
    ]);
    expect(r.dump?.rows[2]).toEqual({ address: 0x20001000, codes: [...Array(8).fill("u_"), ...Array(8).fill("--")] });
    expect(reporter.site().label).toBeNull(); // the label went with the report
  });

  it("counts repeats per (kind, block, task) and drops what passes the caps", () => {
    const { reporter } = make({ maxRepeats: 2, maxReports: 3, onError: "continue" });
    const dropped: number[] = [];
    reporter.events.on("suppressed", (r) => dropped.push(r.occurrence));
    for (let i = 0; i < 3; i++) reporter.transitionError("double-free", "again", 0x20001000, 8, block);
    reporter.transitionError("invalid-free", "other", 0x20001004, 0, null);
    reporter.transitionError("invalid-free", "other", 0x20001008, 0, null); // total cap
    expect(reporter.reports.map((r) => [r.kind, r.occurrence])).toEqual([
      ["double-free", 1],
      ["double-free", 2],
      ["invalid-free", 1],
    ]);
    expect([reporter.suppressed, dropped]).toEqual([2, [3, 1]]);
    reporter.clear();
    expect([reporter.reports.length, reporter.suppressed]).toEqual([0, 0]);
  });

  it("past maxReports counts only the repeats it already knew: a new site's report stays at occurrence 1", () => {
    const { reporter } = make({ maxReports: 2, onError: "continue" });
    const dropped: number[] = [];
    reporter.events.on("suppressed", (r) => dropped.push(r.occurrence));
    reporter.transitionError("invalid-free", "a", 0x20001004, 0, null);
    reporter.transitionError("invalid-free", "b", 0x20001008, 0, null);
    for (let i = 0; i < 2; i++) reporter.transitionError("invalid-free", "a again", 0x20001004, 0, null);
    for (let a = 0; a < 3; a++)
      for (let i = 0; i < 2; i++) reporter.transitionError("invalid-free", "new", 0x20002000 + a * 4, 0, null);
    expect(reporter.reports.map((r) => r.occurrence)).toEqual([1, 1]);
    expect(dropped).toEqual([2, 3, 1, 1, 1, 1, 1, 1]);
    expect(reporter.suppressed).toBe(8);
  });

  it("counts maxReports per task: a task past its cap leaves another task's reports kept and emitted", () => {
    const { m, reporter } = make({ maxReports: 2, onError: "continue" });
    const kept: Array<[number, number]> = [];
    const dropped: Array<[number, number]> = [];
    reporter.events.on("report", (r) => kept.push([r.task, r.address]));
    reporter.events.on("suppressed", (r) => dropped.push([r.task, r.address]));
    for (let a = 0; a < 4; a++) reporter.transitionError("invalid-free", "flood", 0x20001000 + 4 * a, 0, null);
    m.core.actor = makeActor(ActorMode.User, 3);
    reporter.transitionError("invalid-free", "other", 0x20002000, 0, null);
    m.core.actor = makeActor(ActorMode.Kernel);
    reporter.transitionError("invalid-free", "kernel", 0x20003000, 0, null);
    expect(kept).toEqual([
      [2, 0x20001000],
      [2, 0x20001004],
      [3, 0x20002000],
      [0, 0x20003000],
    ]);
    expect(dropped).toEqual([
      [2, 0x20001008],
      [2, 0x2000100c],
    ]);
    expect([reporter.reports.length, reporter.suppressed]).toEqual([4, 2]);
    reporter.clear();
    m.core.actor = makeActor(ActorMode.User, 2);
    reporter.transitionError("invalid-free", "again", 0x20001008, 0, null); // its count starts over
    expect(reporter.reports.map((r) => [r.task, r.address])).toEqual([[2, 0x20001008]]);
  });

  it("stops writes by default: the fault is latched on the core and thrown; reads and leaks go on", () => {
    const { m, reporter } = make({ onError: "stop-writes" });
    reporter.accessError(
      { address: 0x20001000, kind: "uninitialized-read", message: "r", block, details: [] },
      4,
      "read",
      m.core.actor,
    );
    reporter.leak("leak-definite", "8 bytes definitely lost", block);
    expect(m.core.pendingFault).toBeNull();
    let thrown: unknown;
    try {
      reporter.transitionError("double-free", "w", 0x20001000, 8, block);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CheckerFault);
    expect(m.core.pendingFault).toBe(thrown);
    expect(reporter.reports.map((r) => [r.kind, r.task, r.mode])).toEqual([
      ["uninitialized-read", 2, "user"],
      ["leak-definite", 3, "user"], // in the name of the task that allocated the block
      ["double-free", 2, "user"],
    ]);
  });
});
