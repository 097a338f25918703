import { type Scheduler, type Task, WaitQueue } from "@rtos-sim/sched";
import { KernelError } from "../errors.js";
import type { Delay } from "../syscalls.js";
import { type KTask, TcbField } from "../task-record.js";
import { type KernelMemory, peek16, peek32 } from "./kernel-memory.js";

/**
 * Layout of a message queue's control block in kernel memory (privileged only): a ring of
 * `capacity` slots of `messageSize` bytes at `STORAGE` (another kernel-heap block), and the
 * length of the message in each slot.
 */
export const QueueField = {
  /** Slot of the oldest message. */
  HEAD: 0,
  /** Messages queued. */
  LENGTH: 4,
  /** Slots (1..64). */
  CAPACITY: 8,
  /** Bytes per slot (1..256). */
  MESSAGE_SIZE: 12,
  /** Kernel-memory address of slot 0. */
  STORAGE: 16,
  /** Per-slot message lengths, 16 bits each, `capacity` of them. */
  LENGTHS: 20,
} as const;

/** Bytes of the control block of a queue of `capacity` slots (a multiple of 4). */
export function queueBlockBytes(capacity: number): number {
  return (QueueField.LENGTHS + 2 * capacity + 3) & ~3;
}

/**
 * Hands a message to a receiver blocked in `receive`: copies `data` into its buffer at `ptr`
 * (checked under the receiver's own MPU plan) and returns true, or faults the receiver (its
 * buffer is no longer its own to write) and returns false.
 */
export type HandOff = (receiver: Task<KTask>, ptr: number, data: Uint8Array) => boolean;

/**
 * A message queue: its state (head, length, capacity, message size, storage address, per-slot
 * lengths) in a control block in kernel memory, its messages in a ring of slots in kernel memory,
 * its blocked receivers in a wait queue (a scheduler object) with the buffer each one named in
 * its TCB. Senders never block (full: false); receivers block with an optional timeout. Every
 * method reads and writes kernel memory through the core, privileged: call them from the kernel.
 */
export class MessageQueue {
  /** Queue name, unique among the kernel's queues (`QueueSpec.name`). */
  readonly name: string;
  /** Kernel-memory address of the control block (see {@link QueueField}). */
  readonly block: number;
  /** Tasks blocked in a receive. */
  readonly receivers: WaitQueue<KTask>;
  private readonly mem: KernelMemory;

  private constructor(mem: KernelMemory, scheduler: Scheduler<KTask>, name: string, block: number) {
    this.mem = mem;
    this.name = name;
    this.block = block;
    this.receivers = new WaitQueue(scheduler, { name: `queue:${name}` });
  }

  /** Allocates the control block and the slots in kernel memory (`OUT_OF_MEMORY`, nothing kept, when they do not fit). */
  static create(
    mem: KernelMemory,
    scheduler: Scheduler<KTask>,
    name: string,
    messageSize: number,
    capacity: number,
  ): MessageQueue {
    const block = mem.heap.allocate(queueBlockBytes(capacity), 4);
    const storage = block === null ? null : mem.heap.allocate(messageSize * capacity, 4);
    if (block === null || storage === null) {
      if (block !== null) mem.heap.free(block);
      throw new KernelError("OUT_OF_MEMORY", `no kernel memory for queue ${name}`, { name });
    }
    const core = mem.core;
    core.write32(block + QueueField.HEAD, 0);
    core.write32(block + QueueField.LENGTH, 0);
    core.write32(block + QueueField.CAPACITY, capacity);
    core.write32(block + QueueField.MESSAGE_SIZE, messageSize);
    core.write32(block + QueueField.STORAGE, storage);
    core.fill(block + QueueField.LENGTHS, 0, queueBlockBytes(capacity) - QueueField.LENGTHS);
    return new MessageQueue(mem, scheduler, name, block);
  }

  // ---- debugger reads of the control block (reports, tests) ---------------------------------------

