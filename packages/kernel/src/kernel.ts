import type { ResizableAllocator } from "@rtos-sim/alloc";
import {
  ActorMode,
  Cfsr,
  createMachine,
  decodeRegion,
  Fault,
  hex32,
  type Machine,
  type MpuRegionView,
  makeActor,
  Shcsr,
} from "@rtos-sim/hw";
import { CheckerFault, checkedAllocator, MemoryChecker } from "@rtos-sim/memcheck";
import { RegionManager } from "@rtos-sim/region";
import { type FaultReason, Scheduler, type Task } from "@rtos-sim/sched";
import type { FaultPolicy, KernelOptions, TaskSpec } from "./config.js";
import { Actuator } from "./devices/actuator.js";
import { Gpio } from "./devices/gpio.js";
import { type DevicePlacement, type DeviceRole, placeDevices } from "./devices/map.js";
import { Sensor } from "./devices/sensor.js";
import { Timer } from "./devices/timer.js";
import { Uart } from "./devices/uart.js";
import { KernelError } from "./errors.js";
import { KernelEmitter, type Stamp } from "./events.js";
import { decodeFault, type FaultKind, type FaultRecord, formatFaultDump } from "./fault-report.js";
import { MessageQueue, Semaphore } from "./ipc.js";
import { type BoardLayout, layoutBoard, orderFor } from "./layout.js";
import { type MpuGrant, MpuLoader, type MpuPlan, planMpu } from "./mpu-plan.js";
import { handleSyscall } from "./syscall-handler.js";
import { TaskContext } from "./task-context.js";
import { HeapBlockSource, type HeapFactory } from "./task-heap.js";
import { GUARD_BYTES, type KTask, type TaskHeap } from "./task-record.js";

/** The simulated devices of a kernel, by role (absent when the board has no address for one). */
export interface KernelDevices {
  readonly uart: Uart;
  readonly gpio?: Gpio;
  readonly timer?: Timer;
  readonly sensor?: Sensor;
  readonly actuator?: Actuator;
  readonly placements: readonly DevicePlacement[];
}

/** A partition: named memory shared between tasks. */
export interface Partition {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly order: number;
}

/** How a run ended. */
export interface KernelRunResult {
  readonly reason: "until" | "no-tasks" | "blocked" | "panic" | "halted" | "slices";
  readonly ms: number;
  readonly cycles: number;
  readonly switches: number;
  readonly panic: string | null;
}

/** Dependencies the kernel is given (the allocator of task heaps). */
export interface KernelDeps {
  readonly heapFactory: HeapFactory;
}

const FAULT_ENABLES = Shcsr.MEMFAULTENA | Shcsr.BUSFAULTENA | Shcsr.USGFAULTENA;
const XPSR_THUMB = 0x01000000;
const MAX_TASKS = 64;

/**
 * The kernel: boots a board (region manager over its RAM, kernel heap, devices, MPU on with the
 * kernel's memory privileged-only), runs tasks that each see only their own memory through a
 * per-task MPU configuration reloaded at every switch, validates every syscall pointer against the
 * caller's view, stacks real exception frames on task stacks, and hands faults to per-task policies.
 *
 * @example
 * ```ts
 * const k = Kernel.boot({ board: STM32F407 }, { heapFactory });
 * k.spawn({ name: "hello", *main(t) { const p = (yield sys.malloc(16)) as number; t.write32(p, 1); } });
 * k.run({ ms: 100 });
 * ```
 */
export class Kernel {
  readonly machine: Machine;
  readonly options: KernelOptions;
  readonly events = new KernelEmitter();
  readonly layout: BoardLayout;
  readonly regions: RegionManager;
  readonly scheduler: Scheduler<KTask>;
  readonly checker: MemoryChecker | null;
  readonly devices: KernelDevices;
  /** The kernel's own block (message queues): privileged only. */
  readonly kernelBlock: { readonly base: number; readonly size: number; readonly order: number };
  readonly kernelHeap: TaskHeap;
  /** MPU grants of the kernel (highest-numbered regions). */
  readonly kernelGrants: readonly MpuGrant[];
  readonly loader: MpuLoader;
  /** Every fault so far, in order. */
  readonly faults: FaultRecord[] = [];
  readonly partitions = new Map<string, Partition>();
  readonly semaphores = new Map<string, Semaphore>();
  readonly queues = new Map<string, MessageQueue>();
  private readonly byName = new Map<string, KTask>();
  private readonly byId = new Map<number, KTask>();
  private readonly heapFactory: HeapFactory;
  private panicMessage: string | null = null;
  private readonly pageOrder: number;

