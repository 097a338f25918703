/**
 * Compiled with `exactOptionalPropertyTypes: true`, as a consumer may: every optional field of
 * the packages' public input types takes an explicit `undefined` (`memcheck: cfg.memcheck` with
 * `cfg.memcheck: boolean | undefined`), as it does at run time, where an explicit `undefined` is
 * an absent field. Nothing here runs: it fails to compile when an input field is written
 * `x?: T` instead of `x?: T | undefined`, naming it.
 */
import type {
  AllocatorOptions,
  ArenaAllocatorOptions,
  BlockObserver,
  SlabArrayOptions,
  SlabFamilyOptions,
  SlabOptions,
  StackOptions,
} from "@rtos-sim/alloc";
import { SlabArrayAllocator, TlsfAllocator } from "@rtos-sim/alloc";
import type { AppRunOptions, FlightOptions, KernelAppExpectations, MachineApp, RunListener } from "@rtos-sim/apps";
import type {
  AccessHook,
  BoardSpec,
  LinkerBoardOptions,
  MemoryRegionSpec,
  MpuControlSettings,
  MpuGrant,
  MpuRegionSettings,
  MpuV8RegionSettings,
  PeripheralRangeSpec,
} from "@rtos-sim/hw";
import { boardFromLinkerScript, createMachine, createMpuDriver, defineBoard, STM32F407 } from "@rtos-sim/hw";
import type {
  AppCheck,
  AppDescription,
  DumpInput,
  FaultSiteOptions,
  FrameOptions,
  FunctionOptions,
  Kernel,
  KernelMemcheckOptions,
  KernelOptions,
  PartitionSpec,
  RunAppOptions,
  SemaphoreSpec,
  SyscallRequests,
  TaskSpec,
} from "@rtos-sim/kernel";
import { bootKernel, defineApp, runApp } from "@rtos-sim/kernel";
import type {
  AllocatorLike,
  BlockObserverLike,
  CheckedAllocatorOptions,
  CheckerOptions,
  LeakOptions,
  MemoryRange,
  SourceSiteOptions,
} from "@rtos-sim/memcheck";
import { MemoryChecker } from "@rtos-sim/memcheck";
import type { PageMapOptions, PageRequest, RegionManagerOptions, RegionSpec } from "@rtos-sim/region";
import { RegionManager } from "@rtos-sim/region";
import type {
  RunOptions,
  SchedCosts,
  SchedulerMachine,
  SchedulerOptions,
  SpawnOptions,
  WaitQueueOptions,
  WatchdogOptions,
} from "@rtos-sim/sched";
import { Scheduler } from "@rtos-sim/sched";

/** The keys of `T`'s optional fields. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * The optional fields of `T` that refuse an explicit `undefined` (`x?: T`; `Required` keeps the
 * `undefined` of `x?: T | undefined` under `exactOptionalPropertyTypes`); never when there are none.
 */
type RefusesUndefined<T> = {
  [K in OptionalKeys<T>]-?: undefined extends Required<T>[K] ? never : K;
}[OptionalKeys<T>];

/** Compiles only when `T` is never: `Take<RefusesUndefined<X>>` names X's refusing fields. */
type Take<T extends never> = T;

