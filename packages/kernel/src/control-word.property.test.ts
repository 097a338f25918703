import { type Board, MPS2_AN505, ScbReg, STM32F407 } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { DmaCr, DmaFlag, DmaReg } from "./devices/dma.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import { CONTROL_PRIVILEGED, CONTROL_UNPRIVILEGED, type KTask, TcbField } from "./task-record.js";

// Whatever a privileged task (or a task granted the DMA, on the STM32F407 where DMA2 reaches the
// kernel's block in SRAM1) writes over the CONTROL words in the TCBs (its own, another task's),
// mixed with syscalls, grants, heap operations and faults with restart policies: the kernel
// raises no host error, a task's privilege after each switch-in is bit 0 of the word then in its
// TCB (for the core and the kernel alike), a task whose word nobody touched never changes
// privilege, a restart stores the spec's word, and the same writes give the same run, in one
// call or cut into windows by a run's time limit.

/** Whose CONTROL word a forgery overwrites. */
type Whose = "victim" | "admin" | "dmaer";

/** One forgery: by the admin's store or by the DMA-granted task's one-word copy. */
interface Forge {
  readonly by: "admin" | "dma";
  readonly whose: Whose;
  readonly value: (spec: number) => number;
  readonly label: string;
}

/** A forged word: the two valid ones, a bit 0-2 flip of the spec's, all ones, zero or any word. */
const value = fc.oneof(
  { arbitrary: fc.constant({ label: "=2", f: () => CONTROL_PRIVILEGED }), weight: 3 },
  fc.constantFrom(CONTROL_PRIVILEGED, CONTROL_UNPRIVILEGED, 0xffffffff, 0).map((v) => ({ label: `=${v}`, f: () => v })),
  fc.integer({ min: 0, max: 2 }).map((b) => ({ label: `^bit${b}`, f: (w: number) => (w ^ (1 << b)) >>> 0 })),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ label: `=${v}`, f: () => v })),
);

const forge = (dma: boolean) =>
  fc
    .record({
      by: dma ? fc.constantFrom("admin" as const, "dma" as const) : fc.constant("admin" as const),
      whose: fc.constantFrom<Whose>(
        ...(dma ? (["victim", "admin", "dmaer"] as const) : (["victim", "admin"] as const)),
      ),
      value,
    })
    .map(({ by, whose, value }): Forge => ({ by, whose, value: value.f, label: value.label }));

/** What the victim does between the forgeries (each is decided by the privilege it then has). */
type Act =
  | "info"
  | "cpuid"
  | "kread"
  | "heap"
  | "grant-secret"
  | "grant-lower"
  | "print-kernel"
  | "receive"
  | "sleep"
  | "yield";
const ACTS: readonly Act[] = [
  "info",
  "cpuid",
  "kread",
  "heap",
  "grant-secret",
  "grant-lower",
  "print-kernel",
  "receive",
  "sleep",
  "yield",
];

interface Plot {
  readonly memcheck: boolean;
  readonly restart: boolean;
  /** Absolute ms at which the chunked run's windows end (then 12). */
  readonly cuts: readonly number[];
}

interface Outcome {
  readonly reason: string;
  readonly cycles: number;
  readonly seen: readonly string[];
  readonly faults: readonly string[];
  readonly violations: readonly string[];
}

/** Memory-to-memory, both addresses incremented, 32-bit items. */
const M2M_WORDS = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT);

const SPEC_WORD: Record<Whose | "bystander", number> = {
  victim: CONTROL_UNPRIVILEGED,
  admin: CONTROL_PRIVILEGED,
  dmaer: CONTROL_UNPRIVILEGED,
  bystander: CONTROL_UNPRIVILEGED,
};

