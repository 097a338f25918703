/**
 * `@rtos-sim/alloc` (work in progress).
 * @packageDocumentation
 */
export const PACKAGE = "@rtos-sim/alloc";
