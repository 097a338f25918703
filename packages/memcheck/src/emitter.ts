import type { MemReport } from "./report.js";

/** Typed events of the memory checker. */
export interface MemcheckEvents {
  /** An error was found (emitted before a stopping error is thrown). */
  report: [report: MemReport];
  /** A report was dropped by the repeat cap (`maxRepeats`) or the task's cap (`maxReports`). */
  suppressed: [report: MemReport];
}

/** A listener of one memcheck event. */
export type Listener<A extends unknown[]> = (...args: A) => void;
// biome-ignore lint/suspicious/noExplicitAny: storage of listeners of every event
type AnyListener = (...args: any[]) => void;

/**
 * A small typed emitter with EventEmitter3's calling convention (`on`, `once`, `off`, `emit`,
 * `listenerCount`). memcheck's package.json does not declare eventemitter3 (only hw does), so
 * this stands in until it does; the API is the same subset, so swapping is a one-line change.
 */
export class MemcheckEmitter {
  private readonly map = new Map<keyof MemcheckEvents, { fn: AnyListener; once: boolean }[]>();

  /** Adds a listener. */
  on<E extends keyof MemcheckEvents>(event: E, fn: Listener<MemcheckEvents[E]>): this {
    this.list(event).push({ fn: fn as AnyListener, once: false });
    return this;
  }

  /** Adds a listener called at most once. */
  once<E extends keyof MemcheckEvents>(event: E, fn: Listener<MemcheckEvents[E]>): this {
    this.list(event).push({ fn: fn as AnyListener, once: true });
    return this;
  }

  /** Removes a listener (all of them for the event when `fn` is omitted). */
  off<E extends keyof MemcheckEvents>(event: E, fn?: Listener<MemcheckEvents[E]>): this {
    if (!fn) this.map.delete(event);
    else
      this.map.set(
        event,
        this.list(event).filter((l) => l.fn !== fn),
      );
    return this;
  }

  /** Calls the listeners in order; returns whether there were any. */
  emit<E extends keyof MemcheckEvents>(event: E, ...args: MemcheckEvents[E]): boolean {
    const ls = this.map.get(event);
    if (!ls || ls.length === 0) return false;
    for (const l of [...ls]) {
      if (l.once) this.off(event, l.fn);
      l.fn(...args);
    }
    return true;
  }

  /** Number of listeners of an event. */
  listenerCount(event: keyof MemcheckEvents): number {
    return this.map.get(event)?.length ?? 0;
  }

  private list(event: keyof MemcheckEvents): { fn: AnyListener; once: boolean }[] {
    let l = this.map.get(event);
    if (!l) {
      l = [];
      this.map.set(event, l);
    }
    return l;
  }
}
