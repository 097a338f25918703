import type { LeakCount, LeakSummaryInfo, MemoryRegionInfo, PageMapInfo, RunResult } from "@rtos-sim/apps";
import {
  ColourMap,
  checkerReportHtml,
  codeHtml,
  counterSvg,
  esc,
  faultHtml,
  formatBytes,
  formatHz,
  formatShare,
  formatTime,
  hex32,
  htmlTable,
  MPU_REGION_TABLES,
  mpuRegionsHtml,
  numCell,
  pageMapHtml,
  recordingSummary,
  scriptJson,
  taskTableHtml,
  timelineSvg,
  traceHash,
} from "@rtos-sim/apps";
import { REPORT_CSS, REPORT_JS } from "./assets.js";

const UART_LINES = 400;

/** The class of a check's list item: pass, fail, or skip (not made: the run ended first). */
function checkClass(c: RunResult["checks"][number]): string {
  return c.skipped ? "skip" : c.passed ? "pass" : "fail";
}

function regionRow(m: MemoryRegionInfo, maps: readonly PageMapInfo[], colours: ColourMap): string[] {
  const map = maps.find((p) => p.region === m.name || (p.start >= m.start && p.start < m.end));
  const access = `r${m.readOnly ? "-" : "w"}${m.executable ? "x" : "-"}`;
  const cell = map
    ? `${pageMapHtml(map, colours)}<div class="mono">${map.pages} pages of ${esc(formatBytes(map.pageSize))} (${esc(map.source)})</div>`
    : `<div class="bar" title="${esc(`${m.name}: ${m.kind}, no page map`)}"><div class="run" style="width:100%;background:${
        m.kind === "ram" ? "#e8e8e8" : "#c9d6e8"
      }"></div></div>`;
  return [
    esc(m.name),
    codeHtml(hex32(m.start)),
    codeHtml(hex32(m.end - 1)),
    numCell(esc(formatBytes(m.size))),
    `${esc(m.kind)} ${codeHtml(access)}`,
    cell,
  ];
}

function summarySection(r: RunResult, hash: string): string {
  const b = r.board;
  const facts: [string, string][] = [
    ["app", `${esc(r.app.name)}: ${esc(r.app.summary)}${r.app.file ? ` (${codeHtml(r.app.file)})` : ""}`],
    ["board", `${esc(b.name)}: ${esc(b.description)}`],
    [
      "core",
      `${esc(b.core)}, ${esc(formatHz(b.clockHz))}, ${b.mpuRegions} MPU regions (${esc(MPU_REGION_TABLES[b.mpuArchitecture].name)})`,
    ],
    ["simulated", `${esc(formatTime(r.simulatedUs))} (${r.cycles} cycles) in ${Math.round(r.wallMs)} ms of wall time`],
    ["seed", String(r.options.seed)],
    ["trace hash", `${codeHtml(hash)} (the same app, board, seed and options give the same hash)`],
    [
      "memory checker",
      r.memcheckActive ? "on" : r.options.memcheck ? "requested, not available in this app yet" : "off",
    ],
  ];
  if (r.cpuLoad !== null) facts.push(["CPU load", esc(formatShare(r.cpuLoad))]);
  const tasks = taskTableHtml(r);
  const checks = r.checks.length
    ? `<h3>Checks</h3><ul class="checks">${r.checks
        .map(
          (c) =>
            `<li class="${checkClass(c)}" data-mark="${c.skipped ? "skip" : c.passed ? "pass" : "FAIL"}">${esc(c.name)}${
              c.detail ? ` <span class="mono">(${esc(c.detail)})</span>` : ""
            }</li>`,
        )
        .join("")}</ul>`
    : "";
  const skipped = r.checks.filter((c) => c.skipped).length;
  const verdict = r.verdict.ok
    ? `<span class="verdict ok">OK</span> no unexpected fault, no checker error, ${
        skipped ? `every check made passed, ${skipped} skipped (not reached when the run ended)` : "every check passed"
      }`
    : `<span class="verdict fail">PROBLEMS</span><ul>${r.verdict.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>`;
  return `<section id="summary"><h2>Run summary</h2><p id="verdict">${verdict}</p><dl class="facts">${facts
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`)
    .join("")}</dl>${tasks}${checks}</section>`;
}

/** The end-of-run leak summary (Valgrind's LEAK SUMMARY) as a table: bytes and blocks per category. */
function leaksHtml(l: LeakSummaryInfo): string {
  const rows: [string, LeakCount][] = [
    ["definitely lost", l.definite],
    ["indirectly lost", l.indirect],
    ["possibly lost", l.possible],
    ["still reachable", l.reachable],
    ["held, task not ended (maybe in its registers: not decided)", l.held],
  ];
  return `<h3>Leak summary</h3>${htmlTable(
    ["category", "bytes", "blocks"],
    rows.map(([name, c]) => [esc(name), numCell(String(c.bytes)), numCell(String(c.blocks))]),
    "leaks",
  )}`;
}

/**
 * Renders a run as one self-contained HTML page (inline CSS, inline JS, inline SVG, no external
 * URL): run summary with the verdict and the task table, the board's memory map with each
 * region's page map coloured by owner, each task's MPU regions, fault and checker reports with
 * the leak summary,
 * the task timeline and the counter plots (memory use, the jobs' response times), UART output
 * and warnings. The summary's task table carries each task's timing (period, deadline, jobs,
 * response times, jitter, missed deadlines) and the facts the CPU load, when the run measured them.
 * `hash` is the run's trace hash when the caller has it (computing it walks the whole run).
 */
export function renderReport(r: RunResult, hash: string = traceHash(r)): string {
  const colours = new ColourMap();
  for (const t of r.tasks) colours.of(t.name);
  const owners = [...new Set(r.pageMaps.flatMap((m) => m.runs.map((run) => run.owner ?? "free")))];
  const legend = owners
    .map(
      (o) =>
        `<span class="legend-item" data-owner="${esc(o)}"><i style="background:${colours.of(o === "free" ? null : o)}"></i>${esc(o)}</span>`,
    )
    .join("");
  const memory = `<section id="memory-map"><h2>Memory map and page maps</h2>
