import type {
  FaultRecord,
  LeakCount,
  LeakSummaryInfo,
  MemoryRegionInfo,
  MpuRegionInfo,
  PageMapInfo,
  RunResult,
} from "@rtos-sim/apps";
import { formatBytes, formatHz, formatShare, formatTime, hex32 } from "@rtos-sim/apps";
import { CFSR_MEANING, HFSR_MEANING } from "../output/cfsr.js";
import { REPORT_CSS, REPORT_JS } from "./assets.js";
import { ColourMap } from "./colours.js";
import { esc, scriptJson } from "./escape.js";
import { counterSvg, timelineSvg } from "./svg.js";

/** Page maps with at most this many pages are drawn page by page; larger ones as proportional runs. */
const GRID_PAGES = 512;
const UART_LINES = 400;

function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ""): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => (c.startsWith("<td") ? c : `<td>${c}</td>`)).join("")}</tr>`)
    .join("");
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const num = (text: string) => `<td class="num">${text}</td>`;
const mono = (text: string) => `<code>${esc(text)}</code>`;

function mpuRows(regions: readonly MpuRegionInfo[]): string {
  return table(
    ["#", "base", "end", "size", "access", "exec", "memory type", "SRD", "for"],
    regions.map((r) => [
      num(String(r.number)),
      mono(hex32(r.base)),
      mono(hex32(r.base + r.size - 1)),
      num(esc(formatBytes(r.size))),
      mono(r.access),
      r.executable ? "yes" : "XN",
      esc(r.memoryType),
      r.srd === 0 ? "-" : mono(`0x${r.srd.toString(16).padStart(2, "0")}`),
      esc(r.label),
    ]),
    "mpu-regions",
  );
}

function pageMapHtml(map: PageMapInfo, colours: ColourMap): string {
  if (map.pages <= GRID_PAGES) {
    let cells = "";
    for (const run of map.runs) {
      const owner = run.owner ?? "free";
      for (let i = 0; i < run.count; i++) {
        const page = run.page + i;
        cells += `<div class="page" data-owner="${esc(owner)}" style="background:${colours.of(run.owner)}" title="${esc(
          `${hex32(map.start + page * map.pageSize)} page ${page}: ${owner}`,
        )}"></div>`;
      }
    }
    return `<div class="pages" data-region="${esc(map.region)}">${cells}</div>`;
  }
  const runs = map.runs
    .map((run) => {
      const owner = run.owner ?? "free";
      return `<div class="run" data-owner="${esc(owner)}" style="width:${((run.count / map.pages) * 100).toFixed(
        3,
      )}%;background:${colours.of(run.owner)}" title="${esc(
        `${hex32(map.start + run.page * map.pageSize)}: ${run.count} page(s) ${owner}`,
      )}"></div>`;
    })
    .join("");
  return `<div class="bar" data-region="${esc(map.region)}">${runs}</div>`;
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
    mono(hex32(m.start)),
    mono(hex32(m.end - 1)),
    num(esc(formatBytes(m.size))),
    `${esc(m.kind)} ${mono(access)}`,
    cell,
  ];
}

function kernelFaultHtml(f: FaultRecord, tag: string): string {
  return `<article class="fault${f.expected ? " expected" : ""}">
<h3>${esc(f.kind)} in ${esc(f.taskName)} at ${esc(formatTime(f.t))} ${tag}</h3>
<p>${esc(f.message)}</p>${f.action ? `<p>Action: ${esc(f.action)}</p>` : ""}
${f.mpuRegions.length > 0 ? `<p>MPU regions of ${esc(f.taskName)}:</p>${mpuRows(f.mpuRegions)}` : ""}
${f.dump ? `<details><summary>kernel fault dump</summary><pre>${esc(f.dump)}</pre></details>` : ""}
</article>`;
}

function faultHtml(f: FaultRecord): string {
  const tag = f.expected
    ? `<span class="tag expected">expected</span>`
    : `<span class="tag unexpected">unexpected</span>`;
  if (!f.hardware) return kernelFaultHtml(f, tag);
  const bits = f.cfsrNames.map((n) => [mono(n), esc(CFSR_MEANING[n] ?? "")]);
  const hbits = f.hfsrNames.map((n) => [mono(n), esc(HFSR_MEANING[n] ?? "")]);
  const regs: string[][] = [["CFSR", mono(hex32(f.cfsr))]];
  if (f.mmfar !== null) regs.push(["MMFAR", `${mono(hex32(f.mmfar))} address of the access the MPU stopped`]);
  if (f.bfar !== null) regs.push(["BFAR", `${mono(hex32(f.bfar))} address of the bus error`]);
  regs.push(["HFSR", mono(hex32(f.hfsr))]);
  return `<article class="fault${f.expected ? " expected" : ""}">
<h3>${esc(f.exceptionName)} (exception ${f.exception}) in ${esc(f.taskName)} at ${esc(formatTime(f.t))} ${tag}</h3>
${f.note ? `<p>${esc(f.note)}</p>` : ""}
${f.escalated ? `<p>Escalated from ${esc(f.cause)} to HardFault (HFSR.FORCED).</p>` : ""}
<p>Access: ${f.access.privileged ? "privileged" : "unprivileged"} ${esc(f.access.kind)} of ${f.access.size} byte(s) at ${mono(
    hex32(f.access.address),
  )}</p>
${table(["register", "value"], regs, "fault-registers")}
${table(["bit", "meaning"], [...bits, ...hbits], "cfsr-bits")}
${f.action ? `<p>Action: the task was ${esc(f.action)}.</p>` : ""}
${f.mpuRegions.length > 0 ? `<p>MPU regions of ${esc(f.taskName)} when it faulted:</p>${mpuRows(f.mpuRegions)}` : ""}
${f.dump ? `<details><summary>kernel fault dump</summary><pre>${esc(f.dump)}</pre></details>` : ""}
</article>`;
}

