import { faultCause } from "../run/fault-cause.js";
import type { CounterSample, CounterSeries, RunResult } from "../run/result.js";
import { formatTime } from "../shared/format.js";
import type { ColourMap } from "./colours.js";
import { esc } from "./escape.js";

/** Width of the plotting area of the timeline and the plots, in SVG user units. */
export const PLOT_WIDTH = 960;
const GUTTER = 110;
const LANE = 26;
/** Most characters of a timeline lane label: a longer task name is cut with "…" (its tooltip has all of it). */
const LABEL_CHARS = 32;
/** Width of a label character in SVG user units (11 px system-ui, with room to spare). */
const LABEL_CHAR_WIDTH = 6.5;
/** The timeline's right margin, where each lane's "N slices" is written: at least this wide. */
const SLICES_MARGIN = 70;
/** Width of a tick character in SVG user units (10 px monospace: 6, with room to spare). */
const TICK_CHAR_WIDTH = 6.2;

/** The timeline's left gutter: {@link GUTTER}, or wider when a task's name needs it (up to {@link LABEL_CHARS} characters). */
function laneGutter(names: readonly string[]): number {
  let longest = 0;
  for (const n of names) longest = Math.max(longest, Math.min(n.length, LABEL_CHARS));
  return Math.max(GUTTER, Math.ceil(16 + longest * LABEL_CHAR_WIDTH));
}

/** A lane label: the task's name, cut with "…" past {@link LABEL_CHARS} characters and then named whole in a tooltip. */
function laneLabel(name: string, x: number, y: number): string {
  const cut = name.length > LABEL_CHARS;
  const shown = cut ? `${name.slice(0, LABEL_CHARS - 1)}…` : name;
  const title = cut ? `<title>${esc(name)}</title>` : "";
  return `<text x="${x}" y="${y}" class="lane-label" text-anchor="end">${title}${esc(shown)}</text>`;
}

/** Tick values for an axis from 0 to `total`: multiples of 1, 2 or 5 x 10^k, about five of them. */
export function niceTicks(total: number): number[] {
  if (!(total > 0)) return [0];
  const raw = total / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw * 0.99) ?? 10) * pow;
  const ticks: number[] = [];
  for (let v = 0; v <= total * (1 + 1e-9); v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

function axis(total: number, y: number, gutter = GUTTER): string {
  let out = `<line x1="${gutter}" y1="${y}" x2="${gutter + PLOT_WIDTH}" y2="${y}" class="axis"/>`;
  for (const v of niceTicks(total)) {
    const x = gutter + (v / total) * PLOT_WIDTH;
    const anchor = v === 0 ? "start" : x > gutter + PLOT_WIDTH - 30 ? "end" : "middle";
    out += `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 4}" class="axis"/>`;
    out += `<text x="${x}" y="${y + 16}" class="tick" text-anchor="${anchor}">${esc(formatTick(v))}</text>`;
  }
  return out;
}

/** A tick label: whole units without decimals (e.g. "400 ms", "1.2 s", "250 us"). */
function formatTick(us: number): string {
  if (us === 0) return "0";
  if (us >= 1e6) return `${+(us / 1e6).toFixed(3)} s`;
  if (us >= 1e3) return `${+(us / 1e3).toFixed(3)} ms`;
  return `${+us.toFixed(3)} us`;
}

/** Merges marked pixel columns into [start, end) runs. */
function runsOf(columns: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let x = 0; x <= columns.length; x++) {
    const on = x < columns.length && columns[x] === 1;
    if (on && start < 0) start = x;
    if (!on && start >= 0) {
      runs.push([start, x]);
      start = -1;
    }
  }
  return runs;
}

/**
 * The task timeline as inline SVG: one lane per task, its run slices merged per pixel column
 * (a slice shorter than a pixel still shows), faults as red markers and checker reports as
 * orange ones, each with a tooltip (`<title>`).
 */
