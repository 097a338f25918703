import type { MemReport } from "@rtos-sim/memcheck";
import { EventEmitter } from "eventemitter3";
import type { FaultRecord } from "./fault-report.js";

/** Common fields of kernel events: simulated time in ms and cycles. */
export interface Stamp {
  readonly ms: number;
  readonly cycles: number;
}

/** Typed events of the kernel: enough for a CLI timeline, a trace file and reports. */
export interface KernelEvents {
  /** The CPU passes to another task (`from` null at the first switch). */
  switch: [e: Stamp & { readonly from: string | null; readonly to: string }];
  /** A task made a syscall (`result` as returned, when it returned at once). */
  syscall: [e: Stamp & { readonly task: string; readonly op: string; readonly result?: unknown }];
  /** A task faulted; the record holds the decoded fault and the action taken. */
  fault: [record: FaultRecord];
  /** A heap operation by a task. */
  alloc: [
    e: Stamp & {
      readonly task: string;
      readonly op: "malloc" | "calloc" | "free" | "realloc";
      readonly address: number;
      readonly size: number;
    },
  ];
  /** The memory checker reported an error. */
  checker: [report: MemReport];
  /** A line a task wrote to the UART (or printed). */
  uart: [e: Stamp & { readonly task: string; readonly line: string }];
  /** The watchdog faulted a task. */
  watchdog: [e: Stamp & { readonly task: string; readonly message: string }];
  /** A task changed state. */
  state: [e: Stamp & { readonly task: string; readonly from: string; readonly to: string }];
  /** The system panicked (a task's fault policy said so). */
  panic: [e: Stamp & { readonly task: string; readonly message: string }];
  /**
   * A task completed a job: a periodic job at its `nextPeriod`, or an activation at its next block
   * or sleep (the stamp is the completion); response and deadline in microseconds.
   */
  job: [
    e: Stamp & {
      readonly task: string;
      readonly releaseMs: number;
      readonly responseUs: number;
      readonly deadlineUs: number | null;
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
