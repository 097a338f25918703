/**
 * The messages between the playground page and its Web Worker (structured-cloned plain data).
 * The worker owns the run; the page only draws what the worker sends.
 */
import type { RunResult } from "@rtos-sim/apps";
import type { PlaygroundErrorCode } from "./errors.js";
import type { RunDelta, SessionInfo } from "./session.js";
import type { PlaygroundState } from "./state.js";

/** What the page asks the worker. */
export type ToWorker =
  /** Load (or reload: reset) a run of `state`; nothing runs yet. Later messages carry its `id`. */
  | { readonly type: "load"; readonly id: number; readonly state: PlaygroundState }
  /** Run until paused or finished, sending updates. */
  | { readonly type: "run" }
  | { readonly type: "pause" }
  /** Pause, then run until the next task switch, or one more simulated millisecond. */
  | { readonly type: "step"; readonly by: "switch" | "ms" };

/** A run's end as the worker sends it: the result without its (many) instant events. */
export interface FinishedRun {
  readonly result: RunResult;
  /** Instant events the run recorded (left out of `result.events`). */
  readonly eventCount: number;
  /** The trace hash of the full result (what `rtos-sim run` prints). */
  readonly hash: string;
}

/** What the worker tells the page, each message with the `id` of the load it belongs to (stale ones are dropped). */
export type FromWorker = { readonly id: number } & (
  | { readonly type: "loaded"; readonly info: SessionInfo; readonly delta: RunDelta }
  /** Progress: what changed; `running` false once paused (or after a step). */
  | { readonly type: "update"; readonly delta: RunDelta; readonly running: boolean }
  | { readonly type: "finished"; readonly delta: RunDelta; readonly run: FinishedRun }
  | {
      readonly type: "error";
      readonly code: PlaygroundErrorCode;
      readonly message: string;
      readonly line: number | null;
      readonly column: number | null;
    }
);
