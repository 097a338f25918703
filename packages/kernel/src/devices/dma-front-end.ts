import type { BusMasterRefusal, Peripheral, PeripheralAccess } from "@rtos-sim/hw";
import type { DmaBeatError, DmaEngine } from "./dma-engine.js";
import { mergeLanes, readLanes } from "./register-bytes.js";

/** A privileged access with no actor: a read made without one (a test's, a debugger's). */
const PRIVILEGED: PeripheralAccess = { privileged: true, actor: 0 };

/**
 * What every DMA controller model shares around its {@link DmaEngine}: the engine's state as the
 * kernel asks for it (busy, the last refused beat, the completion time, the reach of its bus),
 * settling the beats due, and register reads by byte lane. A model adds its register interface
 * (`register`, `write`) and creates its engine with the callbacks that set its flags.
 */
export abstract class DmaFrontEnd implements Peripheral {
  abstract readonly name: string;
  abstract readonly size: number;
  /** The transfer engine shared by the controller models. */
  protected abstract readonly engine: DmaEngine;

  /** Whether a transfer is under way. */
  get busy(): boolean {
    return this.engine.busy;
  }

  /** The last refused beat of a transfer (for tests and reports), or null. */
  get lastError(): DmaBeatError | null {
    return this.engine.lastError;
  }

  /**
   * Reads a register (sub-word reads take their bytes of it) as `access` (default: privileged, as
   * a debugger or a test reads it); the beats due land first.
   */
  read(offset: number, size: 1 | 2 | 4, access: PeripheralAccess = PRIVILEGED): number {
    this.settle();
    return readLanes(this.register(offset & ~3, access), offset, size);
  }

  /** The 32-bit register at word offset `reg` as `access` reads it (0 where none is modelled). */
  protected abstract register(reg: number, access: PeripheralAccess): number;

  /** Writes a register (a sub-word write merges its bytes into it); the beats due land first. */
  write(offset: number, size: 1 | 2 | 4, value: number, access: PeripheralAccess): void {
    this.settle();
    this.writeRegister(offset & ~3, (old) => mergeLanes(old, offset, size, value), access);
  }

  /**
   * Writes the register at word offset `reg`: `merge(old)` is the word with the write's bytes in
   * their lanes (`merge(0)` the bytes alone, for write-one-to-clear registers).
   */
  protected abstract writeRegister(reg: number, merge: (old: number) => number, access: PeripheralAccess): void;

  /**
   * Why this DMA's bus would refuse [address, address + length) (`"unmapped"`, `"read-only"` for
   * a write, `"unreachable"`), or null when it takes the whole span: what a kernel offering DMA as
   * a service checks before programming a transfer.
   */
  reach(address: number, length: number, write: boolean): BusMasterRefusal | null {
    return this.engine.reach(address, length, write);
  }

  /** The simulated cycle the running transfer completes at, or null when none runs. */
  completesAt(): number | null {
    return this.engine.completesAt();
  }

  /**
   * Moves the beats due by simulated cycle `at` (default: now), in order ({@link DmaEngine.settle}):
   * the last one or a refused one sets the model's flags and clears its enable. The kernel calls it
   * at each task switch (time may have passed idle); register accesses and the completion alarm
   * call it.
   */
  settle(at?: number): void {
    this.engine.settle(at);
  }
}
