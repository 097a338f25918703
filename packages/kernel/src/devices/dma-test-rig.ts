import { ActorMode, type Board, BusMaster, createMachine, makeActor, type Peripheral } from "@rtos-sim/hw";
import type { DmaEnv } from "./dma-engine.js";

/**
 * For the DMA controllers' tests: the model `make` builds, on a bare machine of `board`, attached
 * at `base`, with its clock and completion alarm in the test's hands, and the core an
 * unprivileged task's actor. `reg`/`set` read and write its registers by offset through the core.
 */
export function dmaRig<D extends Peripheral>(board: Board, base: number, make: (env: DmaEnv) => D) {
  const m = createMachine(board);
  let now = 0;
  let alarm: { at: number; fn: (at: number) => void } | null = null;
  const dma = make({
    master: new BusMaster(m.bus, m.core),
    cycles: () => now,
    alarm: {
      after(delay, fn) {
        alarm = fn === null ? null : { at: now + delay, fn };
      },
    },
  });
  m.bus.attach(base, dma);
  m.core.actor = makeActor(ActorMode.User, 3);
  return {
    m,
    dma,
    reg: (off: number) => m.core.read32(base + off),
    set: (off: number, v: number) => m.core.write32(base + off, v),
    /** A driver's port as privileged code has it (the core's own accesses). */
    kernel: {
      read32: (a: number) => m.core.read32(a),
      write32: (a: number, v: number) => m.core.write32(a, v),
    },
    /** A driver's port as a task has it (the unprivileged LDRT/STRT idiom). */
    task: {
      read32: (a: number) => m.core.read32(a, true),
      write32: (a: number, v: number) => m.core.write32(a, v, true),
    },
    /** The test's clock, in cycles. */
    now: () => now,
    advance(cycles: number) {
      now += cycles;
    },
    /** The alarm's time (null: none set). */
    alarmAt: () => alarm?.at ?? null,
    /** Moves the clock to the alarm and fires it. */
    fire() {
      const a = alarm!;
      now = a.at;
      alarm = null;
      a.fn(a.at);
    },
  };
}