  private constructor(options: KernelOptions, deps: KernelDeps) {
    this.options = options;
    this.heapFactory = deps.heapFactory;
    const board = options.board;
    this.machine = createMachine(board);
    const { core, scb } = this.machine;
    this.layout = layoutBoard(board);
    this.pageOrder = options.pageOrder ?? 10;
    scb.shcsr = FAULT_ENABLES;
    scb.vtor = this.layout.code.base;
    core.actor = makeActor(ActorMode.Kernel);
    const imageSize = options.imageSize ?? 8 * 1024;
    const image = { start: this.layout.main.start, size: imageSize, label: ".data+.bss+MSP" };
    this.regions = new RegionManager({
      memory: core,
      regions: this.layout.ram.map((r) => ({ name: r.name, start: r.start, size: r.size })),
      pageOrder: this.pageOrder,
      reserved: [image],
    });
    const mc = options.memcheck;
    if (mc) {
      const page = 2 ** this.pageOrder;
      const metadata = this.regions.regions().map((r) => ({ start: r.metadataStart, size: r.metadataPages * page }));
      this.checker = new MemoryChecker(this.machine, {
        clock: () => this.nowMs(),
        timeUnit: "ms",
        taskName: (id) => this.byId.get(id)?.name ?? (id === 0 ? "kernel" : `T${id}`),
        data: [{ start: image.start, size: image.size, name: image.label }],
        metadata,
        onError: typeof mc === "object" ? mc.onError : undefined,
      });
      this.regions.observer = this.checker;
      this.checker.events.on("report", (r) => this.events.emit("checker", r));
    } else {
      this.checker = null;
    }
    // The kernel's own memory: one block, privileged only, with its heap inside.
    const kOrder = orderFor(options.kernelHeapSize ?? 8 * 1024, this.pageOrder);
    const kBase = this.regions.allocPages(kOrder, { owner: "kernel", region: this.layout.main.name });
    if (kBase === null) throw new KernelError("OUT_OF_MEMORY", "no room for the kernel block", { order: kOrder });
    this.kernelBlock = { base: kBase, size: 2 ** (kOrder + this.pageOrder), order: kOrder };
    this.kernelHeap = this.makeHeap("kernel", "tlsf", kBase, this.kernelBlock.size, kOrder);
    this.devices = this.attachDevices(options.seed ?? 1);
    const code = this.layout.code;
    this.kernelGrants = [
      {
        label: `code (${code.name})`,
        base: code.base,
        size: code.size,
        access: code.writable ? "priv-rw-user-ro" : "ro",
        executable: true,
      },
      { label: "kernel", base: kBase, size: this.kernelBlock.size, access: "priv-rw" },
    ];
    this.loader = new MpuLoader(this.machine.mpu);
    this.loader.load(planMpu(board.mpuRegions, this.kernelGrants, [], "kernel"));
    this.machine.mpu.setControl({ enable: true, privdefena: true });
    this.scheduler = new Scheduler<KTask>({
      machine: this.machine,
      tickHz: options.tickHz ?? 1000,
      watchdog: { cycles: options.watchdogCycles ?? 2_000_000 },
      syscall: (task, req, sched) => handleSyscall(this, task, req, sched),
      switchIn: (t, from) => this.switchIn(t, from),
      switchOut: (t) => this.switchOut(t),
      beforeStep: (t) => this.beforeStep(t),
      afterStep: (t) => this.afterStep(t),
      onFault: (t, reason) => this.onFault(t, reason),
    });
    this.scheduler.events.on("state", (e) => {
      if (this.events.listenerCount("state") > 0) {
        this.events.emit("state", { ...this.stamp(), task: e.task.name, from: e.from, to: e.to });
      }
    });
    for (const p of options.partitions ?? []) this.createPartition(p.name, p.size, p.region);
    for (const s of options.semaphores ?? []) this.createSemaphore(s.name, s.initial ?? 0, s.max ?? 0x7fffffff);
    for (const q of options.queues ?? []) this.createQueue(q.name, q.messageSize, q.capacity);
    this.checker?.attach();
  }

