import type { ArenaAllocator } from "@rtos-sim/alloc";
import { bitBandAliasOf } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "./config.js";
import { ActuatorReg } from "./devices/actuator.js";
import type { Kernel } from "./kernel.js";
import { sys } from "./syscalls.js";
import { TcbField } from "./task-record.js";
import { bootTest, footprint, victim } from "./test-kit.js";

type Offence = (k: Kernel) => { spec: Omit<TaskSpec, "name">; address: number | null };

/** Two victims (va: shared rw, vb), then the offender (spawned last: the victims' layout is the same with or without it). */
function scenario(offence: Offence | null) {
  const k = bootTest();
  k.spawn(victim("va", 1, k, true));
  k.spawn(victim("vb", 2, k, false));
  const off = offence ? offence(k) : null;
  if (off) k.spawn({ name: "evil", queues: { q: "both" }, ...off.spec });
  const q = k.queues.get("q")!;
  const queueBytes = k.machine.bus.peek(q.storage, 64);
  let faultMs = -1;
  const late: string[] = [];
  k.events.on("fault", (r) => {
    faultMs = r.ms;
  });
  k.events.on("uart", (e) => {
    if (faultMs >= 0 && e.task !== "evil") late.push(e.line);
  });
  const result = k.run({ ms: 50 });
  return { k, result, late, address: off?.address ?? null, queueBytes, fp: footprint(k, ["va", "vb"]) };
}

/** An unprivileged task that sleeps 2 ms, then does `act`. */
function after2ms(
  act: (t: Parameters<TaskSpec["main"]>[0], k: Kernel) => Generator<unknown, void, unknown> | undefined | void,
  k: Kernel,
  extra: Partial<TaskSpec> = {},
) {
  return {
    ...extra,
    *main(t: Parameters<TaskSpec["main"]>[0]) {
      yield* t.sleep({ ms: 2 });
      const g = act(t, k);
      if (g) yield* g;
      yield* endless();
    },
  };
}

function* endless(): Generator<unknown, void, unknown> {
  for (;;) yield sys.sleep({ ms: 1 });
}

const MM_DACCVIOL = 0x82; // DACCVIOL | MMARVALID
const BF_PRECISE = 0x8200; // PRECISERR | BFARVALID

interface Case {
  readonly what: string;
  readonly offence: Offence;
  readonly kind: string;
  readonly cfsr: number | null;
  /** "address": the offence's address; null: no fault address. */
  readonly far: "address" | null;
}

const read =
  (addr: (k: Kernel) => number): Offence =>
  (k) => ({
    spec: after2ms((t) => void t.read32(addr(k)), k),
    address: addr(k),
  });
const write =
  (addr: (k: Kernel) => number, extra: Partial<TaskSpec> = {}): Offence =>
  (k) => ({
    spec: after2ms((t) => t.write32(addr(k), 0xdeadbeef), k, extra),
    address: addr(k),
  });
const va = (k: Kernel) => k.task("va")!;

const cases: Case[] = [
  {
    what: "read another task's stack",
    offence: read((k) => va(k).stack.base + 0x200),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write another task's stack",
    offence: write((k) => va(k).stack.top - 8),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "read another task's heap",
    offence: read((k) => va(k).heap!.base + 16),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write another task's heap",
    offence: write((k) => va(k).heap!.base + 16),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "read kernel memory",
    offence: read((k) => k.kernelBlock.base),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write kernel memory (a TCB)",
    offence: write((k) => va(k).tcb),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    // The MPU checks the alias address, which no region of the task covers (docs/bit-banding.md).
    what: "clear a bit of a TCB (kernel memory, in SRAM1) through its bit-band alias",
    offence: (k) => ({
      spec: after2ms((t) => t.write32(bitBandAliasOf(va(k).tcb + TcbField.CONTROL, 0)!, 0), k),
      address: bitBandAliasOf(va(k).tcb + TcbField.CONTROL, 0)!,
    }),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write the region manager's metadata",
    offence: write((k) => k.regions.regions()[0]!.metadataStart + 8),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write a partition granted read-only",
    offence: (k) => ({
      spec: after2ms(
        (t) => {
          t.read32(k.partitions.get("ro")!.base); // reading is allowed
          t.write32(k.partitions.get("ro")!.base + 4, 1);
        },
        k,
        { partitions: { ro: "ro" } },
      ),
      address: k.partitions.get("ro")!.base + 4,
    }),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "read an ungranted partition",
    offence: read((k) => k.partitions.get("secret")!.base + 0x40),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write an ungranted peripheral (actuator TIM1.CCR1)",
    offence: write((k) => k.device("actuator").base + ActuatorReg.CCR1),
    kind: "memmanage",
    cfsr: MM_DACCVIOL,
    far: "address",
  },
  {
    what: "write the MPU registers (RBAR)",
    offence: write(() => 0xe000ed9c),
    kind: "busfault",
    cfsr: BF_PRECISE,
    far: "address",
  },
  { what: "read MPU_CTRL", offence: read(() => 0xe000ed94), kind: "busfault", cfsr: BF_PRECISE, far: "address" },
  {
    what: "execute from data (branch into SRAM)",
    offence: (k) => ({
      spec: after2ms((t) => t.branch(0x20010000), k),
      address: null,
    }),
    kind: "memmanage",
    cfsr: 0x01,
    far: null,
  },
];

