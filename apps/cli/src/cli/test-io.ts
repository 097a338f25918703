/** For the in-process tests: the CLI run with its output captured (the spawned-process tests are in test/). */
import { runCli } from "./cli.js";
import type { Io } from "./io.js";

/** What an in-process run of the CLI did. */
export interface CapturedRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI in this process, in `cwd`, with standard output and error captured (terminals when `tty`). */
export async function runCaptured(args: readonly string[], cwd = process.cwd(), tty = false): Promise<CapturedRun> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    env: {},
    cwd,
  };
  const code = await runCli(args, io);
  return { code, out, err };
}
