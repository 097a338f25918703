/**
 * The syscall interface of a task: per op, the request's fields ({@link SyscallRequests}) and
 * the result ({@link SyscallResults}). A task yields plain request objects (the {@link sys}
 * builders make them); `yield* t.malloc(64)` (or `yield* syscall(sys.malloc(64))`) yields one
 * and gives back its result with its type. The kernel validates every field, and every pointer
 * against the task's own view of memory, before acting.
 *
 * @example
 * ```ts
 * function* sensor(t: TaskContext) {
 *   const p = yield* t.malloc(64); // number: an address in the task's heap, or 0
 *   t.write32(p, 42);
 *   yield* t.sleep({ ms: 10 });
 *   yield* t.free(p);
 * }
 * ```
 */
import { plainRequest, type TIMEOUT } from "@rtos-sim/sched";

/** A relative time: SysTick ticks or milliseconds (rounded up to whole ticks). */
export type Delay = { readonly ticks: number } | { readonly ms: number };

/** The scheduler's `TIMEOUT` symbol: what a blocking syscall returns when its wait timed out. */
export type Timeout = typeof TIMEOUT;

/** A request without fields. */
export type NoFields = Readonly<Record<never, never>>;

/** The fields of every syscall's request, by op (the `op` field is added by {@link SyscallOf}). */
export interface SyscallRequests {
  yield: NoFields;
  sleep: Delay;
  malloc: { readonly size: number; readonly align?: number; readonly label?: string };
  calloc: { readonly n: number; readonly size: number; readonly label?: string };
  free: { readonly ptr: number; readonly label?: string };
  realloc: { readonly ptr: number; readonly size: number; readonly label?: string };
  "sem-take": { readonly sem: string; readonly timeout?: Delay };
  "sem-give": { readonly sem: string };
  send: { readonly queue: string; readonly ptr: number; readonly length: number };
  receive: { readonly queue: string; readonly ptr: number; readonly length: number; readonly timeout?: Delay };
  print: { readonly ptr: number; readonly length: number };
  grant: { readonly partition: string; readonly task: string; readonly access: "ro" | "rw" };
  info: NoFields;
  exit: { readonly code?: number };
  "next-period": NoFields;
}

/** The name of a syscall (the `op` field). */
export type SyscallOp = keyof SyscallRequests;

/** The request object of one syscall: `{ op, ...fields }`. */
export type SyscallOf<K extends SyscallOp> = K extends SyscallOp ? { readonly op: K } & SyscallRequests[K] : never;

/** Every request a task can yield. */
export type Syscall = SyscallOf<SyscallOp>;

/**
 * Negative results of syscalls (0 is success; `malloc` returns an address or 0).
 * A timed wait that expires resumes the task with the scheduler's `TIMEOUT` symbol instead.
 */
export const Errno = {
  OK: 0,
  /** Not permitted (e.g. granting a partition the caller does not hold read-write). */
  EPERM: -1,
  /** No such partition or task. */
  ENOENT: -2,
  /** Queue full (sends never block). */
  EAGAIN: -11,
  /** Out of memory. */
  ENOMEM: -12,
  /** Count at its maximum. */
  EOVERFLOW: -75,
  /** No MPU region left for a grant. */
  ENOSPC: -28,
} as const;

/** One of the {@link Errno} values, by name: `ErrnoOf<"ENOENT">` is `-2`. */
export type ErrnoOf<N extends keyof typeof Errno> = (typeof Errno)[N];

/** What `info` returns. */
export interface TaskInfo {
  readonly id: number;
  readonly name: string;
  readonly priority: number;
  readonly privileged: boolean;
  readonly stack: { readonly base: number; readonly top: number; readonly sp: number };
  /** Simulated time in milliseconds. */
  readonly now: number;
}

