import type { Board } from "@rtos-sim/hw";
import type { ErrorPolicy, SourceSiteOptions } from "@rtos-sim/memcheck";
import type { FrameOptions } from "./data/call-stack.js";
import type { DeviceRole } from "./devices/table.js";
import type { FaultSiteOptions } from "./fault-site.js";
import type { HeapKind } from "./heaps/table.js";
import type { Delay, Syscall } from "./syscalls.js";
import type { TaskContext } from "./task-context.js";
import type { KernelCosts } from "./timing/kernel-costs.js";

/** What the kernel does when a task faults (Tock's `ProcessFaultPolicy`). */
export type FaultPolicy =
  /** The task stays faulted; the others go on (default). */
  | "stop"
  /** The task starts again from its entry, its heap emptied and its stack reset. */
  | "restart"
  /** Restart at most `restart` times, then stop. */
  | {
      /** Restarts allowed: an integer >= 0 (0 stops at the first fault, as "stop" does). */
      readonly restart: number;
    }
  /** The whole system stops (the run ends as "panic"). */
  | "panic";

/** Named memory shared between tasks: one block of 2^k pages, covered by one MPU region. */
export interface PartitionSpec {
  /** Partition name: 1-54 characters, unique among the partitions (`BAD_CONFIG` otherwise). */
  readonly name: string;
  /** Bytes; rounded up to a power of two of at least one page. */
  readonly size: number;
  /** Board memory region to take it from (e.g. "CCM"); default: any. */
  readonly region?: string | undefined;
}

/** A counting semaphore. */
export interface SemaphoreSpec {
  /** Semaphore name: 1-64 characters (what a syscall can name), unique among the semaphores (`BAD_CONFIG` otherwise). */
  readonly name: string;
  /** Default 0. */
  readonly initial?: number | undefined;
  /** 1 .. 2^31 - 1 (a word of the control block). Default 2^31 - 1. */
  readonly max?: number | undefined;
}

/**
 * A mutex: an owner (task id) and a lock count of 0 or 1 in a control block in kernel memory, with
 * priority inheritance and owner-death recovery (see the kernel README's "Mutexes").
 */
export interface MutexSpec {
  /** Mutex name: 1-64 characters (what a syscall can name), unique among the mutexes (`BAD_CONFIG` otherwise). */
  readonly name: string;
}

/** A message queue: fixed-size messages copied into kernel memory. */
export interface QueueSpec {
  /** Queue name: 1-64 characters (what a syscall can name), unique among the queues (`BAD_CONFIG` otherwise). */
  readonly name: string;
  /** Bytes per message (1..256). */
  readonly messageSize: number;
  /** Messages it holds (1..64). */
  readonly capacity: number;
}

/** What a task may do with a message queue (`TaskSpec.queues`). */
export type QueueRight = "send" | "receive" | "both";

/** What a task may do with a semaphore (`TaskSpec.semaphores`). */
export type SemaphoreRight = "give" | "take" | "both";

/** A task's body: a generator function yielding syscall requests. */
export type TaskMain = (t: TaskContext) => Generator<unknown, unknown, unknown>;

/**
 * The return type of a task's `main` and of the functions it calls with `yield*`: a generator
 * of syscall requests whose result is `R` (nothing by default). Write it where a lint rule or
 * `isolatedDeclarations` asks for explicit return types: `Generator<unknown, unknown, unknown>`
 * there fails to compile without a `return` (TS2355), and yielding anything but a syscall
 * request is a type error with this one.
 *
 * @example
 * ```ts
 * import { TaskContext, type TaskProgram } from "@rtos-sim/kernel";
 * function* readAdc(t: TaskContext, buf: number): TaskProgram<number> {
 *   yield* t.sleep({ ms: 1 });
 *   return t.read16(buf);
 * }
 * function* sampler(t: TaskContext): TaskProgram {
 *   const buf = yield* t.malloc(2);
 *   if (buf !== 0) t.write16(buf, yield* readAdc(t, buf));
 * }
 * ```
 */
