/**
 * The playground's Web Worker: owns the run (a {@link PlaygroundSession}), advances it in
 * slices of a few tens of milliseconds of wall time so `pause` and `step` messages get through,
 * and sends the page what changed. The transpiler is loaded only when the edited app runs.
 */
import { bundleFrameMap, syncFetchText } from "../bundle-frames.js";
import { PlaygroundError } from "../errors.js";
import type { FromWorker, ToWorker } from "../protocol.js";
import { PlaygroundSession } from "../session.js";
import { StallWatch } from "../stall-watch.js";
import { EDITOR_APP } from "../state.js";
import { firstLine, loadUserApp } from "../user-app.js";

/** Wall time of one burst of slices before the worker looks at its messages again. */
const BURST_MS = 40;
/** Slices per `advance` call inside a burst. */
const CHUNK_SLICES = 64;
/** Least wall time between two reads of the page maps while running. */
const PAGE_MAPS_MS = 400;
/** Wall time between two looks at a pending machine app's progress (see stall-watch.ts). */
const STALL_LOOK_MS = 250;

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

let session: PlaygroundSession | null = null;
let running = false;
let generation = 0;
let wallMs = 0;
let lastPageMaps = 0;

// A zero-delay turn of the event loop (setTimeout(0) is clamped to 4 ms when nested).
const channel = new MessageChannel();
let next: (() => void) | null = null;
channel.port1.onmessage = () => {
  const f = next;
  next = null;
  f?.();
};
function soon(f: () => void): void {
  next = f;
  channel.port2.postMessage(0);
}

let loadId = 0;

/**
 * The checker's source sites name the TypeScript line, not the minified bundle's: a script's
 * source map is fetched when a report first needs a site in it, and kept for later runs.
 */
const mapFrame = bundleFrameMap(syncFetchText);

type Message = FromWorker extends infer M ? (M extends FromWorker ? Omit<M, "id"> : never) : never;

function post(m: Message): void {
  scope.postMessage({ ...m, id: loadId } as FromWorker);
}

function fail(e: unknown): void {
  running = false;
  if (e instanceof PlaygroundError) {
    post({ type: "error", code: e.code, message: e.detail, line: e.context.line, column: e.context.column });
  } else {
    post({ type: "error", code: "APP_FAILED", message: firstLine(e), line: null, column: null });
  }
}

/** The session whose end was sent (an async machine app run twice, by Run after Pause, ends once). */
let finishedSession: PlaygroundSession | null = null;

function finish(s: PlaygroundSession): void {
  running = false;
  if (finishedSession === s) return;
  finishedSession = s;
  const delta = s.delta(true);
  const { result, hash } = s.finish(wallMs);
  post({ type: "finished", delta, run: { result: { ...result, events: [] }, eventCount: result.events.length, hash } });
}

function pump(gen: number): void {
  const s = session;
  if (gen !== generation || !running || s === null) return;
  try {
    const t0 = performance.now();
    do s.advance(CHUNK_SLICES);
    while (!s.finished && performance.now() - t0 < BURST_MS);
    const t1 = performance.now();
    wallMs += t1 - t0;
    if (s.finished) {
      finish(s);
      return;
    }
    const pages = t1 - lastPageMaps >= PAGE_MAPS_MS;
    if (pages) lastPageMaps = t1;
    post({ type: "update", delta: s.delta(pages), running: true });
    soon(() => pump(gen));
  } catch (e) {
    fail(e);
  }
}

async function load(id: number, state: Extract<ToWorker, { type: "load" }>["state"]): Promise<void> {
  running = false;
  loadId = id;
  const gen = ++generation;
  session = null;
  wallMs = 0;
  let loadEdited = null;
  if (state.app === EDITOR_APP) {
    const { transpile } = await import("../transpile.js");
    loadEdited = (source: string) => loadUserApp(transpile(source));
  }
  if (gen !== generation) return;
  const s = PlaygroundSession.create(state, loadEdited, mapFrame);
  session = s;
  post({ type: "loaded", info: s.info, delta: s.delta(true) });
}

async function run(s: PlaygroundSession): Promise<void> {
  if (s.finished) return;
  running = true;
  if (s.info.steppable) {
    pump(generation);
    return;
  }
  const t0 = performance.now();
  const watch = new StallWatch();
  let settled = false;
  // The worker is free while the run awaits: look whether the simulation still moves.
  const look = () => {
    if (settled || session !== s) return;
    if (!watch.stalled(s.cycles, performance.now())) {
      setTimeout(look, STALL_LOOK_MS);
      return;
    }
    session = null; // the run is dropped: if it ever settles, nothing is sent
    const secs = `${watch.limitMs / 1000} s`;
    fail(
      new PlaygroundError(
        "APP_STUCK",
        `the app's run() has not settled and no simulated time has passed for ${secs}, so its run was stopped: does it await a promise that nothing resolves? Edit the app, or press Run to start again.`,
      ),
    );
  };
  setTimeout(look, 0);
  try {
    await s.complete();
  } catch (e) {
    if (session === s) throw e;
    return; // a dropped run (stalled, or another load since) reports nothing
  } finally {
    settled = true;
  }
  wallMs += performance.now() - t0;
  if (session === s) finish(s);
}

function step(s: PlaygroundSession, by: "switch" | "ms"): void {
  running = false;
  if (!s.info.steppable || s.finished) return;
  const t0 = performance.now();
  if (by === "switch") s.stepSwitch();
  else s.stepMs(1);
  wallMs += performance.now() - t0;
  if (s.finished) finish(s);
  else post({ type: "update", delta: s.delta(true), running: false });
}

scope.onmessage = (e) => {
  const m = e.data;
  const s = session;
  try {
    switch (m.type) {
      case "load":
        load(m.id, m.state).catch(fail);
        break;
      case "run":
        if (s) run(s).catch(fail);
        break;
      case "pause":
        if (s && running) {
          running = false;
          post({ type: "update", delta: s.delta(true), running: false });
        }
        break;
      case "step":
        if (s) step(s, m.by);
        break;
    }
  } catch (err) {
    fail(err);
  }
};