  /** Boots a kernel on `options.board`. Throws {@link KernelError} (or the packages' typed errors) for a bad configuration. */
  static boot(options: KernelOptions, deps: KernelDeps): Kernel {
    return new Kernel(options, deps);
  }

  // ---- time -------------------------------------------------------------------------------------

  /** Simulated milliseconds since boot. */
  nowMs(): number {
    return this.scheduler ? this.scheduler.now().ms : 0;
  }

  /** Time stamp for events. */
  stamp(): Stamp {
    const n = this.scheduler.now();
    return { ms: n.ms, cycles: n.cycles };
  }

  // ---- boot pieces -------------------------------------------------------------------------------

  private attachDevices(seed: number): KernelDevices {
    const placements = placeDevices(this.machine.board);
    const bus = this.machine.bus;
    const ms = () => this.nowMs();
    const out: { -readonly [K in keyof KernelDevices]?: KernelDevices[K] } = { placements };
    for (const p of placements) {
      if (p.role === "uart") {
        const uart = new Uart(p.name);
        uart.onLine = (task, line) => this.output(task, line);
        bus.attach(p.base, uart);
        out.uart = uart;
      } else if (p.role === "gpio") {
        out.gpio = new Gpio(p.name);
        bus.attach(p.base, out.gpio);
      } else if (p.role === "timer") {
        out.timer = new Timer(p.name, () => ms() * 1000);
        bus.attach(p.base, out.timer);
      } else if (p.role === "sensor") {
        out.sensor = new Sensor(p.name, ms, seed);
        bus.attach(p.base, out.sensor);
      } else if (p.role === "actuator") {
        out.actuator = new Actuator(p.name);
        bus.attach(p.base, out.actuator);
      }
    }
    return out as KernelDevices;
  }

  /** Where a device role sits (for a task's MPU grant). */
  device(role: DeviceRole): DevicePlacement {
    const p = this.devices.placements.find((d) => d.role === role);
    if (!p)
      throw new KernelError("UNKNOWN_DEVICE", `board ${this.machine.board.name} has no ${role}`, { device: role });
    return p;
  }

  /** A line written by a task (UART or print syscall). */
  output(taskId: number, line: string): void {
    const t = this.byId.get(taskId);
    t?.output.push(line);
    this.events.emit("uart", { ...this.stamp(), task: t?.name ?? "kernel", line });
  }

  private makeHeap(name: string, kind: "tlsf" | "heap", base: number, size: number, order: number): TaskHeap {
    const core = this.machine.core;
    const pages = new HeapBlockSource(base, order, this.pageOrder);
    const inner = this.heapFactory({
      name: `${kind}:${name}`,
      kind,
      pages,
      arenaOrder: order,
      memory: core,
      observer: this.checker,
    });
    const allocator: ResizableAllocator = this.checker
      ? (checkedAllocator(this.checker, inner, {
          redzone: typeof this.options.memcheck === "object" ? this.options.memcheck.redzone : undefined,
          quarantineBytes:
            typeof this.options.memcheck === "object" ? this.options.memcheck.quarantineBytes : undefined,
        }) as unknown as ResizableAllocator)
      : inner;
    return { base, size, order, pages, allocator };
  }

  /** Creates a partition (boot time): one zeroed block of 2^k pages, covered by one MPU region. */
  createPartition(name: string, size: number, region?: string): Partition {
    if (typeof name !== "string" || name === "" || this.partitions.has(name)) {
      throw new KernelError("BAD_CONFIG", `partition name ${JSON.stringify(name)} is empty or taken`, { name });
    }
    if (!Number.isInteger(size) || size <= 0) {
      throw new KernelError("BAD_CONFIG", `partition ${name}: size must be a positive integer`, { name, size });
    }
    const order = orderFor(size, this.pageOrder);
    const base = this.regions.allocPages(order, { owner: `partition:${name}`, region });
    if (base === null) throw new KernelError("OUT_OF_MEMORY", `no room for partition ${name}`, { name, size });
    const bytes = 2 ** (order + this.pageOrder);
    if (this.checker) {
      this.checker.registerAllocator("partitions", "partition");
      this.checker.blockAllocated(base, bytes, "partitions");
    }
    this.machine.core.fill(base, 0, bytes);
    const p = { name, base, size: bytes, order };
    this.partitions.set(name, p);
    return p;
  }

