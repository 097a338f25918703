/**
 * The playground page: the controls and the link state, the worker that owns the run, and the
 * views it feeds. Plain DOM: the page is one static HTML file (src/site/index.html) whose
 * elements this script fills.
 */
import { APPS, esc, formatTime, runnableApp } from "@rtos-sim/apps";
import { BOARDS } from "@rtos-sim/hw";
import { AnswerWatch } from "../answer-watch.js";
import type { PlaygroundErrorCode } from "../errors.js";
import { EXAMPLE_APP } from "../example-app.js";
import { LiveRun } from "../live-run.js";
import { mpuLegendHtml } from "../mpu-map.js";
import type { FromWorker, ToWorker } from "../protocol.js";
import { DEFAULT_STATE, decodeState, EDITOR_APP, encodeState, type PlaygroundState } from "../state.js";
import { makeEditor } from "./editor.js";
import { RunViews } from "./views.js";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  app: byId<HTMLSelectElement>("app"),
  board: byId<HTMLSelectElement>("board"),
  seed: byId<HTMLInputElement>("seed"),
  duration: byId<HTMLInputElement>("duration"),
  memcheck: byId<HTMLInputElement>("memcheck"),
  run: byId<HTMLButtonElement>("run"),
  stepSwitch: byId<HTMLButtonElement>("step-switch"),
  stepMs: byId<HTMLButtonElement>("step-ms"),
  reset: byId<HTMLButtonElement>("reset"),
  share: byId<HTMLButtonElement>("share"),
  progress: byId<HTMLProgressElement>("progress"),
  clock: byId("clock"),
  current: byId("current"),
  verdict: byId("verdict"),
  hashBox: byId("hash-box"),
  hash: byId("hash"),
  message: byId("message"),
  editorPanel: byId("editor-panel"),
  appError: byId("app-error"),
};

/** Least wall time between two redraws of the SVG views while running. */
const REDRAW_MS = 250;

let state: PlaygroundState = DEFAULT_STATE;
let live: LiveRun | null = null;
let running = false;
let lastDraw = 0;
/** Id of the last load sent to the worker: messages of older loads are dropped. */
let loadId = 0;
const views = new RunViews();

function say(text: string, error = false): void {
  ui.message.textContent = text;
  ui.message.className = error ? "error" : "";
}

// ---- controls and the link ----------------------------------------------------------------

function fillControls(): void {
  ui.app.innerHTML = "";
  for (const entry of APPS) ui.app.add(new Option(`${entry.app.name}`, entry.app.name));
  ui.app.add(new Option("your app (editor)", EDITOR_APP));
  ui.board.innerHTML = "";
  ui.board.add(new Option("app's default", ""));
  for (const b of BOARDS) ui.board.add(new Option(b.name, b.name));
}

function showState(): void {
  ui.app.value = state.app;
  ui.board.value = state.board ?? "";
  ui.seed.value = String(state.seed);
  ui.duration.value = state.durationMs === null ? "" : String(state.durationMs);
  ui.memcheck.checked = state.memcheck ?? builtinMemcheck(state.app);
  ui.editorPanel.hidden = state.app !== EDITOR_APP;
  if (editor.value() !== (state.source ?? EXAMPLE_APP)) editor.setValue(state.source ?? EXAMPLE_APP);
}

/**
 * Whether the checker is on for an app whose link does not say: a built-in app's default; for
 * the edited app, on until its run is loaded (then the loaded run's options say).
 */
function builtinMemcheck(app: string): boolean {
  const entry = APPS.find((a) => a.app.name === app);
  return entry === undefined ? true : (runnableApp(entry).defaultMemcheck ?? true);
}