function summarySection(r: RunResult): string {
  const b = r.board;
  const facts: [string, string][] = [
    ["app", `${esc(r.app.name)}: ${esc(r.app.summary)}${r.app.file ? ` (${mono(r.app.file)})` : ""}`],
    ["board", `${esc(b.name)}: ${esc(b.description)}`],
    ["core", `${esc(b.core)}, ${esc(formatHz(b.clockHz))}, ${b.mpuRegions} MPU regions`],
    ["simulated", `${esc(formatTime(r.simulatedUs))} (${r.cycles} cycles) in ${Math.round(r.wallMs)} ms of wall time`],
    ["seed", String(r.options.seed)],
    [
      "memory checker",
      r.memcheckActive ? "on" : r.options.memcheck ? "requested, not available in this app yet" : "off",
    ],
  ];
  const tasks = table(
    ["task", "state", "CPU share", "faults", "memory held", "MPU regions"],
    r.tasks.map((t) => [
      esc(t.name),
      esc(t.state),
      num(esc(formatShare(t.cpuShare))),
      num(String(t.faults)),
      num(esc(formatBytes(t.memoryHeld))),
      num(String(t.mpuRegions.length)),
    ]),
    "tasks",
  );
  const checks = r.checks.length
    ? `<h3>Checks</h3><ul class="checks">${r.checks
        .map(
          (c) =>
            `<li class="${c.passed ? "pass" : "fail"}" data-mark="${c.passed ? "pass" : "FAIL"}">${esc(c.name)}${
              c.detail ? ` <span class="mono">(${esc(c.detail)})</span>` : ""
            }</li>`,
        )
        .join("")}</ul>`
    : "";
  const verdict = r.verdict.ok
    ? `<span class="verdict ok">OK</span> no unexpected fault, no checker error, every check passed`
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
  return `<h3>Leak summary</h3>${table(
    ["category", "bytes", "blocks"],
    rows.map(([name, c]) => [esc(name), num(String(c.bytes)), num(String(c.blocks))]),
    "leaks",
  )}`;
}

/**
 * Renders a run as one self-contained HTML page (inline CSS, inline JS, inline SVG, no external
 * URL): run summary with the verdict and the task table, the board's memory map with each
 * region's page map coloured by owner, each task's MPU regions, fault and checker reports with
 * the leak summary,
 * the task timeline and the counter plots (memory use over time), UART output and warnings.
 */
export function renderReport(r: RunResult): string {
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
${table(
  ["region", "start", "end", "size", "kind", "pages"],
  r.board.memory.map((m) => regionRow(m, r.pageMaps, colours)),
  "memory",
)}
${
  r.board.peripherals.length
    ? `<h3>Peripheral ranges</h3>${table(
        ["range", "start", "end", "size"],
        r.board.peripherals.map((p) => [
          esc(p.name),
          mono(hex32(p.start)),
          mono(hex32(p.end - 1)),
          num(esc(formatBytes(p.size))),
        ]),
        "peripherals",
      )}`
    : ""
}</section>`;
  const mpu = `<section id="mpu"><h2>MPU regions per task</h2>
<p>Higher-numbered regions win where regions overlap; privileged code also sees the background (default) map when PRIVDEFENA is set.</p>
${r.tasks
  .filter((t) => t.mpuRegions.length > 0)
  .map((t) => `<h3 class="task-mpu">${esc(t.name)}</h3>${mpuRows(t.mpuRegions)}`)
  .join("")}</section>`;
  const faults = `<section id="faults"><h2>Faults and checker reports</h2>
<label><input type="checkbox" id="show-expected" checked> show expected faults</label>
${r.faults.length ? r.faults.map(faultHtml).join("") : "<p>No faults.</p>"}
<h3>Memory checker</h3>
${
  r.reports.length
    ? r.reports
        .map(
          (c) =>
            `<article class="checker-report ${esc(c.severity)}"><h3>${esc(c.kind)} at ${esc(formatTime(c.t))} ${
              c.expected
                ? '<span class="tag expected">expected</span>'
                : `<span class="tag ${c.severity === "error" ? "unexpected" : "warning"}">${esc(c.severity)}</span>`
            }</h3><p class="mono">${esc(c.message)}</p>${c.details.length ? `<pre>${esc(c.details.join("\n"))}</pre>` : ""}</article>`,
        )
        .join("")
    : `<p>No checker reports${r.memcheckActive ? "" : " (the memory checker did not run)"}.</p>`
}${r.leaks ? leaksHtml(r.leaks) : ""}</section>`;
  const timeline = `<section id="timeline"><h2>Timeline</h2>
<p>Run slices per task over ${esc(formatTime(r.simulatedUs))} of simulated time (slices shorter than a pixel are widened to one); diamonds mark faults, triangles checker reports.</p>
${timelineSvg(r, colours)}</section>`;
  const plots = `<section id="memory-use"><h2>Memory use over time</h2>
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
${summarySection(r)}
${memory}
${mpu}
${faults}
${timeline}
${plots}
${uart}
${warnings}
</main>
<footer><span id="data-summary"></span></footer>
<script type="application/json" id="run-data">${scriptJson(data)}</script>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}
