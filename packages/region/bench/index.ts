/**
 * region benchmarks: buddy allocate/free of orders 0..3 with 128 live blocks (each step frees a
 * random live block and allocates a block of a random order in its place), on a 1 MiB and a
 * 64 MiB region, with the machine's core doing every metadata access (MPU off, and MPU on with
 * the RAM privileged-only). Baselines measured in the same run: the 1 MiB region; and the same
 * allocator with its metadata in a plain DataView (no core). Each case runs in its own process.
 */
import { benchMain, type Measurement, measure, mulberry32, row } from "@rtos-sim/bench-kit";
import { createMachine, defineBoard, type MemoryPort } from "@rtos-sim/hw";
import { dataViewPort, RegionManager, type RegionStats } from "../src/index.js";

const STEPS = 1 << 19;
const LIVE = 128;
const BASE = 0x20000000;

function board(size: number) {
  return defineBoard({
    name: `bench-${size >>> 20}m`,
    core: "cortex-m4",
    memory: [{ name: "RAM", start: BASE, size }],
  });
}

function workload(): { orders: Uint8Array; picks: Uint16Array } {
  const rnd = mulberry32(0xc0ffee);
  const orders = new Uint8Array(STEPS + LIVE);
  const picks = new Uint16Array(STEPS);
  for (let i = 0; i < orders.length; i++) orders[i] = Math.floor(rnd() * 4);
  for (let i = 0; i < STEPS; i++) picks[i] = Math.floor(rnd() * LIVE);
  return { orders, picks };
}

function run(
  name: string,
  size: number,
  opts: { port: "core" | "dataview"; mpu?: boolean; allocator?: "buddy" | "list" },
) {
  let memory: MemoryPort;
  if (opts.port === "core") {
    const m = createMachine(board(size));
    if (opts.mpu) {
      m.mpu.setRegion(0, { base: BASE, size, access: "priv-rw" });
      m.mpu.setControl({ enable: true, privdefena: true });
    }
    memory = m.core;
  } else {
    memory = dataViewPort(BASE, new DataView(new ArrayBuffer(size)));
  }
  const list = opts.allocator === "list";
  const rm = new RegionManager({
    memory,
    regions: [{ name: "RAM", start: BASE, size }],
    allocator: list ? "list" : "buddy",
  });
  const { orders, picks } = workload();
  if (list) orders.fill(0);
  const addr = new Float64Array(LIVE);
  const ord = new Uint8Array(LIVE);
  const req = { owner: "bench" };
  for (let i = 0; i < LIVE; i++) {
    ord[i] = orders[i]!;
    addr[i] = rm.allocPages(ord[i]!, req) ?? -1;
  }
  let failures = 0;
  const result = measure(
    name,
    2 * STEPS,
    () => {
      let acc = 0;
      for (let s = 0; s < STEPS; s++) {
        const i = picks[s]!;
        if (addr[i]! >= 0) rm.freePages(addr[i]!, ord[i]!);
        const k = orders[LIVE + s]!;
        const a = rm.allocPages(k, req);
        if (a === null) failures++;
        addr[i] = a ?? -1;
        ord[i] = k;
        acc = (acc + (a ?? 0)) | 0;
      }
      return acc;
    },
    { runs: 9 },
  );
  if (rm.consistencyCheck().length !== 0) throw new Error(`${name}: inconsistent metadata after the run`);
  const s = rm.stats()[0]!;
  const accesses = countAccesses(size, list);
  return { ...result, stats: { ...figures(s), nullAllocations: failures, accessesPerOp: accesses } } as Measurement;
}

/**
 * Metadata accesses per operation on the same workload (one pass, counted through a wrapping
 * port): the load-independent measure of how the cost grows with the region's size.
 */
