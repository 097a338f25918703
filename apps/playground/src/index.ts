/**
 * `@rtos-sim/playground`: the playground page of the docs site (`docs/site/playground/`), where
 * the simulator runs in the browser: pick an app, a board, a seed and the checker; run, pause,
 * step one task switch or one simulated millisecond; watch the task timeline, each task's MPU
 * regions over the board's memory map, faults decoded, checker reports, the UART console, heap
 * and page maps; edit a kernel app in the page; share a link that reproduces the run.
 *
 * The page is static files built by `pnpm run docs` (this package's `build`: `dist/site`). A
 * Web Worker owns the run, a {@link PlaygroundSession}: the run harness of `@rtos-sim/apps`
 * exactly as `rtos-sim run` drives it, advanced a few slices at a time, so a run gives the
 * trace hash the CLI prints for the same app, board, seed and options. This module exports the
 * parts that do not need a browser (they are tested in Node):
 *
 * - {@link PlaygroundSession}: one run, steppable, read between slices ({@link RunDelta},
 *   {@link LiveCpu});
 * - {@link encodeState} / {@link decodeState}: the link's fragment ({@link PlaygroundState});
 * - {@link transpile} (sucrase) and {@link loadUserApp}: the edited app, errors with their line;
 * - {@link mpuMapSvg}: MPU regions over a board's memory map;
 * - {@link LiveRun}: the page's copy of a run, and the worker protocol ({@link ToWorker},
 *   {@link FromWorker}).
 *
 * @example
 * ```ts
 * import { DEFAULT_STATE, PlaygroundSession } from "@rtos-sim/playground";
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "isolation", seed: 3 });
 * s.stepSwitch();
 * console.log(s.cpu()?.task, s.cpu()?.mpu.length); // imu 7
 * s.advance();
 * const { hash } = s.finish(0); // the trace hash, as `rtos-sim run isolation --seed 3` prints it
 * ```
 *
 * @packageDocumentation
 */
export type { PlaygroundErrorCode, SourcePosition } from "./errors.js";
export { PlaygroundError } from "./errors.js";
export { EXAMPLE_APP } from "./example-app.js";
export { LiveRun } from "./live-run.js";
export type { MpuMapRow } from "./mpu-map.js";
export { ACCESS_COLOURS, ACCESS_MEANING, mpuLegendHtml, mpuMapSvg } from "./mpu-map.js";
export type { FinishedRun, FromWorker, ToWorker } from "./protocol.js";
export type { AppErrorInfo, LiveCpu, RunDelta, SessionInfo, SessionResult } from "./session.js";
export { PlaygroundSession } from "./session.js";
export type { PlaygroundState } from "./state.js";
export { DEFAULT_STATE, decodeState, EDITOR_APP, encodeState, MAX_DURATION_MS } from "./state.js";
export { transpile } from "./transpile.js";
export type { UserApp } from "./user-app.js";
export { APP_FILE, APP_MODULES, errorPosition, firstLine, loadUserApp } from "./user-app.js";
