import { CORE_PROFILES } from "./board/cores.js";
import { isBoard } from "./board/is-board.js";
import type { Board } from "./board/types.js";
import { Core } from "./core.js";
import { HwError } from "./errors.js";
import { HwEmitter } from "./events.js";
import { Bus } from "./memory/bus.js";
import { PMSAV6, PMSAV7 } from "./mpu/config.js";
import type { GranuleLayout } from "./mpu/model.js";
import { Mpu } from "./mpu/mpu.js";
import type { MpuArchitecture } from "./mpu/view.js";
import { MpuV8 } from "./mpu-v8/mpu-v8.js";
import { Ppb } from "./scs/ppb.js";
import { Scb } from "./scs/scb.js";
import { SysTick } from "./scs/systick.js";

/** The MPU model of each architecture. */
export interface MpuByArchitecture {
  /** ARMv7-M PMSAv7: {@link Mpu}. */
  readonly pmsav7: Mpu;
  /** ARMv8-M PMSAv8: {@link MpuV8}. */
  readonly pmsav8: MpuV8;
}

/** How each architecture's MPU is built for a board (one entry per architecture). */
const MPU_MODELS: {
  readonly [A in MpuArchitecture]: (board: Board, layout: GranuleLayout, events: HwEmitter) => MpuByArchitecture[A];
} = {
  pmsav7: (board, layout, events) =>
    new Mpu(board.mpuRegions, layout, events, CORE_PROFILES[board.core].mpuAliases ? PMSAV7 : PMSAV6),
  pmsav8: (board, layout, events) =>
    new MpuV8(board.mpuRegions, layout, events, { pxn: CORE_PROFILES[board.core].pxn }),
};

/**
 * A simulated microcontroller: board, bus, core (with MPU and fault registers), SysTick, events.
 * `A` is the MPU architecture when the board's is known statically (`createMachine(STM32F407)`
 * has an `Mpu`, `createMachine(STM32U585)` an `MpuV8`); otherwise `mpu` is either, told apart by
 * `mpu.architecture`.
 */
export interface Machine<A extends MpuArchitecture = MpuArchitecture> {
  /** The board it was built from. */
  readonly board: Board<A>;
  /** Memory and peripherals, without permission checks. */
  readonly bus: Bus;
  /** The core: every access through it is MPU-checked, hooked, cycle-counted and may fault. */
  readonly core: Core;
  /** The MPU (also reachable through its registers in the PPB). */
  readonly mpu: MpuByArchitecture[A];
  /** The System Control Block (CCR, SHCSR, fault status and address registers). */
  readonly scb: Scb;
  /** The SysTick timer (advanced by its owner, e.g. the scheduler). */
  readonly systick: SysTick;
  /** Fault, MPU reconfiguration and configuration warning events. */
  readonly events: HwEmitter;
}

/**
 * Builds a machine from a board: zeroed memory, MPU disabled (reset state), Thread mode,
 * privileged, SHCSR = 0 (every configurable fault escalates to HardFault until enabled).
 *
 * @example
 * ```ts
 * import { createMachine, Fault, STM32F407 } from "@rtos-sim/hw";
 * const m = createMachine(STM32F407);
 * m.core.write32(0x20000000, 0xdeadbeef);
 * m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "priv-rw" });
 * m.mpu.setControl({ enable: true, privdefena: true });
 * m.core.controlNPriv = true; // drop to unprivileged Thread mode
 * try {
 *   m.core.read32(0x20000000);
 * } catch (e) {
 *   if (e instanceof Fault) console.log(e.message);
 * }
 * // MemManage DACCVIOL|MMARVALID at 0x20000000 escalated to HardFault (HFSR.FORCED) on read of 4 byte(s) at 0x20000000
 * ```
 */
export function createMachine<A extends MpuArchitecture>(board: Board<A>): Machine<A> {
  if (!isBoard(board)) {
    throw new HwError(
      "BOARD_INVALID",
      "createMachine needs a board (a built-in one, or one from defineBoard or parseBoardJson)",
      {
        value: board === null ? "null" : typeof board,
      },
    );
  }
  const events = new HwEmitter();
  const bus = new Bus(board);
  const scb = new Scb(board.core);
  const mpu = MPU_MODELS[board.mpuArchitecture as MpuArchitecture](board, bus.layout, events) as MpuByArchitecture[A];
  const systick = new SysTick();
  const ppb = new Ppb(scb, mpu, systick);
  const core = new Core(bus, mpu, scb, ppb, events);
  return { board, bus, core, mpu, scb, systick, events };
}
