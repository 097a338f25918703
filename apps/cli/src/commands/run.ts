import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
import type { RunResult } from "@rtos-sim/apps";
import {
  AppError,
  DEFAULT_APP,
  faultCause,
  finishRun,
  formatShare,
  formatTime,
  hex32,
  prepareRun,
  traceHash,
} from "@rtos-sim/apps";
import { actorTask, Fault, SimError } from "@rtos-sim/hw";
import { errorLine, resolveApp } from "../apps/loader.js";
import type { CommandContext, CommandSpec } from "../cli/command.js";
import { CliError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { Io } from "../cli/io.js";
import { parseDuration, parseSeed } from "../cli/values.js";
import { formatSummary } from "../output/human.js";
import { printable } from "../output/printable.js";
import { buildTrace } from "../output/trace.js";
import { renderReport } from "../report/html.js";
import { checkOutputTargets, type OutputTarget, outputTarget, writeOutputs } from "./output-files.js";
import { guardedRun, runStop } from "./run-guard.js";
import { boardOrThrow, JSON_OPTION, jsonText } from "./shared.js";

/** Default `--seed`. */
export const DEFAULT_SEED = 1;

/** Sends console.log/info/debug to standard error until the returned function is called. */
function divertConsole(io: Io): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toErr = (...args: unknown[]) =>
    io.err(`${args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" ")}\n`);
  console.log = toErr;
  console.info = toErr;
  console.debug = toErr;
  return () => {
    console.log = saved.log;
    console.info = saved.info;
    console.debug = saved.debug;
  };
}

/**
 * A promise that rejects when Node's event loop runs dry while an app's `run(ctx)` is still
 * pending (`beforeExit`): nothing is left that could settle it (a promise never resolved, an
 * `await` on nothing). Without this the process ended silently with Node's exit code 13. For an
 * app file it is {@link CliError} `APP_FAILED` (exit 3); for a built-in app, a bug (exit 4).
 */
function whenStalled(name: string, file: string | null): { promise: Promise<never>; cancel(): void } {
  let onBeforeExit = () => {};
  const promise = new Promise<never>((_, reject) => {
    onBeforeExit = () => {
      const what = `app ${name}${file ? ` (${file})` : ""} never finished: its run(ctx) returned a promise that nothing is left to settle`;
      reject(file ? new CliError("APP_FAILED", what, { file }, "run") : new Error(what));
    };
    process.once("beforeExit", onBeforeExit);
  });
  return { promise, cancel: () => process.off("beforeExit", onBeforeExit) };
}

/**
 * When the simulated clock last moved, in wall time, seen at the run's progress reports (a
 * kernel app reports every 5 ms of simulated time): a run stopped by `--timeout` is a task stuck
 * in a JavaScript loop when the clock stood still for the last quarter of the limit (at least
 * 0.5 s), else a run too long for the limit. An app that reports no progress (a machine app)
 * is never known to be moving.
 */
function paceWatch(clockUs: () => number, wall0: number): { seen(): void; moving(timeoutMs: number): boolean } {
  let us = 0;
  let wall = wall0;
  return {
    seen() {
      const now = clockUs();
      if (now > us) {
        us = now;
        wall = performance.now();
      }
    },
    moving(timeoutMs) {
      return us > 0 && performance.now() - wall < Math.max(500, timeoutMs / 4);
    },
  };
}

/** A progress bar on standard error (TTY only), redrawn when the whole percentage changes. */
function progressBar(io: Io): { update(f: number): void; clear(): void } {
  let shown = -1;
  return {
    update(f) {
      const pct = Math.floor(f * 100);
      if (pct === shown) return;
      shown = pct;
      const filled = Math.round(pct / 4);
      io.err(`\r[${"#".repeat(filled)}${" ".repeat(25 - filled)}] ${String(pct).padStart(3)}%`);
    },
    clear() {
      if (shown >= 0) io.err(`\r${" ".repeat(34)}\r`);
    },
  };
}

