import { powerOfTwoClasses, SlabArrayAllocator } from "@rtos-sim/alloc";
import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  defineApp,
  type Kernel,
  KernelError,
  type TaskSpec,
} from "@rtos-sim/kernel";
import { skippedCheck } from "../shared/not-reached.js";
import { Prng } from "../shared/prng.js";
import { uartWrite } from "../shared/uart.js";
import { type HeapShape, walkHeap } from "./heap-walk.js";
import { SampleLog } from "./sample-log.js";
import { heapStress, type Kmalloc, kmallocStress, newCounters, type WorkloadCounters } from "./workload.js";

/** Task-heap stress tasks: four on TLSF, four on the first-fit heap, 8 KiB heaps each. */
export const HEAP_TASKS: readonly {
  /** Task name: `tlsf-<i>` or `ff-<i>`. */
  readonly name: string;
  /** The task's heap: TLSF, or first fit (`heap`). */
  readonly heap: "tlsf" | "heap";
}[] = [
  ...[0, 1, 2, 3].map((i) => ({ name: `tlsf-${i}`, heap: "tlsf" as const })),
  ...[0, 1, 2, 3].map((i) => ({ name: `ff-${i}`, heap: "heap" as const })),
];
/** Privileged tasks sharing the kernel's slab array ("kmalloc"). */
export const KMALLOC_TASKS = ["kmalloc-a", "kmalloc-b"] as const;
/** Bytes of each stress task's heap. */
export const STRESS_HEAP_BYTES = 8192;
/** The monitor samples every this many ms. */
export const SAMPLE_MS = 50;
/**
 * The most samples a run keeps ({@link StressResults.samples}): 12.8 s of samples at full
 * resolution; a longer run keeps every 2nd, 4th... sample (see `SampleLog`), so its memory and its
 * "page map over time" table stay bounded.
 */
export const SAMPLE_LIMIT = 256;
/** The slab array's allocate/free phase length. */
export const KMALLOC_PHASE_MS = 200;

/** One region's figures in a sample. */
export interface RegionSample {
  /** The managed region's name. */
  readonly name: string;
  /** Pages free in the region manager. */
  readonly freePages: number;
  /** Pages given out to owners. */
  readonly allocatedPages: number;
  /** External fragmentation of the free pages: 1 - largest free block / all free pages (0..1). */
  readonly fragmentation: number;
  /** Bytes of the largest free block of pages (0 when nothing is free). */
  readonly largestFreeBytes: number;
}

/** What the monitor saw at one moment. */
export interface StressSample {
  /** Simulated time of the sample, in milliseconds. */
  readonly ms: number;
  /** Figures of every managed region. */
  readonly regions: readonly RegionSample[];
  /** Pages the slab array holds from the region manager. */
  readonly kmallocPages: number;
  /** Heap shape per stress task. */
  readonly heaps: Readonly<Record<string, HeapShape>>;
  /** The page map of every region (text, as `RegionManager.pageMap` draws it). */
  readonly pageMaps: Readonly<Record<string, string>>;
}

/** A heap's highest fragmentation over a run's samples, and when. */
export interface FragmentationPeak {
  /** 1 - largest free block / free bytes, as {@link HeapShape.fragmentation} (0..1). */
  readonly fragmentation: number;
  /** Simulated time of the sample, in milliseconds. */
  readonly ms: number;
}

/** The results of one alloc-stress run. */
export interface StressResults {
  /**
   * The monitor's samples kept, in time order: one every {@link SAMPLE_MS} ms, or in a run that
   * took more than {@link SAMPLE_LIMIT}, every {@link StressResults.stride}-th one from the first.
   */
  readonly samples: readonly StressSample[];
  /** The last sample taken (kept or not), or undefined before the first. */
  readonly latest: StressSample | undefined;
  /** Samples taken so far. */
  readonly taken: number;
  /** The spacing of the kept samples, in samples (1 until the run took {@link SAMPLE_LIMIT}). */
  readonly stride: number;
  /** Each stress heap's highest fragmentation over every sample taken, and when, by task name. */
  readonly peakFragmentation: Readonly<Record<string, FragmentationPeak>>;
  /** The most pages the slab array held at any sample taken. */
  readonly peakKmallocPages: number;
  /** Allocation counters per stress task, by task name. */
  readonly counters: Record<string, WorkloadCounters>;
  /** The slab array the privileged tasks share ("kmalloc"), or null before the kernel booted it. */
  kmalloc: SlabArrayAllocator | null;
}

