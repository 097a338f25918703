/**
 * `@rtos-sim/hw`: the hardware model.
 *
 * - Boards and their memory maps (ARMv6-M: RP2040; STM32F407, STM32H743xI/xG, STM32H750xB, MPS2-AN386; ARMv8-M:
 *   STM32U585, RP2350, MPS2-AN505, MPS3-AN547), custom boards from a typed description ({@link defineBoard}), a JSON file ({@link parseBoardJson})
 *   or the `MEMORY` block of a GNU ld linker script ({@link boardFromLinkerScript}).
 * - The bus: ArrayBuffer-backed memory, peripherals, precise BusFaults for unmapped and read-only
 *   memory, IBUSERR for fetches from non-executable memory.
 * - The core: Thread/Handler mode, CONTROL.nPRIV, execution priority, every load/store/fetch
 *   checked by the ARMv7-M PMSAv7 MPU or the ARMv8-M PMSAv8 MPU (programmed through their
 *   registers; decisions precomputed per configuration), memory attributes (unaligned Device
 *   access faults), exception stacking, the ARMv8-M stack limits (PSPLIM/MSPLIM, STKOF).
 * - MPU drivers ({@link createMpuDriver}): a kernel's grants laid out into each architecture's
 *   regions, cached per configuration, loaded at a switch only when not loaded already.
 * - Fault registers as the silicon holds them (CFSR, MMFAR, BFAR, HFSR, SHCSR, CCR) and typed
 *   {@link Fault} objects; HardFault escalation and lockup.
 * - An {@link AccessHook} for memory checkers and typed events ({@link HwEmitter}).
 *
 * @example
 * ```ts
 * import { createMachine, Fault, hex32, STM32F407 } from "@rtos-sim/hw";
 * const m = createMachine(STM32F407);
 * m.mpu.setRegion(0, { base: 0x20000000, size: 0x8000, access: "rw" });
 * m.mpu.setControl({ enable: true, privdefena: true });
 * m.core.controlNPriv = true; // unprivileged Thread mode
 * m.core.write32(0x20000000, 1); // allowed
 * try {
 *   m.core.read32(0x20008000);
 * } catch (e) {
 *   // MemManage DACCVIOL, escalated to HardFault while SHCSR.MEMFAULTENA = 0 (reset)
 *   if (e instanceof Fault) console.log(e.exception, e.cause, hex32(e.cfsr), hex32(m.scb.mmfar));
 * }
 * // 3 4 0x00000082 0x20008000
 * ```
 *
 * @packageDocumentation
 */

