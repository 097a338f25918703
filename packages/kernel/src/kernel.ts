import {
  ActorMode,
  BusMaster,
  createMachine,
  createMpuDriver,
  hex32,
  type Machine,
  type MpuDriver,
  makeActor,
  Shcsr,
  valueText,
} from "@rtos-sim/hw";
import { type LeakOptions, type LeakSummary, MemoryChecker } from "@rtos-sim/memcheck";
import { type PageRequest, RegionError, type RegionManager } from "@rtos-sim/region";
import { Scheduler, type StateCause, type Task, wholeMicros } from "@rtos-sim/sched";
import { AlarmMux } from "./alarm-mux.js";
import { bootRegions } from "./boot-memory.js";
import { checkBuffer } from "./buffer-check.js";
import type { KernelOptions, MutexSpec, TaskSpec } from "./config.js";
import type { FrameOptions } from "./data/call-stack.js";
import { resolveFrameOptions } from "./data/frame-options.js";
import { attachDevices, type KernelDevices } from "./devices/attach.js";
import { deviceAlarm } from "./devices/device-alarm.js";
import { DMA_DRIVERS } from "./devices/dma-driver.js";
import type { DevicePlacement } from "./devices/placement.js";
import type { DeviceRole } from "./devices/table.js";
import { KernelError } from "./errors.js";
import { KernelEmitter, type Stamp } from "./events.js";
import { FaultHandler } from "./fault-handler.js";
import type { FaultRecord } from "./fault-report.js";
import { faultSitesOf } from "./fault-site.js";
import { fieldList, unknownField } from "./field-table.js";
import { type GatedTask, HeapGate, LiveBlocks } from "./heap-gate.js";
import type { HeapKind } from "./heaps/table.js";
import type { KernelMemory } from "./ipc/kernel-memory.js";
import { MessageQueue } from "./ipc/message-queue.js";
import { Mutex } from "./ipc/mutex.js";
import { PriorityInheritance } from "./ipc/priority-inheritance.js";
import { Semaphore } from "./ipc/semaphore.js";
import { type BoardLayout, layoutBoard, orderFor } from "./layout.js";
import { makeLibc } from "./libc.js";
import { whoseMemory } from "./memory-owner.js";
import { type MpuGrant, MpuLoader, type MpuPlan, planMpu, replanGrant } from "./mpu-plan.js";
import { checkOptionShape, checkOptionValues, checkTickRate, MUTEX_SPEC_FIELDS } from "./options-check.js";
import { paintStack, type StackUsage, stackPeak } from "./stack-usage.js";
import { ContextSwitcher } from "./switcher.js";
import { handleSyscall } from "./syscall-handler.js";
import { isObjectName, MAX_OBJECT_NAME } from "./syscall-handlers/args.js";
import { TaskContext, taskControl } from "./task-context.js";
import { makeTaskHeap } from "./task-heap.js";
import { logLine } from "./task-log.js";
import {
  CODE_REGION_BYTES,
  type GatedHeap,
  GUARD_BYTES,
  type KTask,
  type TaskHeap,
  TaskRecord,
  TcbField,
  tcbBytes,
} from "./task-record.js";
import { checkSpec, copySpec, delayTicks, partitionGrant, taskGrants } from "./task-spec.js";
import { TaskStart } from "./task-start.js";
import { TickInterrupt } from "./tick-interrupt.js";
import { CpuTiming } from "./timing/cpu-timing.js";
import { type JobRecord, type JobStats, JobTracker } from "./timing/jobs.js";
import { KERNEL_COSTS, type KernelCosts } from "./timing/kernel-costs.js";
import { WATCHDOG_TICKS, Watchdog } from "./watchdog.js";

/** Longest partition name: the region manager's 64-character owner label holds "partition:" and it. */
const MAX_PARTITION_NAME = MAX_OBJECT_NAME - "partition:".length;

export type { KernelDevices } from "./devices/attach.js";

/** A partition: named memory shared between tasks. */
export interface Partition {
  /** Identity (1-based, in creation order): what a task's grant of it carries. */
  readonly id: number;
  /** Partition name, unique in the kernel (`PartitionSpec.name`). */
  readonly name: string;
  /** Address of its block (aligned on its size, so one MPU region covers it). */
  readonly base: number;
  /** Bytes: the requested size rounded up to 2^order pages. */
  readonly size: number;
  /** Block order: the block is 2^order pages of the region manager (`KernelOptions.pageOrder`). */
  readonly order: number;
}

/** How a run ended. */
export interface KernelRunResult {
  /**
   * Why the run returned: `"until"` the time limit was reached; `"slices"` the slice limit;
   * `"no-tasks"` no task is left to run (all stopped or faulted, or none spawned); `"blocked"`
   * nothing can run and no timer is pending (tasks wait forever); `"panic"` a task's fault policy
   * panicked the system (see `panic`); `"halted"` the scheduler was halted otherwise.
   */
  readonly reason: "until" | "no-tasks" | "blocked" | "panic" | "halted" | "slices";
  /** Simulated ms since boot when the run returned (not just this run's share). */
  readonly ms: number;
  /** Core cycles since boot when the run returned. */
  readonly cycles: number;
  /** Context switches since boot (the CPU passing to a different task). */
  readonly switches: number;
  /** Cycles since boot with nothing to run (the CPU load is `1 - idleCycles / cycles`). */
  readonly idleCycles: number;
  /** The panic message (`task <name>: <message>`), or null when no policy panicked. */
  readonly panic: string | null;
}

const FAULT_ENABLES = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;

/**
 * Runs `create` for entry `i` of the kernel option `list` at boot: a `BAD_CONFIG` it throws names
 * the entry's field in `context.field` (`partitions[1].size`; the create call alone says `size`).
 */
function atEntry(list: string, i: number, create: () => unknown): void {
  try {
    create();
  } catch (e) {
    if (!(e instanceof KernelError) || e.code !== "BAD_CONFIG" || typeof e.context.field !== "string") throw e;
    throw new KernelError("BAD_CONFIG", e.detail, { ...e.context, field: `${list}[${i}].${e.context.field}` });
  }
}

/**
 * The kernel: boots a board (region manager over its RAM, kernel heap, devices, MPU on with the
 * kernel's memory privileged-only), runs tasks that each see only their own memory through a
 * per-task MPU configuration reloaded at every switch, validates every syscall pointer against the
 * caller's view, stacks real exception frames on task stacks, and hands faults to per-task policies.
 *
 * @example
 * ```ts
 * import { STM32F407 } from "@rtos-sim/hw";
 * import { Kernel } from "@rtos-sim/kernel";
 * const k = Kernel.boot({ board: STM32F407 });
 * k.spawn({ name: "hello", *main(t) { const p = yield* t.malloc(16); t.write32(p, 1); } });
 * k.run({ ms: 100 });
 * ```
 */