<p>Every memory region of ${esc(r.board.name)}; where the run recorded a page map, each page is coloured by its owner (hover a legend entry to highlight its pages).</p>
<div class="legend">${legend}</div>
${htmlTable(
  ["region", "start", "end", "size", "kind", "pages"],
  r.board.memory.map((m) => regionRow(m, r.pageMaps, colours)),
  "memory",
)}
${
  r.board.peripherals.length
    ? `<h3>Peripheral ranges</h3>${htmlTable(
        ["range", "start", "end", "size"],
        r.board.peripherals.map((p) => [
          esc(p.name),
          codeHtml(hex32(p.start)),
          codeHtml(hex32(p.end - 1)),
          numCell(esc(formatBytes(p.size))),
        ]),
        "peripherals",
      )}`
    : ""
}</section>`;
  const mpu = `<section id="mpu"><h2>MPU regions per task</h2>
<p>${esc(MPU_REGION_TABLES[r.board.mpuArchitecture].name)}: ${esc(MPU_REGION_TABLES[r.board.mpuArchitecture].rule)}. Privileged code sees the background (default) map where no region matches when PRIVDEFENA is set.</p>
${r.tasks
  .filter((t) => t.mpuRegions.length > 0)
  .map((t) => `<h3 class="task-mpu">${esc(t.name)}</h3>${mpuRegionsHtml(t.mpuRegions)}`)
  .join("")}</section>`;
  const faults = `<section id="faults"><h2>Faults and checker reports</h2>
<label><input type="checkbox" id="show-expected" checked> show expected faults</label>
${r.faults.length ? r.faults.map(faultHtml).join("") : "<p>No faults.</p>"}
<h3>Memory checker</h3>
${
  r.reports.length
    ? r.reports.map(checkerReportHtml).join("")
    : `<p>No checker reports${r.memcheckActive ? "" : " (the memory checker did not run)"}.</p>`
}${r.leaks ? leaksHtml(r.leaks) : ""}</section>`;
  const timeline = `<section id="timeline"><h2>Timeline</h2>
<p>Run slices per task over ${esc(formatTime(r.simulatedUs))} of simulated time (slices shorter than a pixel are widened to one); diamonds mark faults, triangles checker reports.</p>
${timelineSvg(r, colours)}</section>`;
  const plots = `<section id="memory-use"><h2>Memory use and response times over time</h2>
${r.counters.length ? r.counters.map((c, i) => counterSvg(c, r.simulatedUs, colours, i)).join("") : "<p>No counters recorded.</p>"}</section>`;
  const uartLines = r.uart
    .slice(0, UART_LINES)
    .map((l) => `${formatTime(l.t).padStart(12)}  ${r.tasks[l.task]?.name ?? "?"} | ${l.text}`);
  const uart = `<section id="uart"><h2>UART output</h2>${
    uartLines.length
      ? `<pre class="uart">${esc(uartLines.join("\n"))}${r.uart.length > UART_LINES ? `\n... ${r.uart.length - UART_LINES} more lines` : ""}</pre>`
      : "<p>No output.</p>"
  }</section>`;
  const warnings = r.warnings.length
    ? `<section id="warnings"><h2>Configuration warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></section>`
    : "";
  const recording = r.recording
    ? `<section id="recording"><h2>Recording limit</h2><p>${esc(recordingSummary(r.recording))}.</p></section>`
    : "";
  const data = {
    ...r,
    slices: undefined,
    events: undefined,
    uart: undefined,
    sliceCount: r.slices.length,
    eventCount: r.events.length,
  };
  const title = `rtos-sim: ${r.app.name} on ${r.board.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(r.app.summary)}. Seed ${r.options.seed}, ${esc(formatTime(r.simulatedUs))} simulated.</p></header>
<nav><a href="#summary">Summary</a><a href="#memory-map">Memory map</a><a href="#mpu">MPU regions</a><a href="#faults">Faults</a><a href="#timeline">Timeline</a><a href="#memory-use">Memory use</a><a href="#uart">UART</a></nav>
<main>
${summarySection(r, hash)}
${memory}
${mpu}
${faults}
${timeline}
${plots}
${uart}
${warnings}
${recording}
</main>
<footer><span id="data-summary"></span></footer>
<script type="application/json" id="run-data">${scriptJson(data)}</script>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}
