import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StateEvent } from "./events.js";
import type { SyscallRequest } from "./task.js";
import { CPT, setup } from "./test-setup.js";
import { TraceRecorder } from "./trace.js";

type Op =
  | { kind: "yield" }
  | { kind: "sleep"; ticks: number }
  | { kind: "sleepMs"; ms: number }
  | { kind: "work"; words: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: "yield" }),
  fc.integer({ min: 0, max: 6 }).map((ticks): Op => ({ kind: "sleep", ticks })),
  fc.integer({ min: 0, max: 5000 }).map((us): Op => ({ kind: "sleepMs", ms: us / 1000 })),
  fc.integer({ min: 0, max: 60_000 }).map((words): Op => ({ kind: "work", words })),
);

const taskArb = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  program: fc.array(opArb, { minLength: 1, maxLength: 6 }),
  rounds: fc.integer({ min: 1, max: 6 }),
});

describe("scheduler properties (random task sets and sleep patterns)", () => {
  it("always dispatches a highest-priority ready task, never goes back in time, and wakes sleepers on their tick", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), (specs, tsArg) => {
        const timeslice = tsArg === 3 ? ("none" as const) : tsArg;
        const { sched, machine } = setup({ costs: { syscall: 12, contextSwitch: 30 }, timeslice, syscall: () => 0 });
        specs.forEach((spec, i) => {
          sched.spawn({
            name: `t${i}`,
            priority: spec.priority,
            *entry() {
              for (let r = 0; r < spec.rounds; r++) {
                for (const op of spec.program) {
                  if (op.kind === "work") {
                    machine.core.fill(0x20000000, r & 0xff, op.words * 4);
                    yield { op: "poll" };
                  } else if (op.kind === "yield") yield { op: "yield" };
                  else if (op.kind === "sleep") yield { op: "sleep", ticks: op.ticks };
                  else yield { op: "sleep", ms: op.ms };
                }
              }
            },
          });
        });
        const rec = new TraceRecorder(sched.events);
        // expected wake tick of each sleep, from the tick at which it was requested
        const expected = new Map<number, number>();
        const wakes: [StateEvent, number | undefined][] = [];
        sched.events.on("syscall", (e) => {
          const req = e.request as SyscallRequest & { ticks?: number; ms?: number };
          if (req.op !== "sleep") return;
          const ticks = req.ticks ?? sched.clock.ticksFor({ ms: req.ms ?? 0 });
          if (ticks > 0) expected.set(e.task.id, Math.floor(e.time / CPT) + ticks);
        });
        sched.events.on("state", (e) => {
          if (e.from === "sleeping") wakes.push([e, expected.get(e.task.id)]);
        });
        const limit = 40 * CPT;
        for (let guard = 0; guard < 10_000; guard++) {
          if (sched.now().cycles >= limit) break;
          const d = sched.next();
          // no sleeper is overdue at a decision
          for (const t of sched.tasks()) {
            if (t.state === "sleeping") expect(t.wakeAt! * CPT).toBeGreaterThan(sched.now().cycles);
          }
          if (d.kind === "run") {
            const top = Math.max(
              ...sched
                .tasks()
                .filter((t) => t.state === "ready")
                .map((t) => t.priority),
            );
            expect(d.task.priority).toBe(top);
            const r = sched.step();
            expect(r.kind === "ran" && r.task === d.task).toBe(true);
          } else {
            const r = sched.step();
            if (r.kind === "done") break;
            // idle: time jumps exactly to the earliest wake-up
            expect(r).toEqual({ kind: "idle", from: expect.any(Number), to: d.until });
          }
        }
        // time never goes backwards
        let last = 0;
        for (const r of rec.records) {
          expect(r.t).toBeGreaterThanOrEqual(last);
          last = r.t;
        }
        // every sleeper woke on exactly its tick, never before its first cycle
        for (const [w, want] of wakes) {
          expect(w.cause).toBe("timer");
          expect(w.wakeTick).toBe(want);
          expect(w.time).toBeGreaterThanOrEqual(w.wakeTick! * CPT);
        }
      }),
      { seed: 0x5eed, numRuns: 150 },
    );
  });
});
