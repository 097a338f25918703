import { plainRequest, type TIMEOUT } from "@rtos-sim/sched";
import { KernelError } from "./errors.js";

/** A relative time: SysTick ticks or milliseconds (rounded up to whole ticks). */
export type Delay =
  | {
      /** SysTick ticks: an integer >= 0 (the tick rate is `KernelOptions.tickHz`). */
      readonly ticks: number;
    }
  | {
      /** Milliseconds >= 0, fractional allowed; a wait rounds it up to whole ticks. */
      readonly ms: number;
    };

/** The scheduler's `TIMEOUT` symbol: what a blocking syscall returns when its wait timed out. */
export type Timeout = typeof TIMEOUT;

/** A request without fields. */
export type NoFields = Readonly<Record<never, never>>;

/**
 * The fields of every syscall's request, by op (the `op` field is added by {@link SyscallOf}):
 * with the result per op ({@link SyscallResults}), the syscall interface of a task. A task
 * yields plain request objects (the {@link sys} builders make them); `yield* t.malloc(64)` (or
 * `yield* syscall(sys.malloc(64))`) yields one and gives back its result with its type. The kernel validates every field, and every pointer
 * against the task's own view of memory, before acting.
 *
 * @example
 * ```ts
 * import type { TaskContext } from "@rtos-sim/kernel";
 * function* sensor(t: TaskContext) {
 *   const p = yield* t.malloc(64); // number: an address in the task's heap, or 0
 *   t.write32(p, 42);
 *   yield* t.sleep({ ms: 10 });
 *   yield* t.free(p);
 * }
 * ```
 */
