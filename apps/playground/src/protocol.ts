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
  | {
      /** Load a run. */
      readonly type: "load";
      /** Id of this load; every later message from the worker carries it. */
      readonly id: number;
      /** The app, board, seed and options to run. */
      readonly state: PlaygroundState;
    }
  /** Run until paused or finished, sending updates. */
  | {
      /** Run. */
      readonly type: "run";
    }
  /** Stop running: the worker answers with an update whose `running` is false (nothing when not running). */
  | {
      /** Pause. */
      readonly type: "pause";
    }
  /** Pause, then run until the next task switch, or one more simulated millisecond. */
  | {
      /** Step. */
      readonly type: "step";
      /** `switch`: to the next task switch; `ms`: one simulated millisecond. */
      readonly by: "switch" | "ms";
    };

/** A run's end as the worker sends it: the result without its (many) instant events. */
export interface FinishedRun {
  /** The run's result, with `events` emptied (see `eventCount`). */
  readonly result: RunResult;
  /** Instant events the run recorded (left out of `result.events`). */
  readonly eventCount: number;
  /** The trace hash of the full result (what `rtos-sim run` prints). */
  readonly hash: string;
}

/** What the worker tells the page, each message with the `id` of the load it belongs to (stale ones are dropped). */
export type FromWorker = {
  /** Id of the load the message belongs to. */
  readonly id: number;
} & (
  | {
      /** The run is loaded (nothing ran yet). */
      readonly type: "loaded";
      /** The app, board and options of the run. */
      readonly info: SessionInfo;
      /** The state at load: tasks, CPU, page maps. */
      readonly delta: RunDelta;
    }
  /** Progress: what changed; `running` false once paused (or after a step). */
  | {
      /** An update. */
      readonly type: "update";
      /** What changed since the previous message. */
      readonly delta: RunDelta;
      /** The worker goes on running (false once paused, or after a step). */
      readonly running: boolean;
    }
  /** The run reached its end. */
  | {
      /** Finished. */
      readonly type: "finished";
      /** What changed since the previous message. */
      readonly delta: RunDelta;
      /** The run's result and trace hash. */
      readonly run: FinishedRun;
    }
  /** Loading or running the app failed. */
  | {
      /** An error. */
      readonly type: "error";
      /** What failed. */
      readonly code: PlaygroundErrorCode;
      /** One line for the user. */
      readonly message: string;
      /** 1-based line in the edited app the error points at, or null. */
      readonly line: number | null;
      /** 1-based column, or null. */
      readonly column: number | null;
    }
);
