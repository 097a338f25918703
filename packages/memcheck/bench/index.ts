/**
 * memcheck benchmarks.
 *
 * 1. Checked 32-bit loads and stores at random SRAM addresses with the checker on, against raw
 *    DataView access to the same offsets in the same run (the hw bench's shape; target 0.15x).
 * 2. Allocator throughput on the standard trace with the checker on: `@rtos-sim/alloc`'s TLSF
 *    and slab array over pages from `@rtos-sim/region`, bare, observed by the checker, and (TLSF)
 *    wrapped with redzones and a quarantine.
 */

import { SlabArrayAllocator, stepClasses, TlsfAllocator } from "@rtos-sim/alloc";
import { benchMain, type Measurement, measure, mulberry32, replay, row, standardTrace } from "@rtos-sim/bench-kit";
import { ActorMode, createMachine, makeActor, STM32F407, STM32H743XI } from "@rtos-sim/hw";
import { RegionManager } from "@rtos-sim/region";
import { CheckedAllocator, checkedAllocator } from "../src/checked-allocator.js";
import { MemoryChecker } from "../src/checker.js";

const N = 1 << 20;
const SRAM = 0x20000000;
const SIZE = 128 * 1024;
const OPS = 2 * N;

function offsets(): Uint32Array {
  const rnd = mulberry32(42);
  const out = new Uint32Array(N);
  for (let i = 0; i < N; i++) out[i] = Math.floor(rnd() * (SIZE / 4)) * 4;
  return out;
}

function raw() {
  const off = offsets();
  const dv = new DataView(new ArrayBuffer(SIZE));
  return measure("raw DataView load+store", OPS, () => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const o = off[i]!;
      acc = (acc + dv.getUint32(o, true)) | 0;
      dv.setUint32(o, acc, true);
    }
    return acc;
  });
}

/** A hook that does nothing measurable: the cost of the hook call itself. */
class EmptyHook {
  hits = 0;
  onAccess(address: number): void {
    if (address === 1) this.hits++;
  }
}

/** The hw bench's machine (MPU on, 8 regions, unprivileged), optionally with the checker. */
function checked(name: string, opts: { checker: boolean; mpu: boolean; empty?: boolean }) {
  const off = offsets();
  const m = createMachine(STM32F407);
  if (opts.mpu) {
    m.mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
    m.mpu.setRegion(1, { base: 0x20000000, size: 0x20000, access: "rw" });
    m.mpu.setRegion(2, { base: 0x10000000, size: 0x10000, access: "priv-rw" });
    m.mpu.setRegion(3, { base: 0x40000000, size: 0x20000000, access: "priv-rw", memory: "device" });
    m.mpu.setRegion(4, { base: 0x20004000, size: 0x4000, access: "rw", subregionDisable: 0x81 });
    m.mpu.setRegion(5, { base: 0x20010000, size: 0x8000, access: "rw" });
    m.mpu.setRegion(6, { base: 0x2001f000, size: 0x1000, access: "rw" });
    m.mpu.setRegion(7, { base: 0x1fff0000, size: 0x10000, access: "ro" });
    m.mpu.setControl({ enable: true, privdefena: true });
  }
  if (opts.checker) {
    // The whole of SRAM1+SRAM2 as one user block, initialized: the state the fast path serves.
    const c = new MemoryChecker(m).attach();
    c.pagesGiven(SRAM, SIZE, "heap");
    c.blockAllocated(SRAM, SIZE, "heap");
    c.makeInitialized(SRAM, SIZE);
  }
  if (opts.empty) m.core.hook = new EmptyHook();
  m.core.actor = makeActor(ActorMode.User, 1);
  m.core.controlNPriv = true;
  const core = m.core;
  return measure(name, OPS, () => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const a = SRAM + off[i]!;
      acc = (acc + core.read32(a)) | 0;
      core.write32(a, acc);
    }
    return acc;
  });
}

const TRACE = standardTrace();

