/** The report's inline stylesheet (no external fonts or images). */
export const REPORT_CSS = `
:root { --fg: #1d1d1f; --muted: #6b6b70; --line: #d9d9de; --ok: #1e7b34; --bad: #b3261e; --warn: #a15c00; --bg: #fafafa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 16px 24px; background: #20232a; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #c9c9d1; }
nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); padding: 8px 24px; }
nav a { margin-right: 16px; color: #2f4b7c; text-decoration: none; }
main { padding: 8px 24px 40px; max-width: 1320px; }
section { margin-top: 24px; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0; background: #fff; display: block; width: max-content; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.missed { color: #b00020; font-weight: bold; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; color: #fff; }
.verdict.ok { background: var(--ok); }
.verdict.fail { background: var(--bad); }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; color: #fff; }
.tag.expected { background: var(--ok); }
.tag.unexpected { background: var(--bad); }
.tag.warning { background: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pages { display: flex; flex-wrap: wrap; gap: 1px; max-width: 640px; }
.page { width: 9px; height: 14px; border-radius: 1px; }
.bar { display: flex; height: 16px; width: 640px; border: 1px solid var(--line); background: #e8e8e8; }
.bar .run { min-width: 2px; height: 100%; }
.dim { opacity: 0.15; }
.legend { margin: 6px 0; }
.legend-item { display: inline-flex; align-items: center; margin-right: 14px; cursor: default; }
.legend-item i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; border-radius: 2px; border: 1px solid rgba(0,0,0,.2); }
article.fault, article.checker-report { border: 1px solid var(--line); border-left: 4px solid var(--bad); background: #fff; padding: 8px 12px; margin: 10px 0; }
article.fault.expected { border-left-color: var(--ok); }
article.checker-report.warning { border-left-color: var(--warn); }
body.hide-expected article.fault.expected { display: none; }
svg { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
svg .lane { fill: #f4f4f6; }
svg .axis { stroke: #888; }
svg .tick, svg .lane-label { font-size: 11px; fill: #444; }
svg .marker.fault { fill: var(--bad); stroke: #fff; }
svg .marker.fault.expected { fill: #d9822b; }
svg .marker.report { fill: var(--warn); }
figure.plot { margin: 8px 0 16px; }
figure.plot figcaption { font-weight: 600; margin-bottom: 4px; }
pre.uart { background: #20232a; color: #e6e6e6; padding: 10px; overflow: auto; max-height: 320px; }
ul.checks { list-style: none; padding: 0; }
ul.checks li::before { content: attr(data-mark); display: inline-block; width: 44px; font-weight: 600; }
ul.checks li.pass::before { color: var(--ok); }
ul.checks li.fail::before { color: var(--bad); }
ul.checks li.skip::before { color: var(--warn); }
footer { color: var(--muted); padding: 16px 24px; border-top: 1px solid var(--line); }
/* A narrow window: the wide charts keep readable labels (scaled to a phone they were 3-4px) and
   scroll sideways in their section. */
@media (max-width: 860px) {
  #mpu, #timeline, #memory-use { overflow-x: auto; }
  #mpu svg, #timeline svg, #memory-use svg { min-width: 860px; }
}
`;

/**
 * The report's inline script: hovering an owner in a legend highlights its pages, a checkbox
 * hides expected faults, and the embedded run data fills the footer. No network access.
 */
export const REPORT_JS = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("run-data").textContent);
  function highlight(owner) {
    document.querySelectorAll(".page[data-owner], .run[data-owner]").forEach(function (el) {
      el.classList.toggle("dim", owner !== null && el.getAttribute("data-owner") !== owner);
    });
  }
  document.querySelectorAll(".legend-item[data-owner]").forEach(function (el) {
    el.addEventListener("mouseenter", function () { highlight(el.getAttribute("data-owner")); });
    el.addEventListener("mouseleave", function () { highlight(null); });
  });
  var toggle = document.getElementById("show-expected");
  if (toggle) {
    toggle.addEventListener("change", function () {
      document.body.classList.toggle("hide-expected", !toggle.checked);
    });
  }
  var footer = document.getElementById("data-summary");
  if (footer) {
    footer.textContent = data.schema + ": " + data.tasks.length + " tasks, " + data.faults.length + " faults, " +
      data.reports.length + " checker reports, verdict " + (data.verdict.ok ? "ok" : "problems");
  }
  document.documentElement.setAttribute("data-ready", "true");
})();
`;
