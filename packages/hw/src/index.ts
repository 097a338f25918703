/**
 * `@rtos-sim/hw`: the hardware model.
 *
 * - Boards and their memory maps (STM32F407, STM32H743xI/xG, STM32H750xB, MPS2-AN386), custom
 *   boards from a typed description ({@link defineBoard}), a JSON file ({@link parseBoardJson})
 *   or the `MEMORY` block of a GNU ld linker script ({@link boardFromLinkerScript}).
 * - The bus: ArrayBuffer-backed memory, peripherals, precise BusFaults for unmapped and read-only
 *   memory, IBUSERR for fetches from non-executable memory.
 * - The core: Thread/Handler mode, CONTROL.nPRIV, execution priority, every load/store/fetch
 *   checked by the ARMv7-M PMSAv7 MPU (programmed through its registers; decisions precomputed
 *   per configuration), memory attributes (unaligned Device access faults), exception stacking.
 * - Fault registers as the silicon holds them (CFSR, MMFAR, BFAR, HFSR, SHCSR, CCR) and typed
 *   {@link Fault} objects; HardFault escalation and lockup.
 * - An {@link AccessHook} for memory checkers and typed events ({@link HwEmitter}).
 *
 * @example
 * ```ts
 * const m = createMachine(STM32F407);
 * m.mpu.setRegion(0, { base: 0x20000000, size: 0x8000, access: "rw" });
 * m.mpu.setControl({ enable: true, privdefena: true });
 * m.core.controlNPriv = true;   // unprivileged Thread mode
 * m.core.write32(0x20000000, 1); // allowed
 * m.core.read32(0x20008000);     // throws Fault: MemManage DACCVIOL, MMFAR = 0x20008000,
 *                                // escalated to HardFault while SHCSR.MEMFAULTENA = 0 (reset)
 * ```
 *
 * @packageDocumentation
 */

export type { AccessFilter, AccessHook, AccessRecord, AccessSize } from "./access.js";
export { AccessKind, ActorMode, accessKindName, actorMode, actorTask, makeActor, withActorMode } from "./access.js";
export { BOARDS, findBoard, MPS2_AN386, STM32F407, STM32H743XG, STM32H743XI, STM32H750XB } from "./board/builtin.js";
export { CORE_KINDS, defineBoard, isCoreKind, MAX_BOARD_MEMORY, MAX_BOARD_REGIONS } from "./board/define.js";
export { boardFromJson, parseBoardJson } from "./board/json.js";
export type { TextPosition } from "./board/json-text.js";
export type { LinkerBoardOptions } from "./board/linker-board.js";
export { boardFromLinkerScript } from "./board/linker-board.js";
export type { LinkerMemoryRegion } from "./board/linker-script.js";
export { parseLinkerMemory } from "./board/linker-script.js";
export type { AddressRange, UsedRange } from "./board/ranges.js";
export { subtractRanges } from "./board/ranges.js";
export type { SizeLiteralOptions, SizeLiteralResult } from "./board/size.js";
export { parseSizeLiteral } from "./board/size.js";
export type {
  Board,
  BoardSpec,
  CoreKind,
  MemoryKind,
  MemoryRegion,
  MemoryRegionSpec,
  PeripheralRangeSpec,
} from "./board/types.js";
export type { Mode } from "./core.js";
export { Core, THREAD_PRIORITY } from "./core.js";
export type { HwErrorCode } from "./errors.js";
export { HwError, SimError } from "./errors.js";
export type { ConfigWarning, HwEvents, MpuChange } from "./events.js";
export { HwEmitter } from "./events.js";
export type { FaultInfo } from "./fault.js";
export { Cfsr, decodeCfsr, decodeHfsr, ExceptionNumber, exceptionName, Fault, Hfsr } from "./fault.js";
export { hex32 } from "./format.js";
export type { Machine } from "./machine.js";
export { createMachine } from "./machine.js";
export type { PeripheralHit } from "./memory/bus.js";
export { Bus, DECODE_SHIFT } from "./memory/bus.js";
export type { Peripheral, PeripheralAccess } from "./memory/peripheral.js";
export type { MemoryPort } from "./memory/port.js";
export { MemorySegment } from "./memory/segment.js";
export type { MemoryTypeSetting, MpuRegionSettings, MpuRegionView } from "./mpu/config.js";
export { decodeRegion, encodeRegion } from "./mpu/config.js";
export type { AccessPermission, DefaultMapRange, MemoryAttributes, MemoryType } from "./mpu/fields.js";
export {
  AP_NAMES,
  AP_VALUES,
  apPerm,
  backgroundPerm,
  decodeMemoryAttributes,
  defaultMapRange,
  defaultPerm,
  isSystemXn,
  MpuCtrl,
  MpuReg,
  Rasr,
  Rbar,
  rasrPerm,
  regionSizeBytes,
} from "./mpu/fields.js";
export type { GranuleLayout, PermTable } from "./mpu/mpu.js";
export { Mpu } from "./mpu/mpu.js";
export { GRANULE_SHIFT, PERM_ALL, PERM_PRIV, Perm } from "./mpu/perm.js";
export { ceilLog2, isPowerOfTwo, powerOfTwoAtLeast, powerOfTwoAtMost } from "./pow2.js";
export { Ppb } from "./scs/ppb.js";
export { Ccr, Scb, ScbReg, Shcsr } from "./scs/scb.js";
export { SysTick, SysTickReg } from "./scs/systick.js";
export type { BusInterface, EntryPlacement, ExceptionLatency, ReturnPlacement } from "./timing/exception-timing.js";
export {
  BASIC_FRAME_WORDS,
  busInterface,
  EXCEPTION_LATENCY,
  exceptionEntryCycles,
  exceptionReturnCycles,
  FP_FRAME_WORDS,
  STACKING_CYCLES,
  VECTOR_FETCH_CYCLES,
  waitStatesAt,
} from "./timing/exception-timing.js";
