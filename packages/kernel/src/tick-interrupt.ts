import { ActorMode, Cfsr, type Core, Fault, makeActor } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { AlarmMux, AlarmSlot } from "./alarm-mux.js";
import { FP_AREA_BYTES } from "./switcher.js";
import { taskControl } from "./task-context.js";
import { GUARD_BYTES, type KTask } from "./task-record.js";
import type { CpuTiming } from "./timing/cpu-timing.js";

const XPSR_THUMB = 0x01000000;

/** The stacking faults of SysTick entries (the fault diagnosis names them). */
const tickStackingFaults = new WeakSet<Fault>();

/** Whether `e` is the stacking fault (MSTKERR, STKERR or STKOF) of a SysTick taken while a task ran. */
export function isTickStackingFault(e: unknown): boolean {
  return e instanceof Fault && tickStackingFaults.has(e);
}

/** The simulated time a {@link TickInterrupt} reads: the scheduler's. */
export interface TickTime {
  /** Simulated time now in core cycles (the core's charges since the scheduler's last look included). */
  cyclesNow(): number;
  /** How many times simulated time has moved outside the core's count (the tick's cycle is then found again). */
  readonly timeMoves: number;
}

/** The time before {@link TickInterrupt.attach}: nothing runs then. */
const NO_TIME: TickTime = { cyclesNow: () => 0, timeMoves: 0 };

/** What the tick interrupt needs of the kernel. */
export interface TickInterruptDeps {
  /** The core: the frame is stacked and unstacked through it, the handler charged to it. */
  readonly core: Core;
  /** The alarm multiplexer (the tick's channel and the hold while the handler runs). */
  readonly mux: AlarmMux;
  /** The exception paths' costs (the handler's body, the tail-chain). */
  readonly timing: CpuTiming;
  /** The memory checker (told of the stack pointer's move to the frame and back), or null. */
  readonly checker: MemoryChecker | null;
  /** Core cycles per SysTick period. */
  readonly cyclesPerTick: number;
  /** How many tasks the tick `tick` wakes (timers expiring at exactly that tick). */
  readonly wakesAt: (tick: number) => number;
}

/**
 * SysTick taken while a task runs (docs/timing.md, "A SysTick"): every tick that falls while the
 * task's own code runs is taken at that point, at the first access or `t.compute` cycle past the
 * tick (the core's cycle alarm, through the kernel's {@link AlarmMux}). The entry stacks its
 * 8-word frame on the task's stack at its SP with its privilege (below the 72 bytes an FP
 * context reserves), the handler's body is charged (`tickWake` and `tickWakeMore` when the tick
 * wakes tasks, `tickIdle` when it wakes none), and the return unstacks the frame. All of it is the
 * running task's time. A frame that does not fit faults as on silicon (MemManage MSTKERR,
 * BusFault STKERR, UsageFault STKOF under PSPLIM): the task's fault; the SysTick stays pending and
 * is taken by tail-chaining after the fault handler.
 *
 * A tick that falls while the kernel works for the task (its SVC, the return to it) is pending
 * until the task runs again: tail-chained at the SVC's return (no frame of its own), or taken at
 * the task's next instruction. One that is still pending when the task leaves the CPU, or that
 * falls in the switch path or in idle, is charged only when it wakes a task (by the kernel's
 * wake path, figured on the main stack).
 */