/**
 * The standard trace replayed through a real allocator of `@rtos-sim/alloc` on an STM32H743XI
 * (pages from the region manager in AXI SRAM), then the survivors freed so every timed run
 * starts from the same empty allocator. `checker`: the memory checker observes the region
 * manager and the allocator and checks every metadata access; `wrapped`: redzones of 16 B and a
 * 64 KiB quarantine around the allocator too.
 */
function trace(name: string, kind: "tlsf" | "slab-array", mode: "bare" | "checker" | "wrapped") {
  const m = createMachine(STM32H743XI);
  const rm = new RegionManager({ memory: m.core, regions: m.board.memory.filter((r) => !r.readOnly) });
  let checker: MemoryChecker | null = null;
  if (mode !== "bare") {
    const metadata = rm.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * rm.pageSize }));
    checker = new MemoryChecker(m, { metadata }).attach();
    rm.observer = checker;
  }
  const options = { pages: rm, memory: m.core, region: "AXISRAM", observer: checker };
  const inner =
    kind === "tlsf"
      ? new TlsfAllocator({ name: "tlsf", ...options })
      : new SlabArrayAllocator({ name: "kmalloc", ...options, classes: stepClasses(32, 576) });
  const heap =
    mode === "wrapped" && checker
      ? checkedAllocator(checker, inner, { redzone: 16, quarantineBytes: 64 * 1024 })
      : inner;
  m.core.actor = makeActor(ActorMode.User, 1);
  const ops = TRACE.kind.length + TRACE.liveAtEnd;
  return measure(
    name,
    ops,
    () => {
      const { live } = replay(
        TRACE,
        (size) => heap.allocate(size) ?? -1,
        (p) => heap.free(p),
      );
      for (const p of live) heap.free(p);
      if (heap instanceof CheckedAllocator) heap.flushQuarantine();
      return live.length;
    },
    { runs: 5, warmup: 1 },
  );
}

benchMain(
  "memcheck",
  {
    raw,
    hwOnly: () => checked("hw only: checked, unprivileged, MPU on (no checker)", { checker: false, mpu: true }),
    emptyHook: () => checked("hw with an empty hook (bound for any hook)", { checker: false, mpu: true, empty: true }),
    checkerMpuOn: () => checked("checker on: MPU on, 8 regions, user task", { checker: true, mpu: true }),
    checkerMpuOff: () => checked("checker on: MPU off, user task", { checker: true, mpu: false }),
    tlsfBare: () => trace("TLSF, no checker", "tlsf", "bare"),
    tlsfChecker: () => trace("TLSF, checker on (hook + transitions)", "tlsf", "checker"),
    tlsfWrapped: () => trace("TLSF, checker on, redzone 16 B, quarantine 64 KiB", "tlsf", "wrapped"),
    slabBare: () => trace("slab array (32..576 B), no checker", "slab-array", "bare"),
    slabChecker: () => trace("slab array (32..576 B), checker on", "slab-array", "checker"),
  },
  (r) => {
    // Rows of the cases that ran (BENCH_ONLY may select some).
    const rows = (base: Measurement | undefined, list: [Measurement | undefined, number?][]) =>
      base ? list.filter(([m]) => m).map(([m, t]) => row(m!, base, t === undefined ? undefined : { ratio: t })) : [];
    return [
      {
        group: "checked 32-bit access at random SRAM addresses",
        baseline: r.raw?.name ?? "raw",
        rows: rows(r.raw, [[r.raw], [r.hwOnly], [r.emptyHook], [r.checkerMpuOn, 0.15], [r.checkerMpuOff, 0.15]]),
      },
      {
        group: "standard trace (1M ops + final frees), @rtos-sim/alloc TLSF on STM32H743 AXI SRAM",
        baseline: r.tlsfBare?.name ?? "TLSF",
        rows: rows(r.tlsfBare, [[r.tlsfBare], [r.tlsfChecker], [r.tlsfWrapped]]),
      },
      {
        group: "standard trace (1M ops + final frees), @rtos-sim/alloc slab array on STM32H743 AXI SRAM",
        baseline: r.slabBare?.name ?? "slab array",
        rows: rows(r.slabBare, [[r.slabBare], [r.slabChecker]]),
      },
    ];
  },
);
