/**
 * Base class of every typed error in rtos-sim: a stable `code` to branch on and a `context`
 * object that names the offending field or value. Each package narrows `Code`.
 *
 * @example
 * ```ts
 * try { parseBoardJson(text); } catch (e) {
 *   if (e instanceof SimError && e.code === "BOARD_OVERLAP") console.log(e.context);
 * }
 * ```
 */
export class SimError<Code extends string = string, Context extends object = Record<string, unknown>> extends Error {
  /** Stable, documented error code. */
  readonly code: Code;
  /** Structured details: the field, value, address... that caused the error. */
  readonly context: Context;

  constructor(code: Code, message: string, context: Context) {
    super(`${code}: ${message}`);
    this.name = "SimError";
    this.code = code;
    this.context = context;
  }
}

/** Error codes raised by `@rtos-sim/hw`. */
export type HwErrorCode =
  | "BOARD_INVALID"
  | "BOARD_FIELD"
  | "BOARD_OVERLAP"
  | "BOARD_UNKNOWN_CORE"
  | "BOARD_UNKNOWN"
  | "BOARD_JSON"
  | "LINKER_SCRIPT"
  | "MPU_REGION_NUMBER"
  | "MPU_FIELD_RESERVED"
  | "MPU_SIZE"
  | "MPU_ALIGNMENT"
  | "MPU_REGIONS_EXHAUSTED"
  | "MPU_GRANT_SIZE"
  | "MPU_GRANT_ALIGNMENT"
  | "MPU_GRANT_ACCESS"
  | "MPU_GRANT_GUARD"
  | "MPU_GRANT_OVERLAP"
  | "MPU_CONFIG_FOREIGN"
  | "STACK_LIMIT_UNSUPPORTED"
  | "PERIPHERAL_OVERLAP"
  | "PERIPHERAL_UNMAPPED"
  | "ACCESS_SIZE"
  | "ADDRESS_RANGE";

/** A typed error of the hardware model (bad board, bad MPU setting, bad argument). */
export class HwError extends SimError<HwErrorCode> {
  constructor(code: HwErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "HwError";
  }
}
