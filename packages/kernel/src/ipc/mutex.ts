import { type Scheduler, type Task, WaitQueue } from "@rtos-sim/sched";
import { KernelError } from "../errors.js";
import { Errno } from "../syscalls.js";
import type { KTask } from "../task-record.js";
import { type KernelMemory, peek32 } from "./kernel-memory.js";

/** Layout of a mutex's control block in kernel memory (privileged only). */
export const MutexField = {
  /** Owner's task id; 0 while the mutex is free. */
  OWNER: 0,
  /** Lock count: 1 while owned, 0 while free (mutexes are not recursive). */
  COUNT: 4,
  /** {@link MutexFlag} bits. */
  FLAGS: 8,
} as const;

/** Bits of {@link MutexField}.FLAGS. */
export const MutexFlag = {
  /** Its last owner ended holding it and nobody waited: the next lock returns `EOWNERDEAD`. */
  OWNER_DIED: 1,
} as const;

/** Bytes of a mutex's control block. */
export const MUTEX_BYTES = 12;

/** Prefix of a mutex's wait-queue name (`mutex:<name>`): how a blocked task's mutex is found. */
export const MUTEX_WAIT_PREFIX = "mutex:";

/**
 * A mutex: its owner (task id), lock count and flags in a control block in kernel memory, its
 * lockers in a priority-ordered wait queue (a scheduler object; highest priority first, FIFO
 * among equals). Every method reads and writes the block through the core, privileged: call
 * them from the kernel (Handler mode). Priority inheritance is the kernel's
 * (`PriorityInheritance`): this class only keeps the lock.
 */
export class Mutex {
  /** Mutex name, unique among the kernel's mutexes (`MutexSpec.name`). */
  readonly name: string;
  /** Kernel-memory address of the control block (see {@link MutexField}). */
  readonly block: number;
  /** Tasks blocked in a lock, highest priority first. */
  readonly waiters: WaitQueue<KTask>;
  private readonly mem: KernelMemory;

  private constructor(mem: KernelMemory, scheduler: Scheduler<KTask>, name: string, block: number) {
    this.mem = mem;
    this.name = name;
    this.block = block;
    this.waiters = new WaitQueue(scheduler, { name: `${MUTEX_WAIT_PREFIX}${name}`, order: "priority" });
  }

  /** Allocates and fills the control block, free (`OUT_OF_MEMORY` when the kernel heap is full). */
  static create(mem: KernelMemory, scheduler: Scheduler<KTask>, name: string): Mutex {
    const block = mem.heap.allocate(MUTEX_BYTES, 4);
    if (block === null) throw new KernelError("OUT_OF_MEMORY", `no kernel memory for mutex ${name}`, { name });
    mem.core.fill(block, 0, MUTEX_BYTES);
    return new Mutex(mem, scheduler, name, block);
  }

  // ---- debugger reads of the control block (reports, tests) ---------------------------------------

  /** The owner's task id, 0 when free. */
  get owner(): number {
    return peek32(this.mem.bus, this.block + MutexField.OWNER);
  }
  /** The lock count (0 or 1). */
  get count(): number {
    return peek32(this.mem.bus, this.block + MutexField.COUNT);
  }
  /** The {@link MutexFlag} bits. */
  get flags(): number {
    return peek32(this.mem.bus, this.block + MutexField.FLAGS);
  }

  // ---- operations (privileged, through the core) --------------------------------------------------

  /** The owner's task id (0: free), read through the core. */
  ownerId(): number {
    return this.mem.core.read32(this.block + MutexField.OWNER);
  }

  /**
   * Locks it for task `id` if it is free: `OK`, or `EOWNERDEAD` when its last owner ended holding
   * it (the flag is cleared: only this lock reports it). Null, nothing changed, when it is owned.
   */
  tryLock(id: number): typeof Errno.OK | typeof Errno.EOWNERDEAD | null {
    const core = this.mem.core;
    if (core.read32(this.block + MutexField.OWNER) !== 0) return null;
    core.write32(this.block + MutexField.OWNER, id);
    core.write32(this.block + MutexField.COUNT, 1);
    const flags = core.read32(this.block + MutexField.FLAGS);
    if ((flags & MutexFlag.OWNER_DIED) === 0) return Errno.OK;
    core.write32(this.block + MutexField.FLAGS, flags & ~MutexFlag.OWNER_DIED);
    return Errno.EOWNERDEAD;
  }

  /**
   * Releases it: the highest-priority waiter (FIFO among equals) becomes the owner at once and
   * wakes with `OK`, or with `EOWNERDEAD` when `ownerDied` (the owner ended holding it). With no
   * waiter it is free, flagged {@link MutexFlag}.OWNER_DIED when `ownerDied`. Returns the new
   * owner, or null.
   */
  release(ownerDied: boolean): Task<KTask> | null {
    const core = this.mem.core;
    const next = this.waiters.peek();
    if (next !== null) {
      core.write32(this.block + MutexField.OWNER, next.id);
      core.write32(this.block + MutexField.COUNT, 1);
      this.waiters.wakeOne(ownerDied ? Errno.EOWNERDEAD : Errno.OK);
      return next;
    }
    core.write32(this.block + MutexField.OWNER, 0);
    core.write32(this.block + MutexField.COUNT, 0);
    if (ownerDied) core.write32(this.block + MutexField.FLAGS, MutexFlag.OWNER_DIED);
    return null;
  }
}
