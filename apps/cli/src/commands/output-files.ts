import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CliError } from "../cli/errors.js";

/** A file `run` is asked to write (`--trace FILE`, `--report FILE`), checked before the run. */
export interface OutputTarget {
  /** The option that names it, e.g. `--trace`. */
  readonly option: string;
  /** The path as given on the command line. */
  readonly value: string;
  /** The absolute path. */
  readonly file: string;
}

/** The temporary file an output is written to before it is renamed into place (same directory). */
function temporaryOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.rtos-sim-${process.pid}.tmp`);
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err.message ?? String(e)).split("\n")[0] ?? String(e);
}

/**
 * Checks an output option before anything runs: a file name is given, its directory exists and
 * a file can be created in it, and the path is not a directory or a read-only file. Returns null
 * when the option is absent. Throws {@link CliError} `USAGE_BAD_VALUE` (exit 2) for an empty
 * name, `OUTPUT_FILE` (exit 3) for a path that cannot be written, so a run is not made only to
 * fail at its end.
 */
export function outputTarget(cwd: string, option: string, value: unknown): OutputTarget | null {
  if (typeof value !== "string") return null;
  if (value.trim() === "") {
    throw new CliError("USAGE_BAD_VALUE", `${option} needs a file name, got ""`, { option, value }, "run");
  }
  const file = resolve(cwd, value);
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError("OUTPUT_FILE", `${option} ${value}: directory ${dir} does not exist`, { file }, "run");
  }
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) {
      throw new CliError("OUTPUT_FILE", `${option} ${value}: is a directory`, { file }, "run");
    }
    try {
      accessSync(file, constants.W_OK);
    } catch (e) {
      throw new CliError("OUTPUT_FILE", `${option} ${value}: cannot write ${file}: ${reason(e)}`, { file }, "run");
    }
  }
  // Create (and remove) the temporary file the output will be written to: a directory that
  // does not take new files (read-only, a pseudo file system) is found now, not after the run.
  const probe = temporaryOf(file);
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
  } catch (e) {
    throw new CliError("OUTPUT_FILE", `${option} ${value}: cannot write in ${dir}: ${reason(e)}`, { file }, "run");
  }
  return { option, value, file };
}

/**
 * Checks that the output files are distinct from each other and from the run's input files
 * (the app file, the board `.json` file): `--trace x --report x` would keep only one of them,
 * and `--report my-app.ts` would overwrite the app. Throws {@link CliError} `USAGE_BAD_VALUE`
 * (exit 2).
 */
export function checkOutputTargets(targets: readonly OutputTarget[], inputs: readonly string[] = []): void {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const same = targets.slice(0, i).find((o) => o.file === t.file);
    if (same) {
      throw new CliError(
        "USAGE_BAD_VALUE",
        `${same.option} and ${t.option} name the same file ${t.value}: give each its own file`,
        { file: t.file },
        "run",
      );
    }
    if (inputs.includes(t.file)) {
      throw new CliError(
        "USAGE_BAD_VALUE",
        `${t.option} ${t.value}: is an input of the run; writing it would overwrite it`,
        { file: t.file },
        "run",
      );
    }
  }
}

/** An output file and its text. */
export interface OutputWrite {
  /** Where it goes. */
  readonly target: OutputTarget;
  /** What it holds. */
  readonly text: string;
}

/**
 * Writes the output files all or none: each text goes to a temporary file in its target's
 * directory, and only when every one is written are they renamed into place. A failed write
 * (a full disk, a directory removed during the run) removes the temporary files and leaves the
 * targets as they were. Throws {@link CliError} `OUTPUT_FILE` (exit 3) naming the option and
 * the file.
 */
export function writeOutputs(writes: readonly OutputWrite[]): void {
  const written: string[] = [];
  const discard = () => {
    for (const tmp of written) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  };
  /** Does `step` for `target`; when it throws, removes the temporary files and says which file failed. */
  const attempt = (target: OutputTarget, step: () => void) => {
    try {
      step();
    } catch (e) {
      discard();
      throw new CliError(
        "OUTPUT_FILE",
        `${target.option}: cannot write ${target.file}: ${reason(e)}`,
        { file: target.file },
        "run",
      );
    }
  };
  for (const { target, text } of writes) {
    const tmp = temporaryOf(target.file);
    written.push(tmp);
    attempt(target, () => writeFileSync(tmp, text));
  }
  for (const [i, { target }] of writes.entries()) attempt(target, () => renameSync(written[i]!, target.file));
}
