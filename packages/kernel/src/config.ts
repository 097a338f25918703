import type { Board } from "@rtos-sim/hw";
import type { ErrorPolicy, SourceSiteOptions } from "@rtos-sim/memcheck";
import type { DeviceRole } from "./devices/table.js";
import type { HeapKind } from "./heaps/table.js";
import type { TaskContext } from "./task-context.js";

/** What the kernel does when a task faults (Tock's `ProcessFaultPolicy`). */
export type FaultPolicy =
  /** The task stays faulted; the others go on (default). */
  | "stop"
  /** The task starts again from its entry, its heap emptied and its stack reset. */
  | "restart"
  /** Restart at most `restart` times, then stop. */
  | { readonly restart: number }
  /** The whole system stops (the run ends as "panic"). */
  | "panic";

/** Named memory shared between tasks: one block of 2^k pages, covered by one MPU region. */
export interface PartitionSpec {
  readonly name: string;
  /** Bytes; rounded up to a power of two of at least one page. */
  readonly size: number;
  /** Board memory region to take it from (e.g. "CCM"); default: any. */
  readonly region?: string;
}

/** A counting semaphore. */
export interface SemaphoreSpec {
  readonly name: string;
  /** Default 0. */
  readonly initial?: number;
  /** 1 .. 2^31 - 1 (a word of the control block). Default 2^31 - 1. */
  readonly max?: number;
}

/** A message queue: fixed-size messages copied into kernel memory. */
export interface QueueSpec {
  readonly name: string;
  /** Bytes per message (1..256). */
  readonly messageSize: number;
  /** Messages it holds (1..64). */
  readonly capacity: number;
}

/** A task's body: a generator function yielding syscall requests. */
export type TaskMain = (t: TaskContext) => Generator<unknown, unknown, unknown>;

/** A task as an app describes it. */
export interface TaskSpec {
  readonly name: string;
  /** 0 (lowest) .. 31. Default 1. */
  readonly priority?: number;
  /** Runs privileged (CONTROL.nPRIV = 0). Default false. */
  readonly privileged?: boolean;
  /** Stack bytes including the 32-byte guard; rounded up to a power-of-two block of pages. Default 1 KiB. */
  readonly stackSize?: number;
  /** Heap bytes (TLSF by default), one block covered by one MPU region; 0 for none, else 1 KiB..16 MiB. Default 4 KiB. */
  readonly heapSize?: number;
  /**
   * Heap allocator, a kind of the heap-kind table (`HEAP_KINDS`). Default "tlsf". "heap" is first
   * fit; "slab-array" is a slab per size class over a region manager nested in the heap block
   * (128-byte pages, metadata in the block).
   */
  readonly heap?: HeapKind;
  /** Size classes of a "slab-array" heap (ascending multiples of 8). Default 16, 32, 64, 128, 256. */
  readonly slabClasses?: readonly number[];
  /**
   * Address of the task's code (checked by an instruction fetch at every resume). Default: in the
   * board's code memory (flash), 4 KiB per task. A data address makes the task fault (IACCVIOL).
   */
  readonly code?: number;
  /** Partitions it may touch and how. */
  readonly partitions?: Readonly<Record<string, "ro" | "rw">>;
  /** Peripherals granted (their MPU regions), by role of the device table: "uart", "gpio", "timer", "sensor", "actuator". */
  readonly devices?: readonly DeviceRole[];
  /** Default "stop". */
  readonly faultPolicy?: FaultPolicy;
  readonly main: TaskMain;
}

/** Memory-checker settings of a kernel. */
export interface KernelMemcheckOptions {
  /** Redzone bytes around heap blocks. Default 16. */
  readonly redzone?: number;
  /** Bytes of freed blocks held back from reuse. Default 4096. */
  readonly quarantineBytes?: number;
  /** Default "stop-writes". */
  readonly onError?: ErrorPolicy;
  /**
   * Source sites: reports name the line of the task's code (file:line:column, from the JS stack
   * mapped through source maps) that made the bad access, the allocation and the free; repeats
   * are grouped by that line. Costs a stack capture per syscall. Default false.
   */
  readonly sourceSites?: boolean | SourceSiteOptions;
}

/** Everything the kernel boots from. */
export interface KernelOptions {
  readonly board: Board;
  /** Region manager PAGE_ORDER. Default 10 (1 KiB pages). */
  readonly pageOrder?: number;
  /** SysTick rate. Default 1000 Hz. */
  readonly tickHz?: number;
  /** Memory checker: off (default), on, or on with settings. */
  readonly memcheck?: boolean | KernelMemcheckOptions;
  /**
   * What an allocation above the largest size a heap syscall takes (16 MiB, `MAX_ALLOC`) does:
   * `"null"` (default) returns 0 (NULL) and, with the checker, files an
   * `allocation-size-too-big` report, as ASan with `allocator_may_return_null`; `"fault"`
   * faults the caller (`BAD_ARGUMENT`, kind `bad-syscall`, with the report attached).
   */
  readonly allocationTooBig?: "null" | "fault";
  /** Seed of the simulated sensor noise. Default 1. */
  readonly seed?: number;
  readonly partitions?: readonly PartitionSpec[];
  readonly semaphores?: readonly SemaphoreSpec[];
  readonly queues?: readonly QueueSpec[];
  /**
   * Cycles a task may run without giving up the CPU before the watchdog faults it (checked at
   * each syscall, and at each memory access with `watchdogInterrupt`). Default 2,000,000; 0 turns
   * the watchdog off.
   */
  readonly watchdogCycles?: number;
  /**
   * Also stop a task at its first memory access past the watchdog budget (an access hook, like a
   * watchdog interrupt), so a loop that never yields is caught too. Costs a hook call on every
   * access of every task (and bypasses the memory checker's fast filter). Default false: the
   * budget is checked at each syscall, so a task that loops without yielding is stopped at its
   * next request, and one that never makes a request hangs the run.
   */
  readonly watchdogInterrupt?: boolean;
  /** Bytes of the image's .data+.bss and the kernel's main stack reserved at the start of RAM. Default 8 KiB. */
  readonly imageSize?: number;
  /** Bytes of kernel memory (message queues, kernel heap): one block, privileged only. Default 8 KiB. */
  readonly kernelHeapSize?: number;
}