  /** Creates a counting semaphore. */
  createSemaphore(name: string, initial: number, max: number): Semaphore {
    if (this.semaphores.has(name) || !Number.isInteger(initial) || initial < 0 || initial > max) {
      throw new KernelError("BAD_CONFIG", `semaphore ${name}: taken name or bad initial/max`, { name, initial, max });
    }
    const s = new Semaphore(this.scheduler, name, initial, max);
    this.semaphores.set(name, s);
    return s;
  }

  /** Creates a message queue with its slots in kernel memory. */
  createQueue(name: string, messageSize: number, capacity: number): MessageQueue {
    const ok =
      !this.queues.has(name) &&
      Number.isInteger(messageSize) &&
      messageSize >= 1 &&
      messageSize <= 256 &&
      Number.isInteger(capacity) &&
      capacity >= 1 &&
      capacity <= 64;
    if (!ok) {
      throw new KernelError(
        "BAD_CONFIG",
        `queue ${name}: taken name, or messageSize not 1..256 or capacity not 1..64`,
        {
          name,
          messageSize,
          capacity,
        },
      );
    }
    const storage = this.kernelHeap.allocator.allocate(messageSize * capacity, 4);
    if (storage === null) throw new KernelError("OUT_OF_MEMORY", `no kernel memory for queue ${name}`, { name });
    const q = new MessageQueue(this.scheduler, name, messageSize, capacity, storage);
    this.queues.set(name, q);
    return q;
  }

  // ---- tasks ---------------------------------------------------------------------------------------

  /** Tasks in spawn order. */
  tasks(): readonly KTask[] {
    return [...this.byId.values()];
  }

  /** A task by name. */
  task(name: string): KTask | undefined {
    return this.byName.get(name);
  }

  /** The scheduler's view of a task (state, stats, fault). */
  schedTask(k: KTask): Task<KTask> {
    return this.scheduler.task(k.id)!;
  }