/** The controls as a state; the checker stays the app's default until its box is clicked. */
function readControls(memcheckClicked: boolean): PlaygroundState | null {
  // Number("") is 0: an emptied box is not seed 0.
  const seed = ui.seed.value.trim() === "" ? Number.NaN : Number(ui.seed.value);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    say("the seed must be an integer in 0..4294967295", true);
    return null;
  }
  const d = ui.duration.value.trim();
  const durationMs = d === "" ? null : Number(d);
  if (durationMs !== null && !(durationMs >= 1 && durationMs <= 3_600_000)) {
    say("the duration must be 1..3600000 ms (or empty: the app's default)", true);
    return null;
  }
  const source = editor.value() === EXAMPLE_APP ? null : editor.value();
  const memcheck = memcheckClicked ? ui.memcheck.checked : state.memcheck;
  return { app: ui.app.value, board: ui.board.value || null, seed, durationMs, memcheck, source };
}

function writeLink(): void {
  history.replaceState(null, "", `#${encodeState(state)}`);
}

// ---- the worker ----------------------------------------------------------------------------

let worker: Worker | null = null;
/** Whether the page still waits for an answer the worker always sends quickly. */
const watch = new AnswerWatch();
/** A control (seed, duration) holds a value that is not valid: Run and the steps wait for a good one. */
let controlsBad = false;
/** The worker was replaced: the run it had is gone, and Run loads it again. */
let stale = false;
/** The status message a bad control's error replaced: shown again once the controls are good. */
let beforeBadControls: { text: string; error: boolean } | null = null;

function startWorker(): Worker | null {
  try {
    const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "rtos-sim" });
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      watch.heard(e.data, e.data.id === loadId, performance.now());
      receive(e.data);
    };
    w.onerror = (e) => say(`the worker failed: ${e.message}`, true);
    return w;
  } catch (e) {
    say(
      `the playground needs a web server (pages opened as files cannot start workers): serve the docs site, e.g. "npx serve docs/site" (${String(e)})`,
      true,
    );
    return null;
  }
}

function send(m: ToWorker): void {
  if (!worker) return;
  watch.sent(m, live?.info.steppable === true, performance.now());
  worker.postMessage(m);
}

/**
 * A worker that has not answered for STUCK_MS is running JavaScript that never returns to the
 * simulator: replace it (what the views show stays, as the last answer left it).
 */
function replaceStuckWorker(): void {
  if (!worker || !watch.stuck(performance.now())) return;
  const pausedWhole = running && live?.info.steppable === false;
  const loading = live === null; // the wait was a load: the app's module or its tasks() never returned
  worker.terminate();
  watch.reset();
  worker = startWorker();
  live = null;
  running = false;
  stale = true;
  setButtons();
  document.documentElement.dataset.state = "error";
  const s = `${watch.limitMs / 1000} s`;
  const code: PlaygroundErrorCode = "APP_STUCK";
  say(
    pausedWhole
      ? `${code}: a hardware-level app runs to its end in one go and cannot pause; it had not finished ${s} after Pause, so its run was stopped. Press Run to start again.`
      : loading
        ? `${code}: the app did not finish loading in ${s}, so it was stopped: a JavaScript loop that never ends in its module's top level, or in the code that makes its tasks? Edit the app, or press Run to start again.`
        : `${code}: the app did not answer for ${s}, so its run was stopped: a task in a JavaScript loop that never yields? (no watchdog sees a loop that touches no simulated memory; one with a checker report at every access takes long to reach it). Edit the app, or press Run to start again.`,
    true,
  );
}

/** The step buttons' titles (index.html's), and why a hardware-level app has none to press. */
const STEP_SWITCH_TITLE = ui.stepSwitch.title;
const STEP_MS_TITLE = ui.stepMs.title;
const STEP_WHOLE =
  "a hardware-level app (it drives the machine itself, with no kernel) runs to its end in one go: it has no task switches or slices to step through";

function setButtons(): void {
  const loaded = live !== null;
  const done = live?.final != null;
  const steppable = live?.info.steppable === true;
  ui.run.disabled = running ? false : done || controlsBad;
  ui.run.textContent = running ? "Pause" : "Run";
  ui.stepSwitch.disabled = !loaded || done || !steppable || controlsBad;
  ui.stepMs.disabled = !loaded || done || !steppable || controlsBad;
  // A disabled button says why when the reason is the app's kind, not the run's state.
  const whole = loaded && !steppable ? STEP_WHOLE : "";
  ui.stepSwitch.title = whole || STEP_SWITCH_TITLE;
  ui.stepMs.title = whole || STEP_MS_TITLE;
  document.documentElement.dataset.state = !loaded ? "loading" : done ? "finished" : running ? "running" : "paused";
}

