/**
 * HTML pieces of a run's report, shared by the CLI's HTML report and the playground: tables,
 * MPU regions, faults decoded in full, checker reports, page maps. Every name and text is escaped.
 */
import { faultAccess } from "../run/fault-access.js";
import type { CheckerReport, FaultRecord, MemoryPeak, MpuRegionInfo, PageMapInfo, RunResult } from "../run/result.js";
import {
  formatAction,
  formatBytes,
  formatPeak,
  formatShare,
  formatTime,
  type HEADROOM_SHARE,
  hex32,
  isNearlyFull,
} from "../shared/format.js";
import { CFSR_MEANING, HFSR_MEANING } from "./cfsr.js";
import type { ColourMap } from "./colours.js";
import { esc } from "./escape.js";
import { mpuRegionGroups } from "./mpu-regions.js";

/**
 * An HTML table: `headers` as the head row, each row's cells as given (already escaped HTML; a
 * cell that starts with `<td` is used as the whole cell, e.g. from {@link numCell}).
 */
export function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[], cls = ""): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => (c.startsWith("<td") ? c : `<td>${c}</td>`)).join("")}</tr>`)
    .join("");
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A right-aligned numeric table cell holding `html`. */
export const numCell = (html: string): string => `<td class="num">${html}</td>`;

/** Text in a `<code>` element, escaped. */
export const codeHtml = (text: string): string => `<code>${esc(text)}</code>`;

/**
 * The task table of a finished run, as the HTML report and the playground show it: state, CPU
 * share, the timing columns when the run measured jobs (period, deadline, jobs, response max and
 * mean, jitter, missed), faults, the stack and heap peaks when measured (flagged at
 * {@link HEADROOM_SHARE} of their size or more), memory held and MPU regions.
 */
export function taskTableHtml(r: RunResult): string {
  const timed = r.tasks.some((t) => t.timing !== null);
  const stacks = r.tasks.some((t) => t.stack !== null);
  const heaps = r.tasks.some((t) => t.heap !== null);
  const peakCell = (use: MemoryPeak | null) =>
    isNearlyFull(use) ? `<td class="num missed">${esc(formatPeak(use))}</td>` : numCell(esc(formatPeak(use)));
  const us = (v: number | null | undefined) => (v === null || v === undefined ? "-" : esc(formatTime(v)));
  return htmlTable(
    [
      "task",
      "state",
      "CPU share",
      ...(timed ? ["period", "deadline", "jobs", "response max", "response mean", "jitter", "missed"] : []),
      "faults",
      ...(stacks ? ["stack peak"] : []),
      ...(heaps ? ["heap peak"] : []),
      "memory held",
      "MPU regions",
    ],
    r.tasks.map((t) => [
      esc(t.name),
      esc(t.state),
      numCell(esc(formatShare(t.cpuShare))),
      ...(timed
        ? [
            numCell(us(t.timing?.periodUs)),
            numCell(us(t.timing?.deadlineUs)),
            numCell(t.timing ? String(t.timing.jobs) : "-"),
            numCell(us(t.timing?.responseMaxUs)),
            numCell(us(t.timing?.responseMeanUs)),
            numCell(us(t.timing?.jitterUs)),
            t.timing && t.timing.missed > 0
              ? `<td class="num missed">${t.timing.missed}</td>`
              : numCell(t.timing ? String(t.timing.missed) : "-"),
          ]
        : []),
      numCell(String(t.faults)),
      ...(stacks ? [peakCell(t.stack)] : []),
      ...(heaps ? [peakCell(t.heap)] : []),
      numCell(esc(formatBytes(t.memoryHeld))),
      numCell(String(t.mpuRegions.length)),
    ]),
    "tasks",
  );
}

/**
 * A task's MPU regions as tables in the columns of their architecture (`MPU_REGION_TABLES`):
 * PMSAv7 RBAR/RASR, PMSAv8 RBAR/RLAR with the MAIR attribute; regions of another architecture
 * start a new table.
 */
export function mpuRegionsHtml(regions: readonly MpuRegionInfo[]): string {
  return mpuRegionGroups(regions)
    .map(({ table, regions: rows }) =>
      htmlTable(
        table.columns.map((c) => c.header),
        rows.map((r) =>
          table.columns.map((c) => {
            const text = c.cell(r, r.registers);
            return c.align === "right" ? numCell(esc(text)) : c.mono && text !== "-" ? codeHtml(text) : esc(text);
          }),
        ),
        `mpu-regions ${table.name.toLowerCase()}`,
      ),
    )
    .join("");
}

function kernelFaultHtml(f: FaultRecord, tag: string): string {
  return `<article class="fault${f.expected ? " expected" : ""}">