describe("isolation: an unprivileged task", () => {
  const clean = scenario(null);

  it("baseline: the victims run to the end without faults", () => {
    expect(clean.result.reason).toBe("no-tasks");
    expect(clean.k.faults).toEqual([]);
    expect(clean.fp.outputs[0]).toEqual(Array.from({ length: 10 }, (_, i) => `va ${i}`));
    expect(clean.fp.outputs[1]).toEqual(Array.from({ length: 10 }, (_, i) => `vb ${i}`));
  });

  it.each(cases)("cannot $what: $kind, CFSR $cfsr, the others untouched", (c) => {
    const s = scenario(c.offence);
    expect(s.k.faults).toHaveLength(1);
    const f = s.k.faults[0]!;
    expect(f.task).toBe("evil");
    expect(f.kind).toBe(c.kind);
    expect(f.action).toBe("stopped");
    expect(f.hw?.cfsr).toBe(c.cfsr);
    expect(f.hw?.faultAddress).toBe(c.far === "address" ? s.address : null);
    expect(f.hw?.access.privileged).toBe(false);
    expect(s.k.schedTask(s.k.task("evil")!).state).toBe("faulted");
    // the others: byte-identical memory and output, and they kept running after the fault
    expect(s.fp).toEqual(clean.fp);
    expect(s.late.length).toBeGreaterThan(0);
    expect(s.result.reason).toBe("no-tasks");
    // the fault status was read and cleared by the handler
    expect(s.k.machine.scb.cfsr).toBe(0);
  });

  it("cannot change the MPU: the registers still hold the loaded plan", () => {
    const s = scenario(write(() => 0xe000ed9c));
    const plan = s.k.loader.current!;
    for (let n = 0; n < 8; n++) {
      const raw = Object.values(s.k.machine.mpu.rawRegion(n)); // [RBAR, RASR] (PMSAv7)
      expect(raw[0]).toBe((plan.words[2 * n]! & 0xffffffe0) >>> 0);
      expect(raw[1]).toBe(plan.words[2 * n + 1]);
    }
    expect([...Array(8).keys()].some((n) => s.k.machine.mpu.rawRegion(n).rbar === 0xdeadbee0)).toBe(false);
  });

  it("cannot drive an ungranted peripheral: the actuator saw no write", () => {
    const s = scenario(write((k) => k.device("actuator").base + ActuatorReg.CCR1));
    expect(s.k.devices.actuator!.writes).toBe(0);
    expect([...s.k.devices.actuator!.duty]).toEqual([0, 0, 0, 0]);
  });
});

