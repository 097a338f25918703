import { RunRecorder } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { checksHtml } from "./checks-html.js";

function recorder(limit?: number) {
  return new RunRecorder({
    app: { name: "x", summary: "s", source: "builtin", file: null },
    board: STM32F407,
    options: { seed: 1, durationMs: 1, memcheck: false },
    ...(limit === undefined ? {} : { limit }),
  });
}
const end = { simulatedUs: 1000, cycles: 0, wallMs: 1, memcheckActive: false };

describe("the playground's end-of-run panel", () => {
  it("lists the checks and the verdict's problems", () => {
    const rec = recorder();
    rec.check("made <it>", true, "fine");
    rec.check("broken", false);
    expect(checksHtml(rec.finish(end))).toBe(
      '<ul class="checks"><li class="pass">made &lt;it&gt; <span class="mono">(fine)</span></li><li class="fail">broken</li></ul>' +
        '<p>Problems:</p><ul class="problems"><li>check failed: broken</li></ul>',
    );
  });

  it("shows configuration warnings and what a run past its recording limit did not keep, as the CLI's summary does", () => {
    const rec = recorder(2);
    rec.warn("MPU_RASR_SIZE: region 3 below 32 bytes");
    const t = rec.addTask("t");
    for (let i = 0; i < 3; i++) rec.slice(t, i, i + 1);
    expect(checksHtml(rec.finish(end))).toBe(
      '<p class="empty">This app makes no checks.</p>' +
        '<p>Configuration warnings:</p><ul class="warnings"><li>MPU_RASR_SIZE: region 3 below 32 bytes</li></ul>' +
        '<p class="recording">Recording limit: the run kept the first 2 run slices (1 more not kept); the task table, the CPU load and the verdict cover the whole run.</p>',
    );
  });
});
