import type { Bus, Core } from "@rtos-sim/hw";
import type { TaskAllocator } from "../heaps/types.js";

/**
 * Where kernel objects live: blocks of the kernel heap, inside the kernel block (privileged only,
 * the kernel's highest MPU region in every plan). Their state is read and written through the
 * core, privileged (the kernel runs them in Handler mode), so the checker sees every access;
 * `bus` serves debugger reads for reports and tests.
 */
export interface KernelMemory {
  /** The core: kernel objects' state is read and written through it, privileged. */
  readonly core: Core;
  /** The bus, for debugger reads (`peek`: no MPU check, no checker hook, no cycles). */
  readonly bus: Bus;
  /** The kernel heap's allocator. */
  readonly heap: TaskAllocator;
}

/** A 32-bit little-endian debugger read (no checks, no hook, no cycles): for reports and tests. */
export function peek32(bus: Bus, address: number): number {
  const b = bus.peek(address, 4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** A 16-bit little-endian debugger read. */
export function peek16(bus: Bus, address: number): number {
  const b = bus.peek(address, 2);
  return b[0]! | (b[1]! << 8);
}
