#!/usr/bin/env node
/**
 * The `rtos-sim` executable: runs the command line and sets the exit code (see `ExitCode`).
 * @packageDocumentation
 */
import { runCli } from "./cli/cli.js";

process.exitCode = await runCli(process.argv.slice(2));
