import { RunRecorder } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { renderReport } from "./html.js";
import { niceTicks } from "./svg.js";

function result(pages: number) {
  const rec = new RunRecorder({
    app: { name: "x", summary: "a <b>bold</b> app", source: "file", file: "/tmp/</script>.ts" },
    board: STM32F407,
    options: { seed: 3, durationMs: 1, memcheck: false },
    clock: () => 0,
  });
  const t = rec.addTask("<script>alert(1)</script>");
  rec.slice(t, 0, 10);
  rec.uart(t, "</script><b>");
  rec.pageMap({
    region: "SRAM1",
    start: 0x20000000,
    pageSize: 1024,
    pages,
    runs: [{ page: 0, count: pages, owner: "a&b" }],
    source: "test",
  });
  rec.counter("heap", "bytes", { "<i>": 5 });
  return rec.finish({ simulatedUs: 10, cycles: 1680, wallMs: 1, memcheckActive: false });
}

describe("renderReport", () => {
  it("escapes every name and keeps embedded JSON inside its script element", () => {
    const html = renderReport(result(16));
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("a &lt;b&gt;bold&lt;/b&gt; app");
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data block and the inline script, nothing injected
    expect(html).toContain('data-owner="a&amp;b"');
  });

  it("draws small page maps page by page and large ones as proportional runs", () => {
    expect(renderReport(result(16)).match(/class="page"/g)).toHaveLength(16);
    const big = renderReport(result(4096));
    expect(big.match(/class="page"/g)).toBeNull();
    expect(big).toContain(
      '<div class="bar" data-region="SRAM1"><div class="run" data-owner="a&amp;b" style="width:100.000%',
    );
  });

  it("references nothing outside the file", () => {
    const html = renderReport(result(16));
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:/);
  });
});

describe("renderReport: timing", () => {
  it("the task table carries period, deadline, jobs, response times, jitter and missed deadlines; the facts the CPU load", () => {
    const rec = new RunRecorder({
      app: { name: "ctl", summary: "a control loop", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 10, memcheck: false },
    });
    const t = rec.addTask("ctl");
    rec.setTiming(t, {
      periodUs: 2000,
      deadlineUs: 500,
      jobs: 5,
      missed: 1,
      responseMaxUs: 1200,
      responseMinUs: 100,
      responseMeanUs: 320,
      jitterUs: 1100,
    });
    rec.cpuLoad = 0.25;
    const html = renderReport(rec.finish({ simulatedUs: 10_000, cycles: 1_680_000, wallMs: 1, memcheckActive: false }));
    expect(html).toContain(
      "<th>period</th><th>deadline</th><th>jobs</th><th>response max</th><th>response mean</th><th>jitter</th><th>missed</th>",
    );
    expect(html).toContain(
      '<td class="num">2.000 ms</td><td class="num">500 us</td><td class="num">5</td><td class="num">1.200 ms</td><td class="num">320 us</td><td class="num">1.100 ms</td><td class="num missed">1</td>',
    );
    expect(html).toContain("<dt>CPU load</dt><dd>25.00%</dd>");
  });

  it("a run without timing keeps the plain task table", () => {
    expect(renderReport(result(4))).not.toContain("<th>jobs</th>");
  });
});

describe("niceTicks", () => {
  it("steps of 1, 2 or 5 x 10^k from 0 to the end", () => {
    expect(niceTicks(2_000_004)).toEqual([0, 500_000, 1_000_000, 1_500_000, 2_000_000]);
    expect(niceTicks(1_000_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    expect(niceTicks(9.149)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(25_005)).toEqual([0, 5000, 10_000, 15_000, 20_000, 25_000]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
