import type { Core } from "@rtos-sim/hw";

/** A cycle alarm as `Core.setAlarm` offers it: `fn` runs at the first charge past `at` (null clears it). */
export interface AlarmSlot {
  /** Sets the alarm (`fn` = null or `at` = Infinity clears it). See `Core.setAlarm`. */
  setAlarm(at: number, fn: ((due: number) => void) | null): void;
}

/** One user's alarm in an {@link AlarmMux}. */
class Channel implements AlarmSlot {
  at = Number.POSITIVE_INFINITY;
  fn: ((due: number) => void) | null = null;
  /** The {@link AlarmMux} fire this channel last ran in (one run per fire). */
  ran = 0;
  constructor(private readonly mux: AlarmMux) {}
  setAlarm(at: number, fn: ((due: number) => void) | null): void {
    const was = this.at;
    this.at = fn === null ? Number.POSITIVE_INFINITY : at;
    this.fn = fn;
    this.mux.changed(was, this.at);
  }
}

/**
 * The core has one cycle alarm (`Core.setAlarm`); the kernel has two interrupts on it, the
 * SysTick taken while a task runs and the watchdog. Each gets a channel that behaves as the
 * core's slot; the core's alarm is set to the earliest. When it fires, every channel due within
 * the charge that waited runs, earliest first, each once (a channel that sets itself again at
 * once, as the watchdog defers past kernel work, fires at the next charge), with the count that
 * charge would bring after what the earlier ones charged.
 *
 * @example
 * ```ts
 * import { createMachine, STM32F407 } from "@rtos-sim/hw";
 * import { AlarmMux, Watchdog } from "@rtos-sim/kernel";
 * const machine = createMachine(STM32F407);
 * const mux = new AlarmMux(machine.core);
 * const tick = mux.channel();
 * const dog = new Watchdog(machine.core, mux.channel());
 * tick.setAlarm(168_000, (due) => console.log(`tick due at cycle ${due}`));
 * ```
 */
export class AlarmMux {
  private readonly channels: Channel[] = [];
  /** Nested {@link AlarmMux.hold}s and fires: while > 0 the core's alarm stays clear. */
  private held = 0;
  /** The count the core's alarm is set to (Infinity: clear), so an unchanged earliest alarm is not set again. */
  private coreAt = Number.POSITIVE_INFINITY;
  /** Fires so far (marks which channels ran in the current one). */
  private fires = 0;
  private readonly fire = (due: number): void => this.run(due);

  constructor(private readonly core: Core) {}

  /** A new channel, with no alarm set. */
  channel(): AlarmSlot {
    const c = new Channel(this);
    this.channels.push(c);
    return c;
  }

  /**
   * Runs `fn` with every alarm held (an interrupt handler the others must not interrupt: they
   * fire at the first charge after it, if due). Returns what `fn` returns.
   */
  hold<T>(fn: () => T): T {
    if (this.held++ === 0) this.setCore(Number.POSITIVE_INFINITY);
    try {
      return fn();
    } finally {
      this.held--;
      this.update();
    }
  }

  /** Sets the core's alarm to the earliest channel's (none held). */
  update(): void {
    if (this.held > 0) return;
    let at = Number.POSITIVE_INFINITY;
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) {
      const c = channels[i]!;
      if (c.fn !== null && c.at < at) at = c.at;
    }
    this.setCore(at);
  }

  /**
   * A channel's alarm moved from `was` to `at` (Infinity: cleared). The core's alarm is the
   * earliest channel's: it changes only when this channel becomes the earliest or was it (the
   * watchdog is armed and disarmed at every switch, usually behind the next tick).
   */
  changed(was: number, at: number): void {
    if (this.held > 0) return;
    if (at < this.coreAt) this.setCore(at);
    else if (was === this.coreAt && at !== was) this.update();
  }

  /** Sets the core's alarm to `at` (Infinity clears it) unless it is set there already (a switch sets and clears two channels). */
  private setCore(at: number): void {
    if (at === this.coreAt) return;
    this.coreAt = at;
    this.core.setAlarm(at, at === Number.POSITIVE_INFINITY ? null : this.fire);
  }

  /** The core's alarm: the channels due within the charge that waited (`due` - cycles), earliest first. */
  private run(due: number): void {
    const core = this.core;
    const waiting = due - core.cycles;
    this.coreAt = Number.POSITIVE_INFINITY; // the core cleared its alarm to call this
    const fire = ++this.fires;
    this.held++;
    try {
      for (;;) {
        const end = core.cycles + waiting;
        let next: Channel | null = null;
        for (const c of this.channels) {
          if (c.fn !== null && c.ran !== fire && end > c.at && (next === null || c.at < next.at)) next = c;
        }
        if (next === null) return;
        const fn = next.fn!;
        next.ran = fire;
        next.at = Number.POSITIVE_INFINITY;
        next.fn = null;
        fn(end);
      }
    } finally {
      this.held--;
      this.update();
    }
  }
}
