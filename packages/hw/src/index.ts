/**
 * `@rtos-sim/hw`: the hardware model. Boards and their memory maps, the bus (precise BusFaults for
 * unmapped and read-only memory), CPU mode and privilege, the ARMv7-M PMSAv7 MPU programmed through
 * its registers, memory attributes, the fault registers (CFSR, MMFAR, BFAR, HFSR, SHCSR, CCR), an
 * access hook for memory checkers, and typed events.
 *
 * @packageDocumentation
 */

export type { AccessHook, AccessRecord, AccessSize } from "./access.js";
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
export type { Machine } from "./machine.js";
export { hex32 } from "./format.js";
export { createMachine } from "./machine.js";
export type { PeripheralHit } from "./memory/bus.js";
export { Bus, DECODE_SHIFT } from "./memory/bus.js";
export type { Peripheral, PeripheralAccess } from "./memory/peripheral.js";
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
export { Ppb } from "./scs/ppb.js";
export { Ccr, Scb, ScbReg, Shcsr } from "./scs/scb.js";
export { SysTick, SysTickReg } from "./scs/systick.js";