export interface SyscallRequests {
  /** Gives up the CPU; the caller stays ready (carried out by the scheduler, not the kernel's handlers). */
  yield: NoFields;
  /** Blocks the caller for a delay, rounded up to whole ticks (carried out by the scheduler). */
  sleep: Delay;
  /** A block of the caller's heap. */
  malloc: {
    /** Bytes: an integer in [0, 2^32 - 1]; 0 returns 0, above 16 MiB see `KernelOptions.allocationTooBig`. */
    readonly size: number;
    /** Alignment in bytes: a power of two in [1, 1024]. Default 8. */
    readonly align?: number | undefined;
    /** Call-site name shown in the memory checker's reports. */
    readonly label?: string | undefined;
  };
  /** `n * size` zeroed bytes of the caller's heap. */
  calloc: {
    /** Element count: an integer in [0, 2^32 - 1]. */
    readonly n: number;
    /** Bytes per element: an integer in [0, 2^32 - 1] (a product above 32 bits returns 0). */
    readonly size: number;
    /** Call-site name shown in the memory checker's reports. */
    readonly label?: string | undefined;
  };
  /** Frees a live block of the caller's heap. */
  free: {
    /** Address a heap syscall returned, or 0 (a no-op); anything else faults the caller. */
    readonly ptr: number;
    /** Call-site name shown in the memory checker's reports. */
    readonly label?: string | undefined;
  };
  /** Resizes a live block of the caller's heap (C `realloc`). */
  realloc: {
    /** A live block of the caller's heap, or 0 (then it is `malloc(size)`). */
    readonly ptr: number;
    /** New size in bytes: an integer in [0, 2^32 - 1]; 0 frees `ptr` and returns 0. */
    readonly size: number;
    /** Call-site name shown in the memory checker's reports. */
    readonly label?: string | undefined;
  };
  /** Takes one unit of a counting semaphore, blocking while its count is 0. */
  "sem-take": {
    /** Semaphore name (1-64 characters); the caller needs the `take` right (`TaskSpec.semaphores`). */
    readonly sem: string;
    /** Longest wait; absent: wait forever. */
    readonly timeout?: Delay | undefined;
  };
  /** Gives one unit of a counting semaphore (to a blocked taker, else to the count). */
  "sem-give": {
    /** Semaphore name (1-64 characters); the caller needs the `give` right (`TaskSpec.semaphores`). */
    readonly sem: string;
  };
  /** Locks a mutex, blocking while another task owns it (its owner inherits the caller's priority meanwhile). */
  "mutex-lock": {
    /** Mutex name (1-64 characters); the caller needs it in `TaskSpec.mutexes`. */
    readonly mutex: string;
    /** Longest wait; absent: wait forever; zero: poll. */
    readonly timeout?: Delay | undefined;
  };
  /** Unlocks a mutex the caller owns: the highest-priority waiter becomes its owner. */
  "mutex-unlock": {
    /** Mutex name (1-64 characters); the caller needs it in `TaskSpec.mutexes`. */
    readonly mutex: string;
  };
  /** Copies a message into a queue (never blocks). */
  send: {
    /** Queue name (1-64 characters); the caller needs the `send` right (`TaskSpec.queues`). */
    readonly queue: string;
    /** Address of the message in memory the caller may read itself. */
    readonly ptr: number;
    /** Message bytes: 0 up to the queue's `messageSize` (at most 256). */
    readonly length: number;
  };
  /** Copies the oldest message of a queue into the caller's buffer, blocking while the queue is empty. */
  receive: {
    /** Queue name (1-64 characters); the caller needs the `receive` right (`TaskSpec.queues`). */
    readonly queue: string;
    /** Address of the buffer, in memory the caller may write itself. */
    readonly ptr: number;
    /** Buffer bytes: 0..4096; a longer message is truncated to it. */
    readonly length: number;
    /** Longest wait; absent: wait forever. */
    readonly timeout?: Delay | undefined;
  };
  /** Writes bytes of the caller's memory to its output, one `uart` event per line. */
  print: {
    /** Address of the text (Latin-1 bytes), in memory the caller may read itself. */
    readonly ptr: number;
    /** Bytes: 0..256. */
    readonly length: number;
  };
  /**
   * Copies memory with the DMA on the caller's behalf (memory to memory, DMA2 stream 0), after
   * checking both buffers against the caller's own view and the DMA's reach; returns once the
   * transfer is over.
   */
  "dma-copy": {
    /** Destination address, in memory the caller may write itself. */
    readonly dst: number;
    /** Source address, in memory the caller may read itself. */
    readonly src: number;
    /** Bytes: 0..65535, or up to 262140 when `dst`, `src` and `length` are multiples of 4 (words). */
    readonly length: number;
  };
  /** Grants a partition to a task at run time, in that task's MPU plan. */
  grant: {
    /** Partition name (1-64 characters); an unprivileged caller must hold it read-write. */
    readonly partition: string;
    /** Name of the task that gets it (the caller itself allowed). */
    readonly task: string;
    /** `"ro"` read-only or `"rw"` read-write; replaces an earlier grant of the partition to that task. */
    readonly access: "ro" | "rw";
  };
  /** The caller's own {@link TaskInfo}. */
  info: NoFields;
  /** Stops the caller for good (its fault policy does not apply: it did not fault). */
  exit: {
    /** Exit code: an integer in [-2^31, 2^32 - 1]. Default 0; not kept by the kernel. */
    readonly code?: number | undefined;
  };
  /** Ends a periodic task's job and sleeps until its next release (`TaskSpec.period`). */
  "next-period": NoFields;
}

/** The name of a syscall (the `op` field). */
export type SyscallOp = keyof SyscallRequests;

/** The request object of one syscall: `{ op, ...fields }`. */
export type SyscallOf<K extends SyscallOp> = K extends SyscallOp
  ? {
      /** The syscall's name: which handler runs it. */
      readonly op: K;
    } & SyscallRequests[K]
  : never;

/** Every request a task can yield. */
export type Syscall = SyscallOf<SyscallOp>;

/**
 * Negative results of syscalls (0 is success; `malloc` returns an address or 0).
 * A timed wait that expires resumes the task with the scheduler's `TIMEOUT` symbol instead.
 */
