/**
 * `@rtos-sim/kernel` (work in progress).
 * @packageDocumentation
 */
export const PACKAGE = "@rtos-sim/kernel";
