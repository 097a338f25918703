import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StateEvent } from "./events.js";
import type { SyscallRequest } from "./task.js";
import { CPT, setup } from "./test-setup.js";
import { TraceRecorder } from "./trace.js";
import { TIMEOUT, WaitQueue } from "./wait-queue.js";

type Op =
  | { kind: "yield" }
  | { kind: "sleep"; ticks: number }
  | { kind: "sleepMs"; ms: number }
  | { kind: "work"; words: number }
  | { kind: "wait"; ticks: number }
  | { kind: "signal" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: "yield" }),
  fc.integer({ min: 0, max: 6 }).map((ticks): Op => ({ kind: "sleep", ticks })),
  fc.integer({ min: 0, max: 5000 }).map((us): Op => ({ kind: "sleepMs", ms: us / 1000 })),
  fc.integer({ min: 0, max: 60_000 }).map((words): Op => ({ kind: "work", words })),
  fc.integer({ min: 0, max: 8 }).map((ticks): Op => ({ kind: "wait", ticks })),
  fc.constant<Op>({ kind: "signal" }),
);

const taskArb = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  program: fc.array(opArb, { minLength: 1, maxLength: 6 }),
  rounds: fc.integer({ min: 1, max: 6 }),
});

describe("scheduler properties (random task sets and sleep patterns)", () => {
  it("always dispatches a highest-priority ready task, never goes back in time, and wakes sleepers on their tick", () => {
    const seen = { wakes: 0, timeouts: 0, signalled: 0, idles: 0 };
    fc.assert(
      fc.property(fc.array(taskArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), (specs, tsArg) => {
        const timeslice = tsArg === 3 ? ("none" as const) : tsArg;
        const { sched, machine } = setup({
          costs: { syscall: 12, contextSwitch: 30 },
          timeslice,
          syscall: (task, req): unknown => {
            if (req.op === "wait") q.block(task, { ticks: req.ticks as number });
            else if (req.op === "signal") return q.wakeOne(task.id)?.id ?? 0;
            return 0;
          },
        });
        const q: WaitQueue = new WaitQueue(sched);
        const resumed: [number, unknown, number | undefined][] = []; // [task, value, expected wake tick]
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
                  } else if (op.kind === "wait") {
                    const v = yield { op: "wait", ticks: op.ticks };
                    resumed.push([i, v, expected.get(i + 1)]);
                  } else if (op.kind === "signal") yield { op: "signal" };
                  else if (op.kind === "yield") yield { op: "yield" };
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
        sched.events.on("syscall", (e) => {
          if (e.request.op === "wait") expected.set(e.task.id, Math.floor(e.time / CPT) + (e.request.ticks as number));
        });
        const timeouts: [StateEvent, number | undefined][] = [];
        sched.events.on("state", (e) => {
          if (e.cause === "timeout") timeouts.push([e, expected.get(e.task.id)]);
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
            seen.idles++;
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
        seen.wakes += wakes.length;
        seen.timeouts += timeouts.length;
        seen.signalled += resumed.filter(([, v]) => v !== TIMEOUT).length;
        // every wait ended by a signal (the signaller's id) or by its timeout on exactly its tick
        for (const [, v] of resumed) expect(v === TIMEOUT || (typeof v === "number" && v >= 1)).toBe(true);
        for (const [w, want] of timeouts) {
          expect(w.wakeTick).toBe(want);
          expect(w.time).toBeGreaterThanOrEqual(w.wakeTick! * CPT);
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
    // the runs did exercise what the properties are about
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(50);
  });
});
