import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ATTEMPTS } from "@rtos-sim/apps";
import { chromium, type Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { CLI_DIR, rtosSim, tempDir } from "./helpers.js";

/** Debian's Chromium (`apt-get install -y chromium`). */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where the screenshot is kept (ignored by git: `artifacts/`). */
const ARTIFACTS = join(CLI_DIR, "artifacts");

/** A page of headless Chromium on `report`, with every console error, page error and network request collected. */
async function openReport(
  dir: string,
  report: string,
  use: (page: Page, problems: string[]) => Promise<void>,
): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`);
  }
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(report).href, { waitUntil: "load" });
    await page.waitForSelector("html[data-ready=true]");
    await use(page, problems);
  } finally {
    await context.close();
  }
}

describe("the HTML report in headless Chromium", () => {
  it("loads with no console error or network request and shows every section", { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const report = join(dir, "report.html");
    const run = await rtosSim(["run", "mpu-demo", "--report", report]);
    expect(run.code).toBe(0);

    await openReport(dir, report, async (page, problems) => {
      expect(await page.title()).toBe("rtos-sim: mpu-demo on stm32f407");
      expect(await page.textContent("h1")).toBe("rtos-sim: mpu-demo on stm32f407");
      expect(await page.textContent("#verdict .verdict")).toBe("OK");
      expect(await page.locator("#summary table.tasks tbody tr").count()).toBe(3);
      expect(await page.locator("#summary ul.checks li.pass").count()).toBe(4);
      // SRAM1's page map: 112 pages of 1 KiB, 4 for the kernel, 4 for the logger, 1 for the ring.
      expect(await page.locator('#memory-map .pages[data-region="SRAM1"] .page').count()).toBe(112);
      expect(await page.locator('#memory-map .page[data-owner="kernel"]').count()).toBe(4);
      expect(await page.locator('#memory-map .page[data-owner="logger"]').count()).toBe(4);
      expect(await page.locator('#memory-map .page[data-owner="ring"]').count()).toBe(1);
      expect(await page.locator("#mpu h3.task-mpu").allTextContents()).toEqual(["kernel", "sensor", "logger"]);
      expect(await page.locator("#faults article.fault.expected").count()).toBe(1);
      expect(await page.textContent("#faults article.fault")).toContain("DACCVIOL");
      expect(await page.textContent("#faults table.fault-registers")).toContain("0x20000010");
      expect(await page.locator("#timeline-svg rect.slice").count()).toBeGreaterThan(2);
      expect(await page.locator("#timeline-svg path.marker.fault").count()).toBe(1);
      expect(await page.locator("#memory-use svg.counter-plot").count()).toBe(2);
      expect(await page.locator("#counter-0 polyline.series").count()).toBe(3);
      expect(await page.textContent("#data-summary")).toBe(
        "rtos-sim.run/1: 3 tasks, 1 faults, 0 checker reports, verdict ok",
      );

      // The script works: hovering an owner dims the other pages; the checkbox hides expected faults.
      await page.hover('#memory-map .legend-item[data-owner="logger"]');
      expect(await page.locator("#memory-map .page.dim").count()).toBe(108);
      await page.uncheck("#show-expected");
      expect(await page.locator("#faults article.fault.expected").isVisible()).toBe(false);
      await page.check("#show-expected");
      await page.mouse.move(0, 0);

      // A phone-wide window: the timeline keeps readable labels and scrolls in its section.
      await page.setViewportSize({ width: 390, height: 844 });
      const label = await page.locator("#timeline svg text").first().boundingBox();
      const narrow = {
        label: Math.round(label?.height ?? 0),
        scrolls: await page.locator("#timeline").evaluate((box) => box.scrollWidth > box.clientWidth),
      };
      expect(narrow.label).toBeGreaterThanOrEqual(8);
      expect(narrow.scrolls).toBe(true);
      await page.setViewportSize({ width: 1280, height: 900 });

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
    });
  });

  it("shows the isolation run: every rogue attempt as an expected fault, checker reports, page maps", {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir();
    const report = join(dir, "isolation.html");
    const run = await rtosSim(["run", "isolation", "--report", report]);
    expect(run.code).toBe(0);
    await openReport(dir, report, async (page, problems) => {
      expect(await page.textContent("h1")).toBe("rtos-sim: isolation on stm32f407");
      expect(await page.textContent("#verdict .verdict")).toBe("OK");
      // The kernel row, four flight tasks and the rogue attempts (all but one fault: the IPC one is refused).
      const faulting = ATTEMPTS.filter((a) => a.expect.kind !== "refused").length;
      expect(await page.locator("#summary table.tasks tbody tr").count()).toBe(5 + ATTEMPTS.length);
      expect(await page.locator("#faults article.fault.expected").count()).toBe(faulting);
      expect(await page.locator('#memory-map .page[data-owner="kernel"]').count()).toBeGreaterThan(0);
      expect(await page.locator("#timeline-svg path.marker.fault").count()).toBe(faulting);
      await page.check("#show-expected");
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, "report-isolation.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
    });
  });
});