export class Kernel {
  /** The simulated machine of `options.board`: core, bus, MPU, SCB, SysTick. */
  readonly machine: Machine;
  /** The options it was booted with (as given, not copied). */
  readonly options: KernelOptions;
  /** The kernel's typed events (switches, syscalls, faults, heap operations, UART lines, jobs...). */
  readonly events = new KernelEmitter();
  /** Where the kernel put code and managed RAM on this board. */
  readonly layout: BoardLayout;
  /** The page-based region manager over the board's RAM: stacks, heaps, partitions and the kernel block. */
  readonly regions: RegionManager;
  /** The cooperative scheduler running the tasks (its per-task data is the {@link KTask}). */
  readonly scheduler: Scheduler<KTask>;
  /** The memory checker (with `options.memcheck`), or null. */
  readonly checker: MemoryChecker | null;
  /** The watchdog interrupt on the core's cycle alarm (null with `watchdogInterrupt: false`); each task's budget is its `watchdogCycles`. */
  readonly watchdog: Watchdog | null;
  /** SysTick taken while a task runs, with its frame on the task's stack (docs/timing.md, "A SysTick"). */
  private readonly ticks: TickInterrupt;
  /** The core's one cycle alarm, shared by the tick interrupt and the watchdog. */
  private readonly alarms: AlarmMux;
  /** The simulated devices attached where the board's roles say, with their placements. */
  readonly devices: KernelDevices;
  /** The kernel's own block (task control blocks, message queues): privileged only. */
  readonly kernelBlock: {
    /** Its address (aligned on its size). */
    readonly base: number;
    /** Bytes: `kernelHeapSize` (default 8 KiB) rounded up to 2^order pages. */
    readonly size: number;
    /** Block order in pages of the region manager. */
    readonly order: number;
  };
  /** The kernel heap (TLSF over the whole kernel block): TCBs, semaphore and queue control blocks, queue slots. */
  readonly kernelHeap: TaskHeap;
  /** Per-task code regions (default) or one shared text (`KernelOptions.codeIsolation`). */
  readonly codeIsolation: "per-task" | "shared";
  /** Which task's code region starts where (per-task code). */
  private readonly codeRegions = new Map<number, string>();
  /** MPU grants of the kernel (highest-numbered regions). */
  readonly kernelGrants: readonly MpuGrant[];
  /** The board's MPU driver: lays out every plan and loads it at the switches. */
  readonly mpuDriver: MpuDriver;
  /** Loads a task's MPU plan at its switch-in (skipped when it is already loaded). */
  readonly loader: MpuLoader;
  /** The kernel's own MPU configuration (its grants, no task's), loaded at boot. */
  private readonly kernelPlan: MpuPlan;
  /** Partitions by name. */
  readonly partitions = new Map<string, Partition>();
  /** Counting semaphores by name. */
  readonly semaphores = new Map<string, Semaphore>();
  /** Mutexes by name. */
  readonly mutexes = new Map<string, Mutex>();
  /** The mutexes' lock protocol: blocking, handoff, owner death, priority inheritance. */
  readonly inheritance: PriorityInheritance;
  /** Message queues by name. */
  readonly queues = new Map<string, MessageQueue>();
  /** The cycle costs of the kernel's exception paths on this board (docs/timing.md). */
  readonly timing: CpuTiming;
  /** Every task's jobs: response times and deadline misses. */
  readonly jobs: JobTracker;
  private readonly byName = new Map<string, KTask>();
  private readonly byId = new Map<number, KTask>();
  private readonly pageOrder: number;
  private readonly faultHandler: FaultHandler;
  private readonly switcher: ContextSwitcher;
  /** The CPU has idled since the last switch-in (a tick wake then preempts the idle loop). */
  private cpuIdle = false;
  /** The tick of the last timer wake (further wakes at the same tick cost less). */
  private lastWakeTick = -1;
  /** The kernel's watchdog budget in cycles (`watchdogCycles`; 0 none), each task's unless its spec sets one. */
  private readonly watchdogBudget: number;
  /** Whether a run has started the scheduler (and cycle counting). */
  private started = false;
  /** Every task's call-frame layout and observers (with the checker: redzones and its hooks). */
  private readonly frameOptions: FrameOptions;
  /** Whether syscalls take their caller's JS stack for fault records (`faultSites.syscalls`). */
  private readonly syscallSites: boolean;
  /**
   * CPU cycles of each task's runs before its latest restart: the scheduler's counters start
   * over at a restart, the task's CPU time does not (its earlier runs were its own, not the kernel's).
   */
  private readonly earlierCycles = new Map<number, number>();
  /** Per task id, its stack's peak over its runs before its last restart (see {@link Kernel.stackUsage}). */
  private readonly earlierStackPeak = new Map<number, number>();