/** The public input types, package by package: each takes `undefined` in every optional field. */
export type InputTypes = [
  // hw
  Take<RefusesUndefined<AccessHook>>,
  Take<RefusesUndefined<BoardSpec>>,
  Take<RefusesUndefined<MemoryRegionSpec>>,
  Take<RefusesUndefined<PeripheralRangeSpec>>,
  Take<RefusesUndefined<LinkerBoardOptions>>,
  Take<RefusesUndefined<MpuGrant>>,
  Take<RefusesUndefined<MpuRegionSettings>>,
  Take<RefusesUndefined<MpuV8RegionSettings>>,
  Take<RefusesUndefined<MpuControlSettings>>,
  // region
  Take<RefusesUndefined<RegionManagerOptions>>,
  Take<RefusesUndefined<RegionSpec>>,
  Take<RefusesUndefined<PageRequest>>,
  Take<RefusesUndefined<PageMapOptions>>,
  // alloc
  Take<RefusesUndefined<AllocatorOptions>>,
  Take<RefusesUndefined<ArenaAllocatorOptions>>,
  Take<RefusesUndefined<SlabOptions>>,
  Take<RefusesUndefined<SlabFamilyOptions>>,
  Take<RefusesUndefined<SlabArrayOptions>>,
  Take<RefusesUndefined<StackOptions>>,
  Take<RefusesUndefined<BlockObserver>>,
  // memcheck
  Take<RefusesUndefined<CheckerOptions>>,
  Take<RefusesUndefined<MemoryRange>>,
  Take<RefusesUndefined<SourceSiteOptions>>,
  Take<RefusesUndefined<LeakOptions>>,
  Take<RefusesUndefined<CheckedAllocatorOptions>>,
  Take<RefusesUndefined<AllocatorLike>>,
  Take<RefusesUndefined<BlockObserverLike>>,
  // sched
  Take<RefusesUndefined<SchedulerOptions>>,
  Take<RefusesUndefined<SchedulerMachine>>,
  Take<RefusesUndefined<SchedCosts>>,
  Take<RefusesUndefined<WatchdogOptions>>,
  Take<RefusesUndefined<SpawnOptions>>,
  Take<RefusesUndefined<RunOptions>>,
  Take<RefusesUndefined<WaitQueueOptions>>,
  Take<RefusesUndefined<Parameters<Scheduler["stop"]>[1] & object>>,
  // kernel
  Take<RefusesUndefined<KernelOptions>>,
  Take<RefusesUndefined<NonNullable<KernelOptions["costs"]>>>,
  Take<RefusesUndefined<KernelMemcheckOptions>>,
  Take<RefusesUndefined<FaultSiteOptions>>,
  Take<RefusesUndefined<FrameOptions>>,
  Take<RefusesUndefined<PartitionSpec>>,
  Take<RefusesUndefined<SemaphoreSpec>>,
  Take<RefusesUndefined<TaskSpec>>,
  Take<RefusesUndefined<AppDescription>>,
  Take<RefusesUndefined<RunAppOptions>>,
  Take<RefusesUndefined<AppCheck>>,
  Take<RefusesUndefined<FunctionOptions<Record<string, never>>>>,
  Take<RefusesUndefined<DumpInput>>,
  Take<RefusesUndefined<Extract<Parameters<Kernel["run"]>[0], { ms: number }>>>,
  Take<{ [K in keyof SyscallRequests]: RefusesUndefined<SyscallRequests[K]> }[keyof SyscallRequests]>,
  // apps
  Take<RefusesUndefined<AppRunOptions>>,
  Take<RefusesUndefined<FlightOptions>>,
  Take<RefusesUndefined<MachineApp>>,
  Take<RefusesUndefined<KernelAppExpectations>>,
  Take<RefusesUndefined<RunListener>>,
];

/** A value a consumer's code may hold: the field's type or `undefined`. */
declare function maybe<T>(): T | undefined;
const u = undefined;

