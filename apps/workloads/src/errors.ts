import { SimError } from "@rtos-sim/hw";

/**
 * Error codes raised by the apps of `@rtos-sim/apps`:
 * - `BOARD_UNSUITABLE`: the chosen board lacks what the app needs (e.g. `mpu-demo` on a board
 *   with no executable memory or no SRAM of 16 KiB); nothing ran. `rtos-sim run` reports it as
 *   a failed app (exit code 3).
 */
export type AppErrorCode = "BOARD_UNSUITABLE";

/** A typed error of an app: a stable {@link AppErrorCode}, a one-line `detail` and a context naming the board or field. */
export class AppError extends SimError<AppErrorCode> {
  constructor(code: AppErrorCode, detail: string, context: Record<string, unknown> = {}) {
    super(code, detail, context);
    this.name = "AppError";
  }
}
