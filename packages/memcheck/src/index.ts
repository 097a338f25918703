/**
 * `@rtos-sim/memcheck` (work in progress).
 * @packageDocumentation
 */
export const PACKAGE = "@rtos-sim/memcheck";