  private constructor(options: KernelOptions) {
    checkOptionShape(options);
    checkOptionValues(options);
    this.options = options;
    const board = options.board;
    const tickCycles = Math.floor(board.clockHz / (options.tickHz ?? 1000));
    checkTickRate(board.clockHz, options.tickHz ?? 1000);
    const budget = options.watchdogCycles ?? WATCHDOG_TICKS * tickCycles;
    if (!Number.isInteger(budget) || budget < 0) {
      throw new KernelError("BAD_CONFIG", `watchdogCycles must be an integer >= 0, got ${valueText(budget)}`, {
        field: "watchdogCycles",
        value: budget,
        watchdogCycles: budget,
      });
    }
    this.machine = createMachine(board);
    const { core, scb } = this.machine;
    this.layout = layoutBoard(board);
    this.pageOrder = options.pageOrder ?? 10;
    scb.shcsr = FAULT_ENABLES;
    scb.vtor = this.layout.code.base;
    core.actor = makeActor(ActorMode.Kernel);
    const imageSize = options.imageSize ?? 8 * 1024;
    const image = { start: this.layout.main.start, size: imageSize, label: ".data+.bss+MSP" };
    this.regions = bootRegions(core, this.layout, this.pageOrder, image);
    this.checker = this.makeChecker(image);
    // The hook goes on before any other memory is touched, so the checker sees every write.
    core.hook = this.checker;
    this.watchdogBudget = budget;
    this.alarms = new AlarmMux(core);
    this.watchdog = (options.watchdogInterrupt ?? true) ? new Watchdog(core, this.alarms.channel()) : null;
    // The kernel's own memory: one block, privileged only, with its heap inside.
    const kOrder = orderFor(options.kernelHeapSize ?? 8 * 1024, this.pageOrder);
    const kBase = this.takePages(kOrder, { owner: "kernel", region: this.layout.main.name });
    if (kBase === null) {
      const bytes = 2 ** (kOrder + this.pageOrder);
      const main = this.layout.main;
      throw new KernelError(
        "OUT_OF_MEMORY",
        `no room for the kernel block: it takes ${bytes} bytes (kernelHeapSize, a block of 2^k pages aligned to its size) and no free block of ${main.name} (${main.size} bytes, the first ${imageSize} taken by the image: imageSize) is that large`,
        { order: kOrder, bytes, region: main.name, imageSize },
      );
    }
    this.kernelBlock = { base: kBase, size: 2 ** (kOrder + this.pageOrder), order: kOrder };
    this.kernelHeap = this.makeHeap(
      "kernel",
      "tlsf",
      kBase,
      this.kernelBlock.size,
      kOrder,
      undefined,
      "kernelHeapSize",
    );
    this.checker?.setLeakRole(this.kernelHeap.allocator.name, "root");
    this.devices = attachDevices(this.machine.bus, board, {
      seed: options.seed ?? 1,
      ms: () => this.nowMs(),
      micros: () => (this.scheduler ? wholeMicros(this.scheduler.now().cycles, board.clockHz) : 0),
      onLine: (task, line) => this.output(task, line),
      cycles: () => (this.scheduler ? this.scheduler.now().cycles : 0),
      alarm: () => deviceAlarm(core, this.alarms.channel(), () => (this.scheduler ? this.scheduler.now().cycles : 0)),
      busMaster: () => new BusMaster(this.machine.bus, core),
      architecture: board.mpuArchitecture,
    });
    // The RP2350's DMA channel resets Secure-Privileged: privileged, before any task runs, the
    // kernel marks its own memory (its block, the image, and each RAM region's page metadata,
    // which a task's channel could otherwise rewrite) Secure-Privileged in the DMA's MPU and
    // lowers the channel to Secure-Unprivileged (docs/mpu-model.md, "DMA").
    const dma = this.devices.dma;
    if (dma !== undefined) {
      const pageBytes = 2 ** this.pageOrder;
      const metadata = this.regions
        .regions()
        .map((r) => ({ base: r.metadataStart, size: r.metadataPages * pageBytes }))
        .filter((r) => r.size > 0);
      DMA_DRIVERS[dma.kind].prepare?.(core, this.device("dma").base, [
        this.kernelBlock,
        { base: image.start, size: image.size },
        ...metadata,
      ]);
    }
    const code = this.layout.code;
    this.mpuDriver = createMpuDriver(this.machine);
    this.codeIsolation = options.codeIsolation ?? "per-task";
    if (this.codeIsolation !== "per-task" && this.codeIsolation !== "shared") {
      throw new KernelError("BAD_CONFIG", 'codeIsolation must be "per-task" or "shared"', {
        field: "codeIsolation",
        value: this.codeIsolation,
        codeIsolation: this.codeIsolation,
      });
    }
    // With per-task code, the kernel grants no code: privileged code runs from the background
    // region (PRIVDEFENA), each task from its own code region.
    const sharedCode: MpuGrant[] = [
      {
        id: "code",
        label: `code (${code.name})`,
        base: code.base,
        size: code.size,
        // Writable code memory (MPS2's SSRAM1): privileged RW, unprivileged RO where the MPU can
        // encode it (PMSAv7); PMSAv8 has no such AP, so read-only for both there.
        access: code.writable && this.mpuDriver.accesses.includes("priv-rw-user-ro") ? "priv-rw-user-ro" : "ro",
        executable: true,
      },
    ];
    this.kernelGrants = [
      ...(this.codeIsolation === "shared" ? sharedCode : []),
      { id: "kernel", label: "kernel", base: kBase, size: this.kernelBlock.size, access: "priv-rw" },
    ];
    this.frameOptions = resolveFrameOptions(options, this.checker);
    // A cost given as `undefined` keeps its default, as an absent one does (a spread would copy
    // the undefined and refuse it as not an integer).
    const costs: KernelCosts = { ...KERNEL_COSTS };
    for (const [name, v] of Object.entries(options.costs ?? {})) {
      if (v !== undefined) (costs as unknown as Record<string, unknown>)[name] = v;
    }
    for (const [name, v] of Object.entries(costs)) {
      if (!Number.isInteger(v) || v < 0) {
        throw new KernelError("BAD_CONFIG", `costs.${name} must be an integer >= 0`, {
          field: `costs.${name}`,
          value: v,
        });
      }
    }
    this.timing = new CpuTiming(board, this.layout, image.start + image.size, kBase, costs);
    this.ticks = new TickInterrupt({
      core,
      mux: this.alarms,
      timing: this.timing,
      checker: this.checker,
      cyclesPerTick: tickCycles, // the scheduler's (clockHz / tickHz is a whole number: it checks)
      wakesAt: (tick) => this.scheduler.timersAt(tick),
    });
    this.loader = new MpuLoader(this.mpuDriver, this.machine.core, this.machine.bus);
    this.kernelPlan = planMpu(this.mpuDriver, this.kernelGrants, [], "kernel");
    this.loader.loadPlan(this.kernelPlan);
    this.machine.mpu.setControl({ enable: true, privdefena: true });
    this.inheritance = new PriorityInheritance(
      this.mutexes,
      () => this.scheduler,
      core,
      (t, from, to, source) => {
        if (this.events.watched.priority) {
          const e = { task: t.name, base: t.data.priority, from, to, mutex: source?.mutex ?? null };
          this.events.emit("priority", { ...this.stamp(), ...e, waiter: source?.waiter ?? null });
        }
      },
    );
    const sites = faultSitesOf(options.faultSites);
    this.syscallSites = sites?.syscalls === true;
    this.faultHandler = new FaultHandler({
      mpuControl: this.machine.mpu.control,
      machine: this.machine,
      scheduler: () => this.scheduler,
      checker: this.checker,
      events: this.events,
      stamp: () => this.stamp(),
      ended: (t) => this.taskEnded(t),
      whose: (address) => this.whoseMemory(address),
      sites,
      timing: this.timing,
      watchdog: this.watchdog,
      loader: this.loader,
    });
    this.switcher = new ContextSwitcher({
      core,
      loader: this.loader,
      timing: this.timing,
      checker: this.checker,
      watchdog: this.watchdog,
      ticks: this.ticks,
      events: this.events,
      faultTask: (t, e) => this.faultHandler.faultTask(t, e),
      stamp: () => this.stamp(),
      stopped: (t) => this.taskEnded(t),
    });
    const sw = this.switcher;
    this.scheduler = new Scheduler<KTask>({
      machine: this.machine,
      tickHz: options.tickHz ?? 1000,
      // The switcher charges the SVC entries, switches and returns itself (docs/timing.md).
      costs: { syscall: 0, contextSwitch: 0 },
      // Simulated time starts with the first run (vTaskStartScheduler): boot and the tasks
      // created before it cost none, so one task's timing does not depend on how many others
      // were created alongside it.
      countCycles: false,
      ...(budget > 0 ? { watchdog: { cycles: budget } } : {}),
      syscall: (task, req, sched) => handleSyscall(this, task, req, sched),
      switchIn: (t, from) => {
        this.cpuIdle = false;
        // A DMA transfer's items due by now land (idle time moves simulated time, not the core's count).
        this.devices.dma?.settle();
        sw.switchIn(t, from);
      },
      switchOut: (t) => sw.switchOut(t),
      pause: (t) => sw.pause(t),
      resume: (t) => sw.resume(t),
      beforeStep: (t) => sw.beforeStep(t),
      afterStep: (t) => sw.afterStep(t),
      // Timer wakes are the SysTick handler's work; activations and completions are measured.
      // A hook, not a `state` listener: the scheduler then builds no event per switch.
      onState: (t, from, to, cause, time, wakeTick) => {
        if (to === "ready") {
          if (cause === "timer" || cause === "timeout") this.timerWake(t, cause, wakeTick);
          // Stopped from outside while blocked (it unwinds when it runs): it may have left a lock's wait queue.
          else if (cause === "stop" && from === "blocked") this.leftWait(t);
        }
        // Stopped from outside (`scheduler.stop` without unwinding) while not on the CPU: no
        // switch-out follows, so its mutexes go to their waiters here (EOWNERDEAD).
        else if (to === "stopped" && from !== "running") this.stoppedOutside(t);
        this.jobs.stateChanged(t.data, from, to, cause, time, wakeTick);
      },
      onFault: (t, reason) => this.faultHandler.onFault(t, reason),
      // Every restart, the fault policy's or one from outside (`kernel.scheduler.restart`): the
      // task gives back its heap blocks and starts on a fresh stack. From outside it skipped
      // this: its blocks leaked and, with the checker, its first step faulted (STACK_UNKNOWN).
      beforeRestart: (t) => this.resetTask(t.data),
      // The first idle period after a task: the switch into the idle loop (its context restored).
      idle: () => {
        if (this.cpuIdle) return;
        this.cpuIdle = true;
        this.machine.core.charge(this.timing.idleEntry());
      },
    });
    this.ticks.attach(this.scheduler);
    this.jobs = new JobTracker(
      this.scheduler.clock.cyclesPerTick,
      (k, job) => this.jobDone(k, job),
      () => this.scheduler.now().cycles,
    );
    // Task states are forwarded only once someone listens (the scheduler then builds its events).
    const forwardStates = () =>
      this.scheduler.events.on("state", (e) => {
        if (this.events.listenerCount("state") > 0) {
          this.events.emit("state", { ...this.stamp(), task: e.task.name, from: e.from, to: e.to });
        }
      });
    if (this.events.watched.state) forwardStates();
    else this.events.onWatch = (event) => event === "state" && forwardStates();
    const checker = this.checker;
    if (checker) {
      // Leaks when a task ends: a task that finishes (not faulted) gets a leak scan of its blocks.
      this.scheduler.events.on("state", (e) => {
        if (e.to === "stopped" && e.task.fault === null) checker.taskEnded(e.task.id);
      });
    }
    // A BAD_CONFIG of an entry names it: `partitions[1].size`, not `size`.
    for (const [i, p] of (options.partitions ?? []).entries()) {
      atEntry("partitions", i, () => this.createPartition(p.name, p.size, p.region));
    }
    for (const [i, s] of (options.semaphores ?? []).entries()) {
      atEntry("semaphores", i, () => this.createSemaphore(s.name, s.initial ?? 0, s.max ?? 0x7fffffff));
    }
    for (const [i, m] of (options.mutexes ?? []).entries()) atEntry("mutexes", i, () => this.createMutex(m));
    for (const [i, q] of (options.queues ?? []).entries()) {
      atEntry("queues", i, () => this.createQueue(q.name, q.messageSize, q.capacity));
    }
  }

