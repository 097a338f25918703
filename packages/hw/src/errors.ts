/**
 * Base class of every typed error in rtos-sim: a stable `code` to branch on and a `context`
 * object that names the offending field or value. Each package narrows `Code`.
 *
 * @example
 * ```ts
 * import { parseBoardJson, SimError } from "@rtos-sim/hw";
 * const text = `{ "name": "b", "core": "cortex-m4", "memory": [
 *   { "name": "A", "start": "0x20000000", "size": "64K" }, { "name": "B", "start": "0x20008000", "size": "64K" } ] }`;
 * try {
 *   parseBoardJson(text);
 * } catch (e) {
 *   if (e instanceof SimError) console.log(e.code);
 * }
 * // BOARD_OVERLAP
 * ```
 */
export class SimError<Code extends string = string, Context extends object = Record<string, unknown>> extends Error {
  /** Stable, documented error code. */
  readonly code: Code;
  /** Structured details: the field, value, address... that caused the error. */
  readonly context: Context;
  /** The message without its `CODE: ` prefix: what an error that wraps this one repeats. */
  readonly detail: string;

  constructor(code: Code, message: string, context: Context) {
    super(`${code}: ${message}`);
    this.detail = message;
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
  /** Reserved: raised by no call at present (`findBoard` answers `undefined` for an unknown name). */
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
  | "MPU_GRANT_ID"
  | "MPU_CONFIG_FOREIGN"
  | "STACK_LIMIT_UNSUPPORTED"
  | "PERIPHERAL_OVERLAP"
  | "PERIPHERAL_UNMAPPED"
  | "ACCESS_SIZE"
  | "ADDRESS_RANGE"
  | "BAD_ARGUMENT";

/** A typed error of the hardware model (bad board, bad MPU setting, bad argument). */
export class HwError extends SimError<HwErrorCode> {
  constructor(code: HwErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "HwError";
  }
}

/**
 * `BAD_ARGUMENT` unless `value` is a non-null object (`what` names the argument, e.g.
 * `"setControl: settings"`): the one check before an argument's fields are read.
 */
export function requireObject(value: unknown, what: string): void {
  if (value === null || typeof value !== "object") {
    throw new HwError("BAD_ARGUMENT", `${what} must be an object, not ${value === null ? "null" : typeof value}`, {
      field: what,
      value: typeof value,
    });
  }
}

/** `BAD_ARGUMENT` unless `value` is an array-like (an object with a numeric `length`). */
export function requireArrayLike(value: unknown, what: string): void {
  requireObject(value, what);
  if (typeof (value as { length?: unknown }).length !== "number") {
    throw new HwError("BAD_ARGUMENT", `${what} must be an array of numbers`, { field: what, value: typeof value });
  }
}

/**
 * `MPU_REGION_NUMBER` unless `region` is an integer in 0..regionCount-1: the check of every typed
 * MPU call that names a region (`setRegion`, `clearRegion`, `region`).
 */
export function requireRegionNumber(region: number, regionCount: number): void {
  if (!Number.isInteger(region) || region < 0 || region >= regionCount) {
    throw new HwError("MPU_REGION_NUMBER", `MPU region ${region} does not exist (this MPU has ${regionCount})`, {
      field: "region",
      value: region,
      regionCount,
    });
  }
}