export const Errno = {
  /** Success. */
  OK: 0,
  /** Not permitted (e.g. granting a partition the caller does not hold read-write). */
  EPERM: -1,
  /** No such partition or task. */
  ENOENT: -2,
  /** A transfer error: the DMA's bus refused a beat (`dma-copy`). */
  EIO: -5,
  /** An address the device cannot reach (`dma-copy`: memory out of the DMA's reach, e.g. the STM32F407's CCM). */
  ENXIO: -6,
  /** A buffer the caller may not access itself (`dma-copy`: by its MPU view, or a freed block with the checker). */
  EFAULT: -14,
  /** The device is in use (`dma-copy`: the DMA's stream is enabled, by the kernel or by a task granted it). */
  EBUSY: -16,
  /** No such device on this board (`dma-copy` on a board without a `dma` role). */
  ENODEV: -19,
  /** An invalid combination of arguments (`dma-copy`: overlapping buffers, too many items). */
  EINVAL: -22,
  /** Queue full (sends never block). */
  EAGAIN: -11,
  /** Out of memory. */
  ENOMEM: -12,
  /** Count at its maximum. */
  EOVERFLOW: -75,
  /** No MPU region left for a grant. */
  ENOSPC: -28,
  /** Locking a mutex the caller owns already (mutexes are not recursive). */
  EDEADLK: -35,
  /**
   * The mutex was locked, but its previous owner ended holding it (faulted, exited, was killed
   * or restarted): the state it protects may be half-updated (POSIX robust mutexes' `EOWNERDEAD`).
   */
  EOWNERDEAD: -130,
} as const;

/** One of the {@link Errno} values, by name: `ErrnoOf<"ENOENT">` is `-2`. */
export type ErrnoOf<N extends keyof typeof Errno> = (typeof Errno)[N];

/** What `info` returns. */
export interface TaskInfo {
  /** Task id: 1-based, in spawn order. */
  readonly id: number;
  /** Task name (`TaskSpec.name`). */
  readonly name: string;
  /** Base priority: 0 (lowest) .. 31 (`TaskSpec.priority`; while it owns a mutex others wait for, it runs higher). */
  readonly priority: number;
  /**
   * The priority it runs at now: its base priority, raised to the highest waiter's while it owns
   * a mutex others wait for (priority inheritance); FreeRTOS's `uxTaskPriorityGet`.
   */
  readonly effectivePriority: number;
  /** Whether the task runs privileged (CONTROL.nPRIV = 0). */
  readonly privileged: boolean;
  /** The task's stack block and stack pointer (addresses). */
  readonly stack: {
    /** Lowest address of the stack block: the 32-byte stack guard starts here. */
    readonly base: number;
    /** One past the block's highest byte: the initial SP (the stack grows down from it). */
    readonly top: number;
    /** The task's SP (PSP) when it made the call; its exception frame lies below it. */
    readonly sp: number;
  };
  /** Simulated time in milliseconds. */
  readonly now: number;
}

