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
 * generator's body did. `ended` (optional) runs when the call is resumed or finished after it
 * started (its answer, a `return` or a `throw`): the context forgets the stack there, so a
 * request the kernel never saw (a `yield` or `sleep` the scheduler carries out itself) leaves
 * no capture for a later request the task yields without a call (a bare `yield { op: ... }`) to
 * be named by.
 */
export class SyscallIterator<K extends SyscallOp> implements SyscallCall<K> {
  /** 0: not started; 1: the request is yielded, the answer is awaited; 2: finished. */
  #state = 0;
  readonly #request: SyscallOf<K>;
  readonly #started: () => void;
  readonly #ended: (() => void) | undefined;

  /** `started` runs when the call starts, `ended` when it is resumed or finished after that. */
  constructor(request: SyscallOf<K>, started: () => void, ended?: () => void) {
    this.#request = request;
    this.#started = started;
    this.#ended = ended;
  }

  /** The call, started, ends: `ended` runs once. */
  #end(): void {
    const was = this.#state;
    this.#state = 2;
    if (was === 1) this.#ended?.();
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
      this.#end();
      return { value: answer as SyscallResults[K], done: true };
    }
    // a finished generator's answer
    return { value: undefined as SyscallResults[K], done: true };
  }

  /** Finishes the call (a task being stopped): `{ value, done: true }`. */
  return(value: SyscallResults[K]): IteratorResult<SyscallOf<K>, SyscallResults[K]> {
    this.#end();
    return { value, done: true };
  }

  /** Finishes the call and throws `error` where the task's `yield*` is (it never returns). */
  throw(error: unknown): IteratorResult<SyscallOf<K>, SyscallResults[K]> {
    this.#end();
    throw error;
  }
}