export class TickInterrupt {
  private readonly core: Core;
  private readonly mux: AlarmMux;
  private readonly timing: CpuTiming;
  private readonly checker: MemoryChecker | null;
  /** Simulated time (the scheduler's), given by {@link TickInterrupt.attach}. */
  private time: TickTime = NO_TIME;
  private readonly cyclesPerTick: number;
  private readonly wakesAt: (tick: number) => number;
  private readonly slot: AlarmSlot;
  /** The frame the entry stacks (PC set at each tick; the other registers are zeros in the model). */
  private readonly frame = new Uint32Array([0, 0, 0, 0, 0, 0, 0, XPSR_THUMB]);
  private readonly fire = (): void => this.due();
  /** The task whose code runs (between the return to it and its next SVC), or null. */
  private running: KTask | null = null;
  /** The task holding the CPU (from the return to its code to its switch-out), or null. */
  private armedFor: KTask | null = null;
  /**
   * The next tick, and its cycle in the core's count (its boundary): the alarm stays set there
   * across switches, whoever holds the CPU when it falls.
   */
  private nextTick = 0;
  private nextAt = Number.POSITIVE_INFINITY;
  /**
   * The scheduler's `timeMoves` when the alarm was set (-1: never set): time that moves outside
   * the core's count (idle, the wake path's charges) changes the next tick's cycle in the core's
   * count, which is then found again.
   */
  private moves = -1;
  /** A tick fell while the kernel worked for the task: taken when its code goes on. */
  private pending = false;
  /** The tick at `nextAt` could not be taken (a host error in its handler): taken at the next chance. */
  private late = false;
  /** Ticks whose wakes the handler here charged (the wake path charges them nothing more). */
  private readonly charged = new Set<number>();
  /** Ticks taken while a task ran (every board, every task): for tests and reports. */
  taken = 0;

  constructor(deps: TickInterruptDeps) {
    this.core = deps.core;
    this.mux = deps.mux;
    this.timing = deps.timing;
    this.checker = deps.checker;
    this.cyclesPerTick = deps.cyclesPerTick;
    this.wakesAt = deps.wakesAt;
    this.slot = deps.mux.channel();
  }

  /**
   * The simulated time to read: the scheduler's (`Scheduler.cyclesNow`, `Scheduler.timeMoves`),
   * given once it is built (its hooks, the context switcher's, take this interrupt).
   */
  attach(time: TickTime): void {
    this.time = time;
  }

  /**
   * The task's code runs (the end of the return to it): a tick that fell meanwhile is taken now
   * (as the tick it was); then the next one is found again when simulated time moved outside the
   * core's count since it was armed (the alarm is otherwise left as it is: a switch costs no
   * re-arming).
   */
  enterCode(k: KTask): void {
    this.running = k;
    this.armedFor = k;
    if (this.pending) this.mux.hold(() => this.take(k));
    if (this.time.timeMoves !== this.moves) this.arm();
  }

  /** The task's code stopped at a request (its SVC entry follows). */
  leaveCode(): void {
    this.running = null;
  }

  /**
   * At the start of the return to a task whose SVC frame is stacked: a tick that fell during the
   * SVC handler is tail-chained into (6 cycles and the handler's body), no frame of its own.
   */
  tailChain(): void {
    if (!this.pending || this.armedFor === null) return;
    this.pending = false;
    const tick = this.nextTick;
    this.core.charge(this.timing.tailChain + this.body(tick));
    this.taken++;
    this.rearm();
  }

  /**
   * The task left the CPU (switched out, paused, faulted): a pending tick is left to the wake
   * path and the next one armed; the alarm stays set for whoever runs next.
   */
  stop(): void {
    this.armedFor = null;
    this.running = null;
    if (this.pending) {
      this.pending = false;
      this.rearm();
    }
  }

  /** Simulated time moved on outside the core's count (the wake path's charge): the next tick is found again. */
  resync(): void {
    if (!this.pending) this.arm();
  }

  /**
   * Whether the handler here charged the wakes of tick `tick` (the wake path then charges none);
   * forgets the ticks before it (the wakes come in tick order).
   */
  chargedWakes(tick: number): boolean {
    if (this.charged.size === 0) return false;
    for (const t of this.charged) if (t < tick) this.charged.delete(t);
    return this.charged.has(tick);
  }

  /**
   * `t.compute(cycles)`: computation is interruptible at any cycle, so a tick that falls inside
   * it is taken at its exact cycle (the part before it charged first), as many as fall.
   */
  compute(cycles: number): void {
    const core = this.core;
    let n = cycles;
    while (this.running !== null && !this.pending && core.cycles + n > this.nextAt) {
      const first = this.nextAt - core.cycles;
      if (first > 0) {
        core.charge(first); // lands on the tick's cycle: the alarm is not past yet
        n -= first;
      }
      const k = this.running;
      if (k === null || this.pending || (core.cycles !== this.nextAt && !this.late)) break;
      this.mux.hold(() => this.take(k));
    }
    core.charge(n);
  }