function load(): void {
  live = null;
  stale = false;
  running = false;
  views.clear(null);
  // The status line is the previous run's until the new one is loaded: a load that fails must not leave it.
  ui.progress.value = 0;
  ui.clock.textContent = "-";
  ui.current.textContent = "";
  ui.current.dataset.task = "";
  ui.message.title = "";
  ui.hashBox.hidden = true;
  ui.verdict.textContent = "";
  ui.verdict.className = "";
  ui.appError.hidden = true;
  editor.markLine(null);
  say("loading...");
  setButtons();
  const source = state.app === EDITOR_APP ? (state.source ?? EXAMPLE_APP) : state.source;
  send({ type: "load", id: ++loadId, state: { ...state, source } });
}

function drawStatus(l: LiveRun): void {
  ui.progress.value = l.final ? 1 : l.progress;
  ui.clock.textContent = `${formatTime(l.simulatedUs)} of ${formatTime(l.info.options.durationMs * 1000)}`;
  const cpu = l.cpu;
  ui.current.innerHTML = cpu?.task
    ? `current task <b>${esc(cpu.task)}</b>, ${cpu.switches} switches`
    : l.info.steppable
      ? "no task has run yet"
      : "";
  ui.current.dataset.task = cpu?.task ?? "";
}

function draw(force: boolean): void {
  const l = live;
  if (!l) return;
  drawStatus(l);
  views.lists(l);
  const now = performance.now();
  if (force || now - lastDraw >= REDRAW_MS) {
    lastDraw = now;
    views.graphics(l);
  }
  const e = l.shownAppError();
  if (e !== null && state.app === EDITOR_APP) showAppError(`${e.task} at ${formatTime(e.t)}: ${e.message}`, e.line);
}

function showAppError(text: string, line: number | null): void {
  ui.appError.hidden = false;
  ui.appError.innerHTML = "";
  if (line !== null) {
    const tag = document.createElement("button"); // a button: the keyboard reaches it too
    tag.type = "button";
    tag.className = "tag line";
    tag.textContent = `line ${line}`;
    tag.title = "go to the line";
    tag.addEventListener("click", () => editor.goTo(line));
    ui.appError.append(tag, " ");
  }
  ui.appError.append(text);
  editor.markLine(line);
}

function receive(m: FromWorker): void {
  if (m.id !== loadId) return;
  switch (m.type) {
    case "loaded":
      live = new LiveRun(m.info);
      ui.memcheck.checked = m.info.options.memcheck; // the run's own, with the app's default resolved
      views.clear(live);
      live.apply(m.delta);
      if (linkError !== null) say(linkError, true);
      else
        say(
          m.info.app.origin === "editor" && !autoRun && sourceFromLink
            ? "this app's source came with the link: read it, then press Run"
            : `${m.info.app.name}: ${m.info.app.summary}`,
        );
      linkError = null;
      setButtons();
      draw(true);
      if (autoRun) {
        autoRun = false;
        start();
      }
      break;
    case "update":
      if (!live) return;
      live.apply(m.delta);
      running = m.running;
      setButtons();
      draw(!m.running);
      break;
    case "finished": {
      if (!live) return;
      live.apply(m.delta);
      live.finish(m.run);
      running = false;
      setButtons();
      draw(true);
      views.checks(live);
      const ok = m.run.result.verdict.ok;
      ui.verdict.textContent = ok ? "OK" : "PROBLEMS";
      ui.verdict.className = `verdict ${ok ? "ok" : "fail"}`;
      ui.hash.textContent = m.run.hash;
      ui.hashBox.hidden = false;
      say(`finished; the same run in the CLI: ${cliCommand()}`);
      ui.message.title = `${Math.round(m.run.result.wallMs)} ms of wall time in this browser`;
      break;
    }
    case "error":
      // The run is over (it failed to load, or stopped with an exception): Run loads it again, and
      // an earlier press of Run does not start a later edit by itself.
      running = false;
      live = null;
      stale = true;
      autoRun = false;
      setButtons();
      document.documentElement.dataset.state = "error";
      say(`${m.code}: ${m.message}`, true);
      if (state.app === EDITOR_APP) showAppError(m.message, m.line);
      break;
  }
}

