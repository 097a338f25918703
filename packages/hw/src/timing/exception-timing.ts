import type { Board, CoreKind } from "../board/types.js";

/**
 * Published exception timing of a core, in core cycles, with zero-wait-state memory (see the
 * "Timing" section of the hw README for the sources and the model's choices).
 */
export interface ExceptionLatency {
  /** From the exception to the first instruction of its handler (the 8-word stacking included). */
  readonly entry: number;
  /** From the exception return to the first instruction of the code returned to (unstacking included). */
  readonly exit: number;
  /**
   * Extra cycles to write (lazy state preservation) or read back the FP part of an extended frame
   * (S0-S15, FPSCR: 17 words); 0 for a core without an FPU.
   */
  readonly fpContext: number;
  /** A pending exception taken straight after a return (no unstacking and restacking). */
  readonly tailChain: number;
}

/**
 * Exception latencies per core. Cortex-M3/M4: 12 cycles on entry, 10 on exit (Arm knowledge
 * article 103489845; the Cortex-M3 TRM's 12 on exit is a known typo), +17 on entry and on exit
 * when the FP context is stacked (Cortex-M4 TRM), 6 for tail-chaining (Yiu, The Definitive Guide
 * to Arm Cortex-M3 and Cortex-M4, ch. 8). Cortex-M7: Arm gives "typically 12, worst case 14" on
 * entry (Cortex-M for Beginners) and publishes no exit or FP figures: the model takes 12, and the
 * Cortex-M4's 10, 17 and 6. Cortex-M33: 12 on entry (Cortex-M for Beginners' latency table);
 * Cortex-M55: no published figure. For both, the model takes the Cortex-M4's 12, 10, 17 and 6
 * (a project choice, in the hw README's "Timing" section). Cortex-M0+: 15 on entry (Arm's latency
 * table of the Cortex-M family); Arm publishes no exit or tail-chain figure: the model takes 13 on
 * exit (the Cortex-M3/M4's two cycles less than entry, which has the vector read) and 6 to
 * tail-chain (the vector read and fetch, {@link VECTOR_FETCH_CYCLES}), project choices in
 * docs/timing.md.
 */
export const EXCEPTION_LATENCY: Readonly<Record<CoreKind, ExceptionLatency>> = Object.freeze({
  "cortex-m0plus": Object.freeze({ entry: 15, exit: 13, fpContext: 0, tailChain: 6 }),
  "cortex-m3": Object.freeze({ entry: 12, exit: 10, fpContext: 0, tailChain: 6 }),
  "cortex-m4": Object.freeze({ entry: 12, exit: 10, fpContext: 17, tailChain: 6 }),
  "cortex-m7": Object.freeze({ entry: 12, exit: 10, fpContext: 17, tailChain: 6 }),
  "cortex-m33": Object.freeze({ entry: 12, exit: 10, fpContext: 17, tailChain: 6 }),
  "cortex-m55": Object.freeze({ entry: 12, exit: 10, fpContext: 17, tailChain: 6 }),
});

/** Cycles of the 8-word exception stacking with zero-wait-state memory (the entry's "9-cycle push"). */
export const STACKING_CYCLES = 9;
/** Cycles of the vector read and the handler's first fetch with zero-wait-state memory. */
export const VECTOR_FETCH_CYCLES = 6;
/** Words of a basic exception frame (R0-R3, R12, LR, PC, xPSR). */
export const BASIC_FRAME_WORDS = 8;
/** Words of an extended frame's FP part (S0-S15, FPSCR, a reserved word). */
export const FP_FRAME_WORDS = 18;

/**
 * The memory interface of the core an access goes out on. Cortex-M3/M4: I-Code (fetches) and
 * D-Code (data) below 0x20000000, the System bus from 0x20000000 up. Cortex-M33: one Code AHB
 * interface (C-AHB) for fetches and data below 0x20000000, the System AHB (S-AHB) above (Cortex-M33
 * TRM: C-AHB carries "any instruction fetch and data access to the Code region"). Cortex-M7 and
 * Cortex-M55: the ITCM window (0x00000000-0x00FFFFFF), the DTCM window (0x20000000-0x20FFFFFF)
 * and AXIM for the rest. Cortex-M0+: one AHB-Lite master for fetches and data (its single-cycle
 * I/O port, the RP2040's SIO, carries no stacking or vector traffic), so an exception entry's
 * stacking and vector fetch go one after the other. Two accesses on different interfaces run in
 * parallel.
 */
