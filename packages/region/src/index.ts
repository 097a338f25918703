/**
 * `@rtos-sim/region` (work in progress).
 * @packageDocumentation
 */
export type { PageObserver, PageRequest, PageSource } from "./page-source.js";