/** The result of every syscall, by op (what the task's `yield` evaluates to). */
export interface SyscallResults {
  /** Nothing. */
  yield: undefined;
  /** Nothing (the task resumes once the delay has passed). */
  sleep: undefined;
  /** An address in the task's heap, or 0 (out of memory, size 0, no heap, too big). */
  malloc: number;
  /** The address of `n * size` zeroed bytes, or 0 (as malloc, or `n * size` above 32 bits). */
  calloc: number;
  /** `Errno.OK` (a pointer that is not a live block faults the caller instead). */
  free: ErrnoOf<"OK">;
  /** The new address, or 0 (out of memory, or `realloc(p, 0)`). */
  realloc: number;
  /** `OK` (a unit taken, at once or from a give), `EPERM` (the caller has no `take` right to it), or `TIMEOUT`. */
  "sem-take": ErrnoOf<"OK" | "EPERM"> | Timeout;
  /** `OK`, `EOVERFLOW` (the count is at its maximum), or `EPERM` (the caller has no `give` right to it). */
  "sem-give": ErrnoOf<"OK" | "EPERM" | "EOVERFLOW">;
  /**
   * `OK` (locked, at once or handed over by an unlock), `EOWNERDEAD` (locked, but the previous
   * owner ended holding it), `EDEADLK` (the caller owns it already), `EPERM` (not in its
   * `TaskSpec.mutexes`), or `TIMEOUT`.
   */
  "mutex-lock": ErrnoOf<"OK" | "EOWNERDEAD" | "EDEADLK" | "EPERM"> | Timeout;
  /** `OK` (released, or handed to the highest-priority waiter), or `EPERM` (not in its `TaskSpec.mutexes`). */
  "mutex-unlock": ErrnoOf<"OK" | "EPERM">;
  /** `OK` (queued, or handed to a blocked receiver), `EAGAIN` (queue full), or `EPERM` (no `send` right to it). */
  send: ErrnoOf<"OK" | "EAGAIN" | "EPERM">;
  /** Bytes received, `Errno.EPERM`, or `TIMEOUT`. */
  receive: number | Timeout;
  /** The length printed. */
  print: number;
  /**
   * `OK` (copied), `ENODEV` (no DMA), `EINVAL` (overlapping buffers, or more than 65535 items),
   * `EFAULT` (a buffer outside the caller's view), `ENXIO` (a buffer out of the DMA's reach),
   * `EBUSY` (the stream is in use), or `EIO` (a transfer error).
   */
  "dma-copy": ErrnoOf<"OK" | "ENODEV" | "EINVAL" | "EFAULT" | "ENXIO" | "EBUSY" | "EIO">;
  /**
   * `OK`, `ENOENT` (no such partition or task), `EPERM` (an unprivileged caller does not hold the
   * partition read-write, or would lower another task's read-write grant), or `ENOSPC` (no MPU
   * region left in the target's plan).
   */
  grant: ErrnoOf<"OK" | "EPERM" | "ENOENT" | "ENOSPC">;
  /** The caller's id, name, priority, privilege, stack and the time. */
  info: TaskInfo;
  /** Never returns: the task stops. */
  exit: never;
  /** Releases of the task already past when its job ended (0: on time). */
  "next-period": number;
}

/** The result of one syscall. */
export type SyscallResult<K extends SyscallOp> = SyscallResults[K];

/**
 * A syscall as task code makes it (`yield* t.malloc(64)`): an iterator that yields the request
 * once and returns the kernel's answer, with a generator's `next`, `return` and `throw`. The
 * task context's calls are small iterators, not generator objects.
 */
export interface SyscallCall<K extends SyscallOp> extends IterableIterator<SyscallOf<K>, SyscallResults[K], unknown> {
  /** First call: yields the request; second: returns `answer` (the kernel's result); then `{ done: true }`. */
  next(answer?: unknown): IteratorResult<SyscallOf<K>, SyscallResults[K]>;
  /** Finishes the call: `{ value, done: true }`. */
  return(value: SyscallResults[K]): IteratorResult<SyscallOf<K>, SyscallResults[K]>;
  /** Finishes the call, throwing `error` where the task's `yield*` is (it never returns a result). */
  throw(error: unknown): IteratorResult<SyscallOf<K>, SyscallResults[K]>;
  /** The call itself (an iterator is its own iterable: what lets `yield*` take it). */
  [Symbol.iterator](): SyscallCall<K>;
}

/**
 * Makes one syscall from a plain request, typed by its op: `yield* syscall(req)` yields `req`
 * and returns what the kernel answered. The kernel's handler table is typed by
 * {@link SyscallResults}, which is what makes this the one place the answer is typed.
 *
 * @example
 * ```ts
 * import { sys, syscall, type TaskContext } from "@rtos-sim/kernel";
 * function* buffer(t: TaskContext, big: boolean) {
 *   const req = big ? sys.malloc(1024, 64) : sys.malloc(64);
 *   const p = yield* syscall(req); // number
 *   if (p !== 0) yield* t.free(p);
 * }
 * ```
 */
export function* syscall<R extends Syscall>(request: R): Generator<R, SyscallResults[R["op"]], unknown> {
  return (yield request) as SyscallResults[R["op"]];
}