  /** A timer or a timeout made `t` ready: the SysTick handler's work, and a timed-out lock's owner loses what it inherited. */
  private timerWake(t: Task<KTask>, cause: StateCause, wakeTick: number | undefined): void {
    this.tickWake(wakeTick ?? -1);
    if (cause === "timeout") this.leftWait(t);
  }

  /** `t` left a wait other than by being woken: when it was a lock, the owner's priority is derived again. */
  private leftWait(t: Task<KTask>): void {
    if (this.mutexes.size > 0) this.asKernel(() => this.inheritance.waitEnded(t));
  }

  /** `t` was stopped from outside while not on the CPU: the mutexes it owned go to their waiters. */
  private stoppedOutside(t: Task<KTask>): void {
    if (this.mutexes.size > 0) this.taskEnded(t);
  }

  /** Charges the SysTick handler that woke a task at `tick` (from idle it also switches out the idle loop). */
  private tickWake(tick: number): void {
    // Charged when the tick fell, by the handler taken in a task's code: not twice.
    if (this.ticks.chargedWakes(tick)) return;
    const n = tick === this.lastWakeTick ? this.timing.costs.tickWakeMore : this.timing.tickWake(this.cpuIdle);
    this.lastWakeTick = tick;
    this.scheduler.charge(n);
    this.ticks.resync(); // time moved outside the core's count: the next tick's cycle is found again
  }

  /** A job completed: the `job` event. */
  private jobDone(k: KTask, job: JobRecord): void {
    if (this.events.watched.job && this.events.listenerCount("job") > 0) {
      const hz = this.machine.board.clockHz;
      this.events.emit("job", {
        ...this.stamp(),
        task: k.name,
        releaseMs: (job.release * 1000) / hz,
        responseUs: (job.response * 1e6) / hz,
        deadlineUs: job.deadline === null ? null : (job.deadline * 1e6) / hz,
        missed: job.missed,
      });
    }
  }

  /** Boots a kernel on `options.board`. Throws {@link KernelError} (or the packages' typed errors) for a bad configuration. */
  static boot(options: KernelOptions): Kernel {
    return new Kernel(options);
  }

  // ---- time ---------------------------------------------------------------------------------------

  /** Simulated milliseconds since boot. */
  nowMs(): number {
    return this.scheduler ? this.scheduler.now().ms : 0;
  }

  /** Time stamp for events. */
  stamp(): Stamp {
    if (!this.scheduler) return { ms: 0, cycles: 0 };
    const n = this.scheduler.now();
    return { ms: n.ms, cycles: n.cycles };
  }

  // ---- boot pieces --------------------------------------------------------------------------------