export function timelineSvg(result: RunResult, colours: ColourMap): string {
  // Loops, not `Math.max(...list)`, here and in `counterSvg`: a long run keeps up to
  // `RECORD_LIMIT` (200,000) slices or samples, and a spread of that many arguments overflows the stack.
  let total = Math.max(result.simulatedUs, 1);
  for (const s of result.slices) if (s.end > total) total = s.end;
  const height = result.tasks.length * LANE + 30;
  const gutter = laneGutter(result.tasks.map((t) => t.name));
  const xOf = (t: number) => gutter + (Math.min(Math.max(t, 0), total) / total) * PLOT_WIDTH;
  // Every task's slices marked on its pixel columns in one pass over the slices (the playground
  // redraws this four times a second, over up to 200,000 slices).
  const lanes = new Map<number, { columns: Uint8Array; slices: number }>();
  for (const task of result.tasks) lanes.set(task.id, { columns: new Uint8Array(PLOT_WIDTH), slices: 0 });
  for (const s of result.slices) {
    const lane = lanes.get(s.task);
    if (lane === undefined) continue;
    lane.slices++;
    const a = Math.floor(xOf(s.start) - gutter);
    const b = Math.max(a + 1, Math.ceil(xOf(s.end) - gutter));
    lane.columns.fill(1, Math.min(a, PLOT_WIDTH - 1), Math.min(b, PLOT_WIDTH));
  }
  let body = "";
  // The right margin fits the longest "N slices" (a long run's 150000 slices were cut at 70 units).
  let right = SLICES_MARGIN;
  for (const { slices } of lanes.values()) {
    right = Math.max(right, Math.ceil(6 + `${slices} slices`.length * TICK_CHAR_WIDTH));
  }
  result.tasks.forEach((task, lane) => {
    const y = lane * LANE + 4;
    body += laneLabel(task.name, gutter - 8, y + 15);
    body += `<rect x="${gutter}" y="${y}" width="${PLOT_WIDTH}" height="${LANE - 8}" class="lane"/>`;
    const { columns, slices } = lanes.get(task.id)!;
    const colour = colours.of(task.name);
    for (const [a, b] of runsOf(columns)) {
      const from = (a / PLOT_WIDTH) * total;
      const to = (b / PLOT_WIDTH) * total;
      body += `<rect x="${gutter + a}" y="${y}" width="${b - a}" height="${LANE - 8}" fill="${colour}" class="slice" data-task="${esc(
        task.name,
      )}"><title>${esc(`${task.name} ran between ${formatTime(from)} and ${formatTime(to)}`)}</title></rect>`;
    }
    body += `<text x="${gutter + PLOT_WIDTH + 6}" y="${y + 14}" class="tick">${slices} slices</text>`;
  });
  const laneY = (task: number | null) =>
    Math.max(
      0,
      result.tasks.findIndex((t) => t.id === (task ?? 0)),
    ) *
      LANE +
    4;
  for (const f of result.faults) {
    const x = xOf(f.t);
    const y = laneY(f.task);
    body += `<path d="M${x} ${y - 2} l6 10 l-6 10 l-6 -10 z" class="marker fault${f.expected ? " expected" : ""}"><title>${esc(
      `${faultCause(f)} ${f.cfsrNames.join("|")} in ${f.taskName} at ${formatTime(f.t)}${f.expected ? " (expected)" : ""}`,
    )}</title></path>`;
  }
  for (const r of result.reports) {
    const x = xOf(r.t);
    const y = laneY(r.task);
    body += `<path d="M${x} ${y + 2} l6 12 l-12 0 z" class="marker report"><title>${esc(`${r.kind}: ${r.message}`)}</title></path>`;
  }
  body += axis(total, result.tasks.length * LANE + 2, gutter);
  return `<svg id="timeline-svg" class="timeline" viewBox="0 0 ${gutter + PLOT_WIDTH + right} ${height}" role="img" aria-label="task timeline">${body}</svg>`;
}