export type BusInterface = "ahb-lite" | "icode" | "dcode" | "system" | "c-ahb" | "s-ahb" | "itcm" | "dtcm" | "axim";

/** The interface an access at `address` uses on `core` (`fetch`: an instruction or vector fetch). */
export function busInterface(core: CoreKind, address: number, fetch: boolean): BusInterface {
  const a = address >>> 0;
  if (core === "cortex-m0plus") return "ahb-lite";
  if (core === "cortex-m7" || core === "cortex-m55") {
    if (a < 0x01000000) return "itcm";
    if (a >= 0x20000000 && a < 0x21000000) return "dtcm";
    return "axim";
  }
  if (core === "cortex-m33") return a < 0x20000000 ? "c-ahb" : "s-ahb";
  if (a < 0x20000000) return fetch ? "icode" : "dcode";
  return "system";
}

/** Whether every access of `core` goes out on one interface (the Cortex-M0+'s AHB-Lite). */
function oneInterface(core: CoreKind): boolean {
  return core === "cortex-m0plus";
}

/** Wait states of the board memory holding `address` (0 outside memory: peripherals, the PPB). */
export function waitStatesAt(board: Board, address: number): number {
  const a = address >>> 0;
  for (const m of board.memory) if (a >= m.start && a < m.end) return m.waitStates;
  return 0;
}

/** Where the memory traffic of an exception entry goes. */
export interface EntryPlacement {
  /** The stack pointer the frame is pushed below (the interrupted code's). */
  readonly stack: number;
  /** The vector table (VTOR). */
  readonly vectorTable: number;
  /** The handler's first instruction. */
  readonly handler: number;
}

/**
 * Cycles of an exception entry on `board`: 3 cycles plus the 8-word stacking
 * ({@link STACKING_CYCLES}, +8 x the stack memory's wait states) and the vector read with the
 * handler's first fetch ({@link VECTOR_FETCH_CYCLES}, + the wait states of the vector table's
 * and the handler's memory), the longer of the two when they go out on different bus interfaces
 * ({@link busInterface}), their sum when they share one. With zero wait states and a stack on
 * another interface than the vectors this is the published 12 (Cortex-M3/M4/M7); on the
 * Cortex-M0+, whose one interface carries both, the published 15 is that sum (no fixed cycles).
 *
 * @example
 * ```ts
 * import { exceptionEntryCycles, MPS2_AN386 } from "@rtos-sim/hw";
 * console.log(exceptionEntryCycles(MPS2_AN386, { stack: 0x20001000, vectorTable: 0, handler: 0x100 })); // 12
 * ```
 */
export function exceptionEntryCycles(board: Board, at: EntryPlacement): number {
  const push = STACKING_CYCLES + BASIC_FRAME_WORDS * waitStatesAt(board, at.stack);
  const fetch = VECTOR_FETCH_CYCLES + waitStatesAt(board, at.vectorTable) + waitStatesAt(board, at.handler);
  const stackBus = busInterface(board.core, at.stack, false);
  const parallel =
    stackBus !== busInterface(board.core, at.vectorTable, true) &&
    stackBus !== busInterface(board.core, at.handler, true);
  // The published figure: stacking alongside the fetches on a core with two interfaces, then
  // them on a core with one (Cortex-M0+: 15 = 9 + 6, no fixed part left).
  const published = oneInterface(board.core) ? STACKING_CYCLES + VECTOR_FETCH_CYCLES : STACKING_CYCLES;
  const base = EXCEPTION_LATENCY[board.core].entry - published;
  return base + (parallel ? Math.max(push, fetch) : push + fetch);
}

/** Where the memory traffic of an exception return goes. */
export interface ReturnPlacement {
  /** The frame's address (the stack pointer of the code returned to, below its frame). */
  readonly stack: number;
  /** The instruction returned to. */
  readonly returnTo: number;
}

/**
 * Cycles of an exception return on `board`: the published 10, plus 8 x the stack memory's wait
 * states for the unstacking and the wait states of the memory of the instruction returned to.
 *
 * @example
 * ```ts
 * import { exceptionReturnCycles, STM32F407 } from "@rtos-sim/hw";
 * console.log(exceptionReturnCycles(STM32F407, { stack: 0x10000f00, returnTo: 0x08002000 })); // 15
 * // 10 + 5 = 15
 * ```
 */
export function exceptionReturnCycles(board: Board, at: ReturnPlacement): number {
  return (
    EXCEPTION_LATENCY[board.core].exit +
    BASIC_FRAME_WORDS * waitStatesAt(board, at.stack) +
    waitStatesAt(board, at.returnTo)
  );
}
