/**
 * The playground in headless Chromium (Debian's `chromium`, driven by playwright-core), served by
 * a local static file server as a reader's file server would: it loads with no console error
 * and no request outside the site, runs, pauses, steps, shows faults and checker reports (with
 * the CLI's source lines), runs an edited app, replaces a worker stuck in an app's endless
 * JavaScript loop, stops an async run that never settles, reproduces a run from its link, and
 * gives the trace hash `rtos-sim run` prints (flight; isolation and heap-bugs, whose faults and
 * reports carry source lines).
 * The isolation test keeps docs/images/playground.png (shown by docs/getting-started.md) current.
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ATTEMPTS } from "@rtos-sim/apps";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUCK_MS } from "../src/answer-watch.js";
import { EXAMPLE_APP } from "../src/example-app.js";
import { type StaticServer, serveStatic } from "./static-server.js";

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
const SITE = fileURLToPath(new URL("../dist/site", import.meta.url));
const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const SCREENSHOT = join(REPO, "docs/images/playground.png");

let server: StaticServer;
let context: BrowserContext;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`);
  }
  if (!existsSync(join(SITE, "index.html"))) throw new Error(`${SITE} is missing: run "pnpm build" (tsup) first`);
  server = await serveStatic(SITE);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "rtos-sim-playground-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
});

/**
 * A new page on `fragment`, with every console error or warning, page error and request off the
 * site collected, and the paths of the source maps it requested (the worker's too).
 */
async function open(fragment = ""): Promise<{ page: Page; problems: string[]; maps: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  const maps: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".map")) maps.push(new URL(r.url()).pathname);
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) problems.push(`request: ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  await page.goto(`${server.url}${fragment}`);
  return { page, problems, maps };
}

const state = (page: Page, s: "paused" | "running" | "finished") =>
  page.waitForSelector(`html[data-state=${s}]`, { timeout: 60_000 });

async function runToEnd(page: Page): Promise<string> {
  await state(page, "paused");
  await page.click("#run");
  await state(page, "finished");
  return (await page.textContent("#hash")) ?? "";
}

/** Pixels that may differ between two screenshots of the same view (anti-aliased corners). */
const MAX_NOISE_PIXELS = 200;

/** How many pixels differ between two PNG images (decoded in a blank page's canvas); all of them when the sizes differ. */
async function pixelsDiffering(a: Buffer, b: Buffer): Promise<number> {
  const page = await context.newPage();
  try {
    return (await page.evaluate(
      `(async () => {
      const load = (b64) => new Promise((ok, fail) => { const i = new Image(); i.onload = () => ok(i); i.onerror = fail; i.src = "data:image/png;base64," + b64; });
      const [x, y] = [await load(${JSON.stringify(a.toString("base64"))}), await load(${JSON.stringify(b.toString("base64"))})];
      if (x.width !== y.width || x.height !== y.height) return x.width * x.height;
      const c = new OffscreenCanvas(x.width, x.height);
      const g = c.getContext("2d", { willReadFrequently: true });
      g.drawImage(x, 0, 0);
      const p = g.getImageData(0, 0, x.width, x.height).data;
      g.clearRect(0, 0, x.width, x.height);
      g.drawImage(y, 0, 0);
      const q = g.getImageData(0, 0, x.width, x.height).data;
      let n = 0;
      for (let i = 0; i < p.length; i += 4) if (p[i] !== q[i] || p[i + 1] !== q[i + 1] || p[i + 2] !== q[i + 2]) n++;
      return n;
    })()`,
    )) as number;
  } finally {
    await page.close();
  }
}

/** What `rtos-sim run ...` prints, from the CLI's sources, run in `cwd` (paths in reports are relative to it). */
function cliOutput(args: readonly string[], cwd = join(REPO, "apps/cli")): Promise<string> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const main = join(REPO, "apps/cli/src/main.ts");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, main, "run", ...args], {
      cwd,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

/** The trace hash of a CLI run's summary. */
function hashOf(out: string): string {
  const m = /^trace hash ([0-9a-f]{16}) /m.exec(out);
  if (!m) throw new Error(`no trace hash in the CLI's output:\n${out}`);
  return m[1]!;
}

