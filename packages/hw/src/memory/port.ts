/**
 * The narrow view of memory that software keeping its state in simulated memory works through:
 * the region manager's page metadata (`@rtos-sim/region`) and the allocators' headers, free
 * lists and slab bitmaps (`@rtos-sim/alloc`). `machine.core` satisfies it: every access is then
 * MPU-checked with the core's privilege and shown to the memory checker's hook, so a task's
 * overflow into that state is caught or corrupts it as it would on silicon. A test or a
 * benchmark may pass any object with these members (`dataViewPort` of `@rtos-sim/region`).
 *
 * @example
 * ```ts
 * import { createMachine, type MemoryPort, STM32F407 } from "@rtos-sim/hw";
 * const m = createMachine(STM32F407);
 * const port: MemoryPort = m.core;
 * port.write32(0x20000000, 0xcafe);
 * ```
 */
export interface MemoryPort {
  /**
   * Who is running ({@link makeActor}): the region manager and the allocators switch its mode
   * to `ActorMode.Allocator` (keeping the task bits) while they touch their own metadata, so a
   * memory checker sees those accesses as the allocator's, and restore it afterwards.
   */
  actor: number;
  /**
   * False when nothing observes the actor tag (`Core.actorObserved`: no hook installed): code
   * may then skip switching it. Absent: always switch.
   */
  readonly actorObserved?: boolean;
  /** Loads the byte at `address` (0..0xFF). */
  read8(address: number): number;
  /** Loads the little-endian halfword at `address` (0..0xFFFF). */
  read16(address: number): number;
  /** Loads the little-endian word at `address` (unsigned). */
  read32(address: number): number;
  /** Stores the low byte of `value`. */
  write8(address: number, value: number): void;
  /** Stores the low halfword of `value`, little-endian. */
  write16(address: number, value: number): void;
  /** Stores `value` as a little-endian word. */
  write32(address: number, value: number): void;
}

const ACCESSORS = ["read8", "read16", "read32", "write8", "write16", "write32"] as const;

/**
 * Whether `value` has a {@link MemoryPort}'s accessors: the shape check of the options that take
 * one (the region manager's and the allocators' `memory`), before any is called.
 *
 * @example
 * ```ts
 * import { createMachine, isMemoryPort, STM32F407 } from "@rtos-sim/hw";
 * console.log(isMemoryPort(createMachine(STM32F407).core)); // true
 * console.log(isMemoryPort({})); // false
 * ```
 */
export function isMemoryPort(value: unknown): value is MemoryPort {
  if (typeof value !== "object" || value === null) return false;
  const port = value as Record<string, unknown>;
  return ACCESSORS.every((name) => typeof port[name] === "function");
}