export type TaskProgram<R = void> = Generator<Syscall, R, unknown>;

/** A task as an app describes it. */
export interface TaskSpec {
  /** Task name: 1-32 letters, digits, `_`, `.` or `-`, unique in the kernel (`BAD_TASK`, `DUPLICATE_TASK`). */
  readonly name: string;
  /** 0 (lowest) .. 31. Default 1. */
  readonly priority?: number | undefined;
  /** Runs privileged (CONTROL.nPRIV = 0). Default false. */
  readonly privileged?: boolean | undefined;
  /** Stack bytes including the 32-byte guard; rounded up to a power-of-two block of pages. Default 1 KiB. */
  readonly stackSize?: number | undefined;
  /**
   * Heap bytes (TLSF by default), one block covered by one MPU region; 0 for none, else 1 KiB..16
   * MiB. Default 4 KiB. A block whose allocator's own metadata leave under 64 bytes for blocks is
   * `BAD_TASK` (a TLSF heap needs 2 KiB: its control block takes 1,636 bytes).
   */
  readonly heapSize?: number | undefined;
  /**
   * Board memory region to take the task's stack and heap from (e.g. "SRAM1"), as a linker
   * section places them: on the STM32F407 the kernel's first choice is the CCM, which no DMA
   * reaches, so a task whose stack or heap buffers a DMA must move is placed in SRAM. A name the
   * region manager does not manage is `BAD_TASK`. Default: any RAM region, in the board's order.
   */
  readonly region?: string | undefined;
  /**
   * Heap allocator, a kind of the heap-kind table (`HEAP_KINDS`). Default "tlsf". "heap" is first
   * fit; "slab-array" is a slab per size class over a region manager nested in the heap block
   * (128-byte pages, metadata in the block).
   */
  readonly heap?: HeapKind | undefined;
  /** Size classes of a "slab-array" heap (ascending multiples of 8). Default 16, 32, 64, 128, 256. */
  readonly slabClasses?: readonly number[] | undefined;
  /**
   * Address of the task's code (its entry; checked by an instruction fetch at every resume). It
   * must lie in the board's code memory. With per-task code regions (the default,
   * `KernelOptions.codeIsolation`), the task is granted the 4 KiB code region holding it (its own
   * MPU region, executable, read-only) and no other task's; an address inside another task's
   * code region is refused at spawn (`CODE_NOT_GRANTED`). Default: the task's own 4 KiB slot of
   * the code memory (task n at code base + n x 4 KiB).
   */
  readonly code?: number | undefined;
  /** Partitions it may touch and how. */
  readonly partitions?: Readonly<Record<string, "ro" | "rw">> | undefined;
  /**
   * Message queues it may use and how: `"send"`, `"receive"` or `"both"`. Any other queue (or
   * the other direction) is `EPERM`, so no task can inject messages into another's queue or take
   * its messages. Default: none.
   */
  readonly queues?: Readonly<Record<string, QueueRight>> | undefined;
  /**
   * Semaphores it may use and how: `"give"`, `"take"` or `"both"`. Any other is `EPERM`.
   * Default: none.
   */
  readonly semaphores?: Readonly<Record<string, SemaphoreRight>> | undefined;
  /**
   * Mutexes it may lock (and then unlock), by name: `["bus"]`. Locking any other is `EPERM`; a
   * name the kernel lacks is `UNKNOWN_MUTEX` at spawn. Default: none.
   */
  readonly mutexes?: readonly string[] | undefined;
  /** Peripherals granted (their MPU regions), by role of the device table: "uart", "gpio", "timer", "sensor", "actuator", "dma". */
  readonly devices?: readonly DeviceRole[] | undefined;
  /** Default "stop". */
  readonly faultPolicy?: FaultPolicy | undefined;
  /**
   * Makes the task periodic: a job is released every period (a whole number of ticks) from its
   * spawn; each job ends with `yield* t.nextPeriod()`, which sleeps until the next release. Its
   * response times are measured per job from the release. Default: none.
   */
  readonly period?: Delay | undefined;
  /**
   * Relative deadline of each job (fractional ms allowed): a job that completes later than its
   * release plus this is a missed deadline, as is one cut short by a fault or not completed by
   * then when the statistics are read (`JobStats.missed`). Default: the period for a periodic task, none
   * otherwise (a task without a period is measured per activation: from a wake to its next
   * block, sleep or exit).
   */
  readonly deadline?: Delay | undefined;
  /**
   * This task's watchdog budget in cycles instead of the kernel's `watchdogCycles`: a per-task
   * execution budget, as AUTOSAR OS timing protection gives each task its own, so an untrusted
   * task can be held to far less than the longest legitimate job of the others. 0: none for
   * this task. Default: the kernel's.
   */
  readonly watchdogCycles?: number | undefined;
  /** The task's body: a generator function given the task's {@link TaskContext}, called with `this` undefined. */
  readonly main: TaskMain;
}

