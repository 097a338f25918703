import { mpuRegionInfo, RunRecorder, traceHash } from "@rtos-sim/apps";
import { createMachine, STM32F407, STM32U585 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { renderReport } from "./html.js";

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

  it("marks checks pass, FAIL or skip, and a verdict with skipped checks says so", () => {
    const rec = new RunRecorder({
      app: { name: "x", summary: "s", source: "builtin", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 1, memcheck: false },
      clock: () => 0,
    });
    rec.check("made", true);
    rec.skip("later", "not reached");
    const html = renderReport(rec.finish({ simulatedUs: 10, cycles: 0, wallMs: 1, memcheckActive: false }));
    expect(html).toContain('<li class="pass" data-mark="pass">made</li>');
    expect(html).toContain('<li class="skip" data-mark="skip">later <span class="mono">(not reached)</span></li>');
    expect(html).toContain("every check made passed, 1 skipped (not reached when the run ended)");
  });

  it("references nothing outside the file", () => {
    const html = renderReport(result(16));
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:/);
  });
});

describe("renderReport: MPU regions per architecture", () => {
  it("PMSAv7: RBAR/RASR columns and the highest-number rule", () => {
    const m = createMachine(STM32F407);
    m.mpu.setRegion(1, { base: 0x20001000, size: 0x1000, access: "rw" });
    const rec = new RunRecorder({
      app: { name: "x", summary: "x", source: "file", file: null },
      board: STM32F407,
      options: { seed: 1, durationMs: 1, memcheck: false },
    });
    rec.setMpuRegions(rec.addTask("t"), [mpuRegionInfo(m.mpu.region(1), "RAM")]);
    const html = renderReport(rec.finish({ simulatedUs: 1, cycles: 1, wallMs: 1, memcheckActive: false }));
    expect(html).toContain("<dd>cortex-m4, 168 MHz, 8 MPU regions (PMSAv7)</dd>");
    expect(html).toContain(
      "<p>PMSAv7: the highest-numbered region wins where regions overlap; background: privileged only.",
    );
    expect(html).toContain('<table class="mpu-regions pmsav7"><thead><tr><th>#</th><th>base</th><th>end</th>');
    expect(html).toContain("<th>RBAR</th><th>RASR</th><th>for</th>");
    expect(html).toContain("<td><code>0x20001001</code></td><td><code>0x13030017</code></td><td>RAM</td>");
  });

  it("PMSAv8: RBAR/RLAR, SH and the MAIR attribute columns and the overlap-fault rule", () => {
    const m = createMachine(STM32U585);
    m.mpu.setMair(1, 0x04);
    m.mpu.setRegion(2, { base: 0x40004400, size: 0x400, access: "rw", attrIndex: 1 });
    const rec = new RunRecorder({
      app: { name: "x", summary: "x", source: "file", file: null },
      board: STM32U585,
      options: { seed: 1, durationMs: 1, memcheck: false },
    });
    rec.setMpuRegions(rec.addTask("t"), [mpuRegionInfo(m.mpu.region(2), "USART2")]);
    const html = renderReport(rec.finish({ simulatedUs: 1, cycles: 1, wallMs: 1, memcheckActive: false }));
    expect(html).toContain("<dd>cortex-m33, 160 MHz, 8 MPU regions (PMSAv8)</dd>");
    expect(html).toContain(
      "<p>PMSAv8: an address two enabled regions both match faults (no overlaps); background: privileged only.",
    );
    expect(html).not.toContain("highest-numbered");
    expect(html).toContain('<table class="mpu-regions pmsav8"><thead><tr><th>#</th><th>base</th><th>limit</th>');
    expect(html).toContain(
      "<td>NSH</td><td><code>Attr1=0x04 Device-nGnRE</code></td><td><code>0x40004403</code></td><td><code>0x400047E3</code></td><td>USART2</td>",
    );
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

describe("renderReport: the run's identity", () => {
  it("shows the trace hash the summary prints for the run", () => {
    const r = result(4);
    expect(renderReport(r)).toContain(
      `<dt>trace hash</dt><dd><code>${traceHash(r)}</code> (the same app, board, seed and options give the same hash)</dd>`,
    );
  });
});