export type { AccessFilter, AccessHook, AccessRecord, AccessSize } from "./access.js";
export { AccessKind, ActorMode, accessKindName, actorMode, actorTask, makeActor, withActorMode } from "./access.js";
export { AccessPath } from "./access-path.js";
export { ViewBit, ViewCache } from "./access-view.js";
export { MPS2_AN386 } from "./board/builtin/mps2-an386.js";
export { MPS2_AN505 } from "./board/builtin/mps2-an505.js";
export { MPS3_AN547 } from "./board/builtin/mps3-an547.js";
export { RP2040 } from "./board/builtin/rp2040.js";
export { RP2350 } from "./board/builtin/rp2350.js";
export type { Stm32SignatureSpec } from "./board/builtin/stm32-signature.js";
export { simulatedUid, stm32Signature } from "./board/builtin/stm32-signature.js";
export { STM32F407 } from "./board/builtin/stm32f407.js";
export { STM32H743XG, STM32H743XI, STM32H750XB } from "./board/builtin/stm32h7.js";
export { STM32U585 } from "./board/builtin/stm32u585.js";
export { BOARDS, findBoard } from "./board/builtin/table.js";
export { halfwordLE, wordsLE } from "./board/contents.js";
export type { CoreProfile, MpuOf } from "./board/cores.js";
export { CORE_PROFILES, pmsaName } from "./board/cores.js";
export { CORE_KINDS, defineBoard, isCoreKind, MAX_BOARD_MEMORY, MAX_BOARD_REGIONS } from "./board/define.js";
export { isBoard } from "./board/is-board.js";
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
  MemoryContents,
  MemoryContentsSpec,
  MemoryKind,
  MemoryRegion,
  MemoryRegionSpec,
  PeripheralRangeSpec,
} from "./board/types.js";
export { valueText } from "./board/value-text.js";
export type { Mode } from "./core.js";
export { Core, THREAD_PRIORITY } from "./core.js";
export type { HwErrorCode } from "./errors.js";
export { HwError, SimError } from "./errors.js";
export type { ConfigWarning, ConfigWarningCode, HwEvents, MpuChange } from "./events.js";
export { HwEmitter, type HwWatched } from "./events.js";
export type { FaultInfo } from "./fault.js";
export { Cfsr, decodeCfsr, decodeHfsr, ExceptionNumber, exceptionName, Fault, Hfsr } from "./fault.js";
export { hex32 } from "./format.js";
export type { Machine, MpuByArchitecture } from "./machine.js";
export { createMachine } from "./machine.js";
export type { BitBandWindow } from "./memory/bit-band.js";
export {
  BIT_BAND_ALIAS_BYTES,
  BIT_BAND_REGION_BYTES,
  BIT_BAND_WINDOWS,
  bitBandAliasOf,
  bitBandBit,
  bitBandByte,
  isBitBandAlias,
} from "./memory/bit-band.js";
export type { BufferLayout } from "./memory/buffer-layout.js";
export { bufferLayout, FAST_BLOCK, FAST_BLOCK_SHIFT } from "./memory/buffer-layout.js";
export type { PeripheralHit } from "./memory/bus.js";
export { Bus, DECODE_SHIFT } from "./memory/bus.js";
export type { BusMasterError, BusMasterRefusal, HookSource } from "./memory/bus-master.js";
export { BusMaster } from "./memory/bus-master.js";
export type { Peripheral, PeripheralAccess } from "./memory/peripheral.js";
export { isMemoryPort, type MemoryPort } from "./memory/port.js";
export { MemorySegment } from "./memory/segment.js";
export type { MemoryTypeSetting, MpuRegionSettings, Pmsav7RegionView, Pmsav7Variant } from "./mpu/config.js";
export { decodeRegion, encodeRegion, PMSAV6, PMSAV7 } from "./mpu/config.js";
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
export type { GranuleLayout, MpuControlSettings, MpuModel, PermTable } from "./mpu/model.js";
export { Mpu } from "./mpu/mpu.js";
export { MpuBase } from "./mpu/mpu-base.js";
export { MpuPairProgram } from "./mpu/pair-program.js";
export { GRANULE_SHIFT, PERM_ALL, PERM_PRIV, Perm } from "./mpu/perm.js";
export type { MpuArchitecture, MpuRegionView } from "./mpu/view.js";
export { createMpuDriver, MPU_DRIVERS } from "./mpu-driver/create.js";
export type { Realised } from "./mpu-driver/driver.js";
export { GrantDriver } from "./mpu-driver/driver.js";
export type { RegionPiece } from "./mpu-driver/layout.js";
export {
  PMSAV7_ACCESSES,
  Pmsav7Driver,
  pmsav7BaseAligned,
  pmsav7Rasr,
  pmsav7Rbar,
  pmsav7SizeFits,
  pmsav7StackGuard,
} from "./mpu-driver/pmsav7.js";
export {
  PMSAV8_ACCESSES,
  PMSAV8_ATTR_INDEX,
  PMSAV8_MAIR,
  Pmsav8Driver,
  pmsav8Granular,
  pmsav8Overlap,
  pmsav8Rbar,
  pmsav8Rlar,
  pmsav8StackLimit,
} from "./mpu-driver/pmsav8.js";
export type {
  MpuConfig,
  MpuConfigRequest,
  MpuDriver,
  MpuGrant,
  MpuRegionUse,
  RegionAccess,
} from "./mpu-driver/types.js";
export type { MpuV8RegionSettings, Pmsav8RegionView } from "./mpu-v8/config.js";
export { decodeRegionV8, encodeRegionV8 } from "./mpu-v8/config.js";
export type { AccessV8, DeviceType, MairAttribute } from "./mpu-v8/fields.js";
export {
  AP_V8_NAMES,
  AP_V8_VALUES,
  apV8Perm,
  decodeMairAttr,
  MAIR_OF,
  MpuV8Reg,
  RbarV8,
  Rlar,
  regionV8Perm,
  rlarDefined,
  SH_NAMES,
} from "./mpu-v8/fields.js";
export { MpuV8 } from "./mpu-v8/mpu-v8.js";
export { ceilLog2, floorLog2, isPowerOfTwo, powerOfTwoAtLeast, powerOfTwoAtMost } from "./pow2.js";
export { Ppb } from "./scs/ppb.js";
export { Ccr, Scb, ScbReg, Shcsr, scbRegisterAbsent } from "./scs/scb.js";
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