<h3>${esc(f.kind)} in ${esc(f.taskName)} at ${esc(formatTime(f.t))} ${tag}</h3>
<p>${esc(f.message)}</p>${f.source !== null ? `<p>At ${codeHtml(f.source)}</p>` : ""}${f.action ? `<p>Action: ${esc(f.action)}</p>` : ""}
${f.mpuRegions.length > 0 ? `<p>MPU regions of ${esc(f.taskName)}:</p>${mpuRegionsHtml(f.mpuRegions)}` : ""}
${f.dump ? `<details><summary>kernel fault dump</summary><pre>${esc(f.dump)}</pre></details>` : ""}
</article>`;
}

/**
 * A fault in full as an `<article class="fault">`: exception, access, CFSR/MMFAR/BFAR/HFSR with
 * each bit's meaning, the action taken, the task's MPU regions and the kernel's dump.
 */
export function faultHtml(f: FaultRecord): string {
  const tag = f.expected
    ? `<span class="tag expected">expected</span>`
    : `<span class="tag unexpected">unexpected</span>`;
  if (!f.hardware) return kernelFaultHtml(f, tag);
  const bits = f.cfsrNames.map((n) => [codeHtml(n), esc(CFSR_MEANING[n] ?? "")]);
  const hbits = f.hfsrNames.map((n) => [codeHtml(n), esc(HFSR_MEANING[n] ?? "")]);
  const regs: string[][] = [["CFSR", codeHtml(hex32(f.cfsr))]];
  if (f.mmfar !== null) regs.push(["MMFAR", `${codeHtml(hex32(f.mmfar))} address of the access the MPU stopped`]);
  if (f.bfar !== null) regs.push(["BFAR", `${codeHtml(hex32(f.bfar))} address of the bus error`]);
  regs.push(["HFSR", codeHtml(hex32(f.hfsr))]);
  // ARMv6-M: no register holds these; the table is the simulator's, said so above it.
  const registers = f.faultStatusRegisters
    ? htmlTable(["register", "value"], regs, "fault-registers")
    : `<p>Silicon: HardFault only; ARMv6-M has no CFSR, HFSR, MMFAR or BFAR (the handler sees its stacked frame).</p>
<p>Simulator: ${esc(f.cause)}${f.mmfar !== null || f.bfar !== null ? ` at ${codeHtml(hex32((f.mmfar ?? f.bfar)!))}` : ""}, what an ARMv7-M core would record:</p>`;
  return `<article class="fault${f.expected ? " expected" : ""}">
<h3>${esc(f.exceptionName)} (exception ${f.exception}) in ${esc(f.taskName)} at ${esc(formatTime(f.t))} ${tag}</h3>
${f.note ? `<p>${esc(f.note)}</p>` : ""}
${f.escalated ? `<p>Escalated from ${esc(f.cause)} to HardFault (HFSR.FORCED).</p>` : ""}
${f.source !== null ? `<p>At ${codeHtml(f.source)}</p>` : ""}
<p>Access: ${faultAccess(f, codeHtml, esc)}${f.memory !== null ? `, in ${esc(f.memory)}` : ""}</p>
${registers}
${htmlTable(["bit", "meaning"], [...bits, ...hbits], "cfsr-bits")}
${f.action ? `<p>Action: ${esc(formatAction(f.action))}.</p>` : ""}
${f.mpuRegions.length > 0 ? `<p>MPU regions of ${esc(f.taskName)} when it faulted:</p>${mpuRegionsHtml(f.mpuRegions)}` : ""}
${f.dump ? `<details><summary>kernel fault dump</summary><pre>${esc(f.dump)}</pre></details>` : ""}
</article>`;
}

/** A memory checker report as an `<article class="checker-report">`: kind, time, message, details (block, sites, shadow bytes). */
export function checkerReportHtml(c: CheckerReport): string {
  const tag = c.expected
    ? '<span class="tag expected">expected</span>'
    : `<span class="tag ${c.severity === "error" ? "unexpected" : "warning"}">${esc(c.severity)}</span>`;
  return `<article class="checker-report ${esc(c.severity)}"><h3>${esc(c.kind)} at ${esc(formatTime(c.t))} ${tag}</h3><p class="mono">${esc(
    c.message,
  )}</p>${c.details.length ? `<pre>${esc(c.details.join("\n"))}</pre>` : ""}</article>`;
}

/** Page maps with at most this many pages are drawn page by page; larger ones as proportional runs. */
export const GRID_PAGES = 512;

/**
 * A region's page map coloured by owner: page by page (`.page` cells) when it has at most
 * {@link GRID_PAGES} pages, else as proportional runs (`.run` in a `.bar`); each with its owner
 * in `data-owner` and a tooltip with the address.
 */
export function pageMapHtml(map: PageMapInfo, colours: ColourMap): string {
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