/** `rtos-sim run ...` from the CLI's sources: its summary's trace hash. */
async function cliHash(args: readonly string[]): Promise<string> {
  return hashOf(await cliOutput(args));
}

/** The source sites of the reports' SUMMARY lines (`file:line:column in fn`), in order. */
function summarySites(text: string): string[] {
  return [...text.matchAll(/SUMMARY: memcheck: [^\n]*?, (\S+:\d+:\d+ in \S+)/g)].map((m) => m[1]!);
}

describe("the playground in headless Chromium", () => {
  it("loads with no console error or network request; flight prints telemetry; the CLI's trace hash", async () => {
    const cli = cliHash(["flight", "--seed", "1"]);
    const { page, problems } = await open();
    await state(page, "paused");
    expect(await page.title()).toBe("rtos-sim playground");
    expect(await page.inputValue("#app")).toBe("flight");
    expect(await page.locator("#app option").allTextContents()).toEqual([
      "flight",
      "isolation",
      "heap-bugs",
      "alloc-stress",
      "mpu-demo",
      "priority-inversion",
      "stack-overflow",
      "dma",
      "your app (editor)",
    ]);
    const hash = await runToEnd(page);
    const consoleText = (await page.textContent("#console")) ?? "";
    expect(consoleText).toContain("telemetry| t=  100 ms | roll");
    expect(consoleText).toContain("telemetry| t=  900 ms | roll");
    expect(await page.textContent("#verdict")).toBe("OK");
    expect(await page.locator("#checks li.pass").count()).toBe(5);
    // The task table, as the HTML report shows it: the kernel's row and the four tasks', with stack peaks.
    expect(await page.locator("#tasks table.tasks tbody tr").count()).toBe(5);
    expect(await page.locator("#tasks table.tasks tbody tr").nth(1).textContent()).toContain("660 B (66%)");
    expect(await page.locator("#timeline svg rect.slice").count()).toBeGreaterThan(10);
    expect(await page.locator("#counters svg.counter-plot").count()).toBe(3);
    expect(await page.locator("#pages .page").count()).toBeGreaterThan(100);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash).toBe(await cli);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("pauses, steps one switch at a time (the current task and its MPU row change) and one millisecond", async () => {
    const { page, problems } = await open();
    await state(page, "paused");
    // A long run, so that it is surely paused half-way.
    await page.fill("#seed", "2");
    await page.fill("#duration", "20000");
    await page.locator("#duration").blur();
    await state(page, "paused");
    // An emptied seed box is an error, not seed 0.
    await page.fill("#seed", "");
    await page.locator("#seed").blur();
    await page.waitForFunction(() => document.getElementById("message")?.textContent?.startsWith("the seed must be"));
    expect(new URL(page.url()).hash).toBe("#app=flight&seed=2&duration=20000");
    // Run waits for a good value: it would run seed 2, which the box no longer shows.
    expect(await page.isDisabled("#run")).toBe(true);
    expect(await page.isDisabled("#step-switch")).toBe(true);
    await page.fill("#seed", "2");
    await page.locator("#seed").blur();
    await page.click("#run");
    await state(page, "running");
    await page.click("#run"); // Pause
    await state(page, "paused");
    const clockMs = async () => {
      const m = /^([\d.]+) (us|ms|s) of/.exec((await page.textContent("#clock")) ?? "");
      return Number(m?.[1]) * (m?.[2] === "s" ? 1000 : m?.[2] === "us" ? 1e-3 : 1);
    };
    expect(await clockMs()).toBeLessThan(20_000);
    const current = () => page.getAttribute("#current", "data-task");
    const switches = async () => Number(/(\d+) switches/.exec((await page.textContent("#current")) ?? "")?.[1]);
    const before = { task: await current(), switches: await switches() };
    await page.click("#step-switch");
    await page.waitForFunction(
      (n) => /(\d+) switches/.exec(document.getElementById("current")?.textContent ?? "")?.[1] !== String(n),
      before.switches,
    );
    const after = { task: await current(), switches: await switches() };
    expect(after.switches).toBe(before.switches + 1);
    expect(after.task).not.toBe(before.task);
    expect(await page.locator("#mpu svg .row.current").count()).toBe(2); // "MPU now" and the task's own row
    expect(await page.getAttribute(`#mpu svg .row.current[data-row="${after.task}"]`, "data-row")).toBe(after.task);
    expect(await page.textContent("#mpu svg .row.current .row-label")).toBe(`MPU now (${after.task})`);
    // Step 1 ms: simulated time moves on by at least a millisecond, in whole slices.
    const t0 = await clockMs();
    const shown = await page.textContent("#clock");
    await page.click("#step-ms");
    await page.waitForFunction((t) => document.getElementById("clock")?.textContent !== t, shown);
    expect((await clockMs()) - t0).toBeGreaterThanOrEqual(1);
    expect(await page.getAttribute("html", "data-state")).toBe("paused");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("isolation: every rogue attempt's fault with its CFSR, the CLI's trace hash; a shared link reproduces the run", async () => {
    // Faults carry their task's source line: masked in the hash, which is the CLI's.
    const cli = cliHash(["isolation", "--seed", "5"]);
    const { page, problems } = await open();
    await state(page, "paused");
    await page.selectOption("#app", "isolation");
    await page.fill("#seed", "5");
    await page.locator("#seed").blur();
    const hash = await runToEnd(page);
    const faulting = ATTEMPTS.filter((a) => a.expect.kind !== "refused").length; // the IPC attempt is refused
    expect(await page.textContent("#fault-count")).toBe(String(faulting));
    const faults = page.locator("#faults article.fault");
    expect(await faults.count()).toBe(faulting);
    expect(await page.locator("#faults article.fault.expected").count()).toBe(faulting);
    for (const text of await faults.allTextContents()) {
      expect(text).toMatch(/rogue/);
      expect(text).toMatch(/CFSR0x[0-9A-F]{8}|bad-pointer|checker|watchdog/);
    }
    expect(await page.locator("#faults table.fault-registers").count()).toBeGreaterThan(5);
    expect(await page.textContent("#faults")).toContain("DACCVIOL");
    expect(await page.textContent("#faults")).toContain("MMFAR");
    expect(hash).toBe(await cli);
    // docs/getting-started.md shows this view: rewrite the picture when it changed (a few
    // pixels of anti-aliasing that differ from run to run do not count).
    const shot = await page.screenshot();
    if (!existsSync(SCREENSHOT) || (await pixelsDiffering(readFileSync(SCREENSHOT), shot)) > MAX_NOISE_PIXELS) {
      writeFileSync(SCREENSHOT, shot);
    }
    expect(shot.length).toBeGreaterThan(50_000);
    // The link: app and seed in the fragment; opening it runs the same run.
    const url = page.url();
    expect(new URL(url).hash).toBe("#app=isolation&seed=5");
    const again = await open(new URL(url).hash);
    await state(again.page, "finished");
    expect(await again.page.textContent("#hash")).toBe(hash);
    expect([...problems, ...again.problems]).toEqual([]);
    await page.close();
    await again.page.close();
  });

  it("the edited example with an out-of-bounds write gets the checker's report; a syntax error shows its line", async () => {
    const { page, problems } = await open("#app=editor");
    await state(page, "finished"); // a link runs at once: the example as it is
    expect(await page.isVisible("#editor-panel")).toBe(true);
    expect(await page.inputValue("#source")).toBe(EXAMPLE_APP);
    expect(await page.textContent("#console")).toContain("worker   | tick 4");
    expect(await page.textContent("#fault-count")).toBe("1");
    expect(await page.textContent("#app-error")).toMatch(/^line 27 rogue at /); // the rogue's read, pointed at its line

    const free = "          yield* t.free(p);";
    await page.fill("#source", EXAMPLE_APP.replace(free, `          t.write32(p + 32, 1); // out of bounds\n${free}`));
    await state(page, "paused"); // reloaded after the edit
    await page.click("#run");
    await state(page, "finished");
    const report = page.locator("#checker article.checker-report").first();
    expect(await report.textContent()).toContain("heap-buffer-overflow");
    expect(await report.textContent()).toContain("Checker state around");
    expect(await page.textContent("#verdict")).toBe("PROBLEMS");
    // The edited source is in the link; opened, the link shows it and waits for Run.
    const link = new URL(page.url()).hash;
    expect(link).toMatch(/^#app=editor&src=/);
    const shared = await open(link);
    await state(shared.page, "paused");
    expect(await shared.page.inputValue("#source")).toContain("t.write32(p + 32, 1); // out of bounds");
    expect(await shared.page.textContent("#message")).toContain("read it, then press Run");
    await shared.page.click("#run");
    await state(shared.page, "finished");
    expect(await shared.page.textContent("#hash")).toBe(await page.textContent("#hash"));
    expect(shared.problems).toEqual([]);
    await shared.page.close();

    // A task in a JavaScript loop that never yields blocks the worker: the page replaces it
    // after STUCK_MS without an answer, and the next edit runs in the new worker.
    const spin = "          yield* t.sleep({ ms: 5 });";
    await page.fill("#source", EXAMPLE_APP.replace(spin, `${spin}\n          if (i === 2) for (;;) {}`));
    await state(page, "paused");
    await page.click("#run");
    await page.waitForSelector("html[data-state=error]", { timeout: STUCK_MS + 20_000 });
    expect(await page.textContent("#message")).toMatch(/^APP_STUCK: the app did not answer for 5 s/);
    await page.fill("#source", EXAMPLE_APP);
    await state(page, "paused");
    await page.click("#run");
    await state(page, "finished");
    expect(await page.textContent("#console")).toContain("worker   | tick 4");

    await page.fill("#source", "const a = 1;\nconst b = ;\n");
    await page.waitForSelector("#gutter .error");
    expect(await page.textContent("#gutter .error")).toBe("2");
    expect(await page.textContent("#app-error")).toContain("line 2");
    expect(await page.textContent("#message")).toContain("APP_SYNTAX");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("an app that fails: no stale status, Run loads it again, a later edit waits for Run; an edit is not the link's source", async () => {
    const { page, problems } = await open("#app=editor");
    await state(page, "finished");
    expect(await page.textContent("#clock")).toMatch(/ of 50\.000 ms$/);
    // A syntax error: nothing is loaded, so no clock, task or hash of the previous run.
    await page.fill("#source", "const a = 1;\nconst b = ;\n");
    await page.waitForSelector("html[data-state=error]");
    expect(await page.textContent("#clock")).toBe("-");
    expect(await page.textContent("#current")).toBe("");
    expect(await page.isHidden("#hash-box")).toBe(true);
    // Run tries again (the same error), and does not leave a Run pending for the next edit.
    const again = async (code: string) => {
      await page.evaluate(() => {
        document.getElementById("message")!.textContent = "";
      });
      await page.click("#run");
      await page.waitForFunction((c) => document.getElementById("message")?.textContent?.startsWith(c), code);
      expect(await page.getAttribute("html", "data-state")).toBe("error");
      expect(await page.textContent("#run")).toBe("Run");
    };
    await again("APP_SYNTAX");
    // A machine app whose run throws: typed here, so no "came with the link" message, and it waits for Run.
    await page.fill(
      "#source",
      "export default { name: 'm', summary: 'throws', run() { throw new Error('run fails'); } };\n",
    );
    await state(page, "paused");
    expect(await page.textContent("#message")).toBe("m: throws");
    await page.click("#run");
    await page.waitForSelector("html[data-state=error]");
    expect(await page.textContent("#message")).toBe("APP_FAILED: the app threw on line 1: run fails");
    // Run again runs it again from the start (it stayed "running" for ever: the old run was over).
    await again("APP_FAILED");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("an async app whose run never settles: APP_STUCK after the watch, and the worker runs the next edit", async () => {
    const { page, problems } = await open("#app=editor");
    await state(page, "finished");
    await page.fill(
      "#source",
      "export default { name: 'hang', summary: 'awaits forever', async run() { await new Promise(() => {}); } };\n",
    );
    await state(page, "paused");
    await page.click("#run");
    await state(page, "running");
    await page.waitForSelector("html[data-state=error]", { timeout: STUCK_MS + 20_000 });
    expect(await page.textContent("#message")).toBe(
      "APP_STUCK: the app's run() has not settled and no simulated time has passed for 5 s, so its run was stopped: does it await a promise that nothing resolves? Edit the app, or press Run to start again.",
    );
    expect(await page.textContent("#run")).toBe("Run");
    await page.fill("#source", EXAMPLE_APP);
    await state(page, "paused");
    await page.click("#run");
    await state(page, "finished");
    expect(await page.textContent("#console")).toContain("worker   | tick 4");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a 420 px wide window: one column, no sideways scroll of the page", async () => {
    const { page, problems } = await open("#app=mpu-demo");
    await page.setViewportSize({ width: 420, height: 860 });
    await state(page, "finished");
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      panels: [...document.querySelectorAll("main > .panel")].map((p) => Math.round(p.getBoundingClientRect().right)),
    }));
    expect(widths.page).toBe(420);
    expect(widths.panels.every((right) => right <= 420)).toBe(true);
    // The wide charts keep their labels readable and scroll inside their panel instead; the
    // status bar scrolls with the page rather than covering it.
    const charts = await page.evaluate(() =>
      ["#mpu", "#timeline"].map((id) => {
        const box = document.querySelector(id)!;
        const label = box.querySelector("svg text")!.getBoundingClientRect().height;
        return { label: Math.round(label), scrolls: box.scrollWidth > box.clientWidth };
      }),
    );
    expect(charts.every((c) => c.label >= 8 && c.scrolls)).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById("status")!).position)).toBe("static");
    // A hardware-level app has nothing to step: the disabled buttons say so.
    expect(await page.getAttribute("#step-ms", "title")).toMatch(/^a hardware-level app .* runs to its end in one go/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("heap-bugs: every checker report names the app's TypeScript line as the CLI does; the CLI's trace hash", async () => {
    const cli = cliOutput(["heap-bugs", "--seed", "3"], REPO); // paths from the repository's root
    const { page, problems, maps } = await open("#app=heap-bugs&seed=3");
    await state(page, "finished");
    const reports = page.locator("#checker article.checker-report");
    expect(await reports.count()).toBeGreaterThan(5);
    expect(await page.textContent("#verdict")).toBe("OK");
    const out = await cli;
    expect(await page.textContent("#hash")).toBe(hashOf(out));
    // The bundle's frames mapped through its source maps: the simulator's are skipped, and each
    // report names the app's line (not a minified position in a chunk), the CLI's.
    const sites = summarySites(out);
    expect(sites[0]).toMatch(/^apps\/workloads\/src\/heap-bugs\/app\.ts:\d+:\d+ in Object\.body$/);
    expect(sites.length).toBeGreaterThan(5);
    const shown = (await reports.allTextContents()).join("\n");
    expect(summarySites(shown)).toEqual(sites);
    expect(shown).not.toMatch(/\.js:\d+:\d+/);
    // Fetched when a report needed a site: the maps of the worker's scripts, once each.
    expect(maps.length).toBeGreaterThan(0);
    expect(new Set(maps).size).toBe(maps.length);
    expect(maps.every((m) => /^\/(worker|chunk-\w+)\.js\.map$/.test(m))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("an edited app with source sites: its reports name app.ts and the editor's line", async () => {
    const { page, problems } = await open("#app=editor");
    await state(page, "finished");
    const free = "          yield* t.free(p);";
    const source = EXAMPLE_APP.replace(free, `          t.write32(p + 32, 1);\n${free}`).replace(
      "  durationMs: 50,",
      "  durationMs: 50,\n  memcheck: { sourceSites: true },",
    );
    const line = source.split("\n").indexOf("          t.write32(p + 32, 1);") + 1;
    expect(line).toBe(19);
    await page.fill("#source", source);
    await state(page, "paused");
    await page.click("#run");
    await state(page, "finished");
    const report = (await page.locator("#checker article.checker-report").first().textContent()) ?? "";
    expect(summarySites(report)).toEqual([`app.ts:${line}:13 in main`]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a bad link says why, an alias board is shown by name, a control's error goes when its value is put back", async () => {
    const bad = await open("#app=nope&seed=5");
    await state(bad.page, "paused"); // the default run, loaded
    expect(await bad.page.textContent("#message")).toBe(
      'BAD_STATE: link: app "nope" is not a built-in app (nor editor): showing the default run instead',
    );
    expect(bad.problems).toEqual([]);
    await bad.page.close();

    const { page, problems } = await open("#app=flight&board=pico2&duration=20");
    await state(page, "finished");
    expect(await page.inputValue("#board")).toBe("rp2350");
    expect(await page.textContent("#message")).toContain("rtos-sim run flight --board rp2350 --seed 1 --duration 20");
    await page.fill("#seed", "-1");
    await page.press("#seed", "Tab");
    expect(await page.textContent("#message")).toBe("the seed must be an integer in 0..4294967295");
    await page.fill("#seed", "1"); // the run's own seed: nothing new to load, and no error left
    await page.press("#seed", "Tab");
    expect(await page.textContent("#message")).toContain("finished; the same run in the CLI");
    expect(await page.getAttribute("#message", "class")).toBe("");
    expect(new URL(page.url()).hash).toBe("#app=flight&board=rp2350&duration=20");
    // A fraction of a millisecond is a duration the page runs (as the CLI), so the box accepts it.
    await page.fill("#duration", "1.5");
    await page.press("#duration", "Tab");
    expect(await page.evaluate(() => (document.getElementById("duration") as HTMLInputElement).validity.valid)).toBe(
      true,
    );
    await state(page, "paused");
    expect(new URL(page.url()).hash).toBe("#app=flight&board=rp2350&duration=1.5");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the editor points at the app's bug, not at its rogue's planned fault; Esc then Tab leaves it; a stuck load", async () => {
    const { page, problems } = await open("#app=editor");
    await state(page, "finished");
    const free = "          yield* t.free(p);";
    const source = EXAMPLE_APP.replace(free, `${free}\n          undefinedFn();`);
    await page.fill("#source", source);
    await state(page, "paused");
    await page.click("#run");
    await state(page, "finished");
    const line = source.split("\n").indexOf("          undefinedFn();") + 1;
    expect(await page.textContent("#app-error")).toMatch(
      new RegExp(`^line ${line} worker at .*: task "worker" threw ReferenceError: undefinedFn is not defined$`),
    );
    expect(await page.textContent("#gutter .error")).toBe(String(line));
    // The keyboard: Esc then Tab goes on from the editor to the line's button, Enter selects the
    // line; there Tab indents (it stays in the editor).
    await page.focus("#source");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("tag line");
    await page.keyboard.press("Enter");
    expect(
      await page.evaluate(() => {
        const area = document.getElementById("source") as HTMLTextAreaElement;
        return document.activeElement === area ? area.value.slice(area.selectionStart, area.selectionEnd) : null;
      }),
    ).toBe("          undefinedFn();");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("source");
    expect(await page.inputValue("#source")).toBe(source.replace("          undefinedFn();", "  "));
    // A loop at the module's top level: the load never answers, and the page says so.
    await page.fill("#source", "for (;;) {}\nexport default {};\n");
    await page.waitForSelector("html[data-state=error]", { timeout: STUCK_MS + 20_000 });
    expect(await page.textContent("#message")).toMatch(/^APP_STUCK: the app did not finish loading in 5 s/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("the checks' pass markers stay inside their panel", async () => {
    const { page, problems } = await open("#app=flight&duration=200");
    await state(page, "finished");
    const room = await page.evaluate(() => {
      const li = document.querySelector("#checks li.pass")!;
      const marker = getComputedStyle(li, "::marker");
      const probe = document.createElement("span");
      probe.style.cssText = `font: ${marker.font}; white-space: pre; position: absolute`;
      probe.textContent = "pass  ";
      document.body.append(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      const panel = document.getElementById("checks-panel")!.getBoundingClientRect().left;
      return { width, room: li.getBoundingClientRect().left - panel };
    });
    expect(room.width).toBeGreaterThan(20);
    expect(room.room).toBeGreaterThan(room.width);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("flight (no source sites) fetches no source map", async () => {
    const { page, problems, maps } = await open("#app=flight&duration=200");
    await state(page, "finished"); // a link runs at once
    expect(maps).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
