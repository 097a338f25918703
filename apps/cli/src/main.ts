#!/usr/bin/env node
/**
 * The `rtos-sim` executable: runs the command line and sets the exit code (see `ExitCode`).
 * @packageDocumentation
 */
import { runCli } from "./cli/cli.js";

// Stacks through the source maps of the built bundles (and of app files tsx compiles): the memory
// checker's source sites then name the apps' TypeScript lines, not positions in dist/*.js.
process.setSourceMapsEnabled(true);

// `rtos-sim run | head`: the reader went away; stop quietly like other shell tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
