/**
 * Syscall requests: the plain objects a task's generator yields. The kernel validates every
 * field (and every pointer against the task's own view of memory) before acting.
 *
 * @example
 * ```ts
 * function* sensor(t: TaskContext) {
 *   const p = (yield sys.malloc(64)) as number;
 *   t.write32(p, 42);
 *   yield sys.sleep({ ms: 10 });
 *   yield sys.free(p);
 * }
 * ```
 */

/** A relative time: SysTick ticks or milliseconds (rounded up to whole ticks). */
export type Delay = { readonly ticks: number } | { readonly ms: number };

/** Every request a task can yield. */
export type Syscall =
  | { readonly op: "yield" }
  | { readonly op: "sleep"; readonly ticks: number }
  | { readonly op: "sleep"; readonly ms: number }
  | { readonly op: "malloc"; readonly size: number; readonly align?: number; readonly label?: string }
  | { readonly op: "free"; readonly ptr: number }
  | { readonly op: "realloc"; readonly ptr: number; readonly size: number }
  | { readonly op: "sem-take"; readonly sem: string; readonly timeout?: Delay }
  | { readonly op: "sem-give"; readonly sem: string }
  | {
      readonly op: "send";
      readonly queue: string;
      readonly ptr: number;
      readonly length: number;
      readonly timeout?: Delay;
    }
  | {
      readonly op: "receive";
      readonly queue: string;
      readonly ptr: number;
      readonly length: number;
      readonly timeout?: Delay;
    }
  | { readonly op: "print"; readonly ptr: number; readonly length: number }
  | { readonly op: "grant"; readonly partition: string; readonly task: string; readonly access: "ro" | "rw" }
  | { readonly op: "info" }
  | { readonly op: "exit"; readonly code?: number };

/** The name of a syscall (the `op` field). */
export type SyscallOp = Syscall["op"];

/**
 * Negative results of syscalls (0 is success; `malloc` returns an address or 0).
 * A timed wait that expires resumes the task with the scheduler's `TIMEOUT` symbol instead.
 */
export const Errno = {
  OK: 0,
  /** Not permitted (e.g. granting a partition the caller does not hold read-write). */
  EPERM: -1,
  /** No such semaphore, queue, partition or task. */
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

/** Builders for syscall requests (plain objects; `yield` them). */
export const sys = {
  yield: (): Syscall => YIELD,
  sleep: (delay: Delay): Syscall =>
    "ticks" in delay ? { op: "sleep", ticks: delay.ticks } : { op: "sleep", ms: delay.ms },
  malloc: (size: number, align?: number, label?: string): Syscall => ({ op: "malloc", size, align, label }),
  free: (ptr: number): Syscall => ({ op: "free", ptr }),
  realloc: (ptr: number, size: number): Syscall => ({ op: "realloc", ptr, size }),
  semTake: (sem: string, timeout?: Delay): Syscall => ({ op: "sem-take", sem, timeout }),
  semGive: (sem: string): Syscall => ({ op: "sem-give", sem }),
  send: (queue: string, ptr: number, length: number, timeout?: Delay): Syscall => ({
    op: "send",
    queue,
    ptr,
    length,
    timeout,
  }),
  receive: (queue: string, ptr: number, length: number, timeout?: Delay): Syscall => ({
    op: "receive",
    queue,
    ptr,
    length,
    timeout,
  }),
  print: (ptr: number, length: number): Syscall => ({ op: "print", ptr, length }),
  grant: (partition: string, task: string, access: "ro" | "rw"): Syscall => ({ op: "grant", partition, task, access }),
  info: (): Syscall => INFO,
  exit: (code = 0): Syscall => ({ op: "exit", code }),
} as const;

const YIELD: Syscall = Object.freeze({ op: "yield" });
const INFO: Syscall = Object.freeze({ op: "info" });