  /**
   * The memory checker (with `memcheck`): simulated time in cycles (exact, so an allocation and
   * its free never print as the same instant), the region manager's page size (page orders in
   * use-after-free reports), and the kernel's leak roots: partitions and the kernel heap (its
   * control blocks and queue slots) are scanned and never reported, stack blocks are followed
   * through the stack records (their live part, with any saved exception frame, is a root).
   */
  private makeChecker(image: { start: number; size: number; label: string }): MemoryChecker | null {
    const mc = this.options.memcheck;
    if (!mc) return null;
    const page = 2 ** this.pageOrder;
    const metadata = this.regions.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * page }));
    const opts = typeof mc === "object" ? mc : {};
    // Checked here, at boot: the task heaps that use them are made at the first spawn with a heap.
    for (const field of ["redzone", "quarantineBytes"] as const) {
      const v = opts[field];
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw new KernelError("BAD_CONFIG", `memcheck.${field} must be a non-negative integer`, {
          field: `memcheck.${field}`,
          value: v,
        });
      }
    }
    const checker = new MemoryChecker(this.machine, {
      clock: () => (this.scheduler ? this.scheduler.now().cycles : 0),
      timeUnit: "cycles",
      clockHz: this.machine.board.clockHz,
      pageSize: page,
      taskName: (id) => this.byId.get(id)?.name ?? (id === 0 ? "kernel" : `T${id}`),
      data: [{ start: image.start, size: image.size, name: image.label }, ...this.codeInRam()],
      metadata,
      onError: opts.onError,
      sourceSites: opts.sourceSites,
      stackUseAfterReturn: opts.stackUseAfterReturn,
      taskAlive: (id) => this.isAlive(id),
    });
    this.regions.observer = checker;
    checker.registerAllocator("partitions", "partition");
    checker.setLeakRole("partitions", "root");
    checker.registerAllocator("stacks", "stack");
    checker.setLeakRole("stacks", "ignored");
    checker.events.on("report", (r) => this.events.emit("checker", r));
    return checker;
  }

  /**
   * Whether a task's registers may still hold pointers the checker cannot scan (they are the JS
   * variables of its code): it has not ended, or a fault stopped it (the kernel keeps a faulted
   * task's memory as it was). A task that ended is scanned exactly.
   */
  private isAlive(id: number): boolean {
    const state = this.scheduler?.task(id)?.state;
    return state !== undefined && state !== "stopped";
  }

  /** Code memory that is RAM (MPS2's SSRAM1): the image's .text, initialized, for the checker. */
  private codeInRam(): { start: number; size: number; name: string }[] {
    const code = this.layout.code;
    if (!code.writable) return [];
    const r = this.machine.board.memory.find((m) => m.start === code.base && m.kind === "ram");
    return r ? [{ start: r.start, size: r.size, name: `.text (${r.name})` }] : [];
  }

  /** Where a device role sits (for a task's MPU grant). Throws `UNKNOWN_DEVICE`. */
  device(role: DeviceRole): DevicePlacement {
    const p = this.devices.placements.find((d) => d.role === role);
    if (!p)
      throw new KernelError("UNKNOWN_DEVICE", `board ${this.machine.board.name} has no ${role}`, { device: role });
    return p;
  }

  /** A line written by a task (UART or print syscall). */
  output(taskId: number, line: string): void {
    const t = this.byId.get(taskId);
    if (t) logLine(t, line);
    if (this.events.watched.uart && this.events.listenerCount("uart") > 0)
      this.events.emit("uart", { ...this.stamp(), task: t?.name ?? "kernel", line });
  }

  /** Puts a task heap behind the kernel's gate (see {@link HeapGate}). */
  private gate(heap: TaskHeap, task: GatedTask, live: LiveBlocks): GatedHeap {
    return { ...heap, allocator: new HeapGate(this.machine.core, heap.allocator, task, live, this.checker) };
  }

  private makeHeap(
    name: string,
    kind: HeapKind,
    base: number,
    size: number,
    order: number,
    classes?: readonly number[],
    sizeSetting: "heapSize" | "kernelHeapSize" = "heapSize",
  ): TaskHeap {
    const mc = this.options.memcheck;
    return makeTaskHeap({
      core: this.machine.core,
      checker: this.checker,
      pageOrder: this.pageOrder,
      redzone: typeof mc === "object" ? mc.redzone : undefined,
      quarantineBytes: typeof mc === "object" ? (mc.quarantineBytes ?? 4096) : 4096,
      name,
      kind,
      base,
      size,
      order,
      classes,
      sizeSetting,
    });
  }

  /**
   * A block of 2^order pages from the region manager, or null when no region has one free, or
   * when the order is larger than any region (the caller's `OUT_OF_MEMORY`, as for a full one).
   */
  private takePages(order: number, request: PageRequest): number | null {
    try {
      return this.regions.allocPages(order, request);
    } catch (e) {
      if (e instanceof RegionError && e.code === "BAD_ORDER") return null;
      throw e;
    }
  }

  /** Creates a partition (boot time): one zeroed block of 2^k pages, covered by one MPU region. */
  createPartition(name: string, size: number, region?: string): Partition {
    // The region manager's owner label ("partition:<name>") holds at most 64 characters.
    if (!isObjectName(name) || name.length > MAX_PARTITION_NAME || this.partitions.has(name)) {
      throw new KernelError(
        "BAD_CONFIG",
        `partition name ${valueText(name)} is empty, longer than ${MAX_PARTITION_NAME} characters or taken`,
        { name, field: "name" },
      );
    }
    if (!Number.isInteger(size) || size <= 0) {
      throw new KernelError(
        "BAD_CONFIG",
        `partition ${name}: size must be a positive integer, got ${valueText(size)}`,
        {
          name,
          size,
          field: "size",
          value: size,
        },
      );
    }
    // Checked as a task's region is: an unknown or non-string one was the region manager's
    // UNKNOWN_REGION naming neither the partition nor the field.
    const regionNames = this.regions.regions().map((r) => r.name);
    if (region !== undefined && (typeof region !== "string" || !regionNames.includes(region))) {
      throw new KernelError(
        "BAD_CONFIG",
        `partition ${name}: region must be one of the board's RAM regions: ${regionNames.join(", ")}, got ${valueText(region)}`,
        { name, field: "region", value: region },
      );
    }
    const order = orderFor(size, this.pageOrder);
    // The kernel's work, also during a run (see spawn).
    return this.asKernel(() => this.placePartition(name, size, order, region));
  }

  /** {@link Kernel.createPartition} after its checks: its pages, zeroed. */
  private placePartition(name: string, size: number, order: number, region: string | undefined): Partition {
    const bytes = 2 ** (order + this.pageOrder);
    const base = this.takePages(order, { owner: `partition:${name}`, region });
    if (base === null) {
      const where = region === undefined ? "any RAM region" : `region ${region}`;
      throw new KernelError(
        "OUT_OF_MEMORY",
        `no room for partition ${name}: it takes ${bytes} bytes (size ${size} rounded up to 2^k pages of ${2 ** this.pageOrder} bytes) and no free block of ${where} is that large`,
        { name, size, bytes, region: region ?? null },
      );
    }
    this.checker?.blockAllocated(base, bytes, "partitions");
    this.machine.core.fill(base, 0, bytes);
    const p = { id: this.partitions.size + 1, name, base, size: bytes, order };
    this.partitions.set(name, p);
    return p;
  }

  /**
   * Creates a counting semaphore, its count and maximum in a control block in kernel memory
   * (`BAD_CONFIG` for a taken name or a bad initial/max, `OUT_OF_MEMORY`).
   */
  createSemaphore(name: string, initial: number, max: number): Semaphore {
    const bad = (field: string, why: string) =>
      new KernelError("BAD_CONFIG", `semaphore ${valueText(name)}: ${why}`, { name, initial, max, field });
    this.checkObjectName("semaphore", name, this.semaphores.has(name), { initial, max });
    if (!Number.isInteger(max) || max < 1 || max > 0x7fffffff) {
      throw bad("max", `max ${valueText(max)} is not an integer in 1..${0x7fffffff} (a word of the control block)`);
    }
    if (!Number.isInteger(initial) || initial < 0 || initial > max) {
      throw bad("initial", `initial ${valueText(initial)} is not an integer in 0..max (${max})`);
    }
    const s = this.asKernel(() => Semaphore.create(this.kernelMemory(), this.scheduler, name, initial, max));
    this.semaphores.set(name, s);
    return s;
  }

  /**
   * Creates a mutex, free, its owner, lock count and flags in a control block in kernel memory
   * (`BAD_CONFIG` for a taken or bad name or a field `MutexSpec` lacks, `OUT_OF_MEMORY`).
   */
  createMutex(spec: MutexSpec): Mutex {
    const name = (spec as { name?: unknown } | null)?.name as string;
    const unknown = typeof spec === "object" && spec !== null ? unknownField(spec, MUTEX_SPEC_FIELDS) : null;
    if (unknown !== null) {
      throw new KernelError(
        "BAD_CONFIG",
        `mutex ${valueText(name)}: ${unknown.field} is not a mutex field${unknown.meant === null ? "" : ` (did you mean ${unknown.meant}?)`}: MutexSpec has ${fieldList(MUTEX_SPEC_FIELDS)}`,
        { name, field: unknown.field },
      );
    }
    this.checkObjectName("mutex", name, this.mutexes.has(name), {});
    const m = this.asKernel(() => Mutex.create(this.kernelMemory(), this.scheduler, name));
    this.mutexes.set(name, m);
    return m;
  }

  /**
   * A task ended (faulted, about to be restarted, or stopped): the mutexes it owned go to their
   * next owners (`EOWNERDEAD`) and it is back at its base priority. Nothing to do without mutexes.
   */
  private taskEnded(t: Task<KTask>): void {
    if (this.mutexes.size > 0) this.asKernel(() => this.inheritance.ownerEnded(t));
  }

  /** Creates a message queue with its control block and slots in kernel memory (`BAD_CONFIG`, `OUT_OF_MEMORY`). */
  createQueue(name: string, messageSize: number, capacity: number): MessageQueue {
    const bad = (field: string, why: string) =>
      new KernelError("BAD_CONFIG", `queue ${valueText(name)}: ${why}`, { name, messageSize, capacity, field });
    this.checkObjectName("queue", name, this.queues.has(name), { messageSize, capacity });
    if (!Number.isInteger(messageSize) || messageSize < 1 || messageSize > 256) {
      throw bad("messageSize", `messageSize ${valueText(messageSize)} is not an integer in 1..256`);
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 64) {
      throw bad("capacity", `capacity ${valueText(capacity)} is not an integer in 1..64`);
    }
    const q = this.asKernel(() =>
      MessageQueue.create(this.kernelMemory(), this.scheduler, name, messageSize, capacity),
    );
    this.queues.set(name, q);
    return q;
  }

  /** `BAD_CONFIG` (`context.field` "name") for a semaphore's or queue's name that a syscall cannot name, or that is taken. */
  private checkObjectName(what: string, name: string, taken: boolean, context: Record<string, unknown>): void {
    if (isObjectName(name) && !taken) return;
    const why = taken ? "the name is taken" : `the name must be 1-${MAX_OBJECT_NAME} characters`;
    throw new KernelError("BAD_CONFIG", `${what} ${valueText(name)}: ${why}`, { name, ...context, field: "name" });
  }

  /** The kernel heap and the core, for kernel objects. */
  private kernelMemory(): KernelMemory {
    return { core: this.machine.core, bus: this.machine.bus, heap: this.kernelHeap.allocator };
  }

  /**
   * Whose memory `address` is, from the kernel's records: `the stack of task "imu"` (or its stack
   * guard), `the heap of task "estimator"`, `partition "ring"`, `kernel memory`, `the code of task
   * "mixer"`, free pages, another memory region, a device... (see {@link whoseMemory}). Fault
   * records name it for the address a hardware fault reached. Reads the page metadata as a
   * debugger would (`Core.debugAccess`: privileged, no cycles, not shown to the checker): the
   * simulation does not change.
   *
   * @example
   * ```ts
   * import { STM32F407 } from "@rtos-sim/hw";
   * import { bootKernel } from "@rtos-sim/kernel";
   * const kernel = bootKernel({ board: STM32F407 });
   * kernel.spawn({ name: "imu", *main(t) { yield* t.sleep({ ms: 1 }); } });
   * console.log(kernel.whoseMemory(kernel.task("imu")!.stack.top - 4)); // the stack of task "imu"
   * ```
   */
  whoseMemory(address: number): string {
    return this.machine.core.debugAccess(() =>
      whoseMemory(address, {
        regions: this.regions,
        bus: this.machine.bus,
        code: this.layout.code,
        codeOwner: (base) => this.codeRegions.get(base),
        codeRegionBytes: CODE_REGION_BYTES,
      }),
    );
  }

  /** Runs `fn` as the kernel (Handler mode, privileged, kernel actor), restoring the core after. */
  private asKernel<T>(fn: () => T): T {
    const core = this.machine.core;
    const { mode, actor } = core;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel);
    try {
      return fn();
    } finally {
      core.mode = mode;
      core.actor = actor;
    }
  }

  // ---- tasks ----------------------------------------------------------------------------------------

  /** Tasks in spawn order. */
  tasks(): readonly KTask[] {
    return [...this.byId.values()];
  }

  /** A task by name. */
  task(name: string): KTask | undefined {
    return this.byName.get(name);
  }

  /** The scheduler's view of a task (state, stats, fault); `UNKNOWN_TASK` for a task of another kernel. */
  schedTask(k: KTask): Task<KTask> {
    return this.scheduler.task(this.own(k, "schedTask").id)!;
  }

  /**
   * `k` when it is one of this kernel's tasks, else `UNKNOWN_TASK`: the methods that take a task
   * read its addresses and ids, so another kernel's task (or a look-alike object) answered about
   * this kernel's memory, and anything else was a TypeError.
   */
  private own(k: KTask, op: string): KTask {
    const id = typeof k === "object" && k !== null ? (k as { id?: unknown }).id : undefined;
    if (typeof id === "number" && this.byId.get(id) === k) return k;
    throw new KernelError("UNKNOWN_TASK", `${op}: not a task of this kernel`, {
      op,
      task: typeof id === "number" ? id : typeof k,
    });
  }

  /**
   * The faults' records in order: each task's first `FAULT_LIMIT` (1,000), so a task faulting
   * again and again keeps the kernel's memory bounded ({@link Kernel.faultCount} counts them all).
   */
  get faults(): readonly FaultRecord[] {
    return this.faultHandler.faults;
  }

  /** Faults so far, the ones whose records were not kept included. */
  get faultCount(): number {
    return this.faultHandler.count;
  }

  /**
   * Creates a task: its stack (with a guard) and heap from the region manager, its MPU
   * configuration (computed once; `MPU_REGIONS_EXHAUSTED` when it does not fit), its TCB in kernel
   * memory, its initial exception frame, and its scheduler entry. Nothing is left allocated on error.
   * Its memory work is the kernel's (privileged, Handler mode), also when it is called during a
   * run (from an event listener): it was made with the running task's privilege, so it faulted
   * that task (MemManage on the region manager's metadata).
   */
  spawn(description: TaskSpec): KTask {
    const spec = copySpec(description);
    const tickHz = this.options.tickHz ?? 1000;
    checkSpec(spec, {
      tickHz,
      taskCount: this.byId.size,
      hasTask: (n) => this.byName.has(n),
      hasPartition: (n) => this.partitions.has(n),
      regionNames: this.regions.regions().map((r) => r.name),
      hasQueue: (n) => this.queues.has(n),
      hasSemaphore: (n) => this.semaphores.has(n),
      hasMutex: (n) => this.mutexes.has(n),
      device: (r) => this.device(r),
    });
    return this.asKernel(() => this.create(spec, tickHz));
  }

  /** {@link Kernel.spawn} after its checks: the task's memory, plan, TCB, first frame and scheduler entry. */
  private create(spec: TaskSpec, tickHz: number): KTask {
    const page = 2 ** this.pageOrder;
    const stackOrder = orderFor(Math.max(spec.stackSize ?? 1024, 2 * GUARD_BYTES + 64), this.pageOrder);
    const undo: (() => void)[] = [];
    try {
      const sBase = this.takePages(stackOrder, { owner: `stack:${spec.name}`, region: spec.region });
      if (sBase === null)
        throw new KernelError("OUT_OF_MEMORY", `no room for the stack of ${spec.name}${inRegion(spec)}`, {
          task: spec.name,
        });
      undo.push(() => this.regions.freePages(sBase, stackOrder));
      const sSize = 2 ** stackOrder * page;
      const heapBytes = spec.heapSize ?? 4096;
      let heapBlock: { base: number; size: number; order: number } | null = null;
      if (heapBytes > 0) {
        const hOrder = orderFor(heapBytes, this.pageOrder);
        const hBase = this.takePages(hOrder, { owner: `heap:${spec.name}`, region: spec.region });
        if (hBase === null)
          throw new KernelError("OUT_OF_MEMORY", `no room for the heap of ${spec.name}${inRegion(spec)}`, {
            task: spec.name,
          });
        undo.push(() => this.regions.freePages(hBase, hOrder));
        heapBlock = { base: hBase, size: 2 ** hOrder * page, order: hOrder };
      }
      const id = this.byId.size + 1;
      const code = spec.code ?? this.layout.code.base + CODE_REGION_BYTES * id;
      const codeRegion = this.codeRegionFor(spec.name, code);
      const grants = taskGrants(
        spec,
        { base: sBase, size: sSize },
        heapBlock,
        codeRegion,
        (n) => this.partitions.get(n)!,
        (r) => this.device(r),
      );
      const plan = planMpu(this.mpuDriver, this.kernelGrants, grants, `task "${spec.name}"`);
      const tcb = this.kernelHeap.allocator.allocate(tcbBytes(this.mpuDriver.recordWords), 8);
      if (tcb === null)
        throw new KernelError("OUT_OF_MEMORY", `no kernel memory for the TCB of ${spec.name}`, { task: spec.name });
      undo.push(() => this.kernelHeap.allocator.free(tcb));
      const live = new LiveBlocks();
      const privileged = spec.privileged ?? false;
      const heap = heapBlock
        ? this.gate(
            this.makeHeap(
              spec.name,
              spec.heap ?? "tlsf",
              heapBlock.base,
              heapBlock.size,
              heapBlock.order,
              spec.slabClasses,
            ),
            {
              name: spec.name,
              // Read at every call: the privilege the task's last switch-in loaded (TcbField.CONTROL).
              get privileged() {
                return k.privileged;
              },
              loadPlan: () => this.loader.loadTask(k),
            },
            live,
          )
        : null;
      const ticks = this.ticks;
      const ctx = new TaskContext(this.machine.core, id, spec.name, sBase, sBase + sSize, sBase + sSize, {
        code,
        frames: this.frameOptions,
        compute: (n) => ticks.compute(n),
      });
      const probe = sBase + sSize - 64;
      const k: KTask = new TaskRecord(
        {
          id,
          name: spec.name,
          spec,
          privileged,
          priority: spec.priority ?? 1,
          watchdogCycles: spec.watchdogCycles ?? this.watchdogBudget,
          policy: spec.faultPolicy ?? "stop",
          code,
          stack: { base: sBase, top: sBase + sSize, order: stackOrder },
          heap,
          tcb,
          grants,
          plan,
          ctx,
          faults: [],
          faultCount: 0,
          output: [],
          outputLines: 0,
          frame: new Uint32Array(8),
          stacked: false,
          frameAt: 0,
          fpFrame: false,
          fpStacked: false,
          swSaved: false,
          restoring: false,
          timing: {
            svcEntry: this.timing.svcEntryExtra(probe),
            exceptionReturn: this.timing.returnExtra(probe, code),
            interruptEntry: this.timing.faultEntryExtra(probe),
          },
          live: live.blocks,
          exitCode: null,
        },
        live,
      );
      const core = this.machine.core;
      const cpt = this.scheduler.clock.cyclesPerTick;
      const periodTicks = spec.period === undefined ? 0 : delayTicks(spec.period, tickHz)!;
      const deadlineTicks = spec.deadline === undefined ? periodTicks : delayTicks(spec.deadline, tickHz)!;
      core.write32(tcb + TcbField.ID, id);
      core.write32(tcb + TcbField.CODE, code);
      core.write32(tcb + TcbField.PERIOD, periodTicks);
      const firstRelease = this.scheduler.now().ticks;
      core.write32(tcb + TcbField.RELEASE, firstRelease >>> 0); // a 32-bit tick count (next-period.ts)
      this.loader.store(k); // the plan's record, which every switch to the task loads (TcbField.MPU)
      this.jobs.add(
        k,
        periodTicks > 0 ? periodTicks * cpt : null,
        deadlineTicks > 0 ? Math.round(deadlineTicks * cpt) : null,
        firstRelease * cpt,
      );
      this.checker?.blockAllocated(sBase, sSize, "stacks");
      paintStack(this.machine.bus, sBase + GUARD_BYTES, sSize - GUARD_BYTES);
      const psp = this.switcher.initialFrame(k);
      const checker = this.checker;
      if (checker) {
        checker.registerStack(id, sBase + GUARD_BYTES, sSize - GUARD_BYTES, psp);
        // Below the stack the checker reports a stack overflow (the MPU guard faults the first access anyway).
        const control = taskControl(ctx);
        control.onStackPointer = (sp) => checker.stackPointer(id, Math.min(sp, k.stack.top));
        control.libc = makeLibc(core, checker);
      }
      // Syscalls take their caller's JS stack for the checker's reports and for fault records.
      taskControl(ctx).callSites = checker?.sourceSites === true || this.syscallSites;
      const task = this.scheduler.spawn({
        name: spec.name,
        priority: k.priority,
        entry: () => this.entry(k),
        data: k,
        ...(spec.watchdogCycles === undefined
          ? {}
          : { watchdog: k.watchdogCycles > 0 ? { cycles: k.watchdogCycles } : {} }),
      });
      if (task.id !== id) throw new KernelError("BAD_TASK", "task ids out of step", { id, got: task.id });
      this.byId.set(id, k);
      this.byName.set(spec.name, k);
      if (codeRegion) this.codeRegions.set(codeRegion.base, spec.name);
      return k;
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
  }

  /**
   * The code region a task with code at `code` is granted: with per-task code, the 4 KiB region
   * holding it, which must be no other task's; with shared code, none (the kernel grants the
   * whole code memory). Either way the address must lie in the code memory (`CODE_NOT_GRANTED`).
   */
  private codeRegionFor(task: string, code: number): { base: number; size: number } | null {
    const mem = this.layout.code;
    const refuse = (why: string) =>
      new KernelError("CODE_NOT_GRANTED", `task ${task}: code address ${hex32(code)} ${why}`, { task, code });
    if (code < mem.base || code >= mem.base + mem.size) {
      throw refuse(`lies outside the code memory ${mem.name} [${hex32(mem.base)}, ${hex32(mem.base + mem.size)})`);
    }
    if (this.codeIsolation === "shared") return null;
    const base = code - ((code - mem.base) % CODE_REGION_BYTES);
    const owner = this.codeRegions.get(base);
    if (owner !== undefined)
      throw refuse(`lies in the code region of task ${owner} [${hex32(base)}, ${hex32(base + CODE_REGION_BYTES)})`);
    return { base, size: CODE_REGION_BYTES };
  }

  private entry(k: KTask): Generator<never, unknown, unknown> {
    // `main` is called at the task's first step, as the task (a plain function's body runs at the
    // call: here it ran in the kernel's Handler mode), and as a plain function: `this` is not the
    // kernel's copy of the spec (nor the caller's).
    return new TaskStart(k.spec.main as never, k.ctx) as unknown as Generator<never, unknown, unknown>;
  }

  /**
   * Grants a partition to a task at run time (`UNKNOWN_TASK` for another kernel's task): recomputes its MPU plan (`MPU_REGIONS_EXHAUSTED`,
   * nothing changed, when it does not fit), replacing an earlier grant of the same partition.
   */
  grant(k: KTask, partition: string, access: "ro" | "rw"): void {
    this.own(k, "grant");
    const p = this.partitions.get(partition);
    if (!p) throw new KernelError("UNKNOWN_PARTITION", `no partition ${partition}`, { partition });
    if (access !== "ro" && access !== "rw")
      throw new KernelError("BAD_ARGUMENT", 'access must be "ro" or "rw"', { access });
    // The partition's grant (by its id) is replaced and goes last.
    const plan = replanGrant(this.mpuDriver, k.plan, partitionGrant(partition, access, p));
    // Stored first, all or nothing: a store the caller's loaded regions refuse (its own forged
    // record denying the kernel its block) faults before anything of the task changed.
    this.asKernel(() => this.loader.store(k, plan));
    k.grants = [...plan.grants];
    k.plan = plan;
    if (this.scheduler.current?.id === k.id) this.loader.loadTask(k);
  }

  /** Restart: gives back the task's live heap blocks, resets its stack and writes its first frame again. */
  private resetTask(k: KTask): void {
    k.exitCode = null;
    if (k.heap) {
      // The gate loads the task's plan to free as the task; a restart inside another task's
      // syscall (a receiver faulted by a send's hand-off) must give that task its plan back, or it
      // runs on with this task's MPU view.
      const loaded = this.loader.held;
      const gate = k.heap.allocator;
      for (const addr of [...k.live.keys()]) {
        try {
          gate.free(addr); // with the task's privilege and MPU view, as every heap operation
        } catch {
          // a corrupted heap: the block stays where it is
          this.machine.core.clearFault();
        }
      }
      gate.live.clear();
      this.loader.restore(loaded);
    }
    // A task that stopped (rather than faulted) had its stack unregistered by its leak check at the end.
    if (this.checker?.stacks.has(k.id)) this.checker.unregisterStack(k.id);
    // Its MPU record as its creation stored it, whatever overwrote it since. When the MPU holds a
    // record that is no plan (this task's or another's, forged: docs/mpu-model.md), whose regions
    // could deny the kernel its own block, the restart's privileged accesses are made under the
    // kernel's configuration (the record's stores), then this task's record loaded again (its
    // fetch and first frame), as the gate's frees are; the forged record is loaded back after.
    const forged = this.loader.current === null ? this.loader.held : undefined;
    if (forged !== undefined) this.loader.loadPlan(this.kernelPlan);
    this.asKernel(() => this.loader.store(k));
    if (forged !== undefined) this.loader.loadTask(k);
    k.ctx.branch(k.code); // the task starts over at its entry (a privileged fetch: the kernel's)
    // The peak of the run that ended is kept; the new run starts on a freshly painted stack.
    this.earlierStackPeak.set(k.id, this.stackUsage(k).peak);
    paintStack(this.machine.bus, k.stack.base + GUARD_BYTES, k.stack.top - k.stack.base - GUARD_BYTES);
    const psp = this.switcher.initialFrame(k);
    this.asKernel(() => this.machine.core.write32(k.tcb + TcbField.RELEASE, this.scheduler.now().ticks >>> 0));
    if (forged !== undefined) this.loader.restore(forged);
    if (this.checker)
      this.checker.registerStack(k.id, k.stack.base + GUARD_BYTES, k.stack.top - k.stack.base - GUARD_BYTES, psp);
    // The scheduler's restart, which follows at once, starts the task's cycle count over: keep
    // what it has been charged so far (now() folds the reset's own accesses in first).
    this.scheduler.now();
    this.earlierCycles.set(k.id, (this.earlierCycles.get(k.id) ?? 0) + this.schedTask(k).stats.cycles);
  }

  // ---- running ------------------------------------------------------------------------------------------

  /**
   * Runs until `ms` of simulated time have passed since the first run started, or `slices`
   * slices (or nothing can run, or a panic), whichever comes first. The first run starts the
   * scheduler: from then on every access and every kernel path is charged (boot and the tasks
   * spawned before cost no time). Slices are never cut by the slice limit, and the time limit
   * pauses the running task at its next syscall without switching it out (as a debugger halts
   * the core: it stays `running`, its slice goes on at the next call), so a run made of several
   * calls, with any `ms` and `slices` windows, is the same run as one call. The scheduler's
   * `idle` events report an idle period a window's end falls in as two pieces; its
   * `TraceRecorder` joins them, so the trace is the same too.
   *
   * A bad limit is `BAD_ARGUMENT` (`context.field`: `limit`, `ms` or `slices`) before anything
   * changes: neither `ms` nor `slices` (a run without end), `ms` not a finite number >= 0 or
   * past the last cycle the clock counts (2^53 - 1), `slices` not an integer >= 0 (`Infinity`
   * too: a run without end).
   */
  run(
    limit: { readonly ms: number; readonly slices?: number | undefined } | { readonly slices: number },
  ): KernelRunResult {
    this.checkRunLimit(limit);
    if (!this.started) {
      this.started = true;
      this.machine.core.countCycles = true;
    }
    const r = this.scheduler.run(
      "ms" in limit
        ? { until: { ms: limit.ms }, ...(limit.slices === undefined ? {} : { slices: limit.slices }) }
        : limit,
    );
    const now = this.scheduler.now();
    const panic = this.faultHandler.panicMessage;
    const reason = panic !== null ? "panic" : r.reason;
    return { reason, ms: now.ms, cycles: now.cycles, switches: r.switches, idleCycles: r.idleCycles, panic };
  }

  /**
   * `BAD_ARGUMENT` for a run limit {@link Kernel.run} cannot keep, checked before the run starts
   * anything (the scheduler's own `DURATION` came after the first run had turned cycle counting on).
   */
  private checkRunLimit(limit: unknown): void {
    const bad = (field: string, why: string, value: unknown) =>
      new KernelError("BAD_ARGUMENT", `run: ${field} ${why}`, {
        op: "run",
        field,
        value: typeof value === "number" ? value : typeof value,
      });
    // A limit without `ms` or `slices` (`{}`, `{ slices: undefined }`) was a run without end.
    const l = limit as { ms?: unknown; slices?: unknown } | null;
    if (typeof l !== "object" || l === null || (l.ms === undefined && l.slices === undefined)) {
      throw new KernelError("BAD_ARGUMENT", "run: the limit must be { ms } or { slices } (or both)", {
        op: "run",
        field: "limit",
        value: typeof l === "object" && l !== null ? "no ms or slices" : typeof l,
      });
    }
    const { ms, slices } = l;
    if (ms !== undefined) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw bad("ms", "must be a finite number >= 0", ms);
      if ((ms * this.machine.board.clockHz) / 1000 > Number.MAX_SAFE_INTEGER) {
        throw bad("ms", "ends past the last cycle the clock counts (2^53 - 1)", ms);
      }
    }
    if (slices !== undefined && (typeof slices !== "number" || !Number.isSafeInteger(slices) || slices < 0)) {
      throw bad("slices", "must be an integer >= 0", slices);
    }
  }

  /** The CPU load since boot: the share of simulated time the CPU was not idle (0..1). */
  cpuLoad(): number {
    const total = this.scheduler.now().cycles;
    return total > 0 ? 1 - this.scheduler.idleCycles / total : 0;
  }

  /** A task's timing: CPU cycles (its slices, switches and syscalls included) and its jobs (`UNKNOWN_TASK` for another kernel's task). */
  taskTiming(k: KTask): JobStats & {
    /**
     * Core cycles the task has held the CPU (its slices, switches and syscalls included), over
     * all its runs: a restart does not start it over (the scheduler's `stats.cycles` does).
     */
    readonly cpuCycles: number;
  } {
    this.own(k, "taskTiming");
    const cycles = (this.scheduler.task(k.id)?.stats.cycles ?? 0) + (this.earlierCycles.get(k.id) ?? 0);
    return { ...this.jobs.stats(k), cpuCycles: cycles };
  }

  /**
   * How much of its stack a task has used (its high-water mark), over all its runs: the stack is
   * painted with `STACK_FILL` when the task is created and when a fault policy restarts it, and
   * this scans it for the lowest byte written (a debugger read: no simulated time, unseen by the
   * checker). See {@link StackUsage}. `UNKNOWN_TASK` for a task of another kernel.
   *
   * @example
   * ```ts
   * import { STM32F407 } from "@rtos-sim/hw";
   * import { bootKernel } from "@rtos-sim/kernel";
   * const kernel = bootKernel({ board: STM32F407 });
   * const task = kernel.spawn({ name: "imu", *main(t) { yield* t.sleep({ ms: 1 }); } });
   * kernel.run({ ms: 10 });
   * const { size, peak } = kernel.stackUsage(task);
   * console.log(`${task.name}: ${peak} of ${size} stack bytes used`);
   * ```
   */
  stackUsage(k: KTask): StackUsage {
    this.own(k, "stackUsage");
    const base = k.stack.base + GUARD_BYTES;
    const size = k.stack.top - base;
    const peak = stackPeak(this.machine.bus, base, size);
    return { size, peak: Math.max(peak, this.earlierStackPeak.get(k.id) ?? 0) };
  }

  /**
   * The leak check at the end of a run (with the checker; null without): every block scanned
   * from the kernel's roots (image data, partitions, the kernel heap, the live part of every
   * task stack with its saved exception frame), in Valgrind's categories. A lost block not
   * reported yet (at its task's end) is reported now; blocks of tasks still running that nothing
   * reaches are counted as held, not lost (their registers are the JS variables of their code).
   */
  checkLeaks(options: LeakOptions = {}): LeakSummary | null {
    return this.checker ? this.checker.checkLeaks(options) : null;
  }

  /** The panic message, when a task's policy panicked the system. */
  get panic(): string | null {
    return this.faultHandler.panicMessage;
  }

  /**
   * Checks a task may `kind` the buffer [ptr, ptr+length) by its own MPU view, that it is memory,
   * and by the checker's state (see {@link checkBuffer}). Returns null when allowed, else why not.
   * `privileged` is the privilege to check it at: by default the one the task's last switch-in
   * loaded (`KTask.privileged`); a hand-off to a task that is switched out gives the one its TCB's
   * CONTROL word holds now.
   */
  validateBuffer(k: KTask, ptr: number, length: number, kind: "read" | "write", privileged?: boolean): string | null {
    this.own(k, "validateBuffer");
    return checkBuffer(this.machine, this.checker, k, ptr, length, kind, privileged ?? k.privileged);
  }
}

/** " in region X" for a task placed in one (`TaskSpec.region`), else nothing. */
function inRegion(spec: TaskSpec): string {
  return spec.region === undefined ? "" : ` in region ${spec.region}`;
}
