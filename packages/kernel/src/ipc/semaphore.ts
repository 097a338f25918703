import { type Scheduler, type Task, WaitQueue } from "@rtos-sim/sched";
import { KernelError } from "../errors.js";
import type { Delay } from "../syscalls.js";
import { Errno } from "../syscalls.js";
import type { KTask } from "../task-record.js";
import { type KernelMemory, peek32 } from "./kernel-memory.js";

/** Layout of a semaphore's control block in kernel memory (privileged only). */
export const SemaphoreField = {
  /** Current count. */
  COUNT: 0,
  /** Highest count. */
  MAX: 4,
} as const;

/** Bytes of a semaphore's control block. */
export const SEMAPHORE_BYTES = 8;

/**
 * A counting semaphore: its count and maximum in a control block in kernel memory, its takers in
 * a wait queue (a scheduler object). Takes and gives read and write the block through the core,
 * privileged: call them from the kernel (Handler mode).
 */
export class Semaphore {
  /** Semaphore name, unique among the kernel's semaphores (`SemaphoreSpec.name`). */
  readonly name: string;
  /** Kernel-memory address of the control block (see {@link SemaphoreField}). */
  readonly block: number;
  /** Tasks blocked in a take. */
  readonly waiters: WaitQueue<KTask>;
  private readonly mem: KernelMemory;

  private constructor(mem: KernelMemory, scheduler: Scheduler<KTask>, name: string, block: number) {
    this.mem = mem;
    this.name = name;
    this.block = block;
    this.waiters = new WaitQueue(scheduler, { name: `sem:${name}` });
  }

  /** Allocates and fills the control block (`OUT_OF_MEMORY` when the kernel heap is full). */
  static create(mem: KernelMemory, scheduler: Scheduler<KTask>, name: string, initial: number, max: number): Semaphore {
    const block = mem.heap.allocate(SEMAPHORE_BYTES, 4);
    if (block === null) throw new KernelError("OUT_OF_MEMORY", `no kernel memory for semaphore ${name}`, { name });
    mem.core.write32(block + SemaphoreField.COUNT, initial);
    mem.core.write32(block + SemaphoreField.MAX, max);
    return new Semaphore(mem, scheduler, name, block);
  }

  /** The count (a debugger read of the control block). */
  get count(): number {
    return peek32(this.mem.bus, this.block + SemaphoreField.COUNT);
  }

  /** The maximum count (a debugger read). */
  get max(): number {
    return peek32(this.mem.bus, this.block + SemaphoreField.MAX);
  }

  /**
   * Takes one unit for the running `task`: true when taken now; false when the count is 0 and the
   * task blocked (it resumes with `Errno.OK` from a give, or `TIMEOUT`).
   */
  take(task: Task<KTask>, timeout?: Delay): boolean {
    if (this.tryTake()) return true;
    this.waiters.block(task, timeout);
    return false;
  }

  /** Takes one unit if the count allows: true when taken, false (nothing changed) when it is 0. Never blocks. */
  tryTake(): boolean {
    const core = this.mem.core;
    const count = core.read32(this.block + SemaphoreField.COUNT);
    if (count === 0) return false;
    core.write32(this.block + SemaphoreField.COUNT, count - 1);
    return true;
  }

  /** Gives one unit: to the first waiter if any, else to the count. False when the count is at its maximum. */
  give(): boolean {
    if (this.waiters.wakeOne(Errno.OK) !== null) return true;
    const core = this.mem.core;
    const count = core.read32(this.block + SemaphoreField.COUNT);
    if (count >= core.read32(this.block + SemaphoreField.MAX)) return false;
    core.write32(this.block + SemaphoreField.COUNT, count + 1);
    return true;
  }
}