/** Builders for syscall requests (plain objects; `yield` them, or use `yield* t.xxx(...)` for typed results). */
export const sys = {
  /** `{ op: "yield" }` (one shared frozen object). */
  yield: (): SyscallOf<"yield"> => YIELD,
  /**
   * `{ op: "sleep", ticks }` or `{ op: "sleep", ms }`. A delay that is not an object is
   * `BAD_ARGUMENT` (it was a TypeError of the `in` test); its fields are checked by the scheduler.
   */
  sleep: (delay: Delay): SyscallOf<"sleep"> => {
    if (typeof delay !== "object" || delay === null) {
      throw new KernelError("BAD_ARGUMENT", "sleep: delay must be { ms } or { ticks }", {
        op: "sleep",
        field: "delay",
        value: typeof delay === "number" ? delay : delay === null ? "null" : typeof delay,
      });
    }
    return "ticks" in delay ? { op: "sleep", ticks: delay.ticks } : { op: "sleep", ms: delay.ms };
  },
  /** `{ op: "malloc", size, align, label }` (the kernel's default align is 8). */
  malloc: (size: number, align?: number, label?: string): SyscallOf<"malloc"> => ({ op: "malloc", size, align, label }),
  /** `{ op: "calloc", n, size, label }`. */
  calloc: (n: number, size: number, label?: string): SyscallOf<"calloc"> => ({ op: "calloc", n, size, label }),
  /** `{ op: "free", ptr, label }`. */
  free: (ptr: number, label?: string): SyscallOf<"free"> => ({ op: "free", ptr, label }),
  /** `{ op: "realloc", ptr, size, label }`. */
  realloc: (ptr: number, size: number, label?: string): SyscallOf<"realloc"> => ({ op: "realloc", ptr, size, label }),
  /** `{ op: "sem-take", sem, timeout }` (no timeout: wait forever). */
  semTake: (sem: string, timeout?: Delay): SyscallOf<"sem-take"> => ({ op: "sem-take", sem, timeout }),
  /** `{ op: "sem-give", sem }`. */
  semGive: (sem: string): SyscallOf<"sem-give"> => ({ op: "sem-give", sem }),
  /** `{ op: "mutex-lock", mutex, timeout }` (no timeout: wait forever). */
  mutexLock: (mutex: string, timeout?: Delay): SyscallOf<"mutex-lock"> => ({ op: "mutex-lock", mutex, timeout }),
  /** `{ op: "mutex-unlock", mutex }`. */
  mutexUnlock: (mutex: string): SyscallOf<"mutex-unlock"> => ({ op: "mutex-unlock", mutex }),
  /** `{ op: "send", queue, ptr, length }`. */
  send: (queue: string, ptr: number, length: number): SyscallOf<"send"> => ({ op: "send", queue, ptr, length }),
  /** `{ op: "receive", queue, ptr, length, timeout }` (no timeout: wait forever). */
  receive: (queue: string, ptr: number, length: number, timeout?: Delay): SyscallOf<"receive"> => ({
    op: "receive",
    queue,
    ptr,
    length,
    timeout,
  }),
  /** `{ op: "print", ptr, length }`. */
  print: (ptr: number, length: number): SyscallOf<"print"> => ({ op: "print", ptr, length }),
  /** `{ op: "dma-copy", dst, src, length }`. */
  dmaCopy: (dst: number, src: number, length: number): SyscallOf<"dma-copy"> => ({ op: "dma-copy", dst, src, length }),
  /** `{ op: "grant", partition, task, access }`. */
  grant: (partition: string, task: string, access: "ro" | "rw"): SyscallOf<"grant"> => ({
    op: "grant",
    partition,
    task,
    access,
  }),
  /** `{ op: "info" }` (one shared frozen object). */
  info: (): SyscallOf<"info"> => INFO,
  /** `{ op: "exit", code }`, code 0 by default. */
  exit: (code = 0): SyscallOf<"exit"> => ({ op: "exit", code }),
  /** `{ op: "next-period" }` (one shared frozen object). */
  nextPeriod: (): SyscallOf<"next-period"> => NEXT_PERIOD,
} as const;

// Built once as plain frozen data (the dispatcher then takes them without copying them again).
const YIELD = plainRequest<SyscallOf<"yield">>({ op: "yield" });
const INFO = plainRequest<SyscallOf<"info">>({ op: "info" });
const NEXT_PERIOD = plainRequest<SyscallOf<"next-period">>({ op: "next-period" });