/** Memory-checker settings of a kernel. */
export interface KernelMemcheckOptions {
  /** Redzone bytes around heap blocks: a non-negative integer (`BAD_CONFIG` at boot otherwise). Default 16. */
  readonly redzone?: number | undefined;
  /** Bytes of freed blocks held back from reuse: a non-negative integer (`BAD_CONFIG`). Default 4096. */
  readonly quarantineBytes?: number | undefined;
  /** Default "stop-writes". */
  readonly onError?: ErrorPolicy | undefined;
  /**
   * Source sites: reports name the line of the task's code (file:line:column, from the JS stack
   * mapped through source maps) that made the bad access, the allocation and the free; repeats
   * are grouped by that line. Costs a stack capture per syscall. Default false.
   */
  readonly sourceSites?: boolean | SourceSiteOptions | undefined;
  /**
   * Redzone bytes around each local of a call frame (`t.enter(fn)`, a multiple of 8 in 0..256):
   * the checker poisons them, so a write past a local array into its neighbour is a
   * `stack-buffer-overflow`. Default 32, ASan's. Frames grow with it (see `FunctionType.layout`);
   * 0 keeps the plain C layout. A `frames.redzone` set too must agree.
   */
  readonly stackRedzone?: number | undefined;
  /**
   * Whether a returned frame's bytes stay poisoned until the stack reuses them, so an access
   * through a pointer kept to one of its locals is a `stack-use-after-return` (ASan's
   * `detect_stack_use_after_return`, on by default in recent LLVM on Linux). Default true.
   */
  readonly stackUseAfterReturn?: boolean | undefined;
}