describe("isolation: syscall pointers are checked against the caller's view", () => {
  const clean = scenario(null);
  const ptrCases: { what: string; offence: Offence }[] = [
    {
      what: "send from kernel memory",
      offence: (k) => ({
        spec: after2ms(
          () =>
            (function* () {
              yield sys.send("q", k.kernelBlock.base, 8);
            })(),
          k,
        ),
        address: k.kernelBlock.base,
      }),
    },
    {
      what: "print another task's heap",
      offence: (k) => ({
        spec: after2ms(
          () =>
            (function* () {
              yield sys.print(va(k).heap!.base, 8);
            })(),
          k,
        ),
        address: va(k).heap!.base,
      }),
    },
    {
      what: "receive into kernel memory",
      offence: (k) => ({
        spec: after2ms(
          () =>
            (function* () {
              yield sys.receive("q", k.kernelBlock.base + 64, 16);
            })(),
          k,
        ),
        address: k.kernelBlock.base + 64,
      }),
    },
    {
      what: "receive into another task's stack",
      offence: (k) => ({
        spec: after2ms(
          () =>
            (function* () {
              yield sys.receive("q", k.task("vb")!.stack.top - 64, 16);
            })(),
          k,
        ),
        address: 0,
      }),
    },
    {
      what: "send from a buffer running off the end of its stack",
      offence: () => ({
        spec: {
          *main(t) {
            yield* t.sleep({ ms: 2 });
            const end = t.stackTop; // the bytes past its stack are not its own
            yield* t.send("q", end - 8, 16);
          },
        },
        address: 0,
      }),
    },
  ];

  it.each(ptrCases)("$what: the task faults with bad-pointer and the kernel touched nothing", (c) => {
    const s = scenario(c.offence);
    expect(s.k.faults).toHaveLength(1);
    const f = s.k.faults[0]!;
    expect(f.task).toBe("evil");
    expect(f.kind).toBe("bad-pointer");
    expect(f.hw).toBeUndefined();
    expect(f.message).toMatch(/^BAD_POINTER: (send|print|receive): task evil passed a buffer it may not (read|write)/);
    const q = s.k.queues.get("q")!;
    expect(q.length).toBe(0);
    expect(q.receivers.length).toBe(0);
    expect(s.k.machine.bus.peek(q.storage, 64)).toEqual(s.queueBytes);
    expect(s.k.task("evil")!.output).toEqual([]);
    expect(s.fp).toEqual(clean.fp);
    expect(s.late.length).toBeGreaterThan(0);
  });
});

describe("privileged tasks", () => {
  it("a privileged task can read kernel memory (the background region)", () => {
    const k = bootTest();
    const seen: number[] = [];
    k.spawn({
      name: "priv",
      privileged: true,
      *main(t) {
        const tcb = k.task("priv")!.tcb;
        seen.push(t.read32(k.kernelBlock.base), t.read32(tcb + TcbField.ID), t.read32(tcb + TcbField.CONTROL));
        yield* t.yield();
      },
    });
    const r = k.run({ ms: 5 });
    expect(r.reason).toBe("no-tasks");
    expect(k.faults).toEqual([]);
    const expected = new DataView(k.machine.bus.peek(k.kernelBlock.base, 4).buffer).getUint32(0, true);
    expect(seen).toEqual([expected, 1, 0x2]); // TCB.ID of task 1, its CONTROL: SPSEL, nPRIV clear
  });
});

/** The public header check of the heap and TLSF allocators: anyone can compute it, so a task can forge it. */
function headerCheck(h: number, w0: number, slack: number): number {
  return ((Math.imul((w0 & ~2) ^ h ^ (slack << 13), 0x9e3779b1) >>> 18) << 16) | slack;
}

