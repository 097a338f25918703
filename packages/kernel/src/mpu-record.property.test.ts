import { type Board, MPS2_AN505, MPS3_AN547, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import type { Kernel } from "./kernel.js";
import { type KTask, TcbField } from "./task-record.js";

// Whatever a privileged task writes over the MPU records in the TCBs (its own, another task's),
// the words reach the MPU as they are, at the owner's next switch-in: the kernel raises no host
// error, the run ends as a run does, a fault dump of a task on a forged record lists the
// registers' regions ("not the task's plan"), and the same writes give the same run.

/** One store of the admin task: which TCB, which word of its MPU record, what value. */
interface Forge {
  readonly whose: "victim" | "admin";
  readonly word: number;
  readonly value: (plan: number) => number;
  readonly label: string;
}

/** A forged value: the plan's word with bits flipped, VALID or EN cleared, REGION high, or any word. */
const value = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ label: `=${v}`, f: () => v })),
  fc.integer({ min: 0, max: 31 }).map((b) => ({ label: `^bit${b}`, f: (p: number) => (p ^ (1 << b)) >>> 0 })),
  fc.constant({ label: "&~0x1f", f: (p: number) => (p & ~0x1f) >>> 0 }),
  fc
    .integer({ min: 0, max: 15 })
    .map((r) => ({ label: `|VALID|${r}`, f: (p: number) => ((p & ~0xf) | 0x10 | r) >>> 0 })),
  fc.constant({ label: "&~1", f: (p: number) => (p & ~1) >>> 0 }),
  fc
    .constantFrom(0, 0xffffffff, 0x20000000, 0x2000001f, 0x0800_0000, 0x3fffffe1)
    .map((v) => ({ label: `=${v}`, f: () => v })),
);

const forge = (words: number) =>
  fc
    .record({
      whose: fc.constantFrom("victim" as const, "admin" as const),
      word: fc.integer({ min: 0, max: words - 1 }),
      value,
    })
    .map(({ whose, word, value }): Forge => ({ whose, word, value: value.f, label: value.label }));

/** Addresses the victim touches after its record was rewritten. */
const PROBES = [0, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x2000_4000, 0x2001_0000, 0x3000_0000, 0xe000_ed90];

interface Outcome {
  readonly reason: string;
  readonly cycles: number;
  readonly switches: number;
  readonly seen: readonly string[];
  readonly faults: readonly string[];
}

/** How the victim waits for the admin's forgeries, and whether the admin grants it "p" around them. */
interface Plot {
  readonly wait: "sleep" | "receive";
  readonly grant: "none" | "before" | "after" | "later";
  readonly memcheck: boolean;
  readonly restart: boolean;
}

function scenario(
  board: Board,
  forges: readonly Forge[],
  probes: readonly number[],
  plot: Plot,
): { k: Kernel; out: Outcome } {
  const k = bootKernel({
    board,
    memcheck: plot.memcheck,
    partitions: [{ name: "p", size: 1024 }],
    queues: [{ name: "q", messageSize: 16, capacity: 4 }],
  });
  const p = k.partitions.get("p")!.base;
  const seen: string[] = [];
  const tasks: Record<string, KTask> = {};
  tasks.victim = k.spawn({
    name: "victim",
    priority: 2,
    partitions: { p: "rw" },
    queues: { q: "receive" },
    ...(plot.restart ? { faultPolicy: { restart: 1 } } : {}),
    *main(t) {
      const h = yield* t.malloc(32);
      t.write32(h, 0x11);
      // Handed the admin's message by its send, under the receiver's record as the switch would load it.
      if (plot.wait === "receive") {
        const got: unknown = yield* t.receive("q", p, 16);
        seen.push(`received ${String(got)} ${t.read32(p)}`);
      } else yield* t.sleep({ ms: 1 });
      for (const a of probes) {
        const addr = (a + 0x100) >>> 0;
        seen.push(`r ${addr.toString(16)} ${t.read32(addr)}`);
        yield* t.yield();
      }
      yield* t.free(h);
    },
  });
  k.spawn({
    name: "ticker",
    priority: 3,
    *main(t) {
      yield* t.sleep({ ms: 1 });
    },
  });
  tasks.admin = k.spawn({
    name: "admin",
    priority: 1,
    privileged: true,
    queues: { q: "send" },
    *main(t) {
      const m = yield* t.malloc(16);
      t.write32(m, 0xc0ffee);
      if (plot.grant === "before") yield* t.grant("p", "victim", "ro");
      for (const f of forges) {
        const at = tasks[f.whose]!.tcb + TcbField.MPU + 4 * f.word;
        t.write32(at, f.value(t.read32(at)));
      }
      if (plot.grant === "after") yield* t.grant("p", "victim", "rw");
      // After a switch-in that loaded its own record, forged or not (the ticker ran meanwhile).
      if (plot.grant === "later") {
        yield* t.sleep({ ms: 2 });
        yield* t.grant("p", "victim", "rw");
      }
      if (plot.wait === "receive") seen.push(`sent ${yield* t.send("q", m, 16)}`);
      for (let i = 0; i < 4; i++) {
        seen.push(`admin ${i}`);
        yield* t.sleep({ ms: 1 });
      }
    },
  });
  const r = k.run({ ms: 8 });
  return {
    k,
    out: {
      reason: r.reason,
      cycles: r.cycles,
      switches: r.switches,
      seen,
      faults: k.faults.map((f) => `${f.task} ${f.kind} ${f.message}\n${f.dump}`),
    },
  };
}