function cliCommand(): string {
  const parts = ["rtos-sim run", state.app === EDITOR_APP ? "./my-app.ts" : state.app];
  if (state.board) parts.push(`--board ${state.board}`);
  parts.push(`--seed ${state.seed}`);
  if (state.durationMs !== null) parts.push(`--duration ${state.durationMs}`);
  if (state.memcheck !== null) parts.push(state.memcheck ? "--memcheck" : "--no-memcheck");
  return parts.join(" ");
}

function start(): void {
  if (!live || live.final) return;
  running = true;
  setButtons();
  send({ type: "run" });
}

// ---- wiring --------------------------------------------------------------------------------

let editTimer: ReturnType<typeof setTimeout> | undefined;
const editor = makeEditor(byId<HTMLTextAreaElement>("source"), byId("gutter"), () => {
  clearTimeout(editTimer);
  editTimer = setTimeout(() => {
    sourceFromLink = false;
    state = { ...state, source: editor.value() };
    writeLink();
    load();
  }, 500);
});

fillControls();
let autoRun = false;
/** Why the page's link was not used: said again when the default run has loaded (its summary would hide it). */
let linkError: string | null = null;
/** The edited app's source is the one a link brought, not yet edited here: it runs only when Run is pressed. */
let sourceFromLink = false;
try {
  state = decodeState(location.hash);
  sourceFromLink = state.source !== null;
  // A link with a run in it reproduces the run: it starts at once, unless it carries an app's
  // source: code from a link runs only when the reader, having seen it, presses Run.
  autoRun = location.hash.length > 1 && state.source === null;
} catch (e) {
  linkError = `${e instanceof Error ? e.message : String(e)}: showing the default run instead`;
  say(linkError, true);
}
showState();
byId("mpu-legend").innerHTML = mpuLegendHtml();

byId<HTMLFormElement>("controls").addEventListener("change", (e) => {
  if ((e.target as HTMLElement).id === "source") return;
  beforeBadControls ??= { text: ui.message.textContent ?? "", error: ui.message.className === "error" };
  const next = readControls(e.target === ui.memcheck);
  // While a control holds a bad value, Run would run the old settings the boxes no longer show.
  controlsBad = next === null;
  setButtons();
  if (!next) return;
  // Good again: the control's error goes (a value put back to the run's own loads nothing new).
  say(beforeBadControls.text, beforeBadControls.error);
  beforeBadControls = null;
  if (encodeState(next) === encodeState(state)) return;
  state = next;
  showState();
  writeLink();
  load();
});
byId<HTMLFormElement>("controls").addEventListener("submit", (e) => e.preventDefault());
ui.run.addEventListener("click", () => {
  if (running) send({ type: "pause" });
  else if (stale) {
    autoRun = true;
    load();
  } else if (live === null)
    autoRun = true; // a change of the controls is reloading: run once loaded
  else start();
});
ui.stepSwitch.addEventListener("click", () => send({ type: "step", by: "switch" }));
ui.stepMs.addEventListener("click", () => send({ type: "step", by: "ms" }));
ui.reset.addEventListener("click", () => load());
ui.share.addEventListener("click", async () => {
  writeLink();
  try {
    await navigator.clipboard.writeText(location.href);
    say("link copied: it reproduces this run (app, board, seed, options and your app's source)");
  } catch {
    say(`link: ${location.href}`);
  }
});
window.addEventListener("hashchange", () => {
  try {
    state = decodeState(location.hash);
    showState();
    sourceFromLink = state.source !== null;
    autoRun = state.source === null;
    load();
  } catch (e) {
    say(e instanceof Error ? e.message : String(e), true);
  }
});

worker = startWorker();
setInterval(replaceStuckWorker, 250);
writeLink();
load();
