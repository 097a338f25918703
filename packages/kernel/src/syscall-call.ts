import type { SyscallCall, SyscallOf, SyscallOp, SyscallResults } from "./syscalls.js";

/**
 * One syscall as task code makes it with `yield* t.malloc(...)`: an iterator that yields the
 * request once and returns the kernel's answer, exactly as the generator `syscall(req)` does
 * (the same `next`, `return` and `throw` results, including after it has finished), but one small
 * object per call instead of a generator object and its suspended frame. A context switch is a
 * `yield* t.yield()`: this made it 4% fewer host instructions (docs/benchmarks.md).
 *
 * `started` runs at the first `next()`, when the task's `yield*` starts the call (not when
 * `t.malloc(...)` builds it): the context takes the JS stack of the task's call there, as the
 * generator's body did.
 */
export class SyscallIterator<K extends SyscallOp> implements SyscallCall<K> {
  /** 0: not started; 1: the request is yielded, the answer is awaited; 2: finished. */
  #state = 0;
  readonly #request: SyscallOf<K>;
  readonly #started: () => void;

  /** `started` runs when the call starts. */
  constructor(request: SyscallOf<K>, started: () => void) {
    this.#request = request;
    this.#started = started;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** First call: yields the request. Second: returns `answer`, the kernel's result. Then: done. */
  next(answer?: unknown): IteratorResult<SyscallOf<K>, SyscallResults[K]> {
    if (this.#state === 0) {
      this.#state = 1;
      this.#started();
      return { value: this.#request, done: false };
    }
    if (this.#state === 1) {
      this.#state = 2;
      return { value: answer as SyscallResults[K], done: true };
    }
    // a finished generator's answer
    return { value: undefined as SyscallResults[K], done: true };
  }

  /** Finishes the call (a task being stopped): `{ value, done: true }`. */
  return(value: SyscallResults[K]): IteratorResult<SyscallOf<K>, SyscallResults[K]> {
    this.#state = 2;
    return { value, done: true };
  }

  /** Finishes the call and throws `error` where the task's `yield*` is (it never returns). */
  throw(error: unknown): IteratorResult<SyscallOf<K>, SyscallResults[K]> {
    this.#state = 2;
    throw error;
  }
}
