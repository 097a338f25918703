import { MemcheckError } from "./errors.js";
import type { FrameRecord } from "./frames.js";
import type { Ledger } from "./ledger.js";
import { hex } from "./report.js";
import type { Reporter } from "./reporter.js";
import type { Shadow } from "./shadow.js";
import { STACK_LIVE, StateBit, Tag } from "./state.js";

/** A task stack the checker follows: [base, top) with the task's current stack pointer. */
export interface StackRecord {
  /** Id of the task the stack belongs to. */
  readonly task: number;
  /** Lowest address (the stack grows down towards it). */
  readonly base: number;
  /** One past the highest address (the initial SP of a full-descending stack). */
  readonly top: number;
  /** Current stack pointer: [base, sp) is below SP, [sp, top) in use. */
  sp: number;
  /** Checker state of [base, top) before registration, restored when the stack is dropped. */
  readonly saved: Uint8Array;
  /** Whether its task is the one running: its live bytes then carry P (plain). */
  running: boolean;
  /** Call frames entered and not left, outermost first (see {@link MemoryChecker.frameEntered}). */
  readonly frames: FrameRecord[];
  /** Returned frames some of whose bytes are still poisoned (below SP, not reused), oldest first. */
  readonly returned: FrameRecord[];
}

/** State of a stack byte below SP. */
export const STACK_FREE = Tag.StackFree;

/**
 * Moves a stack's SP to `sp` (already clamped to [base, top]): bytes newly above SP become live
 * and uninitialized (fresh stack: a returned frame's bytes are reused, and a returned frame
 * wholly above the new SP is forgotten), bytes newly below SP become inaccessible.
 */
export function moveStackPointer(shadow: Shadow, st: StackRecord, sp: number): void {
  if (sp < st.sp) {
    shadow.fill(sp, st.sp - sp, liveState(st));
    const returned = st.returned;
    if (returned.length > 0) {
      for (let i = returned.length - 1; i >= 0; i--) if (returned[i]!.base >= sp) returned.splice(i, 1);
    }
  } else if (sp > st.sp) shadow.fill(st.sp, sp - st.sp, STACK_FREE);
  st.sp = sp;
}

/** The state of a fresh live byte of `st`: {@link STACK_LIVE}, plain while its task runs. */
function liveState(st: StackRecord): number {
  return st.running ? STACK_LIVE | StateBit.P : STACK_LIVE;
}

/** Puts a new stack's bytes in their stack states, keeping INI above SP. */
export function initStack(shadow: Shadow, st: StackRecord): void {
  if (st.sp > st.base) shadow.fill(st.base, st.sp - st.base, STACK_FREE);
  if (st.top > st.sp) shadow.update(st.sp, st.top - st.sp, StateBit.I, liveState(st));
}

/** What {@link StackTransitions} works with. */
export interface StackTransitionsParts {
  readonly shadow: Shadow;
  readonly ledger: Ledger;
  readonly reporter: Reporter;
}

/**
 * The checker's task stacks: registering a stack (its bytes take their stack states), moving a
 * task's stack pointer (bytes above SP live, below SP inaccessible; SP below the base is a
 * `stack-overflow` report) and dropping it (its bytes get back their state from registration).
 * The records live in the ledger.
 */
export class StackTransitions {
  private readonly shadow: Shadow;
  private readonly ledger: Ledger;
  private readonly reporter: Reporter;
  /** The task running now (0: none). */
  private running = 0;

  constructor(parts: StackTransitionsParts) {
    this.shadow = parts.shadow;
    this.ledger = parts.ledger;
    this.reporter = parts.reporter;
  }

  /** See {@link MemoryChecker.registerStack}. */
  register(task: number, base: number, size: number, sp: number): void {
    const stacks = this.ledger.stacks;
    this.shadow.checkRange(base, size);
    if (stacks.has(task)) throw new MemcheckError("STACK_EXISTS", `task ${task} has a stack`, { task });
    for (const s of stacks.values()) {
      if (base < s.top && s.base < base + size) {
        throw new MemcheckError("STACK_OVERLAP", `stack overlaps the stack of task ${s.task}`, { task, other: s.task });
      }
    }
    if (sp < base || sp > base + size) throw new MemcheckError("STACK_SP_RANGE", "SP outside the stack", { task, sp });
    const bad = this.shadow.find(base, size, (s) => (s & StateBit.K) === 0);
    if (bad >= 0) this.reporter.transitionError("invalid-transition", "stack in memory nobody owns", bad, size, null);
    const st: StackRecord = {
      task,
      base,
      top: base + size,
      sp,
      saved: this.shadow.snapshot(base, size),
      running: this.running === task,
      frames: [],
      returned: [],
    };
    stacks.set(task, st);
    initStack(this.shadow, st);
  }

  /** See {@link MemoryChecker.stackPointer}. */
  moveTo(task: number, sp: number): void {
    const st = this.ledger.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    if (sp > st.top) throw new MemcheckError("STACK_SP_RANGE", "SP above the top of the stack", { task, sp });
    if (sp < st.base) {
      this.reporter.transitionError(
        "stack-overflow",
        `stack pointer ${hex(sp)} below the stack base`,
        sp,
        st.base - sp,
        null,
        [
          `stack of task ${this.reporter.nameOf(task)}: [${hex(st.base)}, ${hex(st.top)}), ${st.base - sp} bytes overflow`,
        ],
      );
      sp = st.base;
    }
    moveStackPointer(this.shadow, st, sp);
  }

  /**
   * See {@link MemoryChecker.taskRunning}: the live bytes of the task that stops running lose P,
   * those of the task that starts get it (the live part of two stacks).
   */
  setRunning(task: number): void {
    if (task === this.running) return;
    const stacks = this.ledger.stacks;
    const before = stacks.get(this.running);
    if (before !== undefined) {
      before.running = false;
      if (before.top > before.sp) this.shadow.setStackPlain(before.sp, before.top - before.sp, false);
    }
    this.running = task;
    const now = stacks.get(task);
    if (now !== undefined) {
      now.running = true;
      if (now.top > now.sp) this.shadow.setStackPlain(now.sp, now.top - now.sp, true);
    }
  }

  /** See {@link MemoryChecker.unregisterStack}. */
  unregister(task: number): void {
    const st = this.ledger.stacks.get(task);
    if (!st) throw new MemcheckError("STACK_UNKNOWN", `task ${task} has no stack`, { task });
    this.shadow.restore(st.base, st.saved);
    this.ledger.stacks.delete(task);
  }
}
