/**
 * The end-of-run panel of the playground: the app's checks, the verdict's problems, the
 * configuration warnings and, for a run past its recording limit, what it did not keep (as the
 * CLI's summary shows them). Plain strings, so the panel is tested without a page.
 */
import { esc, type RunResult, recordingSummary } from "@rtos-sim/apps";

/**
 * The panel's HTML for a finished run.
 *
 * @example
 * ```ts
 * import { DEFAULT_STATE, PlaygroundSession } from "@rtos-sim/playground";
 * import { checksHtml } from "./checks-html.js";
 * const s = PlaygroundSession.create({ ...DEFAULT_STATE, app: "isolation", seed: 3 });
 * const { result } = s.finish(0);
 * const html = checksHtml(result); // byId("checks").innerHTML = html
 * ```
 */
export function checksHtml(r: RunResult): string {
  const items = r.checks
    .map(
      (c) =>
        `<li class="${c.skipped ? "skip" : c.passed ? "pass" : "fail"}">${esc(c.name)}${c.detail ? ` <span class="mono">(${esc(c.detail)})</span>` : ""}</li>`,
    )
    .join("");
  const list = (title: string, cls: string, lines: readonly string[]) =>
    lines.length ? `<p>${title}:</p><ul class="${cls}">${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "";
  return `${items ? `<ul class="checks">${items}</ul>` : `<p class="empty">This app makes no checks.</p>`}${list(
    "Problems",
    "problems",
    r.verdict.problems,
  )}${list("Configuration warnings", "warnings", r.warnings)}${
    r.recording ? `<p class="recording">Recording limit: ${esc(recordingSummary(r.recording))}.</p>` : ""
  }`;
}