  /**
   * Creates a task: its stack (with a guard) and heap from the region manager, its MPU
   * configuration (computed once; `MPU_REGIONS_EXHAUSTED` when it does not fit), its initial
   * exception frame, and its scheduler entry. Nothing is left allocated on error.
   */
  spawn(spec: TaskSpec): KTask {
    this.checkSpec(spec);
    const page = 2 ** this.pageOrder;
    const stackOrder = orderFor(Math.max(spec.stackSize ?? 1024, 2 * GUARD_BYTES + 64), this.pageOrder);
    const undo: (() => void)[] = [];
    try {
      const sBase = this.regions.allocPages(stackOrder, { owner: `stack:${spec.name}` });
      if (sBase === null)
        throw new KernelError("OUT_OF_MEMORY", `no room for the stack of ${spec.name}`, { task: spec.name });
      undo.push(() => this.regions.freePages(sBase, stackOrder));
      const sSize = 2 ** stackOrder * page;
      const heapBytes = spec.heapSize ?? 4096;
      let heap: TaskHeap | null = null;
      if (heapBytes > 0) {
        const hOrder = orderFor(heapBytes, this.pageOrder);
        const hBase = this.regions.allocPages(hOrder, { owner: `heap:${spec.name}` });
        if (hBase === null)
          throw new KernelError("OUT_OF_MEMORY", `no room for the heap of ${spec.name}`, { task: spec.name });
        undo.push(() => this.regions.freePages(hBase, hOrder));
        heap = this.makeHeap(spec.name, spec.heap ?? "tlsf", hBase, 2 ** hOrder * page, hOrder);
      }
      const grants = this.taskGrants(spec, sBase, sSize, heap);
      const plan = planMpu(this.machine.board.mpuRegions, this.kernelGrants, grants, `task "${spec.name}"`);
      const id = this.byId.size + 1;
      const code = spec.code ?? this.layout.code.base + 0x1000 * id;
      const ctx = new TaskContext(this.machine.core, id, spec.name, sBase, sBase + sSize, sBase + sSize);
      const k: KTask = {
        id,
        name: spec.name,
        spec,
        privileged: spec.privileged ?? false,
        priority: spec.priority ?? 1,
        policy: spec.faultPolicy ?? "stop",
        code,
        stack: { base: sBase, top: sBase + sSize, order: stackOrder },
        heap,
        grants,
        plan,
        ctx,
        faults: [],
        output: [],
        frame: new Uint32Array(8),
        heapInUse: 0,
        live: new Map(),
      };
      if (this.checker) {
        this.checker.registerAllocator("stacks", "stack");
        this.checker.blockAllocated(sBase, sSize, "stacks");
      }
      this.initialFrame(k);
      const checker = this.checker;
      if (checker) {
        checker.registerStack(id, sBase + GUARD_BYTES, sSize - GUARD_BYTES, ctx.sp);
        // Below the stack the checker reports a stack overflow (the MPU guard faults the first access anyway).
        ctx.onStackPointer = (sp) => checker.stackPointer(id, Math.min(sp, k.stack.top));
      }
      const task = this.scheduler.spawn({ name: spec.name, priority: k.priority, entry: () => this.entry(k), data: k });
      if (task.id !== id) throw new KernelError("BAD_TASK", "task ids out of step", { id, got: task.id });
      this.byId.set(id, k);
      this.byName.set(spec.name, k);
      return k;
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
  }

  private entry(k: KTask): Generator<never, unknown, unknown> {
    return k.spec.main(k.ctx) as Generator<never, unknown, unknown>;
  }

  private checkSpec(spec: TaskSpec): void {
    const bad = (field: string, why: string) =>
      new KernelError("BAD_TASK", `task ${JSON.stringify(spec?.name)}: ${field} ${why}`, { task: spec?.name, field });
    if (typeof spec !== "object" || spec === null) throw bad("spec", "must be an object");
    if (typeof spec.name !== "string" || !/^[A-Za-z0-9_.-]{1,32}$/.test(spec.name)) {
      throw bad("name", "must be 1-32 letters, digits, _ . -");
    }
    if (this.byName.has(spec.name))
      throw new KernelError("DUPLICATE_TASK", `task ${spec.name} exists`, { task: spec.name });
    if (this.byId.size >= MAX_TASKS) throw bad("name", `cannot be added: at most ${MAX_TASKS} tasks`);
    if (typeof spec.main !== "function") throw bad("main", "must be a generator function");
    const p = spec.priority ?? 1;
    if (!Number.isInteger(p) || p < 0 || p > 31) throw bad("priority", "must be an integer 0..31");
    const st = spec.stackSize ?? 1024;
    if (!Number.isInteger(st) || st < 128 || st > 1024 * 1024) throw bad("stackSize", "must be an integer 128..1 MiB");
    const hs = spec.heapSize ?? 4096;
    if (!Number.isInteger(hs) || hs < 0 || hs > 16 * 1024 * 1024 || (hs > 0 && hs < 1024)) {
      throw bad("heapSize", "must be 0 or an integer 1 KiB..16 MiB");
    }
    if (spec.heap !== undefined && spec.heap !== "tlsf" && spec.heap !== "heap")
      throw bad("heap", 'must be "tlsf" or "heap"');
    if (spec.code !== undefined && (!Number.isInteger(spec.code) || spec.code < 0 || spec.code > 0xffffffff)) {
      throw bad("code", "must be a 32-bit address");
    }
    for (const [name, access] of Object.entries(spec.partitions ?? {})) {
      if (!this.partitions.has(name)) {
        throw new KernelError("UNKNOWN_PARTITION", `task ${spec.name}: no partition ${name}`, {
          task: spec.name,
          partition: name,
        });
      }
      if (access !== "ro" && access !== "rw") throw bad(`partitions.${name}`, 'must be "ro" or "rw"');
    }
    for (const role of spec.devices ?? []) this.device(role);
    checkPolicy(spec.faultPolicy, bad);
  }

  private taskGrants(spec: TaskSpec, sBase: number, sSize: number, heap: TaskHeap | null): MpuGrant[] {
    const grants: MpuGrant[] = [
      { label: "stack", base: sBase, size: sSize, access: "rw" },
      { label: "stack guard", base: sBase, size: GUARD_BYTES, access: "none" },
    ];
    if (heap) grants.push({ label: "heap", base: heap.base, size: heap.size, access: "rw" });
    for (const [name, access] of Object.entries(spec.partitions ?? {})) {
      const p = this.partitions.get(name)!;
      grants.push({
        label: `partition ${name} (${access})`,
        base: p.base,
        size: p.size,
        access: access === "rw" ? "rw" : "ro",
      });
    }
    for (const role of spec.devices ?? []) {
      const d = this.device(role);
      grants.push({ label: `${d.name} (${role})`, base: d.base, size: 0x400, access: "rw", memory: "device" });
    }
    return grants;
  }

  /** Grants a partition to a task at run time (recomputes its MPU plan; `MPU_REGIONS_EXHAUSTED` if it does not fit). */
  grant(k: KTask, partition: string, access: "ro" | "rw"): void {
    const p = this.partitions.get(partition);
    if (!p) throw new KernelError("UNKNOWN_PARTITION", `no partition ${partition}`, { partition });
    const label = `partition ${partition} (${access})`;
    const others = k.grants.filter((g) => !g.label.startsWith(`partition ${partition} (`));
    const grants = [
      ...others,
      { label, base: p.base, size: p.size, access: access === "rw" ? "rw" : "ro" } as MpuGrant,
    ];
    const plan = planMpu(this.machine.board.mpuRegions, this.kernelGrants, grants, `task "${k.name}"`);
    k.grants = grants;
    k.plan = plan;
    if (this.scheduler.current?.id === k.id) this.loader.load(plan);
  }

  /** Writes the task's first exception frame (PC = its code, xPSR.T) below its stack top, as a port does. */
  private initialFrame(k: KTask): void {
    const core = this.machine.core;
    const saved = core.actor;
    core.actor = makeActor(ActorMode.Kernel, k.id);
    const frame = new Uint32Array([0, 0, 0, 0, 0, 0xfffffffd, k.code | 1, XPSR_THUMB]);
    k.ctx.sp = core.pushFrame(k.stack.top, frame);
    k.frame = frame;
    core.actor = saved;
  }

  // ---- switching (the scheduler's hooks) --------------------------------------------------------------

  private switchIn(t: Task<KTask>, from: Task<KTask> | null): void {
    const k = t.data;
    const core = this.machine.core;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    this.loader.load(k.plan);
    // Exception return to the task: unstack its frame with its own privilege.
    core.mode = "thread";
    core.controlNPriv = !k.privileged;
    core.actor = makeActor(ActorMode.User, k.id);
    try {
      const { frame, sp } = core.popFrame(k.ctx.sp);
      k.frame = frame;
      k.ctx.sp = sp;
      if (this.checker && sp >= k.stack.base + GUARD_BYTES && sp <= k.stack.top) this.checker.stackPointer(k.id, sp);
    } catch (e) {
      this.faultTask(t, e);
      return;
    }
    core.actor = makeActor(ActorMode.User, k.id);
    if (from?.id !== t.id && this.events.listenerCount("switch") > 0) {
      this.events.emit("switch", { ...this.stamp(), from: from?.name ?? null, to: t.name });
    }
  }

  private switchOut(t: Task<KTask>): void {
    const k = t.data;
    const core = this.machine.core;
    if (t.state !== "faulted" && t.state !== "stopped" && core.pendingFault === null) {
      // Exception entry: the frame goes on the task's stack with the task's privilege.
      try {
        // The stacking writes are the task's (the hardware stacks on its behalf), and SP moves
        // down over the frame before it is written.
        core.actor = makeActor(ActorMode.User, k.id);
        const fp = ((k.ctx.sp - 32) & ~7) >>> 0;
        if (this.checker && fp >= k.stack.base + GUARD_BYTES && fp < k.stack.top) this.checker.stackPointer(k.id, fp);
        k.frame[6] = (k.code | 1) >>> 0;
        k.ctx.sp = core.pushFrame(k.ctx.sp, k.frame);
      } catch (e) {
        this.faultTask(t, e);
      }
    }
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
  }

  private beforeStep(t: Task<KTask>): void {
    const core = this.machine.core;
    core.actor = makeActor(ActorMode.User, t.id);
    try {
      core.fetch(t.data.code); // the instruction fetch at the resume address
    } catch (e) {
      this.faultTask(t, e);
    }
  }

  private afterStep(t: Task<KTask>): void {
    const core = this.machine.core;
    const pending = core.pendingFault;
    if (pending !== null && t.state === "running") this.faultTask(t, pending);
    else if (pending !== null) core.clearFault();
    core.actor = makeActor(ActorMode.Kernel, t.id);
  }

  /** Turns an error raised in a task's context into a scheduler fault (the fault policy follows). */
  private faultTask(t: Task<KTask>, error: unknown): void {
    const core = this.machine.core;
    core.clearFault();
    if (t.state === "faulted" || t.state === "stopped") return;
    this.scheduler.fault(t, this.reasonOf(t.data, error));
  }

  private reasonOf(k: KTask, error: unknown): FaultReason {
    if (error instanceof Fault) {
      const guardHit =
        (error.faultAddress !== null &&
          error.faultAddress >= k.stack.base &&
          error.faultAddress < k.stack.base + GUARD_BYTES) ||
        (error.cfsr & (Cfsr.MSTKERR | Cfsr.STKERR)) !== 0;
      const kind: FaultKind = guardHit
        ? "stack-overflow"
        : error.exception === 3
          ? "hardfault"
          : error.cause === 4
            ? "memmanage"
            : error.cause === 5
              ? "busfault"
              : "usagefault";
      const what = guardHit
        ? (error.cfsr & (Cfsr.MSTKERR | Cfsr.STKERR)) !== 0
          ? `stack overflow or corrupt stack pointer while stacking the exception frame (SP ${hex32(k.ctx.sp)})`
          : `stack overflow: access to the stack guard at ${hex32(error.faultAddress ?? 0)}`
        : error.message;
      return { kind, message: what, error };
    }
    if (error instanceof CheckerFault) {
      return { kind: "checker", message: error.message, error };
    }
    if (error instanceof KernelError) {
      return { kind: error.code === "BAD_POINTER" ? "bad-pointer" : "bad-syscall", message: error.message, error };
    }
    return { kind: "uncaught", message: error instanceof Error ? error.message : String(error), error };
  }

  private onFault(t: Task<KTask>, reason: FaultReason): void {
    const k = t.data;
    const core = this.machine.core;
    core.clearFault();
    const action = this.policyAction(k, t.restarts);
    const fault = reason.error instanceof Fault ? reason.error : undefined;
    const report = reason.error instanceof CheckerFault ? reason.error.report : undefined;
    const kind = (
      [
        "memmanage",
        "busfault",
        "usagefault",
        "hardfault",
        "stack-overflow",
        "checker",
        "watchdog",
        "bad-pointer",
        "heap",
      ].includes(reason.kind)
        ? reason.kind
        : reason.kind === "syscall-error" || reason.kind === "bad-syscall" || reason.kind === "unknown-syscall"
          ? "bad-syscall"
          : "uncaught"
    ) as FaultKind;
    const ms = this.nowMs();
    const regions: MpuRegionView[] = k.plan.regions.map((_, n) => this.regionOfPlan(k.plan, n));
    const record: FaultRecord = {
      task: k.name,
      taskId: k.id,
      ms,
      kind,
      message: reason.message,
      ...(fault ? { hw: decodeFault(fault) } : {}),
      ...(report ? { checker: report } : {}),
      action,
      dump: formatFaultDump({
        task: k.name,
        taskId: k.id,
        ms,
        kind,
        message: reason.message,
        state: t.state,
        priority: k.priority,
        privileged: k.privileged,
        restarts: t.restarts,
        policy: policyName(k.policy),
        action,
        stack: { base: k.stack.base, top: k.stack.top, sp: k.ctx.sp, guard: GUARD_BYTES },
        code: k.code,
        grants: k.grants,
        plan: k.plan,
        regions,
        fault,
        checker: report,
      }),
    };
    k.faults.push(record);
    this.faults.push(record);
    // The fault handler reads and clears the fault status (write-1-to-clear), as a kernel does.
    this.machine.scb.cfsr = 0;
    this.machine.scb.hfsr = 0;
    if (kind === "watchdog") this.events.emit("watchdog", { ...this.stamp(), task: k.name, message: reason.message });
    this.events.emit("fault", record);
    if (action === "restarted") this.restartTask(t);
    else if (action === "panic") {
      this.panicMessage = `task ${k.name}: ${reason.message}`;
      this.events.emit("panic", { ...this.stamp(), task: k.name, message: reason.message });
      this.scheduler.halt(`panic: ${this.panicMessage}`);
    }
  }

  private regionOfPlan(plan: MpuPlan, n: number): MpuRegionView {
    return decodeRegion(n, (plan.words[2 * n]! & 0xffffffe0) >>> 0, plan.words[2 * n + 1]!);
  }

  private policyAction(k: KTask, restarts: number): FaultRecord["action"] {
    const p = k.policy;
    if (p === "panic") return "panic";
    if (p === "restart") return "restarted";
    if (typeof p === "object") return restarts < p.restart ? "restarted" : "stopped";
    return "stopped";
  }

  private restartTask(t: Task<KTask>): void {
    const k = t.data;
    // Give back what the task held: its live heap blocks (the kernel tracked them per malloc).
    if (k.heap) {
      for (const addr of [...k.live.keys()]) {
        try {
          k.heap.allocator.free(addr);
        } catch {
          // a corrupted heap: the blocks stay where they are
        }
      }
      k.live.clear();
      k.heapInUse = 0;
    }
    this.checker?.unregisterStack(k.id);
    k.ctx.sp = k.stack.top;
    this.initialFrame(k);
    this.checker?.registerStack(k.id, k.stack.base + GUARD_BYTES, k.stack.top - k.stack.base - GUARD_BYTES, k.ctx.sp);
    this.scheduler.restart(t);
  }

  // ---- running ----------------------------------------------------------------------------------------

  /** Runs until `ms` of simulated time have passed since boot (or nothing can run, or a panic). */
  run(limit: { readonly ms: number } | { readonly slices: number }): KernelRunResult {
    const r =
      "ms" in limit ? this.scheduler.run({ until: { ms: limit.ms } }) : this.scheduler.run({ slices: limit.slices });
    const now = this.scheduler.now();
    const reason = this.panicMessage !== null ? "panic" : r.reason;
    return { reason, ms: now.ms, cycles: now.cycles, switches: r.switches, panic: this.panicMessage };
  }

  /** The panic message, when a task's policy panicked the system. */
  get panic(): string | null {
    return this.panicMessage;
  }

  /** Checks a task may `kind` the buffer [ptr, ptr+length) by its own MPU view and the checker (syscalls). */
  validateBuffer(k: KTask, ptr: number, length: number, kind: "read" | "write"): string | null {
    if (!Number.isInteger(ptr) || ptr < 0 || ptr > 0xffffffff) return `pointer ${String(ptr)} is not a 32-bit address`;
    if (!Number.isInteger(length) || length < 0 || ptr + length > 0x100000000)
      return `length ${String(length)} is out of range`;
    if (length === 0) return null;
    const core = this.machine.core;
    const need = kind === "read" ? (k.privileged ? 1 : 8) : k.privileged ? 2 : 16;
    for (let a = ptr; a < ptr + length; a = ((a >>> 5) + 1) << 5) {
      if ((core.permissionAt(a) & need) === 0) {
        return `${kind} of [${hex32(ptr)}, ${hex32(ptr + length)}) denied at ${hex32(a)} by the task's MPU view`;
      }
      if (!this.machine.bus.segmentFor(a))
        return `[${hex32(ptr)}, ${hex32(ptr + length)}) is not memory (at ${hex32(a)})`;
    }
    if (this.checker) {
      const saved = core.actor;
      core.actor = makeActor(ActorMode.User, k.id);
      const r = this.checker.validateBuffer(makeActor(ActorMode.User, k.id), ptr, length, kind);
      core.actor = saved;
      if (!r.ok) return r.message;
    }
    return null;
  }
}

function policyName(p: FaultPolicy): string {
  return typeof p === "object" ? `restart up to ${p.restart}` : p;
}

function checkPolicy(p: FaultPolicy | undefined, bad: (field: string, why: string) => KernelError): void {
  if (p === undefined || p === "stop" || p === "restart" || p === "panic") return;
  if (typeof p === "object" && p !== null && Number.isInteger(p.restart) && p.restart >= 0) return;
  throw bad("faultPolicy", 'must be "stop", "restart", "panic" or { restart: N }');
}