describe("isolation: attacks through the task's own heap, IPC objects and the CPU", () => {
  const clean = scenario(null);
  const mpuCtrl = (k: Kernel) => k.machine.mpu.control;

  it("a crafted unlink (forged links of a free block) writes nothing outside the heap: the task faults, the MPU stays on", () => {
    const s = scenario((k) => ({
      spec: after2ms(function* (t) {
        const a = yield* t.malloc(24);
        const b = yield* t.malloc(24);
        const c = yield* t.malloc(24);
        const d = yield* t.malloc(24);
        yield* t.malloc(24); // keeps d from merging with the arena's tail
        yield* t.free(d);
        yield* t.free(b); // b heads the list, d is behind it: unlinking d goes through its links
        // An overflow of c rewrites d's links: prev -> MPU_CTRL - 8, next -> 0, so the unlink's
        // "prev->next = next" would be the kernel writing MPU_CTRL = 0.
        t.write32(d - 8 + 8, 0);
        t.write32(d - 8 + 12, 0xe000ed94 - 8);
        void a;
        yield* t.free(c); // c merges with the free d: d is unlinked
      }, k),
      address: 0,
    }));
    const f = s.k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["evil", "heap"]);
    expect(f.message).toMatch(/HEAP_CORRUPTION/);
    expect(mpuCtrl(s.k)).toBe(mpuCtrl(clean.k));
    expect(s.k.machine.mpu.enabled).toBe(true);
    expect(s.fp).toEqual(clean.fp);
    expect(s.late.length).toBeGreaterThan(0);
  });

  it("a forged free (a header and granule state forged inside a live block) is refused by the kernel's record; the heap is unchanged", () => {
    let before: Uint8Array | null = null;
    let innerBelieves: boolean | null = null;
    const s = scenario((k) => ({
      spec: after2ms(function* (t) {
        const a = yield* t.malloc(128);
        const heap = k.task("evil")!.heap!;
        const fake = a + 32; // a forged block header inside the live block a
        t.write32(fake, 48);
        t.write32(fake + 4, headerCheck(fake, 48, 0));
        // The granule-state bitmap is in the arena's trailer, in the task's memory: mark the
        // forged block's first granule as a live block start (state 1, 2 bits per 8 bytes).
        const arena = (heap.allocator.inner as ArenaAllocator).arenaOf(a)!;
        const g = (fake + 8 - arena.base) >>> 3;
        const word = arena.bitmap + ((g >>> 3) << 1);
        const shift = (g & 7) << 1;
        t.write16(word, (t.read16(word) & ~(3 << shift)) | (1 << shift));
        innerBelieves = heap.allocator.inner.owns(fake + 8); // the allocator's own record of its blocks says no too
        before = k.machine.bus.peek(heap.base, heap.size);
        yield* t.free(fake + 8);
      }, k),
      address: 0,
    }));
    expect(innerBelieves).toBe(false);
    const f = s.k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["evil", "heap"]);
    expect(f.message).toMatch(/INVALID_FREE: .*not a live block of task evil/);
    const heap = s.k.task("evil")!.heap!;
    expect(s.k.machine.bus.peek(heap.base, heap.size)).toEqual(before);
    expect(s.k.task("evil")!.live.size).toBe(1);
    expect(s.fp).toEqual(clean.fp);
  });

  it("a live block forged free and offered by the heap's lists is not handed out again: HEAP_CORRUPTION, the heap unchanged", () => {
    let before: Uint8Array | null = null;
    const s = scenario((k) => ({
      spec: after2ms(function* (t) {
        const a = yield* t.malloc(48);
        const b = yield* t.malloc(48);
        const heap = k.task("evil")!.heap!;
        const arena = (heap.allocator.inner as ArenaAllocator).arenaOf(a)!;
        // a's 56-byte block made a free block: header (public check word), footer, PREV_FREE in
        // b's header, and the head of TLSF's list of 56-byte blocks (tlsf.ts: second-level
        // bitmaps at +4, heads at +100 of the control block), with its bitmap bits.
        const h = a - 8;
        t.write32(h, 56 | 1);
        t.write32(h + 4, headerCheck(h, 56 | 1, 0));
        t.write32(h + 52, h);
        t.write32(b - 8, t.read32(b - 8) | 2);
        t.write32(h + 8, 0);
        t.write32(h + 12, 0);
        t.write32(arena.control + 4, t.read32(arena.control + 4) | (1 << 7));
        t.write32(arena.control, t.read32(arena.control) | 1);
        t.write32(arena.control + 100 + 4 * 7, h);
        before = k.machine.bus.peek(heap.base, heap.size);
        yield* t.malloc(48);
      }, k),
      address: 0,
    }));
    const f = s.k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["evil", "heap"]);
    expect(f.message).toMatch(/HEAP_CORRUPTION/);
    const heap = s.k.task("evil")!.heap!;
    expect(s.k.machine.bus.peek(heap.base, heap.size)).toEqual(before);
    expect(s.fp).toEqual(clean.fp);
  });

  it("a task without rights on a queue or semaphore gets EPERM: no forged message, no stolen one, no released semaphore", () => {
    const results: unknown[] = [];
    const s = scenario((k) => ({
      spec: {
        ...after2ms(function* (t) {
          const b = yield* t.malloc(16);
          results.push(yield* t.send("q", b, 16), yield* t.receive("q", b, 16), yield* t.semGive("s"));
          results.push(yield* t.semTake("s", { ms: 1 }));
        }, k),
        queues: {},
      },
      address: 0,
    }));
    expect(results).toEqual([-1, -1, -1, -1]);
    expect(s.k.faults).toEqual([]);
    expect(s.k.queues.get("q")!.length).toBe(0);
    expect(s.k.semaphores.get("s")!.count).toBe(0);
    expect(s.k.machine.bus.peek(s.k.queues.get("q")!.storage, 64)).toEqual(s.queueBytes);
    expect(s.fp).toEqual(clean.fp);
  });

  it("a busy loop that never yields is stopped by the watchdog within its budget; the others' outputs and memory are unchanged", () => {
    const s = scenario((k) => ({
      spec: after2ms(function* (t) {
        const p = yield* t.malloc(16);
        for (let i = 0; ; i++) t.write32(p, i); // never gives the CPU up
      }, k),
      address: 0,
    }));
    const f = s.k.faults[0]!;
    expect([f.task, f.kind]).toEqual(["evil", "watchdog"]);
    const budget = s.k.task("evil")!.watchdogCycles;
    expect(budget).toBe(10 * (s.k.machine.board.clockHz / 1000)); // 10 ticks
    const used = Number(/would run (\d+) cycles/.exec(f.message)![1]);
    expect(used).toBeGreaterThan(budget);
    expect(used).toBeLessThan(budget + 100); // stopped at the first store past the budget
    expect(s.fp).toEqual(clean.fp);
    expect(s.late.length).toBeGreaterThan(0);
    expect(s.result.reason).toBe("no-tasks");
  });
});

