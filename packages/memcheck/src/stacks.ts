import type { Shadow } from "./shadow.js";
import { STACK_LIVE, StateBit, Tag } from "./state.js";

/** A task stack the checker follows: [base, top) with the task's current stack pointer. */
export interface StackRecord {
  readonly task: number;
  /** Lowest address (the stack grows down towards it). */
  readonly base: number;
  /** One past the highest address (the initial SP of a full-descending stack). */
  readonly top: number;
  /** Current stack pointer: [base, sp) is below SP, [sp, top) in use. */
  sp: number;
  /** Checker state of [base, top) before registration, restored when the stack is dropped. */
  readonly saved: Uint8Array;
}

/** State of a stack byte below SP. */
export const STACK_FREE = Tag.StackFree;

/**
 * Moves a stack's SP to `sp` (already clamped to [base, top]): bytes newly above SP become live
 * and uninitialized (fresh stack), bytes newly below SP become inaccessible.
 */
export function moveStackPointer(shadow: Shadow, st: StackRecord, sp: number): void {
  if (sp < st.sp) shadow.fill(sp, st.sp - sp, STACK_LIVE);
  else if (sp > st.sp) shadow.fill(st.sp, sp - st.sp, STACK_FREE);
  st.sp = sp;
}

/** Puts a new stack's bytes in their stack states, keeping INI above SP. */
export function initStack(shadow: Shadow, st: StackRecord): void {
  if (st.sp > st.base) shadow.fill(st.base, st.sp - st.base, STACK_FREE);
  if (st.top > st.sp) shadow.update(st.sp, st.top - st.sp, StateBit.I, STACK_LIVE);
}
