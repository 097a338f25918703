import type { FaultRecord } from "./result.js";

/**
 * A hardware fault's exception and cause in one phrase, as the run's timeline, trace and SVG
 * name it: the cause where the core's fault status registers hold it (`MemManage`); the
 * HardFault it escalated to, and from what (`HardFault (escalated MemManage)`); on ARMv6-M, where
 * every fault is a HardFault and no register holds the class, the HardFault and the simulator's
 * classification (`HardFault (simulator: MemManage)`; docs/fault-reports.md, "ARMv6-M").
 *
 * @example
 * ```ts
 * import { type FaultRecord, faultCause } from "@rtos-sim/apps";
 * function faultLine(f: FaultRecord): string {
 *   return `${faultCause(f)} ${f.cfsrNames.join("|")}`; // "HardFault (simulator: MemManage) DACCVIOL|MMARVALID" on the RP2040
 * }
 * ```
 */
export function faultCause(f: FaultRecord): string {
  if (f.escalated) return `${f.exceptionName} (escalated ${f.cause})`;
  return f.faultStatusRegisters ? f.cause : `${f.exceptionName} (simulator: ${f.cause})`;
}
