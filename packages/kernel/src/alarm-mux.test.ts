import { createMachine, MPS2_AN386 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { AlarmMux } from "./alarm-mux.js";

function setup() {
  const m = createMachine(MPS2_AN386);
  m.core.countCycles = true;
  const mux = new AlarmMux(m.core);
  return { core: m.core, mux, a: mux.channel(), b: mux.channel() };
}

describe("AlarmMux: two interrupts on the core's one cycle alarm", () => {
  it("the earlier channel fires first, at the first charge past its cycle; the other keeps its own", () => {
    const { core, a, b } = setup();
    const seen: string[] = [];
    a.setAlarm(100, (due) => seen.push(`a ${core.cycles} ${due}`));
    b.setAlarm(50, (due) => seen.push(`b ${core.cycles} ${due}`));
    core.charge(50);
    expect(seen).toEqual([]);
    core.charge(10); // past b's 50
    core.charge(40); // lands on a's 100
    core.charge(1); // past a's
    expect(seen).toEqual(["b 50 60", "a 100 101"]);
  });

  it("both due within one charge run earliest first, each with the count the charge would bring after what the earlier charged", () => {
    const { core, a, b } = setup();
    const seen: string[] = [];
    a.setAlarm(30, (due) => {
      seen.push(`a ${core.cycles} ${due}`);
      core.charge(70); // an interrupt handler's cycles
    });
    b.setAlarm(20, (due) => seen.push(`b ${core.cycles} ${due}`));
    core.charge(1000);
    expect(seen).toEqual(["b 0 1000", "a 0 1000"]);
    expect(core.cycles).toBe(1070);
  });

  it("a channel that sets itself again at once (the watchdog's deferral) fires at the next charge, not in a loop", () => {
    const { core, a, b } = setup();
    let calls = 0;
    const again = (): void => {
      calls++;
      a.setAlarm(core.cycles, again);
    };
    a.setAlarm(5, again);
    b.setAlarm(1000, () => calls++);
    core.charge(10);
    expect(calls).toBe(1);
    core.charge(1);
    core.charge(1);
    expect(calls).toBe(3);
    a.setAlarm(Number.POSITIVE_INFINITY, null);
    core.charge(2000); // b
    expect(calls).toBe(4);
  });

  it("hold runs a handler with every alarm held: the ones it passes fire at the first charge after it", () => {
    const { core, mux, a } = setup();
    const seen: number[] = [];
    a.setAlarm(10, () => seen.push(core.cycles));
    expect(
      mux.hold(() => {
        core.charge(50);
        return "done";
      }),
    ).toBe("done");
    expect(seen).toEqual([]);
    core.charge(1);
    expect(seen).toEqual([50]);
  });
});
