import type { ResizableAllocator } from "@rtos-sim/alloc";
import type { FaultPolicy, TaskSpec } from "./config.js";
import type { FaultRecord } from "./fault-report.js";
import type { MpuGrant, MpuPlan } from "./mpu-plan.js";
import type { TaskContext } from "./task-context.js";
import type { HeapBlockSource } from "./task-heap.js";

/** Bytes of the stack guard below every stack (Zephyr uses 32-64 B). */
export const GUARD_BYTES = 32;

/** The kernel's record of a task (the scheduler's per-task data). */
export interface KTask {
  readonly id: number;
  readonly name: string;
  readonly spec: TaskSpec;
  readonly privileged: boolean;
  readonly priority: number;
  readonly policy: FaultPolicy;
  /** Code address: the instruction fetch at every resume reads here. */
  readonly code: number;
  /** The stack block from the region manager: [base, top), guard at its bottom. */
  readonly stack: { readonly base: number; readonly top: number; readonly order: number };
  /** The heap block (one MPU region) and its allocator, or null. */
  heap: TaskHeap | null;
  /** MPU grants in region order (task part). */
  grants: MpuGrant[];
  plan: MpuPlan;
  readonly ctx: TaskContext;
  /** Faults so far (every restart keeps them). */
  readonly faults: FaultRecord[];
  /** Lines written to the UART or printed. */
  readonly output: string[];
  /** Simulated exception frame words last stacked (R0-R3, R12, LR, PC, xPSR). */
  frame: Uint32Array;
  /** Bytes currently allocated from the heap by the task (requested). */
  heapInUse: number;
  /** The task's live heap blocks (address -> requested size), from its malloc/free syscalls. */
  readonly live: Map<number, number>;
}

/** A task's heap: one block of pages (one arena) and its allocator. */
export interface TaskHeap {
  readonly base: number;
  readonly size: number;
  readonly order: number;
  readonly pages: HeapBlockSource;
  readonly allocator: ResizableAllocator;
}
