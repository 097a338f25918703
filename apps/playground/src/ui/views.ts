/**
 * The playground's views, drawn from a {@link LiveRun}: the console, faults and checker reports
 * grow as lines arrive; the SVG views (timeline, MPU map, plots) and page maps are redrawn whole.
 * The report's own pieces (`@rtos-sim/apps` views) draw faults, reports, plots and page maps.
 */
import {
  ColourMap,
  checkerReportHtml,
  counterSvg,
  esc,
  faultHtml,
  formatTime,
  hex32,
  pageMapHtml,
  taskTableHtml,
  timelineSvg,
} from "@rtos-sim/apps";
import type { LiveRun } from "../live-run.js";
import { type MpuMapRow, mpuMapSvg } from "../mpu-map.js";
import { checksHtml } from "./checks-html.js";
import { timelineNote } from "./timeline-note.js";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Console lines kept in the page (older ones are dropped from the view, not from the run). */
const CONSOLE_LINES = 4000;

/** What has been drawn of the current run (so lists only grow by what is new). */
export class RunViews {
  private uart = 0;
  private faults = 0;
  private reports = 0;
  private colours = new ColourMap();

  /** Empties every view (a new run). */
  clear(live: LiveRun | null): void {
    this.uart = this.faults = this.reports = 0;
    this.colours = new ColourMap();
    if (live) for (const t of live.tasks) this.colours.of(t.name);
    byId("console").textContent = "";
    byId("faults").innerHTML = `<p class="empty">No faults yet.</p>`;
    byId("checker").innerHTML = `<p class="empty">No reports yet.</p>`;
    byId("fault-count").textContent = "0";
    byId("report-count").textContent = "0";
    byId("checks").innerHTML = `<p class="empty">The app's checks appear when the run ends.</p>`;
    byId("tasks").innerHTML = `<p class="empty">The task table appears when the run ends.</p>`;
    for (const id of ["timeline", "mpu", "counters", "pages"]) byId(id).innerHTML = "";
  }

  /** Appends what is new to the console, faults and checker views. */
  lists(live: LiveRun): void {
    const con = byId("console");
    if (live.uart.length > this.uart) {
      const atEnd = con.scrollTop + con.clientHeight >= con.scrollHeight - 4;
      let html = "";
      for (const l of live.uart.slice(this.uart)) {
        const task = live.tasks[l.task]?.name ?? "?";
        html += `<span class="t">${esc(formatTime(l.t).padStart(12))}</span>  <span class="task">${esc(task.padEnd(9))}</span>| ${esc(l.text)}\n`;
      }
      this.uart = live.uart.length;
      con.insertAdjacentHTML("beforeend", html);
      while (con.childNodes.length > CONSOLE_LINES * 4) con.firstChild?.remove();
      if (atEnd) con.scrollTop = con.scrollHeight;
    }
    if (live.faults.length > this.faults) {
      const box = byId("faults");
      if (this.faults === 0) box.innerHTML = "";
      box.insertAdjacentHTML("beforeend", live.faults.slice(this.faults).map(faultHtml).join(""));
      this.faults = live.faults.length;
      byId("fault-count").textContent = String(this.faults);
    }
    if (live.reports.length > this.reports) {
      const box = byId("checker");
      if (this.reports === 0) box.innerHTML = "";
      box.insertAdjacentHTML("beforeend", live.reports.slice(this.reports).map(checkerReportHtml).join(""));
      this.reports = live.reports.length;
      byId("report-count").textContent = String(this.reports);
    }
  }

  /** Redraws the timeline, the MPU map, the plots and the page maps. */
  graphics(live: LiveRun): void {
    const r = live.asResult();
    byId("timeline").innerHTML = timelineSvg(r, this.colours) + timelineNote(r);
    const cpu = live.cpu;
    const rows: MpuMapRow[] = [];
    if (cpu) {
      rows.push({
        label: `MPU now${cpu.task ? ` (${cpu.task})` : ""}`,
        key: "now",
        highlight: true,
        regions: cpu.mpuEnabled ? cpu.mpu : [],
      });
    }
    for (const t of r.tasks) {
      if (t.mpuRegions.length === 0) continue;
      rows.push({ label: t.name, key: t.name, highlight: cpu?.task === t.name, regions: t.mpuRegions });
    }
    byId("mpu").innerHTML = rows.length
      ? mpuMapSvg(r.board, rows)
      : `<p class="empty">No MPU configuration recorded yet.</p>`;
    byId("counters").innerHTML = r.counters.map((c, i) => counterSvg(c, r.simulatedUs, this.colours, i)).join("");
    byId("pages").innerHTML = r.pageMaps
      .map(
        (m) =>
          `<div class="page-map"><h3>${esc(m.region)} <small class="mono">${hex32(m.start)}, ${m.pages} pages</small></h3>${pageMapHtml(
            m,
            this.colours,
          )}</div>`,
      )
      .join("");
  }

  /**
   * When the run has ended: the app's checks, the verdict, warnings and the recording limit, and
   * the task table (CPU share, response times, stack peak...) as the HTML report shows it.
   */
  checks(live: LiveRun): void {
    const f = live.final;
    if (!f) return;
    byId("checks").innerHTML = checksHtml(f.result);
    byId("tasks").innerHTML = taskTableHtml(f.result);
  }
}
