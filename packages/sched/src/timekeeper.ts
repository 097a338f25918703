import type { Core, SysTick } from "@rtos-sim/hw";
import type { Now, SimClock } from "./clock.js";
import type { Tcb } from "./task.js";

/** What a {@link Timekeeper} keeps in step: the core it reads, the SysTick it drives, the clock it advances. */
export interface TimekeeperOptions {
  readonly clock: SimClock;
  readonly core: Core;
  /** The SysTick to program and drive, or null (the `driveSysTick` option off, or none on the machine). */
  readonly systick: SysTick | null;
  /** Says which task the cycles are charged to (the one holding the CPU): the task table. */
  readonly tasks: { readonly running: Tcb<unknown> | null };
}

/**
 * Simulated time for the scheduler: folds the cycles the core charged for memory accesses into
 * the {@link SimClock}, adds the cycles the scheduler charges itself (syscalls, switches,
 * `charge`), counts them to the running task, and drives SysTick with them. Programs SysTick for
 * the clock's tick rate when built. Counts the idle cycles (the CPU load is what is left).
 */
export class Timekeeper {
  readonly clock: SimClock;
  private readonly core: Core;
  private readonly systick: SysTick | null;
  private readonly tasks: { readonly running: Tcb<unknown> | null };
  private lastCore: number;
  /** Cycles the CPU spent with nothing to run (time jumped over by the dispatcher's idle steps). */
  idleCycles = 0;
  /**
   * How many times simulated time moved outside the core's count (idle time, cycles the
   * scheduler charges itself): each changes the difference between the clock and the core's count.
   */
  moves = 0;

  constructor(options: TimekeeperOptions) {
    this.clock = options.clock;
    this.core = options.core;
    this.systick = options.systick;
    this.tasks = options.tasks;
    this.lastCore = this.core.cycles;
    if (this.systick) {
      this.systick.rvr = this.clock.cyclesPerTick - 1;
      this.systick.cvr = 0;
      this.systick.csr = 0x7; // ENABLE | TICKINT | CLKSOURCE (core clock)
    }
  }

  /** Simulated time now, after folding in the core's cycles. */
  now(): Now {
    this.sync();
    return this.clock.now();
  }

  /**
   * Simulated time now in cycles, as {@link Timekeeper.now} gives it, without folding the core's
   * cycles in: nothing moves, nothing is allocated (an interrupt armed at every switch reads it).
   */
  cyclesNow(): number {
    return this.clock.cycles + (this.core.cycles - this.lastCore);
  }

  /** Folds the cycles the core charged since the last look into simulated time. */
  sync(): void {
    const c = this.core.cycles;
    const d = c - this.lastCore;
    this.lastCore = c;
    if (d > 0) this.fold(d);
  }

  /** Moves simulated time on by `d` cycles with nothing to run: counted as idle, charged to no task. */
  idle(d: number): void {
    this.moves++;
    this.idleCycles += d;
    this.clock.cycles += d;
    if (this.systick !== null) this.systick.advance(d);
  }

  /** Moves simulated time on by `d` cycles the core did not count (charged to the running task, seen by SysTick). */
  advance(d: number): void {
    this.moves++;
    this.fold(d);
  }

  /** Moves simulated time on by `d` cycles (charged to the running task, seen by SysTick). */
  private fold(d: number): void {
    this.clock.cycles += d;
    const r = this.tasks.running;
    if (r !== null) r.cycles += d;
    if (this.systick !== null) this.systick.advance(d);
  }
}