/** Everything the kernel boots from. */
export interface KernelOptions {
  /**
   * The board to boot: a built-in, `defineBoard` or `boardFromJson` (`BAD_CONFIG` otherwise); it
   * must declare a `uart` role (the kernel console).
   */
  readonly board: Board;
  /** Region manager PAGE_ORDER. Default 10 (1 KiB pages). */
  readonly pageOrder?: number | undefined;
  /** SysTick rate. Default 1000 Hz. */
  readonly tickHz?: number | undefined;
  /** Memory checker: off (default), on, or on with settings. */
  readonly memcheck?: boolean | KernelMemcheckOptions | undefined;
  /**
   * What an allocation above the largest size a heap syscall takes (16 MiB, `MAX_ALLOC`) does:
   * `"null"` (default) returns 0 (NULL) and, with the checker, files an
   * `allocation-size-too-big` report, as ASan with `allocator_may_return_null`; `"fault"`
   * faults the caller (`BAD_ARGUMENT`, kind `bad-syscall`, with the report attached).
   */
  readonly allocationTooBig?: "null" | "fault" | undefined;
  /**
   * Fault records name the line of the task's code that faulted (`FaultRecord.source`:
   * file:line:column, from the JS stack of the error that stopped it, mapped through source maps
   * when the host has them): for hardware faults the access, for an error the task threw its
   * `throw`; for a fault the kernel finds in a syscall's arguments (a bad pointer, an invalid
   * free), the task's `yield*` of that syscall when syscalls take their JS stack along
   * (`{ syscalls: true }`, or the checker's `sourceSites`). A corrupt saved context found at a
   * switch has none. Options as the checker's `sourceSites` (`root`, `map`, `skip`), and
   * `syscalls` (see {@link FaultSiteOptions}). Costs nothing until a fault, then one read of the
   * error's stack for each fault whose record is kept; `syscalls` costs a stack capture per
   * syscall. Default true (syscalls off).
   */
  readonly faultSites?: boolean | FaultSiteOptions | undefined;
  /** Seed of the simulated sensor noise. Default 1. */
  readonly seed?: number | undefined;
  /** Partitions created at boot, in order (ids 1, 2...). Default none. */
  readonly partitions?: readonly PartitionSpec[] | undefined;
  /** Counting semaphores created at boot, in kernel memory. Default none. */
  readonly semaphores?: readonly SemaphoreSpec[] | undefined;
  /** Mutexes created at boot, in kernel memory (priority inheritance, owner-death recovery). Default none. */
  readonly mutexes?: readonly MutexSpec[] | undefined;
  /** Message queues created at boot, in kernel memory. Default none. */
  readonly queues?: readonly QueueSpec[] | undefined;
  /**
   * Cycles a task may run without giving up the CPU before the watchdog faults it. Default:
   * `WATCHDOG_TICKS` (10) SysTick periods, 1,680,000 cycles (10 ms) on a 168 MHz STM32F407 with a
   * 1 kHz tick: longer than any job of a sound control loop (the flight estimator's filter step
   * is the longest built-in one), short enough that a hung task is stopped within 10 ms, about
   * where a hardware watchdog (an STM32 IWDG, a Zephyr task watchdog channel) would be set. A
   * cooperative kernel cannot preempt, so the other tasks wait up to this long. 0 turns it off.
   */
  readonly watchdogCycles?: number | undefined;
  /**
   * Stop a task at its first memory access (or charged computation) past the watchdog budget,
   * like a watchdog interrupt, so a loop that never yields is caught too (the core's cycle alarm:
   * no cost per access). Default true. False checks the budget only at each syscall, so a task
   * that never makes a request hangs the run. A loop that neither touches simulated memory nor
   * charges computation cannot be stopped: JavaScript cannot interrupt a generator.
   */
  readonly watchdogInterrupt?: boolean | undefined;
  /**
   * How tasks get their code: `"per-task"` (default) grants each task only its own 4 KiB code
   * region, as Tock gives each process its own flash region, so no task can run another's code;
   * `"shared"` grants every task the whole code memory (one shared text, as a FreeRTOS-MPU port
   * without per-task code does: simpler, one MPU region fewer per task, but any task may branch
   * into any other's code).
   */
  readonly codeIsolation?: "per-task" | "shared" | undefined;
  /** Bytes of the image's .data+.bss and the kernel's main stack reserved at the start of RAM. Default 8 KiB. */
  readonly imageSize?: number | undefined;
  /** Bytes of kernel memory (message queues, kernel heap): one block, privileged only, at least 2 KiB (its TLSF heap's control block; `BAD_CONFIG` below). Default 8 KiB. */
  readonly kernelHeapSize?: number | undefined;
  /**
   * The kernel's software costs in cycles (SVC dispatch, context save and restore, scheduling,
   * tick handler), overriding the calibrated `KERNEL_COSTS` field by field. Default: those.
   */
  readonly costs?: { readonly [K in keyof KernelCosts]?: KernelCosts[K] | undefined } | undefined;
  /**
   * Call frames (`t.enter(fn)`): the redzone around each local and an observer told of every call
   * and return. Default: no redzone, no observer, so frames cost what a C compiler's would. With
   * the checker on, the redzone defaults to `memcheck.stackRedzone` (32) and the checker's hooks
   * watch every call before this observer (poison the redzones, catch stack-use-after-return).
   */
  readonly frames?: FrameOptions | undefined;
}