const results = new WeakMap<Kernel, StressResults>();

/** The samples and counters of an alloc-stress run on `kernel` (undefined for other kernels). */
export function allocStressResults(kernel: Kernel): StressResults | undefined {
  return results.get(kernel);
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const kib = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function sample(kernel: Kernel, r: StressResults, ms: number): StressSample {
  const peek = (a: number, n: number) => kernel.machine.bus.peek(a, n);
  const heaps: Record<string, HeapShape> = {};
  for (const h of HEAP_TASKS) {
    const heap = kernel.task(h.name)?.heap;
    if (heap) heaps[h.name] = walkHeap(peek, heap.base, heap.base + heap.size);
  }
  const pageMaps: Record<string, string> = {};
  for (const reg of kernel.regions.regions()) pageMaps[reg.name] = kernel.regions.pageMap(reg.name);
  return {
    ms,
    regions: kernel.regions.stats().map((s) => ({
      name: s.name,
      freePages: s.freePages,
      allocatedPages: s.allocatedPages,
      fragmentation: s.fragmentation,
      largestFreeBytes: s.largestFreeBlock?.bytes ?? 0,
    })),
    kmallocPages: r.kmalloc?.stats().pages ?? 0,
    heaps,
    pageMaps,
  };
}

function sampleLine(s: StressSample): string {
  const regions = s.regions.map((r) => `${r.name} ${r.freePages} free (frag ${pct(r.fragmentation)})`).join(", ");
  const frag = (prefix: string) =>
    Object.entries(s.heaps)
      .filter(([n]) => n.startsWith(prefix))
      .map(([, h]) => pct(h.fragmentation))
      .join("/");
  return `t=${String(Math.round(s.ms)).padStart(5)} ms | pages: ${regions} | kmalloc ${s.kmallocPages} pages | heap frag tlsf ${frag("tlsf-")} ff ${frag("ff-")}\n`;
}

/**
 * What the app's {@link observeStress} prepares for the tasks of one run (keyed by the run's
 * environment): the kmalloc calls its privileged tasks make, the counters they keep, and the
 * monitor's latest sample line. No kernel, machine or allocator object: task code gets closures.
 */
interface StressServices {
  readonly kmalloc: Kmalloc;
  readonly counters: Record<string, WorkloadCounters>;
  /** The line of the sample taken at the monitor's last `info` syscall. */
  readonly sampleLine: () => string;
}

const services = new WeakMap<AppEnv, StressServices>();

/**
 * The app's side outside task code (`AppDescription.observe`): the slab array over the region
 * manager ("kmalloc", a kernel-side service its privileged tasks call), and the monitor's
 * sampling. A sample is taken when the monitor asks the time (its `info` syscall, in a kernel
 * event listener), read as a debugger would (no cycles, no checker), so it neither changes the
 * run's timing nor outlasts the watchdog budget; the monitor's code only prints its line.
 */
function observeStress(kernel: Kernel, env: AppEnv): void {
  const log = new SampleLog<StressSample>(SAMPLE_LIMIT);
  const peakFragmentation: Record<string, FragmentationPeak> = {};
  const r = {
    counters: {},
    kmalloc: null as SlabArrayAllocator | null,
    peakFragmentation,
    peakKmallocPages: 0,
    get samples() {
      return log.kept;
    },
    get latest() {
      return log.latest;
    },
    get taken() {
      return log.count;
    },
    get stride() {
      return log.stride;
    },
  };
  results.set(kernel, r);
  const kmalloc = new SlabArrayAllocator({
    name: "kmalloc",
    pages: kernel.regions,
    memory: kernel.machine.core,
    classes: powerOfTwoClasses(16, 512),
    minBlocksPerSlab: 8,
    observer: kernel.checker,
  });
  kernel.checker?.registerAllocator("kmalloc", "slab-array");
  r.kmalloc = kmalloc;
  kernel.events.on("syscall", (e) => {
    if (e.task !== "monitor" || e.op !== "info") return;
    const now = (e.result as { readonly now: number }).now;
    const s = kernel.machine.core.debugAccess(() => sample(kernel, r, now));
    log.add(s);
    r.peakKmallocPages = Math.max(r.peakKmallocPages, s.kmallocPages);
    for (const [name, shape] of Object.entries(s.heaps)) {
      const peak = peakFragmentation[name];
      if (peak === undefined || shape.fragmentation > peak.fragmentation)
        peakFragmentation[name] = { fragmentation: shape.fragmentation, ms: s.ms };
    }
  });
  services.set(
    env,
    Object.freeze({
      kmalloc: Object.freeze({
        allocate: (size: number, align?: number) => kmalloc.allocate(size, align),
        free: (address: number) => kmalloc.free(address),
        releaseEmpty: () => kmalloc.releaseEmpty(),
      }),
      counters: r.counters,
      sampleLine: () => (log.latest ? sampleLine(log.latest) : ""),
    }),
  );
}

function stressTasks(env: AppEnv): TaskSpec[] {
  const s = services.get(env);
  if (!s) {
    const why = "alloc-stress: its tasks need the app's observe hook first (startApp runs it)";
    throw new KernelError("BAD_CONFIG", why, { field: "observe" });
  }
  const uart = env.device("uart");
  const tasks: TaskSpec[] = HEAP_TASKS.map((h, i) => {
    const c = newCounters();
    s.counters[h.name] = c;
    return {
      name: h.name,
      priority: 2,
      heap: h.heap,
      heapSize: STRESS_HEAP_BYTES,
      main: (t) => heapStress(t, new Prng(env.seed, i), i, c),
    };
  });
  KMALLOC_TASKS.forEach((name, j) => {
    const c = newCounters();
    s.counters[name] = c;
    tasks.push({
      name,
      priority: 2,
      privileged: true,
      heap: "heap", // a 1 KiB first-fit heap for its pointer table (TLSF's control block alone is larger)
      heapSize: 1024,
      main: (t) => kmallocStress(t, new Prng(env.seed, 100 + j), 100 + j, s.kmalloc, c, KMALLOC_PHASE_MS),
    });
  });
  tasks.push({
    name: "monitor",
    priority: 7,
    privileged: true,
    heapSize: 0,
    *main(t) {
      uartWrite(
        t,
        uart,
        `alloc-stress: ${HEAP_TASKS.length} task heaps (TLSF and first fit, ${STRESS_HEAP_BYTES / 1024} KiB each), ${KMALLOC_TASKS.length} privileged tasks on a slab array over the region manager; a sample every ${SAMPLE_MS} ms\n`,
      );
      for (;;) {
        yield* t.info(); // the app's observer samples the kernel's state at this syscall
        uartWrite(t, uart, s.sampleLine());
        yield* t.sleep({ ms: SAMPLE_MS });
      }
    },
  });
  return tasks;
}

/** Whether none of the tasks `names` has run a slice yet (a run too short for their turn). */
function neverRan(kernel: Kernel, names: readonly string[]): boolean {
  return names.every((n) => {
    const k = kernel.task(n);
    return k !== undefined && kernel.schedTask(k).stats.slices === 0;
  });
}

/** A check skipped: the run ended before the task it judges had its turn. */
function notReached(kernel: Kernel, name: string, why: string): AppCheck {
  return skippedCheck(kernel, name, (ended) => `not reached: the run ended at ${ended} ms; ${why}`);
}

/**
 * The checks of an alloc-stress run: no faults, each heap's figures, the page map over time. A
 * heap's check is skipped when its task had made no allocator call yet when the run ended (its
 * first slice allocates its pointer table, the calls counted begin with its second), and
 * kmalloc's when neither kmalloc task had run.
 */
export function allocStressChecks(kernel: Kernel): AppCheck[] {
  const r = results.get(kernel);
  if (!r) return [{ name: "alloc-stress results", ok: false, detail: "this kernel did not run alloc-stress" }];
  const checks: AppCheck[] = [
    {
      name: "no faults",
      ok: kernel.faults.length === 0,
      detail:
        kernel.faults.length === 0 ? "none" : kernel.faults.map((f) => `${f.task}: ${f.kind} ${f.message}`).join("; "),
    },
  ];
  const last = r.latest;
  for (const h of HEAP_TASKS) {
    const c = r.counters[h.name]!;
    const shape = last?.heaps[h.name];
    const peak = r.peakFragmentation[h.name] ?? { fragmentation: 0, ms: 0 };
    const name = `${h.name} heap (${h.heap === "tlsf" ? "TLSF" : "first fit"})`;
    if (c.mallocs + c.frees + c.reallocs + c.failures + c.corrupted === 0) {
      checks.push(notReached(kernel, name, `${h.name} had made no allocator call yet`));
      continue;
    }
    checks.push({
      name,
      ok: c.corrupted === 0 && c.mallocs > 0 && shape?.intact === true,
      detail:
        `${c.mallocs} mallocs, ${c.frees} frees, ${c.reallocs} reallocs, ${c.failures} failed; ` +
        (shape
          ? `at the end ${shape.usedBlocks} used blocks (${kib(shape.usedBytes)}), ${kib(shape.freeBytes)} free in ${shape.freeBlocks} blocks, largest ${kib(shape.largestFree)}: fragmentation ${pct(shape.fragmentation)} (peak ${pct(peak.fragmentation)} at ${Math.round(peak.ms)} ms)`
          : "no sample") +
        (c.corrupted ? `; ${c.corrupted} CORRUPTED blocks` : ""),
    });
  }
  const ks = r.kmalloc?.stats();
  const kc = KMALLOC_TASKS.map((n) => r.counters[n]!);
  const kmallocCheck = "kmalloc (slab array over the region manager)";
  if (neverRan(kernel, KMALLOC_TASKS)) checks.push(notReached(kernel, kmallocCheck, "no kmalloc task had run yet"));
  else
    checks.push({
      name: kmallocCheck,
      ok: kc.every((c) => c.corrupted === 0) && (ks?.allocations ?? 0) > 0,
      detail: `${ks?.allocations ?? 0} allocations, ${ks?.frees ?? 0} frees, ${kc.reduce((n, c) => n + c.failures, 0)} failed; ${ks?.liveBlocks ?? 0} live blocks in ${ks?.pages ?? 0} pages now, peak ${r.peakKmallocPages} pages`,
    });
  const regionNames = last?.regions.map((x) => x.name) ?? [];
  const table = r.samples.map(
    (s) =>
      `  t=${String(Math.round(s.ms)).padStart(5)} ms  ` +
      s.regions
        .map((x) => `${x.name} ${String(x.freePages).padStart(3)} free ${pct(x.fragmentation).padStart(4)}`)
        .join("  ") +
      `  kmalloc ${String(s.kmallocPages).padStart(3)} pages`,
  );
  const kept =
    r.stride === 1
      ? `${r.samples.length} samples`
      : `${r.samples.length} of ${r.taken} samples (one kept per ${r.stride * SAMPLE_MS} ms)`;
  checks.push({
    name: "page map over time",
    ok: r.samples.length > 0,
    detail: `${kept} (free pages and fragmentation per region: ${regionNames.join(", ")})\n${table.join("\n")}`,
  });
  if (last) {
    const mid = r.samples[Math.floor((r.samples.length - 1) / 2)]!;
    const maps = (s: StressSample) =>
      Object.values(s.pageMaps)
        .map((m) => m.replace(/^/gm, "  "))
        .join("\n");
    checks.push({
      name: "page maps",
      ok: true,
      detail: `at ${Math.round(mid.ms)} ms:\n${maps(mid)}\nat ${Math.round(last.ms)} ms:\n${maps(last)}`,
    });
  }
  return checks;
}

/**
 * `alloc-stress`: eight tasks hammer their own heaps (four TLSF, four first fit) with random
 * malloc/free/realloc from the seed, and two privileged tasks share a slab array ("kmalloc")
 * that takes its slabs straight from the region manager and gives empty ones back every 200 ms.
 * A privileged monitor prints a sample every 50 ms, which the app's observer (outside task code)
 * takes: each heap's fragmentation (walked from its block headers), each region's free pages and
 * fragmentation, and the page maps. The checker is off
 * by default (its redzones and quarantine would change the heaps' shapes); `memcheck: true` runs.
 */
export const allocStress: AppDescription = defineApp({
  name: "alloc-stress",
  description: "tasks hammering TLSF, first-fit and slab-array allocators: fragmentation and page maps over time",
  board: "stm32f407",
  durationMs: 1000,
  memcheck: false,
  observe: observeStress,
  tasks: (env) => stressTasks(env),
  check: (kernel) => allocStressChecks(kernel),
});