function word(k: Kernel, t: KTask): number {
  const b = k.machine.bus.peek(t.tcb + TcbField.CONTROL, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

function scenario(board: Board, forges: readonly Forge[], acts: readonly Act[], plot: Plot, chunked: boolean) {
  const dma = board === STM32F407;
  const k = bootKernel({
    board,
    memcheck: plot.memcheck,
    partitions: [
      { name: "p", size: 1024, ...(dma ? { region: "SRAM1" } : {}) },
      { name: "secret", size: 1024, ...(dma ? { region: "SRAM1" } : {}) },
    ],
    queues: [{ name: "q", messageSize: 16, capacity: 2 }],
  });
  const p = k.partitions.get("p")!.base;
  const seen: string[] = [];
  const violations: string[] = [];
  const tasks: Partial<Record<Whose | "bystander", KTask>> = {};
  const touched = new Set<string>(forges.map((f) => f.whose));
  const spec = (t: KTask) => SPEC_WORD[t.name as Whose];
  // The core and the kernel agree on the running task's privilege whenever its code runs.
  const agree = (t: TaskContext, where: string) => {
    const me = tasks[t.name as Whose]!;
    if (k.machine.core.controlNPriv !== !me.privileged)
      violations.push(`${where}: core nPRIV ${k.machine.core.controlNPriv} for ${me.name} privileged ${me.privileged}`);
    if (!touched.has(me.name) && me.privileged !== (spec(me) === CONTROL_PRIVILEGED))
      violations.push(`${where}: untouched ${me.name} privileged ${me.privileged}`);
    return me.privileged;
  };
  k.events.on("switch", (e) => {
    const t = tasks[e.to as Whose];
    if (t === undefined) return;
    const w = word(k, t);
    if (t.privileged !== ((w & 1) === 0))
      violations.push(`switch to ${t.name}: word ${w} but privileged ${t.privileged}`);
    if (k.machine.core.controlNPriv !== !t.privileged)
      violations.push(`switch to ${t.name}: core nPRIV ${k.machine.core.controlNPriv}`);
  });
  k.scheduler.events.on("state", (e) => {
    if (e.cause !== "restart") return;
    const t = e.task.data as KTask;
    if (word(k, t) !== spec(t) || t.privileged !== (spec(t) === CONTROL_PRIVILEGED))
      violations.push(`restart of ${t.name}: word ${word(k, t)} privileged ${t.privileged}`);
  });
  tasks.victim = k.spawn({
    name: "victim",
    priority: 2,
    heapSize: 4096,
    partitions: { p: "rw" },
    queues: { q: "receive" },
    ...(plot.restart ? { faultPolicy: { restart: 2 } } : {}),
    *main(t) {
      yield* t.sleep({ ms: 1 }); // the admin's first forgeries land meanwhile
      for (const [i, act] of acts.entries()) {
        const priv = agree(t, `victim ${i}`);
        switch (act) {
          case "info": {
            const r = (yield* t.info()).privileged;
            seen.push(`info ${r}`);
            if (r !== priv) violations.push(`info ${r} but loaded ${priv}`);
            break;
          }
          case "cpuid":
            seen.push(`cpuid ${priv} ${t.read32(ScbReg.CPUID) !== 0}`);
            break;
          case "kread":
            seen.push(`kread ${priv} ${t.read32(tasks.victim!.tcb + TcbField.ID)}`);
            break;
          case "heap": {
            const h = yield* t.malloc(24);
            t.write32(h, 0x5a5a);
            const h2 = yield* t.realloc(h, 64);
            seen.push(`heap ${priv} ${t.read32(h2)}`);
            yield* t.free(h2);
            break;
          }
          case "grant-secret": {
            // It holds no "secret": EPERM unprivileged, OK privileged.
            const r = yield* t.grant("secret", "victim", "rw");
            seen.push(`grant-secret ${priv} ${r}`);
            break;
          }
          case "grant-lower":
            seen.push(`grant-lower ${yield* t.grant("p", "victim", "ro")}`);
            break;
          case "print-kernel":
            yield* t.print(tasks.victim!.tcb + TcbField.ID, 1); // BAD_POINTER unprivileged
            seen.push(`print ${priv}`);
            break;
          case "receive":
            seen.push(`receive ${priv} ${String(yield* t.receive("q", p, 16, { ms: 1 }))}`);
            break;
          case "sleep":
            yield* t.sleep({ ms: 1 });
            break;
          case "yield":
            yield* t.yield();
            break;
        }
      }
      agree(t, "victim end");
    },
  });
  tasks.bystander = k.spawn({
    name: "bystander",
    priority: 3,
    queues: { q: "send" },
    *main(t) {
      for (let i = 0; i < 6; i++) {
        agree(t, `bystander ${i}`);
        seen.push(`bystander info ${(yield* t.info()).privileged}`);
        const m = yield* t.malloc(16);
        t.fill(m, i, 16);
        yield* t.send("q", m, 16);
        yield* t.free(m);
        yield* t.sleep({ ms: 1 });
      }
    },
  });
  if (dma) {
    const shared = k.partitions.get("secret")!.base;
    tasks.dmaer = k.spawn({
      name: "dmaer",
      priority: 1,
      faultPolicy: { restart: 1 },
      partitions: { secret: "rw" },
      devices: ["dma"],
      *main(t) {
        const base = k.device("dma").base;
        for (const f of forges) {
          if (f.by !== "dma") continue;
          agree(t, "dmaer");
          t.write32(shared, f.value(spec(tasks[f.whose]!)));
          t.write32(base + DmaReg.S0PAR, shared);
          t.write32(base + DmaReg.S0M0AR, tasks[f.whose]!.tcb + TcbField.CONTROL);
          t.write32(base + DmaReg.S0NDTR, 1);
          t.write32(base + DmaReg.S0CR, M2M_WORDS | DmaCr.EN);
          while ((t.read32(base + DmaReg.LISR) & (DmaFlag.TCIF0 | DmaFlag.TEIF0)) === 0) yield* t.yield();
          t.write32(base + DmaReg.LIFCR, DmaFlag.TCIF0 | DmaFlag.TEIF0);
          seen.push(`dma ${f.whose} ${f.label}`);
          yield* t.sleep({ ms: 1 });
        }
      },
    });
  }
  tasks.admin = k.spawn({
    name: "admin",
    priority: 1,
    privileged: true,
    faultPolicy: { restart: 1 },
    queues: { q: "send" },
    *main(t) {
      for (const f of forges) {
        if (f.by !== "admin") continue;
        const priv = agree(t, "admin");
        const target = tasks[f.whose]!;
        // Unprivileged (its own word demoted it) the store into the kernel's block faults.
        t.write32(target.tcb + TcbField.CONTROL, f.value(spec(target)));
        seen.push(`admin ${priv} ${f.whose} ${f.label}`);
        const m = yield* t.malloc(16);
        t.fill(m, 0xad, 16);
        seen.push(`admin send ${yield* t.send("q", m, 16)}`);
        yield* t.free(m);
        yield* t.sleep({ ms: 1 });
      }
    },
  });
  let r = { reason: "", cycles: 0 };
  if (chunked) for (const ms of [...plot.cuts, 12]) r = k.run({ ms });
  else r = k.run({ ms: 12 });
  return {
    k,
    out: {
      reason: r.reason,
      cycles: k.scheduler.now().cycles,
      seen,
      faults: k.faults.map((f) => `${f.task} ${f.kind} ${f.action} ${f.message}\n${f.dump}`),
      violations,
    } satisfies Outcome,
  };
}

describe.each([
  { board: STM32F407, seed: 0xc7e0 },
  { board: MPS2_AN505, seed: 0xc7e1 },
])("forged CONTROL words in the TCBs ($board.name)", ({ board, seed }) => {
  it("raise no host error, take effect at the owner's next switch-in only, leave untouched tasks alone, and replay the same", () => {
    fc.assert(
      fc.property(
        fc.array(forge(board === STM32F407), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom(...ACTS), { minLength: 1, maxLength: 10 }),
        fc.record({
          memcheck: fc.boolean(),
          restart: fc.boolean(),
          cuts: fc
            .uniqueArray(fc.integer({ min: 1, max: 11 }), { maxLength: 4 })
            .map((c) => [...c].sort((a, b) => a - b)),
        }),
        (forges, acts, plot) => {
          const a = scenario(board, forges, acts, plot, false);
          expect(["until", "no-tasks", "blocked"]).toContain(a.out.reason);
          expect(a.out.violations).toEqual([]);
          for (const f of a.k.faults) {
            // Only a task whose word was overwritten is said to have been.
            if (!forges.some((g) => g.whose === f.task))
              expect(f.dump).not.toContain("its TCB's CONTROL word was overwritten");
          }
          const b = scenario(board, forges, acts, plot, false);
          expect(b.out).toEqual(a.out);
          const c = scenario(board, forges, acts, plot, true);
          expect(c.out).toEqual(a.out);
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
