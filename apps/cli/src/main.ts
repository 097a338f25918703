#!/usr/bin/env node
/**
 * The `rtos-sim` executable: runs the command line and sets the exit code (see `ExitCode`).
 * @packageDocumentation
 */
// Stacks through the source maps of the built bundles (and of app files tsx compiles): the memory
// checker's source sites then name the apps' TypeScript lines, not positions in dist/*.js. Node
// reads the maps of modules loaded after this, so the CLI and the packages are imported below.
process.setSourceMapsEnabled(true);
const { runCli } = await import("./cli/cli.js");

// `rtos-sim run | head`: the reader went away; stop quietly like other shell tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2));

// An ES module (top-level await), though it exports nothing.
export {};