/** The result of every syscall, by op (what the task's `yield` evaluates to). */
export interface SyscallResults {
  yield: undefined;
  sleep: undefined;
  /** An address in the task's heap, or 0 (out of memory, size 0, no heap, too big). */
  malloc: number;
  /** The address of `n * size` zeroed bytes, or 0 (as malloc, or `n * size` above 32 bits). */
  calloc: number;
  free: ErrnoOf<"OK">;
  /** The new address, or 0 (out of memory, or `realloc(p, 0)`). */
  realloc: number;
  "sem-take": ErrnoOf<"OK" | "EPERM"> | Timeout;
  "sem-give": ErrnoOf<"OK" | "EPERM" | "EOVERFLOW">;
  send: ErrnoOf<"OK" | "EAGAIN" | "EPERM">;
  /** Bytes received, `Errno.EPERM`, or `TIMEOUT`. */
  receive: number | Timeout;
  /** The length printed. */
  print: number;
  grant: ErrnoOf<"OK" | "EPERM" | "ENOENT" | "ENOSPC">;
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
  [Symbol.iterator](): SyscallCall<K>;
}

/**
 * Makes one syscall from a plain request, typed by its op: `yield* syscall(req)` yields `req`
 * and returns what the kernel answered. The kernel's handler table is typed by
 * {@link SyscallResults}, which is what makes this the one place the answer is typed.
 *
 * @example
 * ```ts
 * const req = big ? sys.malloc(1024, 64) : sys.malloc(64);
 * const p = yield* syscall(req); // number
 * ```
 */
export function* syscall<R extends Syscall>(request: R): Generator<R, SyscallResults[R["op"]], unknown> {
  return (yield request) as SyscallResults[R["op"]];
}

/** Builders for syscall requests (plain objects; `yield` them, or use `yield* t.xxx(...)` for typed results). */
export const sys = {
  yield: (): SyscallOf<"yield"> => YIELD,
  sleep: (delay: Delay): SyscallOf<"sleep"> =>
    "ticks" in delay ? { op: "sleep", ticks: delay.ticks } : { op: "sleep", ms: delay.ms },
  malloc: (size: number, align?: number, label?: string): SyscallOf<"malloc"> => ({ op: "malloc", size, align, label }),
  calloc: (n: number, size: number, label?: string): SyscallOf<"calloc"> => ({ op: "calloc", n, size, label }),
  free: (ptr: number, label?: string): SyscallOf<"free"> => ({ op: "free", ptr, label }),
  realloc: (ptr: number, size: number, label?: string): SyscallOf<"realloc"> => ({ op: "realloc", ptr, size, label }),
  semTake: (sem: string, timeout?: Delay): SyscallOf<"sem-take"> => ({ op: "sem-take", sem, timeout }),
  semGive: (sem: string): SyscallOf<"sem-give"> => ({ op: "sem-give", sem }),
  send: (queue: string, ptr: number, length: number): SyscallOf<"send"> => ({ op: "send", queue, ptr, length }),
  receive: (queue: string, ptr: number, length: number, timeout?: Delay): SyscallOf<"receive"> => ({
    op: "receive",
    queue,
    ptr,
    length,
    timeout,
  }),
  print: (ptr: number, length: number): SyscallOf<"print"> => ({ op: "print", ptr, length }),
  grant: (partition: string, task: string, access: "ro" | "rw"): SyscallOf<"grant"> => ({
    op: "grant",
    partition,
    task,
    access,
  }),
  info: (): SyscallOf<"info"> => INFO,
  exit: (code = 0): SyscallOf<"exit"> => ({ op: "exit", code }),
  nextPeriod: (): SyscallOf<"next-period"> => NEXT_PERIOD,
} as const;

// Built once as plain frozen data (the dispatcher then takes them without copying them again).
const YIELD = plainRequest<SyscallOf<"yield">>({ op: "yield" });
const INFO = plainRequest<SyscallOf<"info">>({ op: "info" });
const NEXT_PERIOD = plainRequest<SyscallOf<"next-period">>({ op: "next-period" });
