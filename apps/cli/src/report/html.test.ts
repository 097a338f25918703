import { RunRecorder } from "@rtos-sim/apps";
import { STM32F407 } from "@rtos-sim/hw";
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

  it("references nothing outside the file", () => {
    const html = renderReport(result(16));
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:/);
  });
});