async function runApp(cx: CommandContext): Promise<number> {
  const { io, values, positionals, style } = cx;
  const json = values.json === true;
  // Validate every option before loading anything.
  const durationArg = typeof values.duration === "string" ? parseDuration(values.duration) : null;
  const timeoutMs = typeof values.timeout === "string" ? parseDuration(values.timeout, "--timeout") : null;
  const seed = typeof values.seed === "string" ? parseSeed(values.seed) : DEFAULT_SEED;
  const memcheckFlag = cx.order.filter((o) => o === "memcheck" || o === "no-memcheck").at(-1);
  const traceTarget = outputTarget(io.cwd, "--trace", values.trace);
  const reportTarget = outputTarget(io.cwd, "--report", values.report);
  const targets = [traceTarget, reportTarget].filter((t): t is OutputTarget => t !== null);
  checkOutputTargets(targets);
  const resolved = await resolveApp(positionals[0] ?? DEFAULT_APP, io.cwd);
  const { app } = resolved;
  const boardName = typeof values.board === "string" ? values.board : (app.defaultBoard ?? "stm32f407");
  const board = boardOrThrow(boardName, "run", io.cwd);
  // A board read from a .json file is input: a typed error a built-in app meets on it (a kernel app
  // needs a `uart` role and room for its kernel block) is bad input, not a bug of rtos-sim.
  const boardFile = boardName.toLowerCase().endsWith(".json") ? boardName : null;
  checkOutputTargets(targets, [
    ...(resolved.file === null ? [] : [resolved.file]),
    ...(boardFile === null ? [] : [resolve(io.cwd, boardFile)]),
  ]);
  const durationMs = durationArg ?? app.defaultDurationMs ?? 1000;
  // The last of --memcheck / --no-memcheck wins; without either, the app's default (on when it has none).
  const memcheck = memcheckFlag === undefined ? (app.defaultMemcheck ?? true) : memcheckFlag === "memcheck";

  // Source sites in checker reports are shown relative to the working directory.
  const showReachable = values["show-reachable"] === true;
  const options = { seed, durationMs, memcheck, sourceRoot: io.cwd, ...(showReachable ? { showReachable } : {}) };
  const prepared = prepareRun(app, board, options, resolved);
  const { ctx, record } = prepared;
  const bar = !json && io.stderrIsTTY ? progressBar(io) : null;
  const pace = paceWatch(() => record.clock(), performance.now());
  record.listener = { progress: () => pace.seen() };
  if (!json) {
    io.out(
      `${style.bold(`rtos-sim run ${app.name}`)} on ${board.name}, ${formatTime(durationMs * 1000)}, seed ${seed}\n`,
    );
    const width = 8;
    record.listener = {
      uart: (line, task) => {
        bar?.clear();
        io.out(
          `${style.dim(formatTime(line.t).padStart(12))}  ${style.cyan(task.padEnd(width))} | ${printable(line.text)}\n`,
        );
      },
      note: (t, task, text) => {
        bar?.clear();
        io.out(`${style.dim(formatTime(t).padStart(12))}  ${task.padEnd(width)}   ${style.dim(printable(text))}\n`);
      },
      fault: (f) => {
        bar?.clear();
        // The exception taken, as the summary names it; an escalated fault says from what.
        const cause = faultCause(f);
        // A hardware fault the kernel diagnosed (a stack overflow into the guard, STKOF, a corrupt SP)
        // leads with the kind an app's expectFault sees, as the kernel's own faults do.
        const plain = f.faultStatusRegisters ? f.cause : f.exceptionName;
        const diagnosed = f.hardware && f.kind !== plain.toLowerCase() ? `${f.kind}: ` : "";
        const what = f.hardware
          ? `${diagnosed}${cause} ${f.cfsrNames.join("|")} on ${f.access.kind} at ${hex32(f.access.address)}`
          : `${f.kind}: ${printable(f.message)}`;
        io.out(
          `${style.dim(formatTime(f.t).padStart(12))}  ${f.taskName.padEnd(width)}   ${
            f.expected ? style.yellow(`fault: ${what} (expected)`) : style.red(`FAULT: ${what}`)
          }\n`,
        );
      },
      progress: (f: number) => {
        pace.seen();
        bar?.update(f);
      },
    };
  }
  const wall0 = performance.now();
  // With --json, standard output carries the one JSON document: an app's console.log goes to stderr.
  const restore = json ? divertConsole(io) : () => {};
  const stall = whenStalled(app.name, resolved.file);
  try {
    await Promise.race([guardedRun(() => app.run(ctx), timeoutMs), stall.promise]);
  } catch (e) {
    restore();
    bar?.clear();
    const stop = runStop(e);
    if (stop !== null) {
      const task = record.running === null ? "" : ` in task ${record.taskName(record.running)}`;
      const at = `at simulated t=${formatTime(record.clock())}${task}`;
      const moving = stop === "timeout" && pace.moving(timeoutMs ?? 0);
      const limit = `app ${app.name} did not finish within --timeout ${values.timeout} of wall time`;
      const speed = record.clock() / 1000 / (performance.now() - wall0);
      throw new CliError(
        stop === "timeout" ? "APP_TIMEOUT" : "INTERRUPTED",
        stop === "interrupt"
          ? `interrupted (Ctrl-C) ${at}, while app ${app.name} ran`
          : moving
            ? `${limit}: it was still running, at simulated t=${formatTime(record.clock())} of ${formatTime(durationMs * 1000)} (${formatShare(record.clock() / (durationMs * 1000))}, about ${speed >= 10 ? speed.toFixed(0) : speed.toFixed(1)}x real time); give it a longer --timeout or a shorter --duration`
            : `${limit} (stopped ${at}): a task in a JavaScript loop that never yields and touches no simulated memory? (no simulated time passes, so no watchdog fires)`,
        { stop, simulatedUs: record.clock(), ...(stop === "timeout" ? { stuck: !moving } : {}) },
        "run",
      );
    }
    if (e instanceof Fault) {
      const task = actorTask(prepared.machine.core.actor);
      record.fault(e, { task: task === 0 ? 0 : task, note: "not handled by the app" });
      record.crash(`the app stopped on an unhandled fault: ${e.message}`);
    } else if (e instanceof CliError) {
      throw e;
    } else if (e instanceof AppError) {
      throw new CliError("APP_FAILED", e.detail, { code: e.code, ...e.context }, "run");
    } else if (resolved.source === "file") {
      throw new CliError(
        "APP_FAILED",
        `app ${app.name} (${resolved.file}) failed: ${errorLine(e)}`,
        { file: resolved.file, stack: e instanceof Error ? e.stack : undefined },
        "run",
      );
    } else if (boardFile !== null && e instanceof SimError) {
      throw new CliError(
        "APP_FAILED",
        `app ${app.name} cannot run on board ${board.name} (${boardFile}): ${e.message}`,
        { board: board.name, file: boardFile, cause: e.code },
        "run",
      );
    } else {
      throw e;
    }
  } finally {
    stall.cancel();
  }
  restore();
  bar?.clear();
  const wallMs = performance.now() - wall0;
  const result: RunResult = finishRun(prepared, wallMs);
  // Hashed once: the summary, the JSON, the trace and the report all carry it.
  const hash = traceHash(result);
  // Both files or neither: a write that fails leaves no partial file and no half of the pair.
  writeOutputs([
    ...(traceTarget ? [{ target: traceTarget, text: `${JSON.stringify(buildTrace(result, hash))}\n` }] : []),
    ...(reportTarget ? [{ target: reportTarget, text: renderReport(result, hash) }] : []),
  ]);
  if (json) {
    // The trace hash the summary prints, beside the result it is computed from.
    io.out(jsonText({ ...result, traceHash: hash }));
  } else {
    io.out(formatSummary(result, style, hash));
    if (traceTarget)
      io.out(`trace written to ${traceTarget.file} (open it in https://ui.perfetto.dev or chrome://tracing)\n`);
    if (reportTarget) io.out(`report written to ${reportTarget.file} (open it in a browser)\n`);
  }
  return result.verdict.ok ? ExitCode.Ok : ExitCode.Problems;
}

