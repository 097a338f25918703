import type { TaskContext } from "./task-context.js";

/** A task's `main` as the kernel calls it: with its context, `this` undefined. */
type Main = (this: undefined, t: TaskContext) => unknown;

/** A task program's step, as the scheduler's dispatcher makes it (its result is the task's object, read in the step). */
type Program = {
  next(value?: unknown): IteratorResult<never, unknown>;
  return(value?: unknown): IteratorResult<never, unknown>;
  throw(error?: unknown): IteratorResult<never, unknown>;
};

/**
 * A task's program that calls its `main` at the task's first step, not when the scheduler asks
 * for the program (at spawn, inside the kernel's own work, and at a restart, inside the fault
 * handler): a `main` is task code, and a plain function returning a generator runs its body at
 * the call. Called in the step, that body runs as the rest of the task does, in Thread mode with
 * the task's privilege, actor and MPU plan, after the exception return; a fault it takes is the
 * task's, through the same path as any other access of its code.
 *
 * Afterwards every `next`, `return` and `throw` goes to what `main` returned, as the task's own
 * program would take it (a `main` that returned no iterator is a TypeError of the task's step).
 * Before the first step, `return` and `throw` finish the program without calling `main`, as they
 * finish a generator that never started.
 */
export class TaskStart {
  readonly #main: Main;
  readonly #ctx: TaskContext;
  #program: Program | null = null;
  /** Finished before it started (a stop or a throw before the first step). */
  #finished = false;

  constructor(main: Main, ctx: TaskContext) {
    this.#main = main;
    this.#ctx = ctx;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** The task's step: the first one calls `main`, each one resumes what it returned. */
  next(value?: unknown): IteratorResult<never, unknown> {
    const p = this.#program ?? this.#start();
    if (p === null) return { value: undefined, done: true };
    return p.next(value);
  }

  /** Finishes the program (a task being stopped): what `main` returned finishes its way. */
  return(value?: unknown): IteratorResult<never, unknown> {
    const p = this.#program;
    if (p === null) {
      this.#finished = true;
      return { value, done: true };
    }
    return p.return(value);
  }

  /** Throws `error` where the task is (before its first step: out of the program, which finishes). */
  throw(error?: unknown): IteratorResult<never, unknown> {
    const p = this.#program;
    if (p === null) {
      this.#finished = true;
      throw error;
    }
    return p.throw(error);
  }

  #start(): Program | null {
    if (this.#finished) return null;
    const p = this.#main.call(undefined, this.#ctx);
    if (p === null || typeof p !== "object" || typeof (p as Program).next !== "function") {
      throw new TypeError(`main must return a generator, got ${p === null ? "null" : typeof p}`);
    }
    this.#program = p as Program;
    return this.#program;
  }
}
