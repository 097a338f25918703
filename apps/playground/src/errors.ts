import { SimError } from "@rtos-sim/hw";

/**
 * Error codes of the playground:
 * - `APP_SYNTAX`: the edited app does not parse (the context has its `line` and `column`);
 * - `APP_LOAD`: the edited app threw while loading, or imports a module the page does not have;
 * - `APP_INVALID`: the edited app exports no app, or one of the wrong shape;
 * - `APP_FAILED`: an app threw while running (not a task's fault: the kernel handles those);
 * - `APP_STUCK`: the worker running the app did not answer for 5 s (a task in a JavaScript loop
 *   that never yields), so the page replaced it; or an app's async `run` did not settle while no
 *   simulated time passed for 5 s (it awaits what never comes), so the worker dropped the run;
 * - `BAD_STATE`: a shared link's field is out of range (the context names the field).
 */
export type PlaygroundErrorCode = "APP_SYNTAX" | "APP_LOAD" | "APP_INVALID" | "APP_FAILED" | "APP_STUCK" | "BAD_STATE";

/** Where in the edited app an error points (1-based line and column; null when unknown). */
export type SourcePosition = {
  /** 1-based line in the edited app, or null when unknown. */
  readonly line: number | null;
  /** 1-based column, or null when unknown. */
  readonly column: number | null;
};

/** A typed error of the playground: a stable {@link PlaygroundErrorCode}, a one-line `detail` and a position in the edited app. */
export class PlaygroundError extends SimError<PlaygroundErrorCode, SourcePosition & Record<string, unknown>> {
  constructor(
    code: PlaygroundErrorCode,
    detail: string,
    context: Partial<SourcePosition> & Record<string, unknown> = {},
  ) {
    super(code, detail, { ...context, line: context.line ?? null, column: context.column ?? null });
    this.name = "PlaygroundError";
  }
}