/** `rtos-sim run [app|file]`: runs an app on a simulated board. */
export const runCommand: CommandSpec = {
  name: "run",
  summary: `run an app on a simulated board (default: ${DEFAULT_APP})`,
  usage:
    "run [app|file] [--board B] [--seed N] [--duration D] [--memcheck|--no-memcheck] [--show-reachable] [--json] [--trace FILE] [--report FILE] [--timeout D]",
  description: [
    `Runs a built-in app (see rtos-sim apps; default ${DEFAULT_APP}) or your own app file (.ts, .mts, .js,`,
    ".mjs...; its default or `app` export: a machine app { name, summary, run(ctx) } or a kernel app",
    "{ name, description, tasks }). Tasks' UART output is shown as it happens, then a summary table",
    "(task, state, CPU share, and for kernel apps jobs, response max, jitter, missed deadlines",
    "and stack and heap peaks; faults, memory held) with the CPU load, every fault decoded (CFSR bits,",
    "MMFAR/BFAR, the task's MPU regions), checker reports and the app's checks.",
    "",
    "Faults the app plans (a rogue task being stopped) are 'expected' and do not fail the run;",
    "an unexpected fault, a checker error or a failed check gives exit code 1.",
    "",
    "Durations: 2s, 500ms, 1.5s, 2m, 250us, or a bare number of milliseconds (10000); at most 60m.",
  ],
  minPositionals: 0,
  maxPositionals: 1,
  options: {
    board: {
      type: "string",
      value: "B",
      description: "board name or alias (see rtos-sim boards), or a board .json file; default: the app's",
    },
    seed: {
      type: "string",
      value: "N",
      description: `seed of the run's PRNG, 0..4294967295 (default ${DEFAULT_SEED})`,
    },
    duration: {
      type: "string",
      value: "D",
      description: "simulated time to run, e.g. 2s, 500ms, 250us, 10000 (default: the app's)",
    },
    memcheck: { type: "boolean", description: "run with the memory checker (the default unless the app turns it off)" },
    "no-memcheck": { type: "boolean", description: "run without the memory checker" },
    "show-reachable": {
      type: "boolean",
      description: "list still-reachable blocks at the leak check (warnings; Valgrind's --show-leak-kinds=all)",
    },
    json: JSON_OPTION,
    trace: {
      type: "string",
      value: "FILE",
      description: "write a Chrome trace-event file (Perfetto, chrome://tracing)",
    },
    report: { type: "string", value: "FILE", description: "write a self-contained HTML report" },
    timeout: {
      type: "string",
      value: "D",
      description: "stop a run that takes longer than D of wall time, e.g. 30s (default: none; Ctrl-C stops it too)",
    },
  },
  examples: [
    "rtos-sim run",
    "rtos-sim run mpu-demo --board stm32h743 --duration 2s",
    "rtos-sim run --json | jq .verdict",
    "rtos-sim run ./my-app.ts --seed 7 --trace trace.json --report report.html",
  ],
  run: runApp,
};
