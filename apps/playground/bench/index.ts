/**
 * Playground benchmark: the same 1-second `flight` run (seed 1, checker on, STM32F407) in
 * headless Chromium, through the playground's own worker (as the Run button does it: bursts of
 * slices, live updates to the page, the trace hash at the end), against Node running it through
 * the CLI's harness (`prepareRun`, the app's run, `finishRun`, the trace hash). One operation is
 * one simulated millisecond. Target: Chromium within 1.5x of Node's wall time (throughput ratio >= 0.667).
 *
 * Needs the built page (`tsup`, which `pnpm bench` runs first) and Debian's `chromium`; without
 * the browser the Chromium row is left out with a line saying so.
 *
 * Run: `cd apps/playground && pnpm bench` (builds the page first).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findApp, finishRun, prepareRun, runnableApp, traceHash } from "@rtos-sim/apps";
import { benchMain, type Measurement, measure, row } from "@rtos-sim/bench-kit";
import { STM32F407 } from "@rtos-sim/hw";
import { chromium } from "playwright-core";
import { serveStatic } from "../test/static-server.js";

const CHROMIUM = "/usr/bin/chromium";
const SITE = fileURLToPath(new URL("../dist/site", import.meta.url));
/** Simulated milliseconds per run. */
const SIM_MS = 1000;
const WARMUP = 2;
const RUNS = 5;

function node(): Measurement {
  const app = runnableApp(findApp("flight")!);
  return measure(
    "flight 1 s in Node (the CLI's run harness)",
    SIM_MS,
    () => {
      const prepared = prepareRun(app, STM32F407, { seed: 1, durationMs: SIM_MS, memcheck: true });
      void app.run(prepared.ctx);
      return traceHash(finishRun(prepared, 0)).length;
    },
    { warmup: WARMUP, runs: RUNS },
  );
}

/** The page's own worker, driven from the page: load, run, wait for the end; wall time measured in the page. */
async function browser(): Promise<Measurement> {
  if (!existsSync(join(SITE, "worker.js"))) throw new Error(`${SITE} is not built: run "npx tsup" first`);
  const server = await serveStatic(SITE);
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "rtos-sim-bench-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.url}index.html`);
    // A string, not a function: the page must not see the helpers tsx adds to compiled functions.
    const times = (await page.evaluate(`(async () => {
      const worker = new Worker("worker.js", { type: "module" });
      const state = { app: "flight", board: null, seed: 1, durationMs: ${SIM_MS}, memcheck: true, source: null };
      const until = (id, type) => new Promise((resolve, reject) => {
        worker.onmessage = (e) => {
          if (e.data.type === "error") reject(new Error(e.data.message));
          else if (e.data.id === id && e.data.type === type) resolve();
        };
      });
      const out = [];
      for (let i = 1; i <= ${WARMUP + RUNS}; i++) {
        const loaded = until(i, "loaded");
        worker.postMessage({ type: "load", id: i, state });
        await loaded;
        const finished = until(i, "finished");
        const t0 = performance.now();
        worker.postMessage({ type: "run" });
        await finished;
        out.push(performance.now() - t0);
      }
      worker.terminate();
      return out;
    })()`)) as number[];
    const rates = times.slice(WARMUP).map((ms) => SIM_MS / (ms / 1000));
    const sorted = [...rates].sort((a, b) => a - b);
    return {
      name: "flight 1 s in headless Chromium (the playground's worker, live updates on)",
      ops: SIM_MS,
      opsPerSec: sorted[Math.floor(sorted.length / 2)] ?? 0,
      runs: rates,
    };
  } finally {
    await context.close();
    await server.close();
  }
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.argv.includes("--case")) {
  process.stderr.write(
    `  playground: chromium not installed (${CHROMIUM}): the Chromium/Node row is skipped (apt-get install -y chromium)\n`,
  );
}
const realTime = (opsPerSec: number) => `${Math.round(opsPerSec / 1000)}x`;

benchMain("playground", hasChromium ? { node, browser } : { node }, (r) => [
  {
    group: "the same 1-second flight run in Chromium and in Node (simulated ms per second)",
    baseline: r.node!.name,
    rows: [
      row(r.node!, r.node!, undefined, { "x real time": realTime(r.node!.opsPerSec) }),
      ...(r.browser
        ? [
            row(
              r.browser,
              r.node!,
              { ratio: 0.667 },
              {
                "x real time": realTime(r.browser.opsPerSec),
                "Chromium wall / Node wall": `${(r.node!.opsPerSec / r.browser.opsPerSec).toFixed(2)}x`,
              },
            ),
          ]
        : []),
    ],
  },
]);