function countAccesses(size: number, list: boolean): number {
  const inner = dataViewPort(BASE, new DataView(new ArrayBuffer(size)));
  let n = 0;
  const port: MemoryPort = {
    actor: 0,
    read8: (a) => {
      n++;
      return inner.read8(a);
    },
    read16: (a) => {
      n++;
      return inner.read16(a);
    },
    read32: (a) => {
      n++;
      return inner.read32(a);
    },
    write8: (a, v) => {
      n++;
      inner.write8(a, v);
    },
    write16: (a, v) => {
      n++;
      inner.write16(a, v);
    },
    write32: (a, v) => {
      n++;
      inner.write32(a, v);
    },
  };
  const rm = new RegionManager({
    memory: port,
    regions: [{ name: "RAM", start: BASE, size }],
    allocator: list ? "list" : "buddy",
  });
  const { orders, picks } = workload();
  if (list) orders.fill(0);
  const addr = new Float64Array(LIVE);
  const ord = new Uint8Array(LIVE);
  for (let i = 0; i < LIVE; i++) {
    ord[i] = orders[i]!;
    addr[i] = rm.allocPages(ord[i]!, { owner: "bench" }) ?? -1;
  }
  n = 0;
  for (let s = 0; s < STEPS; s++) {
    const i = picks[s]!;
    if (addr[i]! >= 0) rm.freePages(addr[i]!, ord[i]!);
    ord[i] = orders[LIVE + s]!;
    addr[i] = rm.allocPages(ord[i]!, { owner: "bench" }) ?? -1;
  }
  return n / (2 * STEPS);
}

function figures(s: RegionStats): Record<string, number> {
  return {
    pages: s.pages,
    metadataBytes: s.metadataBytes,
    metadataPages: s.metadataPages,
    overheadPct: s.metadataOverheadPercent,
    fragmentation: s.fragmentation,
  };
}

const M = 1 << 20;
benchMain(
  "region",
  {
    core1M: () => run("buddy 1 MiB, core, MPU off", M, { port: "core" }),
    core64M: () => run("buddy 64 MiB, core, MPU off", 64 * M, { port: "core" }),
    mpu1M: () => run("buddy 1 MiB, core, MPU on", M, { port: "core", mpu: true }),
    mpu64M: () => run("buddy 64 MiB, core, MPU on", 64 * M, { port: "core", mpu: true }),
    dv1M: () => run("buddy 1 MiB, plain DataView port", M, { port: "dataview" }),
    dv64M: () => run("buddy 64 MiB, plain DataView port", 64 * M, { port: "dataview" }),
    list1M: () => run("list 1 MiB (order 0 only), core, MPU off", M, { port: "core", allocator: "list" }),
  },
  (r) => {
    const extra = (m: Measurement) => (m as Measurement & { stats: Record<string, number> }).stats;
    if (Object.keys(r).length < 7) {
      // BENCH_ONLY picked a subset: one flat group, no targets.
      const first = Object.values(r)[0]!;
      return [
        {
          group: "subset (BENCH_ONLY)",
          baseline: first.name,
          rows: Object.values(r).map((m) => row(m, first, undefined, extra(m))),
        },
      ];
    }
    return [
      {
        group: "buddy alloc+free, orders 0..3, 128 live blocks, MPU off",
        baseline: r.core1M!.name,
        rows: [
          row(r.core1M!, r.core1M!, { opsPerSec: 5e6 }, extra(r.core1M!)),
          row(r.core64M!, r.core1M!, { ratio: 0.667 }, extra(r.core64M!)),
          row(r.list1M!, r.core1M!, undefined, extra(r.list1M!)),
        ],
      },
      {
        group: "buddy alloc+free, orders 0..3, 128 live blocks, MPU on (RAM priv-rw)",
        baseline: r.mpu1M!.name,
        rows: [row(r.mpu1M!, r.mpu1M!, { opsPerSec: 5e6 }), row(r.mpu64M!, r.mpu1M!, { ratio: 0.667 })],
      },
      {
        group: "cost of the simulated core: same allocator, metadata in a plain DataView",
        baseline: r.dv1M!.name,
        rows: [row(r.dv1M!, r.dv1M!), row(r.dv64M!, r.dv1M!), row(r.core1M!, r.dv1M!), row(r.core64M!, r.dv1M!)],
      },
    ];
  },
);
