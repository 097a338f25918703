import type { Core } from "@rtos-sim/hw";
import type { Scheduler, Task } from "@rtos-sim/sched";
import type { Delay } from "../syscalls.js";
import { type KTask, TcbField } from "../task-record.js";
import { MUTEX_WAIT_PREFIX, type Mutex } from "./mutex.js";

/**
 * Told of a change of a task's effective priority: from, to, and when raised above its base, the
 * mutex it owns and the waiter whose priority it takes.
 */
export type PriorityChange = (
  task: Task<KTask>,
  from: number,
  to: number,
  source: { readonly mutex: string; readonly waiter: string } | null,
) => void;

/** Longest chain of owners an inheritance follows (a task blocked on a mutex whose owner is blocked on another...). */
const MAX_CHAIN = 64;

/**
 * The kernel's mutex protocol over the {@link Mutex} control blocks: locking with blocking,
 * handoff on unlock, release when an owner ends, and **priority inheritance** (the basic
 * protocol of Sha, Rajkumar and Lehoczky, as FreeRTOS and Zephyr mutexes have it).
 *
 * A task's base priority is its `TaskSpec.priority` (`KTask.priority`); the scheduler's priority
 * of the task is its effective one: the highest of its base and of the first (highest-priority)
 * waiter of every mutex it owns. It is derived again, from the control blocks and the wait
 * queues, whenever one of them changes (a task blocks in a lock, a lock times out, an unlock
 * hands over, an owner ends) and followed along the chain: an owner that is itself blocked on a
 * mutex moves up that mutex's wait queue, and that mutex's owner is derived again (transitive
 * inheritance, at most 64 owners deep). The scheduler moves a ready task between ready queues
 * (`Scheduler.setPriority`); nothing is done per switch.
 *
 * The owner's id is in the control block; a blocked locker's TCB names the mutex's control block
 * (`TcbField.WAIT_PTR`), so a timed-out lock finds the owner whose priority it raised. Every
 * method reads and writes kernel memory through the core: call them as the kernel (Handler mode).
 */
export class PriorityInheritance {
  private readonly mutexes: ReadonlyMap<string, Mutex>;
  private readonly scheduler: () => Scheduler<KTask>;
  private readonly core: Core;
  private readonly changed: PriorityChange | null;

  /**
   * `scheduler` is a getter (the kernel builds its scheduler after its mutex table); `changed` is
   * told of every change of a task's effective priority (the kernel's `priority` event).
   */
  constructor(
    mutexes: ReadonlyMap<string, Mutex>,
    scheduler: () => Scheduler<KTask>,
    core: Core,
    changed: PriorityChange | null = null,
  ) {
    this.mutexes = mutexes;
    this.scheduler = scheduler;
    this.core = core;
    this.changed = changed;
  }

  /**
   * Blocks the running `task` in a lock of `m` (owned by another task): its TCB names the mutex,
   * it joins the wait queue (with `timeout`), and the owner inherits its priority.
   */
  block(task: Task<KTask>, m: Mutex, timeout: Delay | undefined): void {
    m.waiters.block(task, timeout);
    this.core.write32(task.data.tcb + TcbField.WAIT_PTR, m.block);
    this.updateOwnerOf(m);
  }

  /** `task` unlocks `m`, which it owns: handoff to the highest-priority waiter, priorities derived again. */
  unlock(task: Task<KTask>, m: Mutex): void {
    const next = m.release(false);
    this.update(task);
    if (next !== null) this.update(next);
  }

  /**
   * `task` ended (faulted, stopped, or is about to be restarted): every mutex it owns goes to
   * its highest-priority waiter, whose lock returns `EOWNERDEAD` (or is left free and flagged, so
   * the next lock does), the task is back at its base priority, and every owner's priority is
   * derived again (the task may have been one of their waiters).
   */
  ownerEnded(task: Task<KTask>): void {
    const s = this.scheduler();
    for (const m of this.mutexes.values()) {
      if (m.ownerId() !== task.id) continue;
      const next = m.release(true);
      if (next !== null) this.update(next);
    }
    if (task.priority !== task.data.priority) s.setPriority(task, task.data.priority);
    for (const m of this.mutexes.values()) this.updateOwnerOf(m);
  }

  /** `task`'s wait timed out: when it was a lock, the mutex's owner loses what it inherited from it. */
  waitEnded(task: Task<KTask>): void {
    const block = this.core.read32(task.data.tcb + TcbField.WAIT_PTR);
    for (const m of this.mutexes.values()) {
      if (m.block === block) {
        this.updateOwnerOf(m);
        return;
      }
    }
  }

  /**
   * The effective priority `task` should run at: its base priority, raised to the first
   * waiter's of every mutex it owns.
   */
  effectivePriority(task: Task<KTask>): number {
    let p = task.data.priority;
    for (const m of this.mutexes.values()) {
      if (m.ownerId() !== task.id) continue;
      const w = m.waiters.peek();
      if (w !== null && w.priority > p) p = w.priority;
    }
    return p;
  }

  /** The mutex `task` owns whose first waiter has priority `p`, and that waiter (what `task` inherits from). */
  private sourceOf(task: Task<KTask>, p: number): { readonly mutex: string; readonly waiter: string } | null {
    for (const m of this.mutexes.values()) {
      if (m.ownerId() !== task.id) continue;
      const w = m.waiters.peek();
      if (w !== null && w.priority === p) return { mutex: m.name, waiter: w.name };
    }
    return null;
  }

  /** Derives `task`'s effective priority again, and its blockers' along the chain of owners. */
  update(task: Task<KTask>): void {
    const s = this.scheduler();
    let t: Task<KTask> | undefined = task;
    for (let i = 0; t !== undefined && i < MAX_CHAIN; i++) {
      const p = this.effectivePriority(t);
      const was = t.priority;
      if (p === was) return;
      s.setPriority(t, p); // a ready task moves to level p; a waiter moves in its wait queue
      if (this.changed !== null) this.changed(t, was, p, p > t.data.priority ? this.sourceOf(t, p) : null);
      const waitingOn = this.blockedOn(t);
      if (waitingOn === undefined) return;
      t = s.task(waitingOn.ownerId());
    }
  }

  private updateOwnerOf(m: Mutex): void {
    const owner = m.ownerId();
    const t = owner === 0 ? undefined : this.scheduler().task(owner);
    if (t !== undefined) this.update(t);
  }

  /** The mutex `t` is blocked in a lock of, if any. */
  private blockedOn(t: Task<KTask>): Mutex | undefined {
    const q = t.state === "blocked" ? t.waitQueue : null;
    return q?.startsWith(MUTEX_WAIT_PREFIX) ? this.mutexes.get(q.slice(MUTEX_WAIT_PREFIX.length)) : undefined;
  }
}