describe("code isolation: per-task code regions (the default) and the shared text option", () => {
  it("each task is granted its own 4 KiB code region, executable and read-only, and no other", () => {
    const k = bootTest();
    const a = k.spawn(victim("va", 1, k, true));
    const b = k.spawn(victim("vb", 2, k, false));
    const codeOf = (t: typeof a) =>
      t.grants.filter((g) => g.id === "code").map((g) => [g.base, g.size, g.access, g.executable]);
    const base = k.layout.code.base;
    expect(codeOf(a)).toEqual([[base + 0x1000, 0x1000, "ro", true]]);
    expect(codeOf(b)).toEqual([[base + 0x2000, 0x1000, "ro", true]]);
    expect(k.kernelGrants.map((g) => g.id)).toEqual(["kernel"]);
  });

  it("a code address in another task's code region, or outside the code memory, is refused at spawn; nothing is allocated", () => {
    const k = bootTest();
    const a = k.spawn(victim("va", 1, k, true));
    const free = k.regions.stats().map((r) => r.freePages);
    const thief = { name: "thief", *main() {} };
    for (const [code, why] of [
      [a.code + 0x40, /lies in the code region of task va/],
      [0x20010000, /lies outside the code memory/],
    ] as const) {
      let err: unknown;
      try {
        k.spawn({ ...thief, code });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "CODE_NOT_GRANTED", context: { task: "thief", code } });
      expect((err as Error).message).toMatch(why);
    }
    expect(k.regions.stats().map((r) => r.freePages)).toEqual(free);
    expect(k.task("thief")).toBeUndefined();
  });

  it("a branch into another task's code is a MemManage IACCVIOL; the others go on", () => {
    const s = scenario((k) => ({ spec: after2ms((t) => t.branch(k.task("va")!.code), k), address: null }));
    const f = s.k.faults[0]!;
    expect([f.task, f.kind, f.hw?.cfsr, f.hw?.access.kind]).toEqual(["evil", "memmanage", 0x01, "fetch"]);
    expect(s.late.length).toBeGreaterThan(0);
  });

  it("with codeIsolation 'shared', every task may execute the whole code memory (one kernel region for it)", () => {
    const k = bootTest({ codeIsolation: "shared" });
    const a = k.spawn(victim("va", 1, k, true));
    let ran = false;
    k.spawn({
      name: "jumper",
      *main(t) {
        t.branch(a.code + 0x40);
        ran = true;
        yield* t.yield();
      },
    });
    k.run({ ms: 20 });
    expect(ran).toBe(true);
    expect(k.faults).toEqual([]);
    expect(k.kernelGrants.map((g) => g.id)).toEqual(["code", "kernel"]);
    expect(a.grants.some((g) => g.id === "code")).toBe(false);
  });
});
