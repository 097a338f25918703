import type { Board } from "@rtos-sim/hw";
import type { DeviceRole } from "./devices/table.js";
import { KernelError } from "./errors.js";
import type { Kernel } from "./kernel.js";

/** A block of simulated memory: its first address and its size in bytes. */
export interface MemoryBlock {
  /** First address. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
}

/** Where a task's memory lies (what a map file tells): frozen data, read when asked. */
export interface TaskAddresses {
  /** Task id (1-based). */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** Its code address (its entry). */
  readonly code: number;
  /** Its stack block `[base, top)`, the guard at `base`. */
  readonly stack: {
    /** Lowest address of the stack block (the 32-byte guard starts here). */
    readonly base: number;
    /** One past its highest byte: the initial SP. */
    readonly top: number;
  };
  /** Its heap block, or null without a heap. */
  readonly heap: MemoryBlock | null;
  /**
   * Its task control block in the kernel's memory (privileged; `TcbField` lays it out): what a
   * firmware's map file tells anyone who reads it.
   */
  readonly tcb: number;
}

/**
 * What an app's task factory is given: facts, never the kernel, the machine or the core (task
 * code must get no privileged handle; kernel README, "Trust model"). Every answer is frozen
 * data: addresses a task could read in a map file, for it to use with its own (MPU-checked)
 * accesses and syscalls.
 *
 * @example
 * ```ts
 * import { defineApp } from "@rtos-sim/kernel";
 * export const rogue = defineApp({
 *   name: "rogue",
 *   description: "a task reads the kernel's memory",
 *   tasks: (env) => [
 *     {
 *       name: "rogue",
 *       *main(t) {
 *         t.read32(env.kernelBlock.base); // MemManage: the kernel's memory is privileged
 *       },
 *     },
 *   ],
 * });
 * ```
 */
export interface AppEnv {
  /** The run's seed (for the app's own PRNGs). */
  readonly seed: number;
  /**
   * Simulated time the run was asked to cover, in ms (the run's option, else the app's, else
   * 1000). The run ends there, or, when a task is running then, at that task's next syscall
   * (its slice pauses there), so it may end a little later: a check that replays the run for
   * comparison asks for this, not for the time the run ended.
   */
  readonly durationMs: number;
  /** The board's public description (a frozen copy: name, clock, memory map, devices). */
  readonly board: Board;
  /** The kernel's own memory block (privileged: a task's access faults). */
  readonly kernelBlock: MemoryBlock;
  /** A partition's address and size (`UNKNOWN_PARTITION` when the kernel has none of that name). */
  partition(name: string): MemoryBlock;
  /** A device's base address by role ("uart", "gpio", "timer", "sensor", "actuator"; `UNKNOWN_DEVICE` when the board has none). */
  device(role: DeviceRole): number;
  /**
   * Where the task `name` lies (code, stack, heap), read when asked: call it from a task's code
   * at run time (the factory runs before the tasks are created). `UNKNOWN_TASK` when there is
   * no such task.
   */
  task(name: string): TaskAddresses;
}

/** A deep frozen copy of plain data (objects, arrays, primitives). */
function frozenCopy<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const [k, v] of Object.entries(value)) (copy as Record<string, unknown>)[k] = frozenCopy(v);
  return Object.freeze(copy) as T;
}

/**
 * The environment of `kernel`'s app: the seed, a frozen copy of the board, and read-only
 * look-ups (the object is frozen; none of it holds the kernel).
 */
export function makeAppEnv(kernel: Kernel, seed: number, durationMs: number): AppEnv {
  const block = (base: number, size: number): MemoryBlock => Object.freeze({ base, size });
  return Object.freeze({
    seed,
    durationMs,
    board: frozenCopy(kernel.machine.board),
    kernelBlock: block(kernel.kernelBlock.base, kernel.kernelBlock.size),
    partition(name: string): MemoryBlock {
      const p = kernel.partitions.get(name);
      if (!p) throw new KernelError("UNKNOWN_PARTITION", `no partition ${name}`, { partition: name });
      return block(p.base, p.size);
    },
    device: (role: DeviceRole) => kernel.device(role).base,
    task(name: string): TaskAddresses {
      const k = kernel.task(name);
      if (!k) throw new KernelError("UNKNOWN_TASK", `no task ${name}`, { task: name });
      return Object.freeze({
        id: k.id,
        name: k.name,
        code: k.code,
        stack: Object.freeze({ base: k.stack.base, top: k.stack.top }),
        heap: k.heap ? block(k.heap.base, k.heap.size) : null,
        tcb: k.tcb,
      });
    },
  });
}
