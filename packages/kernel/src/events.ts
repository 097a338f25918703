import type { MemReport } from "@rtos-sim/memcheck";
import { EventEmitter } from "eventemitter3";
import type { FaultRecord } from "./fault-report.js";

/** Common fields of kernel events: simulated time in ms and cycles. */
export interface Stamp {
  /** Simulated milliseconds since boot (not rounded; time starts with the first run). */
  readonly ms: number;
  /** Core cycles since boot (the clock of record; boot and spawns before the first run cost none). */
  readonly cycles: number;
}

/** Typed events of the kernel: enough for a CLI timeline, a trace file and reports. */
export interface KernelEvents {
  /** The CPU passes to another task (`from` null at the first switch). */
  switch: [
    e: Stamp & {
      /** The task that ran before (even with idle time between them), or null at the first switch. */
      readonly from: string | null;
      /** The task switched in. */
      readonly to: string;
    },
  ];
  /**
   * A task made a syscall of the kernel's handler table (`result` as returned, when it returned
   * at once). `yield` and `sleep` are the scheduler's and give none, nor does a call that faults
   * its caller.
   */
  syscall: [
    e: Stamp & {
      /** The calling task. */
      readonly task: string;
      /** The syscall's op, e.g. "malloc" (see {@link SyscallOp}). */
      readonly op: string;
      /** What the call returned; undefined when the caller blocked (its result comes later) or stopped. */
      readonly result?: unknown;
    },
  ];
  /** A task faulted; the record holds the decoded fault and the action taken. */
  fault: [record: FaultRecord];
  /** A heap operation by a task. */
  alloc: [
    e: Stamp & {
      /** The task whose heap it is. */
      readonly task: string;
      /**
       * The heap syscall: `realloc(p, 0)` gives a `free`, a `realloc` that moves the block gives
       * one `realloc` (the new block) and no `free` of the old one; an allocation that returned 0
       * gives none.
       */
      readonly op: "malloc" | "calloc" | "free" | "realloc";
      /** The block's address (the block freed, for `free`). */
      readonly address: number;
      /** Bytes requested (`n * size` for calloc); 0 for `free`. */
      readonly size: number;
    },
  ];
  /** The memory checker reported an error. */
  checker: [report: MemReport];
  /** A line a task wrote to the UART (or printed). */
  uart: [
    e: Stamp & {
      /** The writing task, or "kernel" for a line no task wrote. */
      readonly task: string;
      /** The line without its "\n" (bytes as Latin-1 characters). */
      readonly line: string;
    },
  ];
  /** The watchdog faulted a task (a `fault` event with kind `watchdog` follows). */
  watchdog: [
    e: Stamp & {
      /** The task stopped for running past its budget. */
      readonly task: string;
      /** The fault's message: how long the task ran without yielding the CPU. */
      readonly message: string;
    },
  ];
  /** A task changed state. */
  state: [
    e: Stamp & {
      /** The task. */
      readonly task: string;
      /** Its state before: "ready", "running", "sleeping", "blocked", "faulted" or "stopped". */
      readonly from: string;
      /** Its new state (same names). */
      readonly to: string;
    },
  ];
  /** The system panicked (a task's fault policy said so). */
  panic: [
    e: Stamp & {
      /** The task whose fault panicked the system. */
      readonly task: string;
      /** The fault's message (the run's `panic` is `task <name>: <message>`). */
      readonly message: string;
    },
  ];
  /**
   * A task's effective priority changed through priority inheritance: raised to a higher-priority
   * waiter's on a mutex it owns, or lowered back (toward its base) when that waiter got the mutex,
   * timed out or ended.
   */
  priority: [
    e: Stamp & {
      /** The task. */
      readonly task: string;
      /** Its base priority (`TaskSpec.priority`). */
      readonly base: number;
      /** Its effective priority before. */
      readonly from: number;
      /** Its effective priority now. */
      readonly to: number;
      /** Raised above its base: the mutex it owns whose waiter it takes the priority of; else null. */
      readonly mutex: string | null;
      /** That waiter; null when not raised above its base. */
      readonly waiter: string | null;
    },
  ];
  /**
   * A task completed a job: a periodic job at its `nextPeriod`, or an activation at its next block
   * or sleep (the stamp is the completion); response and deadline in microseconds.
   */
  job: [
    e: Stamp & {
      /** The task. */
      readonly task: string;
      /** When the job was released, in simulated ms: a periodic job's nominal release, else the wake. */
      readonly releaseMs: number;
      /** Response time in microseconds: release to completion (waiting for the CPU included). */
      readonly responseUs: number;
      /** The job's relative deadline in microseconds, or null when the task has none. */
      readonly deadlineUs: number | null;
      /** Whether the response time exceeded the deadline (false without one). */
      readonly missed: boolean;
    },
  ];
}

/** Whether an event has ever had a listener (cheap checks on the switch path). */
export type Watched = { -readonly [K in keyof KernelEvents]: boolean };

/**
 * The kernel's event emitter (EventEmitter3 with a typed map). `watched` says which events ever
 * had a listener, so the switch and syscall paths skip building events nobody asked for;
 * `onWatch` is told the first time (the kernel then starts forwarding the scheduler's states).
 */
export class KernelEmitter extends EventEmitter<KernelEvents> {
  /** Per event, whether it ever had a listener (set by `on`, `once`, `addListener`; never cleared). */
  readonly watched: Watched = {
    switch: false,
    syscall: false,
    fault: false,
    alloc: false,
    checker: false,
    uart: false,
    watchdog: false,
    state: false,
    panic: false,
    priority: false,
    job: false,
  };
  /** Called once per event name, at its first listener. */
  onWatch: ((event: keyof KernelEvents) => void) | null = null;

  /** Adds a listener (and marks the event watched). */
  override on<T extends keyof KernelEvents>(event: T, fn: (...args: KernelEvents[T]) => void, context?: unknown): this {
    this.watch(event);
    return super.on(event, fn as never, context);
  }

  /** Adds a one-time listener (and marks the event watched). */
  override once<T extends keyof KernelEvents>(
    event: T,
    fn: (...args: KernelEvents[T]) => void,
    context?: unknown,
  ): this {
    this.watch(event);
    return super.once(event, fn as never, context);
  }

  /** Same as {@link KernelEmitter.on}. */
  override addListener<T extends keyof KernelEvents>(
    event: T,
    fn: (...args: KernelEvents[T]) => void,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }

  private watch(event: keyof KernelEvents): void {
    if (this.watched[event]) return;
    this.watched[event] = true;
    this.onWatch?.(event);
  }
}
