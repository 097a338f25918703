import { createMachine, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { SimClock } from "./clock.js";
import { Tcb } from "./task.js";
import { Timekeeper } from "./timekeeper.js";

function make(systick = true) {
  const m = createMachine(STM32F407);
  const clock = new SimClock(m.board.clockHz, 1000); // 168 000 cycles per tick
  const tasks: { running: Tcb<unknown> | null } = { running: null };
  m.core.countCycles = true;
  const time = new Timekeeper({ clock, core: m.core, systick: systick ? m.systick : null, tasks });
  return { m, clock, tasks, time };
}

describe("Timekeeper", () => {
  it("programs SysTick for one tick per clock tick (RVR = cycles per tick - 1, enabled with its interrupt)", () => {
    const { m } = make();
    expect([m.systick.rvr, m.systick.cvr, m.systick.csr]).toEqual([167_999, 0, 0x7]);
  });

  it("leaves SysTick alone when it is not given one", () => {
    const { m, time } = make(false);
    time.advance(500);
    expect([m.systick.rvr, m.systick.cvr, m.systick.csr]).toEqual([0, 0, 0x4]);
  });

  it("folds the core's cycles into the clock once, and charges them to the running task", () => {
    const { m, clock, tasks, time } = make();
    const t = new Tcb(tasks, 1, "t", 0, function* () {}, undefined);
    m.core.read32(0x08000000); // flash: 1 + 5 wait states
    tasks.running = t;
    time.sync();
    time.sync(); // nothing new
    expect([clock.cycles, t.cycles]).toEqual([6, 6]);
    tasks.running = null;
    m.core.read32(0x20000000); // SRAM: 1 cycle, no task running
    expect(time.now()).toEqual({ cycles: 7, ticks: 0, ms: 7 / 168_000 });
    expect(t.cycles).toBe(6);
  });

  it("idle time moves the clock and SysTick, is counted as idle and charged to no task", () => {
    const { m, clock, tasks, time } = make();
    const t = new Tcb(tasks, 1, "t", 0, function* () {}, undefined);
    tasks.running = t;
    time.advance(1000);
    tasks.running = null;
    time.idle(167_000);
    expect([clock.cycles, clock.ticks, time.idleCycles, t.cycles, m.systick.cvr]).toEqual([
      168_000, 1, 167_000, 1000, 0,
    ]);
  });

  it("drives SysTick with every cycle it adds (COUNTFLAG at the tick)", () => {
    const { m, clock, time } = make();
    time.advance(167_999);
    expect([clock.ticks, m.systick.cvr, (m.systick.csr >>> 16) & 1]).toEqual([0, 1, 0]);
    time.advance(1);
    expect([clock.ticks, m.systick.cvr, (m.systick.csr >>> 16) & 1]).toEqual([1, 0, 1]);
  });
});
