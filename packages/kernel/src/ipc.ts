import { type Scheduler, WaitQueue } from "@rtos-sim/sched";
import type { KTask } from "./task-record.js";

/** A counting semaphore: a count and a wait queue of takers. */
export class Semaphore {
  readonly name: string;
  count: number;
  readonly max: number;
  readonly waiters: WaitQueue<KTask>;

  constructor(scheduler: Scheduler<KTask>, name: string, initial: number, max: number) {
    this.waiters = new WaitQueue(scheduler, { name: `sem:${name}` });
    this.name = name;
    this.count = initial;
    this.max = max;
  }
}

/**
 * A message queue: `capacity` slots of `messageSize` bytes in kernel memory (a block of the
 * kernel heap, privileged only). Senders never block (full: an error code); receivers block with
 * an optional timeout and get the message copied into the buffer they named.
 */
export class MessageQueue {
  readonly name: string;
  readonly messageSize: number;
  readonly capacity: number;
  /** Kernel-memory address of slot 0. */
  readonly storage: number;
  head = 0;
  length = 0;
  /** Message lengths per slot (kernel bookkeeping; the bytes are in simulated memory). */
  readonly lengths: Uint16Array;
  readonly receivers: WaitQueue<KTask>;
  /** Where each blocked receiver wants its message (validated when it called receive). */
  readonly pending = new Map<number, { ptr: number; length: number }>();

  constructor(scheduler: Scheduler<KTask>, name: string, messageSize: number, capacity: number, storage: number) {
    this.receivers = new WaitQueue(scheduler, { name: `queue:${name}` });
    this.name = name;
    this.messageSize = messageSize;
    this.capacity = capacity;
    this.storage = storage;
    this.lengths = new Uint16Array(capacity);
  }

  /** Address of slot `i` (0 = head). */
  slot(i: number): number {
    return this.storage + ((this.head + i) % this.capacity) * this.messageSize;
  }
}
