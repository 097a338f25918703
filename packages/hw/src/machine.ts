import type { Board } from "./board/types.js";
import { Core } from "./core.js";
import { HwEmitter } from "./events.js";
import { Bus } from "./memory/bus.js";
import { Mpu } from "./mpu/mpu.js";
import { Ppb } from "./scs/ppb.js";
import { Scb } from "./scs/scb.js";
import { SysTick } from "./scs/systick.js";

/** A simulated microcontroller: board, bus, core (with MPU and fault registers), SysTick, events. */
export interface Machine {
  readonly board: Board;
  readonly bus: Bus;
  readonly core: Core;
  readonly mpu: Mpu;
  readonly scb: Scb;
  readonly systick: SysTick;
  readonly events: HwEmitter;
}

/**
 * Builds a machine from a board: zeroed memory, MPU disabled (reset state), Thread mode,
 * privileged, SHCSR = 0 (every configurable fault escalates to HardFault until enabled).
 *
 * @example
 * ```ts
 * const m = createMachine(STM32F407);
 * m.core.write32(0x20000000, 0xdeadbeef);
 * m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
 * m.mpu.setControl({ enable: true, privdefena: true });
 * m.core.controlNPriv = true; // drop to unprivileged Thread mode
 * m.core.read32(0x20000000);  // throws Fault: HardFault (forced) from MemManage DACCVIOL
 * ```
 */
export function createMachine(board: Board): Machine {
  const events = new HwEmitter();
  const bus = new Bus(board);
  const scb = new Scb(board.core);
  const mpu = new Mpu(board.mpuRegions, bus.layout, events);
  const systick = new SysTick();
  const ppb = new Ppb(scb, mpu, systick);
  const core = new Core(bus, mpu, scb, ppb, events);
  return { board, bus, core, mpu, scb, systick, events };
}
