/** Runs the CLI as a user does: a spawned `node` process on the TypeScript sources (no build needed). */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** apps/cli. */
export const CLI_DIR = fileURLToPath(new URL("..", import.meta.url));
/** The repository root. */
export const REPO_DIR = fileURLToPath(new URL("../../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** What a CLI process did. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spawns `node --conditions=source --import tsx src/main.ts ...args` and collects its output.
 * Standard output and error are pipes (not terminals), so no colours and no progress bar.
 */
export function rtosSim(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    /** Sends SIGINT (Ctrl-C) once standard output has this text. */
    interruptOn?: string;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", TSX, MAIN, ...args], {
      cwd: options.cwd ?? CLI_DIR,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let interrupted = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (!interrupted && options.interruptOn !== undefined && stdout.includes(options.interruptOn)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = "rtos-sim-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}
