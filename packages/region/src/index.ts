/**
 * `@rtos-sim/region` (work in progress).
 * @packageDocumentation
 */
export const PACKAGE = "@rtos-sim/region";
