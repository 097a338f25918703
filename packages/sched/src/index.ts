/**
 * `@rtos-sim/sched` (work in progress).
 * @packageDocumentation
 */
export const PACKAGE = "@rtos-sim/sched";
