/**
 * The rtos-sim CLI (work in progress).
 * @packageDocumentation
 */
export const CLI = "rtos-sim";