  /** The tick that could not be taken is taken late: at the task's next access, charge or computation. */
  private retry(): void {
    this.late = true;
    this.slot.setAlarm(this.nextAt, this.fire);
  }

  /** Arms the first tick after now. */
  private arm(): void {
    const now = this.time.cyclesNow();
    const cpt = this.cyclesPerTick;
    const tick = Math.floor(now / cpt) + 1;
    this.moves = this.time.timeMoves;
    this.nextTick = tick;
    this.nextAt = this.core.cycles + (tick * cpt - now);
    this.slot.setAlarm(this.nextAt, this.fire);
  }

  /**
   * Arms the first tick after the count now: ticks that fell while one was pending or being
   * handled merge into it, as SysTick's one pending bit merges them (and the task's code gets at
   * least a cycle between two ticks, even when a handler takes longer than a tick).
   */
  private rearm(): void {
    const cpt = this.cyclesPerTick;
    const now = this.core.cycles;
    do {
      this.nextTick++;
      this.nextAt += cpt;
    } while (this.nextAt <= now);
    this.slot.setAlarm(this.nextAt, this.fire);
  }

  /**
   * The alarm: the tick is taken at once in the task's code, else it pends while the kernel works
   * for the task; between tasks (the switch path) it is left to the wake path and the next armed.
   */
  private due(): void {
    const k = this.running;
    if (k === null || k !== this.armedFor || this.core.pendingFault !== null) {
      if (this.armedFor !== null) this.pending = true;
      else this.rearm();
      return;
    }
    this.take(k);
  }

  /** The handler's body at tick `tick`: its wakes (charged here once), or a tick that wakes nothing. */
  private body(tick: number): number {
    const c = this.timing.costs;
    const wakes = this.wakesAt(tick);
    if (wakes === 0) return c.tickIdle;
    this.charged.add(tick);
    return c.tickWake + (wakes - 1) * c.tickWakeMore;
  }

  /** SysTick taken in `k`'s code: entry (its frame on the task's stack), the handler, the return. */
  private take(k: KTask): void {
    const core = this.core;
    const tick = this.nextTick;
    this.pending = false;
    this.late = false;
    const fp = this.timing.fpu && k.ctx.usesFpu;
    const sp = k.ctx.sp;
    const at = (sp - (fp ? FP_AREA_BYTES : 0)) >>> 0;
    const bottom = k.stack.base + GUARD_BYTES;
    const checker = this.checker;
    if (checker !== null) {
      const low = ((at - 32) & ~7) >>> 0;
      if (low >= bottom && low < k.stack.top) checker.stackPointer(k.id, low);
    }
    core.charge(k.timing.interruptEntry);
    const frame = this.frame;
    frame[6] = (k.ctx.pc & ~1) >>> 0;
    let frameAt: number;
    try {
      frameAt = core.pushFrame(at, frame);
    } catch (e) {
      if (e instanceof Fault) {
        // The task's fault; its entry stands in for the SysTick's (nothing more charged for it).
        // The SysTick stays pending and is tail-chained after the fault handler.
        tickStackingFaults.add(e);
        if ((e.cfsr & Cfsr.STKOF) !== 0) taskControl(k.ctx).sp = core.stackLimit;
        core.charge(this.timing.tailChain + this.body(tick));
        this.taken++;
        this.rearm();
        this.stop();
      } else this.retry(); // JavaScript's own error (see below): the tick is not lost
      throw e;
    }
    // The handler (Handler mode, the kernel's code), then the return with the task's privilege.
    const actor = core.actor;
    core.mode = "handler";
    core.actor = makeActor(ActorMode.Kernel, k.id);
    try {
      core.charge(this.body(tick));
    } catch (e) {
      // Not a fault: JavaScript's own (a task that recursed to the edge of the host's stack
      // before its computation). The task never keeps the handler's privilege, and the tick is
      // taken again at the task's next access or computation.
      this.retry();
      throw e;
    } finally {
      core.mode = "thread";
      core.actor = actor;
    }
    core.charge(k.timing.exceptionReturn);
    core.unstackFrame(frameAt, frame);
    core.fetch(k.ctx.pc);
    if (checker !== null && sp >= bottom && sp <= k.stack.top) checker.stackPointer(k.id, sp);
    this.taken++;
    this.rearm();
  }
}
