import { EventEmitter } from "eventemitter3";
import type { Fault } from "./fault.js";

/**
 * The code of a {@link ConfigWarning}: an UNPREDICTABLE MPU setting written through the
 * registers and the project's choice for it (docs/mpu-model.md; the hw README's tables).
 *
 * PMSAv7: `MPU_SIZE_TOO_SMALL` (RASR.SIZE < 4), `MPU_BASE_MISALIGNED`, `MPU_SRD_IGNORED`,
 * `MPU_AP_RESERVED`, `MPU_TEX_RESERVED`, `MPU_RNR_RANGE`, `MPU_RBAR_REGION_RANGE`,
 * `MPU_HFNMIENA_WITHOUT_ENABLE`; PMSAv8 also: `MPU_MAIR_RESERVED`, `MPU_DEVICE_EXECUTABLE`,
 * `MPU_SH_RESERVED`.
 */
export type ConfigWarningCode =
  | "MPU_SIZE_TOO_SMALL"
  | "MPU_BASE_MISALIGNED"
  | "MPU_SRD_IGNORED"
  | "MPU_AP_RESERVED"
  | "MPU_TEX_RESERVED"
  | "MPU_RNR_RANGE"
  | "MPU_RBAR_REGION_RANGE"
  | "MPU_HFNMIENA_WITHOUT_ENABLE"
  | "MPU_MAIR_RESERVED"
  | "MPU_DEVICE_EXECUTABLE"
  | "MPU_SH_RESERVED";

/** A configuration the model accepts but the architecture calls UNPREDICTABLE (or reserved). */
export interface ConfigWarning {
  /** Stable code, e.g. "MPU_SIZE_TOO_SMALL", "MPU_BASE_MISALIGNED", "MPU_AP_RESERVED". */
  readonly code: ConfigWarningCode;
  /** Human-readable explanation, naming the register field and the choice the model made. */
  readonly message: string;
  /** MPU region number, when the warning is about one region. */
  readonly region?: number;
  /** Register field, e.g. "RASR.SIZE". */
  readonly field?: string;
  /** The offending field value, when there is one. */
  readonly value?: number;
}

/** A change to the MPU's registers. */
export interface MpuChange {
  /** Register name, e.g. "RASR", "RBAR_A2", "CTRL". */
  readonly register: string;
  /** Region affected, or null for CTRL/RNR. */
  readonly region: number | null;
  /** The register's new value (PMSAv7 RBAR: the word written, VALID and REGION included). */
  readonly value: number;
}

/** Typed events of the hardware model. */
export interface HwEvents {
  /** A fault was taken (also thrown by the faulting access). */
  fault: [fault: Fault];
  /** An MPU register was written. */
  "mpu-reconfigured": [change: MpuChange];
  /** A configuration warning (UNPREDICTABLE setting, project choice applied). */
  warning: [warning: ConfigWarning];
}

/** Whether an event has ever had a listener (see {@link HwEmitter.watched}). */
export type HwWatched = { -readonly [K in keyof HwEvents]: boolean };

/**
 * The hardware model's event emitter (EventEmitter3 with a typed event map). `watched` says
 * which events ever had a listener: the MPU tests it before `listenerCount` at every context
 * switch's reload, since `listenerCount` is a lookup in the emitter's map through a call site
 * every emitter class shares (megamorphic).
 */
export class HwEmitter extends EventEmitter<HwEvents> {
  /** Per event, whether it ever had a listener (set by `on`, `once`, `addListener`; never reset). */
  readonly watched: HwWatched = { fault: false, "mpu-reconfigured": false, warning: false };

  /** Adds a listener (and marks the event watched). */
  override on<T extends keyof HwEvents>(event: T, fn: (...args: HwEvents[T]) => void, context?: unknown): this {
    this.watched[event] = true;
    return super.on(event, fn as never, context);
  }

  /** Adds a one-time listener (and marks the event watched). */
  override once<T extends keyof HwEvents>(event: T, fn: (...args: HwEvents[T]) => void, context?: unknown): this {
    this.watched[event] = true;
    return super.once(event, fn as never, context);
  }

  /** Same as {@link HwEmitter.on}. */
  override addListener<T extends keyof HwEvents>(
    event: T,
    fn: (...args: HwEvents[T]) => void,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }
}
