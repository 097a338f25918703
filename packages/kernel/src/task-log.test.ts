import { describe, expect, it } from "vitest";
import type { TaskMain } from "./config.js";
import { FAULT_LIMIT, OUTPUT_LIMIT } from "./task-log.js";
import { bootTest } from "./test-kit.js";

type Ctx = Parameters<TaskMain>[0];

describe("task logs: bounded records of faults and output", () => {
  it("keeps a task's first FAULT_LIMIT fault records and counts them all", () => {
    const k = bootTest();
    const faults: number[] = [];
    k.events.on("fault", (r) => faults.push(r.ms));
    const base = k.kernelBlock.base;
    const rogue = k.spawn({
      name: "rogue",
      faultPolicy: "restart",
      *main(t: Ctx) {
        yield* t.sleep({ ticks: 1 });
        t.read32(base); // kernel memory: MemManage, restarted
      },
    });
    const calm = k.spawn({
      name: "calm",
      *main(t: Ctx) {
        yield* t.sleep({ ms: FAULT_LIMIT + 5 });
        t.read32(base); // one fault, after the rogue's limit: still kept
      },
    });
    k.run({ ms: FAULT_LIMIT + 10 });
    const n = rogue.faultCount;
    expect(n).toBeGreaterThan(FAULT_LIMIT);
    expect(faults.length).toBe(n + 1); // every fault is emitted
    expect(rogue.faults.length).toBe(FAULT_LIMIT);
    expect(rogue.faults[FAULT_LIMIT - 1]!.ms).toBe(faults[FAULT_LIMIT - 1]);
    expect(calm.faultCount).toBe(1);
    expect(k.faults.length).toBe(FAULT_LIMIT + 1);
    expect(k.faults.at(-1)!.task).toBe("calm");
    expect(k.faultCount).toBe(n + 1);
    expect(k.schedTask(rogue).restarts).toBe(n);
  });

  it("keeps a task's first OUTPUT_LIMIT lines and counts them all", () => {
    const k = bootTest();
    let events = 0;
    k.events.on("uart", () => events++);
    const perPrint = 128; // "x\n" x 128: a 256-byte print
    const prints = Math.ceil(OUTPUT_LIMIT / perPrint) + 2;
    const t = k.spawn({
      name: "chatty",
      *main(t: Ctx) {
        const p = yield* t.malloc(256);
        for (let i = 0; i < prints; i++) {
          t.writeString(p, `${String.fromCharCode(97 + (i % 26))}\n`.repeat(perPrint));
          yield* t.print(p, 256);
          if (i % 64 === 63) yield* t.sleep({ ticks: 1 }); // within the watchdog's budget
        }
      },
    });
    k.run({ ms: 10_000 });
    expect(k.schedTask(t).state).toBe("stopped");
    expect(t.faultCount).toBe(0);
    expect(t.outputLines).toBe(prints * perPrint);
    expect(events).toBe(prints * perPrint);
    expect(t.output.length).toBe(OUTPUT_LIMIT);
    expect(t.output[0]).toBe("a");
    expect(t.output[OUTPUT_LIMIT - 1]).toBe(String.fromCharCode(97 + (Math.floor((OUTPUT_LIMIT - 1) / perPrint) % 26)));
  });
});