/**
 * The points of one value's step line. A sample alone in its half unit of x draws a step: along
 * at the previous value, then up or down to its own. Several samples in one half unit (a long
 * run keeps up to 200,000 on a 960-unit plot) draw one vertical stroke there, through the value
 * before them, their lowest, their highest and their last: the picture every step would draw,
 * in at most four points per half unit (an hour's run drew 3.2 million points, 17 MB of SVG).
 */
function stepPoints(
  samples: readonly CounterSample[],
  key: string,
  xOf: (t: number) => number,
  yOf: (v: number) => number,
  endX: number,
): string {
  const out: string[] = [];
  const at = (x: string, v: number) => out.push(`${x},${yOf(v).toFixed(1)}`);
  let prev: number | null = null; // the value before the current group
  let column = Number.NaN; // the half unit of x of the current group
  let x = "";
  let count = 0;
  let lo = 0;
  let hi = 0;
  let last = 0;
  const flush = () => {
    if (count === 0) return;
    if (prev !== null) at(x, prev);
    if (count > 1) {
      at(x, lo);
      at(x, hi);
    }
    at(x, last);
    prev = last;
  };
  for (const s of samples) {
    const v = s.values[key];
    if (v === undefined) continue;
    const px = xOf(s.t);
    const c = Math.floor(px * 2);
    if (c !== column) {
      flush();
      column = c;
      x = px.toFixed(1);
      count = 0;
      lo = v;
      hi = v;
    }
    count++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    last = v;
  }
  flush();
  if (prev !== null) at(endX.toFixed(1), prev);
  return out.join(" ");
}

/** A step plot of one counter series (one line per value name) as inline SVG, with a legend. */
export function counterSvg(series: CounterSeries, total: number, colours: ColourMap, index: number): string {
  const h = 160;
  const keys = [...new Set(series.samples.flatMap((s) => Object.keys(s.values)))];
  let max = 1;
  let span = Math.max(total, 1);
  for (const s of series.samples) {
    if (s.t > span) span = s.t;
    for (const v of Object.values(s.values)) if (v > max) max = v;
  }
  const xOf = (t: number) => GUTTER + (t / span) * PLOT_WIDTH;
  const yOf = (v: number) => 10 + (1 - v / max) * (h - 20);
  // A fractional top (a response time in us) to six significant digits, not 680.2440476190476.
  const top = Number.isInteger(max) ? max : Number(max.toPrecision(6));
  let body = `<text x="${GUTTER - 8}" y="${yOf(max) + 4}" class="tick" text-anchor="end">${esc(top)}</text>`;
  body += `<text x="${GUTTER - 8}" y="${yOf(0) + 4}" class="tick" text-anchor="end">0</text>`;
  body += `<text x="8" y="${h / 2}" class="tick">${esc(series.unit)}</text>`;
  body += `<rect x="${GUTTER}" y="10" width="${PLOT_WIDTH}" height="${h - 20}" class="lane"/>`;
  for (const key of keys) {
    const points = stepPoints(series.samples, key, xOf, yOf, xOf(span));
    body += `<polyline points="${points}" fill="none" stroke="${colours.of(key)}" stroke-width="2" class="series" data-key="${esc(
      key,
    )}"><title>${esc(`${series.name}: ${key}`)}</title></polyline>`;
  }
  body += axis(span, h);
  const legend = keys
    .map(
      (k) =>
        `<span class="legend-item" data-owner="${esc(k)}"><i style="background:${colours.of(k)}"></i>${esc(k)}</span>`,
    )
    .join(" ");
  return `<figure class="plot"><figcaption>${esc(series.name)} (${esc(series.unit)})</figcaption><svg id="counter-${index}" class="counter-plot" viewBox="0 0 ${
    GUTTER + PLOT_WIDTH + 20
  } ${h + 24}" role="img" aria-label="${esc(series.name)}">${body}</svg><div class="legend">${legend}</div></figure>`;
}