describe.each([
  { board: STM32F407, seed: 0x5ec0 },
  { board: STM32H743XI, seed: 0x5ec1 },
  { board: MPS2_AN505, seed: 0x5ec2 },
  { board: MPS3_AN547, seed: 0x5ec3 },
])("forged MPU records in the TCBs ($board.name)", ({ board, seed }) => {
  it("raise no host error, dump the registers' regions for a forged task, and replay the same", () => {
    const words = bootKernel({ board }).mpuDriver.recordWords;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(forge(words), { minLength: 1, maxLength: 6 }),
          // the record's last word alone (PSPLIM on PMSAv8, a region's RASR on PMSAv7)
          fc.array(
            forge(words).map((f) => ({ ...f, word: words - 1 })),
            { minLength: 1, maxLength: 2 },
          ),
        ),
        fc.array(fc.constantFrom(...PROBES), { minLength: 1, maxLength: 4 }),
        fc.record({
          wait: fc.constantFrom("sleep" as const, "receive" as const),
          grant: fc.constantFrom("none" as const, "before" as const, "after" as const, "later" as const),
          memcheck: fc.boolean(),
          restart: fc.boolean(),
        }),
        (forges, probes, plot) => {
          const a = scenario(board, forges, probes, plot);
          expect(["until", "no-tasks", "blocked"]).toContain(a.out.reason);
          // A task whose record was not touched is never said to have had it overwritten (a grant
          // that faulted changed nothing): its dump lists its plan, or the registers as the
          // configuration loaded before its switch.
          const touched = new Set(forges.map((f) => f.whose));
          for (const f of a.k.faults) {
            if (!touched.has(f.task as "victim" | "admin")) {
              expect(f.dump).not.toContain("its TCB's MPU record was overwritten");
              if (f.dump.includes("not the task's plan"))
                expect(f.dump).toContain('the registers held the regions of task "');
            }
          }
          // What a record loaded as found changed is said consistently: PSPLIM only on PMSAv8,
          // and regions that decode to the plan's are listed as the plan's.
          const v8 = a.k.mpuDriver.architecture === "pmsav8";
          const psplimOnly = v8 && forges.every((f) => f.word === words - 1);
          for (const f of a.k.faults) {
            const held = f.mpuHeld;
            if (held === undefined) continue;
            if (held.stackLimit !== undefined) {
              expect(v8).toBe(true);
              expect(held.stackLimit.value).not.toBe(held.stackLimit.plan);
              expect(held.reason).toContain(`PSPLIM 0x${held.stackLimit.value.toString(16).padStart(8, "0")}`);
            }
            if (held.regionsSame === true) {
              expect(held.reason.startsWith("the plan's regions, but ")).toBe(true);
              expect(f.dump).not.toContain("not the task's plan");
            }
            if (psplimOnly && held.heldBy === undefined) expect(held.regionsSame).toBe(true);
          }
          const b = scenario(board, forges, probes, plot);
          expect(b.out).toEqual(a.out);
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
