/**
 * Benchmark harness for rtos-sim packages (tooling; not published).
 * @packageDocumentation
 */

/** The standard trace's generator, re-exported from `@rtos-sim/prng` for the benchmarks. */
export { mulberry32 } from "@rtos-sim/prng";
export type { BenchRegion, RegionProgrammer, WordAccess } from "./access.js";
export {
  ACCESS,
  ACCESS_OPS,
  accessLoop,
  PAIRED_RUNS,
  programEightRegions,
  randomWordOffsets,
  rawAccessBaseline,
  rawAccessRun,
} from "./access.js";
export type { InlineCheckCore, InlineCheckOptions } from "./checks-inline.js";
export { checksInlineRun } from "./checks-inline.js";
export { benchMain, DEFAULT_PROCESSES, medianDraw } from "./isolate.js";
export type { BaselineRun, Measurement, MeasureOptions, PairedBaseline } from "./measure.js";
export { globalSink, MIN_BASELINE_MS, measure } from "./measure.js";
export type { BenchGroup, BenchRow, LoadAverages } from "./report.js";
export { formatLoad, loadNow, MARGIN, publish, renderTable, resultsDir, row } from "./report.js";
export type { TraceOps } from "./trace.js";
export { replay, STANDARD_SEED, standardTrace } from "./trace.js";