/** The entry points called with every optional field `undefined` (type-checked, never run). */
export function entryPoints(): void {
  // hw: a board, a board from a linker script, a grant.
  const board = defineBoard({
    name: "b",
    core: "cortex-m4",
    aliases: u,
    description: maybe<string>(),
    mpuRegions: u,
    clockHz: u,
    memory: [
      {
        name: "RAM",
        start: 0x20000000,
        size: 0x10000,
        kind: u,
        readOnly: u,
        executable: u,
        waitStates: u,
        dmaReachable: u,
      },
    ],
    peripherals: [{ name: "P", start: 0x40000000, size: 0x1000, dmaReachable: u }],
    devices: u,
    roles: u,
    bitBand: u,
  });
  boardFromLinkerScript("", {
    name: "l",
    core: u,
    base: STM32F407,
    keepBaseMemory: u,
    clockHz: u,
    mpuRegions: u,
    description: u,
  });
  const machine = createMachine(board);
  const driver = createMpuDriver(machine);
  driver.allocateRegion(driver.newConfig({ who: "t", kernel: [], task: [] }), {
    id: "x",
    label: "x",
    base: 0x20000000,
    size: 1024,
    access: "rw",
    executable: u,
    memory: u,
    guard: u,
  });

  // region and alloc
  const pages = new RegionManager({
    memory: machine.core,
    regions: [{ name: "RAM", start: 0x20000000, size: 0x10000, readOnly: u }],
    pageOrder: u,
    allocator: u,
    reserved: u,
    observer: u,
    mergeContiguous: u,
  });
  pages.allocPages(1, { owner: "t", region: maybe<string>() });
  new TlsfAllocator({ pages, memory: machine.core, name: u, region: u, observer: u, arenaOrder: u });
  new SlabArrayAllocator({
    pages,
    memory: machine.core,
    name: u,
    region: u,
    observer: u,
    classes: u,
    minBlocksPerSlab: u,
    retainEmpty: u,
  });

  // memcheck
  new MemoryChecker(machine, {
    clock: u,
    timeUnit: u,
    clockHz: u,
    pageSize: u,
    taskName: u,
    data: [{ start: 0x20000000, size: 64, name: u }],
    bss: u,
    metadata: u,
    onError: u,
    maxRepeats: u,
    maxReports: u,
    captureStack: u,
    sourceSites: { root: u, map: u, skip: u },
    taskAlive: u,
    freedHistory: u,
    reach: u,
    stackUseAfterReturn: u,
  }).checkLeaks({ task: u, reportReachable: u });

  // sched
  const sched = new Scheduler({
    machine: { board: machine.board, core: machine.core, systick: u },
    tickHz: u,
    priorities: u,
    timeslice: u,
    costs: { syscall: u, contextSwitch: u },
    watchdog: { cycles: u, steps: u },
    syscall: u,
    countCycles: u,
    driveSysTick: u,
    switchIn: u,
    switchOut: u,
    pause: u,
    resume: u,
    beforeStep: u,
    afterStep: u,
    onState: u,
    onFault: u,
    beforeRestart: u,
    idle: u,
  });
  sched.run({ until: { ms: 1 }, slices: u });

  // kernel: the review's line, then every field.
  const cfg = { memcheck: maybe<boolean>() };
  bootKernel({ board: STM32F407, memcheck: cfg.memcheck });
  const kernel = bootKernel({
    board: STM32F407,
    pageOrder: u,
    tickHz: u,
    memcheck: {
      redzone: u,
      quarantineBytes: u,
      onError: u,
      sourceSites: u,
      stackRedzone: u,
      stackUseAfterReturn: u,
    },
    allocationTooBig: u,
    faultSites: { syscalls: u, root: u, map: u, skip: u },
    seed: u,
    partitions: [{ name: "p", size: 1024, region: u }],
    semaphores: [{ name: "s", initial: u, max: u }],
    mutexes: u,
    queues: u,
    watchdogCycles: u,
    watchdogInterrupt: u,
    codeIsolation: u,
    imageSize: u,
    kernelHeapSize: u,
    costs: { svcDispatch: u },
    frames: { redzone: u, observer: u },
  });
  kernel.spawn({
    name: "t",
    priority: u,
    privileged: u,
    stackSize: u,
    heapSize: u,
    region: u,
    heap: u,
    slabClasses: u,
    code: u,
    partitions: u,
    queues: u,
    semaphores: u,
    mutexes: u,
    devices: u,
    faultPolicy: u,
    period: u,
    deadline: u,
    watchdogCycles: u,
    *main(t) {
      yield* t.sleep({ ms: 1 });
    },
  });
  kernel.run({ ms: 1, slices: u });
  const app = defineApp({
    name: "a",
    description: "a",
    board: u,
    durationMs: u,
    memcheck: u,
    kernel: u,
    observe: u,
    tasks: [],
    check: () => [{ name: "c", ok: true, detail: "", skipped: u }],
    expectFault: u,
    expectReport: u,
  });
  runApp(app, { board: u, seed: u, durationMs: u, memcheck: u, faultSites: u, beforeRun: u });
}