  /** Slot of the oldest message. */
  get head(): number {
    return peek32(this.mem.bus, this.block + QueueField.HEAD);
  }
  /** Messages queued. */
  get length(): number {
    return peek32(this.mem.bus, this.block + QueueField.LENGTH);
  }
  /** Slots. */
  get capacity(): number {
    return peek32(this.mem.bus, this.block + QueueField.CAPACITY);
  }
  /** Bytes per slot. */
  get messageSize(): number {
    return peek32(this.mem.bus, this.block + QueueField.MESSAGE_SIZE);
  }
  /** Kernel-memory address of slot 0. */
  get storage(): number {
    return peek32(this.mem.bus, this.block + QueueField.STORAGE);
  }
  /** Length of the message in slot `i` (0-based from slot 0, not from the head). */
  slotLength(i: number): number {
    return peek16(this.mem.bus, this.block + QueueField.LENGTHS + 2 * i);
  }

  // ---- operations (privileged, through the core) --------------------------------------------------

  /** The largest message this queue takes (read from the control block). */
  maxMessage(): number {
    return this.mem.core.read32(this.block + QueueField.MESSAGE_SIZE);
  }

  /**
   * Sends `data` (at most the message size): straight to the first blocked receiver when there is
   * one and `handOff` delivers it, else into the next free slot. False when the queue is full.
   */
  send(data: Uint8Array, handOff: HandOff): boolean {
    const core = this.mem.core;
    const receiver = this.receivers.peek();
    if (receiver) {
      const tcb = receiver.data.tcb;
      const ptr = core.read32(tcb + TcbField.WAIT_PTR);
      const n = Math.min(data.length, core.read32(tcb + TcbField.WAIT_LENGTH));
      if (handOff(receiver, ptr, data.subarray(0, n))) {
        this.receivers.wakeOne(n);
        return true;
      }
      // The receiver faulted (its buffer is no longer its own): the message is queued instead.
    }
    const b = this.block;
    const length = core.read32(b + QueueField.LENGTH);
    const capacity = core.read32(b + QueueField.CAPACITY);
    if (length >= capacity) return false;
    const slot = (core.read32(b + QueueField.HEAD) + length) % capacity;
    const storage = core.read32(b + QueueField.STORAGE);
    core.writeBytes(storage + slot * core.read32(b + QueueField.MESSAGE_SIZE), data);
    core.write16(b + QueueField.LENGTHS + 2 * slot, data.length);
    core.write32(b + QueueField.LENGTH, length + 1);
    return true;
  }

  /**
   * Receives the oldest message for the running `task`: `deliver` gets its bytes (at most
   * `length` of them) and the count is returned. When the queue is empty the task blocks, its
   * buffer `[ptr, ptr + length)` noted in its TCB, and null is returned (it resumes with the count
   * a sender hands it, or `TIMEOUT`).
   */
  receive(
    task: Task<KTask>,
    ptr: number,
    length: number,
    timeout: Delay | undefined,
    deliver: (data: Uint8Array) => void,
  ): number | null {
    const n = this.tryReceive(length, deliver);
    if (n !== null) return n;
    const core = this.mem.core;
    const tcb = task.data.tcb;
    core.write32(tcb + TcbField.WAIT_PTR, ptr);
    core.write32(tcb + TcbField.WAIT_LENGTH, length);
    this.receivers.block(task, timeout);
    return null;
  }

  /**
   * Receives the oldest message if there is one: `deliver` gets its bytes (at most `length` of
   * them) and the count is returned; null (nothing changed) when the queue is empty. Never blocks.
   */
  tryReceive(length: number, deliver: (data: Uint8Array) => void): number | null {
    const core = this.mem.core;
    const b = this.block;
    const queued = core.read32(b + QueueField.LENGTH);
    if (queued === 0) return null;
    const head = core.read32(b + QueueField.HEAD);
    const capacity = core.read32(b + QueueField.CAPACITY);
    const n = Math.min(core.read16(b + QueueField.LENGTHS + 2 * head), length);
    const storage = core.read32(b + QueueField.STORAGE);
    deliver(core.readBytes(storage + head * core.read32(b + QueueField.MESSAGE_SIZE), n));
    core.write32(b + QueueField.HEAD, (head + 1) % capacity);
    core.write32(b + QueueField.LENGTH, queued - 1);
    return n;
  }
}
